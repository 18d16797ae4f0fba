import type { Logger } from "pino";
import { toError } from "../util/errors.js";
import type { UpdateTracker } from "./middlewares/track.js";

/**
 * Work an update starts once its reply is out, without holding the customer's chat: the handler
 * returns (the update is finished, the chat's next update runs) while the work goes on. Only
 * work with a durable fallback belongs here — a paid key left pending is the activation worker's
 * — because a crash loses what is in flight. At most `limit` run at once; past that a task is
 * not started and its fallback does it. Each one counts as an update in flight, so shutdown
 * drains it and the watchdog sees one that hangs.
 */
export class AfterReply {
  #running = 0;

  constructor(private readonly deps: { updates: UpdateTracker; limit: number }) {}

  /** Starts `task` now unless `limit` are running; false when it was left to its fallback. */
  start(what: string, logger: Logger, task: () => Promise<void>): boolean {
    if (this.#running >= this.deps.limit) {
      logger.warn(
        { what, running: this.#running },
        "after-reply work not started: too many at once; its fallback does it",
      );
      return false;
    }
    this.#running++;
    const token = this.deps.updates.begin();
    void task()
      .catch((err: unknown) => {
        logger.error({ what, err: toError(err).message }, "after-reply work failed");
      })
      .finally(() => {
        this.#running--;
        this.deps.updates.end(token);
      });
    return true;
  }
}
