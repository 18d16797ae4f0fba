import type { Logger } from "../logger.js";
import { settlesWithin } from "../util/delay.js";
import { toError } from "../util/errors.js";

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
function createAdminMessenger(deps: {
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
      await deps.send(text).catch((err) => {
        deps.logger.warn({ err: toError(err).message }, "admin message not delivered");
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

export interface OperatorChannel {
  /** Something needs a person (activation keeps failing): logged at error, sent to the admins. */
  alert(text: string): Promise<void>;
  /** Routine news (a broadcast finished, the daily digest): logged at info, sent to the admins. */
  report(text: string): Promise<void>;
}

/**
 * What the workers tell the operators, logged at the level it deserves — `operator_alert` at
 * error, `operator_report` at info, so an error-level alert rule fires only for alerts — and
 * posted to the admins through the background messenger.
 */
function createOperatorChannel(deps: {
  messenger: AdminMessenger;
  logger: Logger;
}): OperatorChannel {
  return {
    async alert(text) {
      deps.logger.error({ event: "operator_alert" }, text);
      deps.messenger.post(text);
    },
    async report(text) {
      deps.logger.info({ event: "operator_report" }, text);
      deps.messenger.post(text);
    },
  };
}

/** Where admin messages leave: the bot's notifier, once the bot exists. */
export interface TextSender {
  sendText(chatId: number, text: string): Promise<void>;
}

export interface OperatorMessages {
  messenger: AdminMessenger;
  operators: OperatorChannel;
}

/**
 * The operators' channel on the background messenger, sending to every id in `adminIds`
 * through `sender()` — the notifier, the service's one path to Telegram. Messages posted while
 * there is no bot (not created yet, or no BOT_TOKEN) are logged and not sent.
 */
export function createOperatorMessages(deps: {
  adminIds: readonly number[];
  sender: () => TextSender | undefined;
  logger: Logger;
  maxQueued?: number;
}): OperatorMessages {
  const send = async (text: string) => {
    const sender = deps.sender();
    if (!sender) return;
    for (const adminId of deps.adminIds) {
      await sender
        .sendText(adminId, text)
        .catch((err) =>
          deps.logger.warn(
            { admin_id: adminId, err: toError(err).message },
            "admin message not delivered",
          ),
        );
    }
  };
  const messenger = createAdminMessenger({
    send,
    logger: deps.logger,
    maxQueued: deps.maxQueued ?? 100,
  });
  return { messenger, operators: createOperatorChannel({ messenger, logger: deps.logger }) };
}
