import { abortableDelay } from "../util/delay.js";

/**
 * A process-wide gate that lets at most one heavy worker start per `intervalMs` (R4). Heavy
 * workers touch many rows or call the VPN API; spacing their starts keeps their connection and
 * network bursts apart even when their grids are configured to meet.
 */
export class StartGate {
  #nextFreeAt = 0;

  constructor(
    readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Resolves when the caller may start. Turns are handed out in call order; an aborted wait
   * gives up its turn's delay but not the spacing of the turns after it.
   */
  async enter(signal?: AbortSignal): Promise<void> {
    const now = this.now();
    const turn = Math.max(now, this.#nextFreeAt);
    this.#nextFreeAt = turn + this.intervalMs;
    const wait = turn - now;
    if (wait > 0) await abortableDelay(wait, signal);
  }
}
