import type { Logger } from "../logger.js";
import { settlesWithin } from "../util/delay.js";

export interface AdminMessenger {
  /** Queues a message for every admin and returns at once. */
  post(text: string): void;
  /** Waits for the queue to empty, at most `timeoutMs`; then stops. */
  drain(timeoutMs: number): Promise<void>;
}

/**
 * Messages to the admins go out in the background, one after another. A worker iteration or a
 * handler that reports something never waits on Telegram (a 429 storm can hold one send for
 * tens of seconds, enough for the watchdog to take a waiting worker for a hung one). The queue
 * is bounded: past `maxQueued` the oldest waiting message is dropped, and that is logged.
 */
export function createAdminMessenger(deps: {
  send(text: string): Promise<void>;
  logger: Logger;
  maxQueued: number;
}): AdminMessenger {
  const queue: string[] = [];
  let running: Promise<void> | undefined;
  let stopped = false;

  const pump = async () => {
    while (queue.length > 0 && !stopped) {
      const text = queue.shift() as string;
      await deps.send(text).catch((err: Error) => {
        deps.logger.warn({ err: err.message }, "admin message not delivered");
      });
    }
    running = undefined;
  };

  return {
    post(text) {
      if (stopped) {
        deps.logger.warn({ text }, "admin message after shutdown; not sent");
        return;
      }
      queue.push(text);
      if (queue.length > deps.maxQueued) {
        const dropped = queue.shift();
        deps.logger.warn({ text: dropped }, "admin message queue full; oldest message dropped");
      }
      running ??= pump();
    },
    async drain(timeoutMs) {
      if (running) await settlesWithin(running, timeoutMs);
      stopped = true;
      if (queue.length > 0) {
        deps.logger.warn({ unsent: queue.length }, "admin messages left unsent at shutdown");
      }
    },
  };
}
