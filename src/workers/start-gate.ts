import { abortableDelay } from "../util/delay.js";

/**
 * A process-wide gate that lets at most one heavy worker start per `intervalMs` (R4). Heavy
 * workers touch many rows or call the VPN API; spacing their starts keeps their connection and
 * network bursts apart even when their grids are configured to meet.
 */
export class StartGate {
  #nextFreeAt = 0;
  #lastEntrant: string | undefined;

  constructor(
    readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Resolves when the caller (`who`, a loop's name) may start. Turns are handed out in call
   * order; an aborted wait gives up its turn's delay but not the spacing of the turns after it.
   */
  async enter(signal?: AbortSignal, who?: string): Promise<void> {
    const now = this.now();
    // A loop never overlaps itself: when nobody else started since its own last turn, there is
    // nothing to space it from (otherwise a loop whose interval is near the gate's would wait
    // for its own previous start every time, its starts drifting late by its whole jitter).
    const own = who !== undefined && who === this.#lastEntrant;
    this.#lastEntrant = who;
    const turn = own ? now : Math.max(now, this.#nextFreeAt);
    this.#nextFreeAt = turn + this.intervalMs;
    const wait = turn - now;
    if (wait > 0) await abortableDelay(wait, signal);
  }
}
