import { z } from "zod";
import { TARGETS, type Target } from "./http/types.js";

export const faultSpecSchema = z.object({
  target: z.enum(TARGETS as [Target, ...Target[]]),
  mode: z.enum(["latency", "hang", "error", "rate_limit", "down"]),
  latency_ms: z.number().int().min(0).max(600_000).optional(),
  probability: z.number().min(0).max(1).default(1),
  status: z.number().int().min(400).max(599).optional(),
  retry_after: z.number().int().min(0).max(3600).optional(),
  duration_ms: z.number().int().positive().optional(),
  methods: z.array(z.string().min(1)).optional(),
});

export type FaultSpec = z.infer<typeof faultSpecSchema>;
export type FaultMode = FaultSpec["mode"];

export interface ActiveFault extends FaultSpec {
  id: number;
  /** Epoch ms after which the fault no longer applies; null = until cleared. */
  expires_at: number | null;
}

/** What the server must do with one stand-in request. */
export interface FaultDecision {
  latencyMs: number;
  action:
    | { kind: "none" }
    | { kind: "hang" }
    | { kind: "down" }
    | { kind: "error"; status: number }
    | { kind: "rate_limit"; retryAfter: number };
}

const DEFAULT_LATENCY_MS = 1000;
const DEFAULT_RETRY_AFTER_S = 5;

export interface FaultRegistryDeps {
  random?: () => number;
  now?: () => number;
  /**
   * Methods a latency fault skips unless its `methods` names them: delaying a long poll only
   * lengthens a wait that is already meant to be long, and would hide the fault's real effect.
   */
  latencyExempt?: Partial<Record<Target, readonly string[]>>;
}

export class FaultRegistry {
  private faults: ActiveFault[] = [];
  private nextId = 1;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly latencyExempt: Partial<Record<Target, readonly string[]>>;

  constructor(deps: FaultRegistryDeps = {}) {
    this.random = deps.random ?? Math.random;
    this.now = deps.now ?? Date.now;
    this.latencyExempt = deps.latencyExempt ?? {};
  }

  add(spec: FaultSpec): ActiveFault {
    const fault: ActiveFault = {
      ...spec,
      id: this.nextId++,
      expires_at: spec.duration_ms === undefined ? null : this.now() + spec.duration_ms,
    };
    this.faults.push(fault);
    return fault;
  }

  list(): ActiveFault[] {
    this.purgeExpired();
    return [...this.faults];
  }

  clear(target?: Target): void {
    this.faults = target === undefined ? [] : this.faults.filter((f) => f.target !== target);
  }

  /**
   * Latency faults add up; of the other faults, the first one (in order of injection) whose
   * probability roll hits decides.
   */
  decide(target: Target, method: string): FaultDecision {
    this.purgeExpired();
    const decision: FaultDecision = { latencyMs: 0, action: { kind: "none" } };
    const lower = method.toLowerCase();
    for (const fault of this.faults) {
      if (fault.target !== target) continue;
      if (fault.methods && !fault.methods.some((m) => matchesMethod(m, lower))) continue;
      if (
        fault.mode === "latency" &&
        !fault.methods &&
        this.latencyExempt[target]?.some((m) => m.toLowerCase() === lower)
      ) {
        continue;
      }
      if (this.random() >= fault.probability) continue;
      if (fault.mode === "latency") {
        decision.latencyMs += fault.latency_ms ?? DEFAULT_LATENCY_MS;
        continue;
      }
      if (decision.action.kind !== "none") continue;
      decision.action = toAction(fault);
    }
    return decision;
  }

  private purgeExpired(): void {
    const now = this.now();
    this.faults = this.faults.filter((f) => f.expires_at === null || f.expires_at > now);
  }
}

function matchesMethod(pattern: string, lowerMethod: string): boolean {
  const p = pattern.toLowerCase().replace(/^\/+/, "");
  return p === lowerMethod;
}

function toAction(fault: ActiveFault): FaultDecision["action"] {
  switch (fault.mode) {
    case "hang":
      return { kind: "hang" };
    case "down":
      return { kind: "down" };
    case "error":
      return { kind: "error", status: fault.status ?? 500 };
    case "rate_limit":
      return { kind: "rate_limit", retryAfter: fault.retry_after ?? DEFAULT_RETRY_AFTER_S };
    default:
      return { kind: "none" };
  }
}
