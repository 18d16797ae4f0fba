import { mkdirSync, readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { toError } from "../util/errors.js";

/** The file's layout version; a file of another version is ignored (the stand-ins start empty). */
const STATE_FILE_VERSION = 1;

/** Name of the state file inside its directory. */
export const STATE_FILE_NAME = "sandbox-state.json";

export interface StateFileOptions<S extends object> {
  /** The state file; its directory is created if missing. */
  path: string;
  logger: Logger;
  /** What to write: the stand-ins' state as plain JSON values. */
  snapshot: () => S;
  /** Quiet time after the last change before writing. Default 200 ms. */
  debounceMs?: number;
  /** Longest a change waits while changes keep coming. Default 1 000 ms. */
  maxDelayMs?: number;
}

/**
 * The stand-ins' state on disk, so that a restarted sandbox continues where it was. Writes are
 * debounced (a burst of changes is one write), go to a temporary file renamed over the old one
 * (a crash mid-write leaves the previous state, never half a file), run one at a time, and are
 * skipped when nothing changed since the last write.
 */
export class SandboxStateFile<S extends object> {
  private timer: NodeJS.Timeout | null = null;
  private firstPendingAt: number | null = null;
  /** The state as last written (or loaded), to skip writes that change nothing. */
  private lastState: string | null = null;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly debounceMs: number;
  private readonly maxDelayMs: number;

  constructor(private readonly opts: StateFileOptions<S>) {
    this.debounceMs = opts.debounceMs ?? 200;
    this.maxDelayMs = opts.maxDelayMs ?? 1_000;
    mkdirSync(path.dirname(opts.path), { recursive: true });
  }

  get path(): string {
    return this.opts.path;
  }

  /**
   * The saved state, or undefined when there is none or it cannot be used (unreadable, not
   * JSON, another layout version): then the stand-ins start empty and the reason is logged.
   */
  load(): S | undefined {
    let text: string;
    try {
      text = readFileSync(this.opts.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      this.opts.logger.warn(
        { path: this.opts.path, err: toError(err).message },
        "sandbox state unreadable; the stand-ins start empty",
      );
      return undefined;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (
        typeof parsed !== "object" ||
        parsed === null ||
        !("version" in parsed) ||
        parsed.version !== STATE_FILE_VERSION ||
        !("state" in parsed) ||
        typeof parsed.state !== "object" ||
        parsed.state === null
      ) {
        this.opts.logger.warn(
          { path: this.opts.path },
          "sandbox state has another layout; the stand-ins start empty",
        );
        return undefined;
      }
      this.lastState = JSON.stringify(parsed.state);
      // Written by `snapshot` of this layout version.
      return parsed.state as S;
    } catch (err) {
      this.opts.logger.warn(
        { path: this.opts.path, err: toError(err).message },
        "sandbox state is not valid JSON; the stand-ins start empty",
      );
      return undefined;
    }
  }

  /** Something changed: write soon (debounced). */
  changed(): void {
    if (this.closed) return;
    const now = Date.now();
    this.firstPendingAt ??= now;
    const wait = Math.max(
      0,
      Math.min(this.debounceMs, this.firstPendingAt + this.maxDelayMs - now),
    );
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), wait);
    this.timer.unref();
  }

  /** Writes the current state now (after any write under way); resolves once it is on disk. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.firstPendingAt = null;
    this.writing = this.writing.then(() => this.write());
    return this.writing;
  }

  /** A last write; later changes are not saved. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private async write(): Promise<void> {
    let state: string;
    try {
      state = JSON.stringify(this.opts.snapshot());
    } catch (err) {
      this.opts.logger.error({ err: toError(err).message }, "sandbox state not serialisable");
      return;
    }
    if (state === this.lastState) return;
    const text = `{"version":${STATE_FILE_VERSION},"saved_at":${JSON.stringify(new Date().toISOString())},"state":${state}}`;
    const temp = `${this.opts.path}.${process.pid}.tmp`;
    try {
      await writeFile(temp, text, "utf8");
      await rename(temp, this.opts.path);
      this.lastState = state;
      this.opts.logger.debug({ path: this.opts.path, bytes: text.length }, "sandbox state saved");
    } catch (err) {
      this.opts.logger.warn(
        { path: this.opts.path, err: toError(err).message },
        "sandbox state not saved",
      );
    }
  }
}
