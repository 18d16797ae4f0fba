import { toError } from "../util/errors.js";
/**
 * What `/ready` reports: conditions the service needs to serve (migrations applied, loops
 * running, …) and dependency outages by name. Outages are listed, they never stop the process.
 */
export interface ReadinessReport {
  ready: boolean;
  reasons: string[];
  dependencies: Record<string, { ok: boolean; detail?: string; since: string }>;
}

interface DependencyState {
  ok: boolean;
  detail?: string;
  since: number;
}

export class Readiness {
  readonly #conditions = new Map<string, string | undefined>();
  readonly #dependencies = new Map<string, DependencyState>();
  readonly #checks = new Map<string, () => Promise<string | undefined>>();

  /** A condition that blocks readiness until `met(name)`; `reason` says what is missing. */
  require(name: string, reason: string): void {
    this.#conditions.set(name, reason);
  }

  met(name: string): void {
    this.#conditions.set(name, undefined);
  }

  unmet(name: string, reason: string): void {
    this.#conditions.set(name, reason);
  }

  /** A live check run on each `/ready` call; resolves to a reason when not ready. */
  addCheck(name: string, check: () => Promise<string | undefined>): void {
    this.#checks.set(name, check);
  }

  /** Records a dependency's state; `since` changes only when the state flips. */
  dependency(name: string, ok: boolean, detail?: string): void {
    const prev = this.#dependencies.get(name);
    const since = prev && prev.ok === ok ? prev.since : Date.now();
    this.#dependencies.set(name, { ok, detail, since });
  }

  async report(): Promise<ReadinessReport> {
    const reasons: string[] = [];
    for (const [name, reason] of this.#conditions) {
      if (reason !== undefined) reasons.push(`${name}: ${reason}`);
    }
    const results = await Promise.all(
      [...this.#checks].map(async ([name, check]) => {
        try {
          const reason = await check();
          return reason === undefined ? undefined : `${name}: ${reason}`;
        } catch (err) {
          return `${name}: ${toError(err).message}`;
        }
      }),
    );
    for (const r of results) if (r) reasons.push(r);
    const dependencies: ReadinessReport["dependencies"] = {};
    for (const [name, d] of this.#dependencies) {
      dependencies[name] = { ok: d.ok, detail: d.detail, since: new Date(d.since).toISOString() };
    }
    return { ready: reasons.length === 0, reasons, dependencies };
  }
}
