import { Composer } from "grammy";
import type { BotContext } from "../../../bot/context.js";
import type { FeaturePrompt } from "../../../bot/services.js";
import { answerCallback, showScreen } from "../../../bot/ui.js";
import { loadCatalog } from "../../../domain/billing/catalog.js";
import { getBalance } from "../../../domain/billing/ledger.js";
import {
  consumePendingAction,
  createPendingAction,
  recordActionOutcome,
} from "../../../domain/console/pending-actions.js";
import { findUserByUsername, loadUserCard } from "../../../domain/customers/card.js";
import type { Notice } from "../../../domain/notifications/notices.js";
import { toError } from "../../../util/errors.js";
import { callbackParts, prefixTrigger } from "../../feature.js";
import type { AdminDeps } from "../deps.js";
import type { AdminGroup } from "../group.js";
import { actionFromRow, argsOf, runAction } from "./actions.js";
import {
  forwardedFrom,
  MAX_MESSAGE_LENGTH,
  parseDiscount,
  parseDuration,
  parseLookup,
  parseRubles,
} from "./parse.js";
import {
  ASK_STEPS,
  type AskStep,
  askScreen,
  Cb,
  cardScreen,
  confirmScreen,
  grantMenuScreen,
  lookupProblemScreen,
  lookupScreen,
  type NoticeOutcome,
  resultScreen,
  spentConfirmationScreen,
  USERS_FEATURE,
  USERS_PREFIX,
  type UserAction,
} from "./screens.js";

/** How long a confirmation button stays usable. */
const CONFIRM_TTL_SECONDS = 15 * 60;

type Lookup = NonNullable<ReturnType<typeof parseLookup>>;

/**
 * The user card (`/users`): find a customer by id, @username or a forwarded message, see their
 * subscription, money, discounts, referrals and reachability, and act on them. Every action is
 * stored as a pending action and runs only when its single-use confirmation is pressed.
 */
export function usersGroup(deps: AdminDeps): AdminGroup {
  const composer = new Composer<BotContext>();

  // `/grant <id|@username>` opens the same card: its grant buttons are one press away.
  composer.command(["users", "grant"], async (ctx) => {
    const lookup = parseLookup(ctx.match);
    if (lookup) await findAndShow(deps, ctx, lookup);
    else await showScreen(ctx, lookupScreen());
  });

  composer.callbackQuery(prefixTrigger(USERS_PREFIX), async (ctx) => {
    const understood = await onCardButton(deps, ctx, callbackParts(ctx.match[1]));
    if (!understood) ctx.logger.warn({ data: ctx.callbackQuery.data }, "unknown user-card button");
  });

  composer.on("message", async (ctx, next) => {
    const prompt = await ctx.openPrompt();
    if (prompt?.kind !== "feature" || prompt.feature !== USERS_FEATURE) return next();
    await ctx.conversation.clearPrompt(ctx.customer().telegramId);
    await answerPrompt(deps, ctx, prompt);
  });

  return {
    name: USERS_FEATURE,
    prefixes: [USERS_PREFIX],
    composer,
    entry: { label: "admin.users.entry", data: Cb.find },
  };
}

async function vipPercent(deps: AdminDeps): Promise<number> {
  return (await deps.db.withClient("catalog_load", (client) => loadCatalog(client))).vipPercent;
}

async function showCard(deps: AdminDeps, ctx: BotContext, userId: number): Promise<void> {
  const card = await loadUserCard(deps.db, userId);
  if (!card) {
    await showScreen(ctx, lookupProblemScreen("admin.users.not_found", { query: String(userId) }));
    return;
  }
  await showScreen(ctx, cardScreen(card, await vipPercent(deps)));
}

/** The card of the customer an id or @username names, or why there is none. */
async function findAndShow(deps: AdminDeps, ctx: BotContext, lookup: Lookup): Promise<void> {
  const userId =
    lookup.kind === "id" ? lookup.id : await findUserByUsername(deps.db, lookup.username);
  const query = lookup.kind === "id" ? String(lookup.id) : `@${lookup.username}`;
  if (userId === undefined) {
    await showScreen(ctx, lookupProblemScreen("admin.users.not_found", { query }));
    return;
  }
  const card = await loadUserCard(deps.db, userId);
  if (!card) {
    await showScreen(ctx, lookupProblemScreen("admin.users.not_found", { query }));
    return;
  }
  await showScreen(ctx, cardScreen(card, await vipPercent(deps)));
}

/** Stores the action and shows its confirmation. */
async function propose(
  deps: AdminDeps,
  ctx: BotContext,
  userId: number,
  a: UserAction,
): Promise<void> {
  const balance = await getBalance(deps.db, userId);
  if (balance === undefined) {
    await showScreen(ctx, lookupProblemScreen("admin.users.not_found", { query: String(userId) }));
    return;
  }
  const token = await createPendingAction(deps.db, {
    adminId: ctx.customer().telegramId,
    userId,
    action: a.action,
    args: argsOf(a),
  });
  await showScreen(
    ctx,
    confirmScreen(userId, a, token, {
      balanceKopecks: balance,
      vipPercent: await vipPercent(deps),
    }),
  );
}

/** Sends a notice to the customer; a failure is logged and reported as "failed". */
async function tell(
  ctx: BotContext,
  userId: number,
  notice: Notice,
): Promise<"sent" | "unreachable" | "failed"> {
  try {
    return await ctx.notifier.send(userId, notice);
  } catch (err) {
    ctx.logger.warn(
      { to: userId, kind: notice.kind, err: toError(err).message },
      "console notice not delivered",
    );
    return "failed";
  }
}

/** A confirmation press: runs the stored action once, tells the customer if asked, shows how. */
async function confirm(
  deps: AdminDeps,
  ctx: BotContext,
  token: string,
  notify: boolean,
): Promise<void> {
  const adminId = ctx.customer().telegramId;
  const consumed = await consumePendingAction(deps.db, {
    adminId,
    token,
    notify,
    ttlSeconds: CONFIRM_TTL_SECONDS,
  });
  if (consumed.outcome !== "consumed") {
    ctx.logger.info({ outcome: consumed.outcome }, "console confirmation not usable");
    await answerCallback(ctx);
    await showScreen(ctx, spentConfirmationScreen(consumed.outcome));
    return;
  }
  await answerCallback(ctx);
  const pending = consumed.action;
  const a = actionFromRow(pending.action, pending.args);
  if (!a) throw new Error(`console action ${pending.id} has unreadable arguments`);
  const send = (userId: number, notice: Notice) => tell(ctx, userId, notice);
  const done = await runAction(deps, send, pending, a);
  let noticeOutcome: NoticeOutcome | null = null;
  if (done.notice) noticeOutcome = notify ? await tell(ctx, pending.userId, done.notice) : "silent";
  await recordActionOutcome(deps.db, pending, done.outcome, done.audit);
  deps.logger.info(
    {
      admin_id: adminId,
      user_id: pending.userId,
      action: pending.action,
      outcome: done.outcome,
      notice: noticeOutcome,
    },
    "console action done",
  );
  await showScreen(ctx, resultScreen(pending.userId, done.result, noticeOutcome));
}

/** A press on a card button (`au:<verb>:…`); false when the data is not one this card sends. */
async function onCardButton(
  deps: AdminDeps,
  ctx: BotContext,
  [verb, first, second, third]: string[],
): Promise<boolean> {
  if (verb === "ok" && first && (second === "n" || second === "s")) {
    await confirm(deps, ctx, first, second === "n");
    return true;
  }
  await answerCallback(ctx);
  if (verb === "find") {
    await showScreen(ctx, lookupScreen());
    return true;
  }
  const userId = Number(first);
  if (!Number.isSafeInteger(userId) || userId <= 0) return true;
  const press = verb === undefined ? undefined : CARD_PRESSES.get(verb);
  return press ? press(deps, ctx, userId, second, third) : false;
}

/** A press for one customer: the verb's handler, given the data's parts after the user id. */
type CardPress = (
  deps: AdminDeps,
  ctx: BotContext,
  userId: number,
  second: string | undefined,
  third: string | undefined,
) => Promise<boolean>;

const CARD_PRESSES = new Map<string, CardPress>(
  Object.entries({
    c: async (deps, ctx, userId) => {
      await showCard(deps, ctx, userId);
      return true;
    },
    g: async (_deps, ctx, userId) => {
      await showScreen(ctx, grantMenuScreen(userId));
      return true;
    },
    ask: async (deps, ctx, userId, step) => {
      if (!ASK_STEPS.includes(step as AskStep)) return false;
      const balance = (await getBalance(deps.db, userId)) ?? 0;
      await showScreen(ctx, askScreen(userId, step as AskStep, balance));
      return true;
    },
    a: proposeFromButton,
  } satisfies Record<string, CardPress>),
);

/** An action button (`au:a:<id>:<action>[:<arg>]`): proposes the action it names. */
async function proposeFromButton(
  deps: AdminDeps,
  ctx: BotContext,
  userId: number,
  action: string | undefined,
  arg: string | undefined,
): Promise<boolean> {
  if (action === "grant") {
    const seconds = Number(arg);
    if (Number.isSafeInteger(seconds) && seconds > 0) {
      await propose(deps, ctx, userId, { action: "grant", seconds });
    }
    return true;
  }
  if (action === "revoke" || action === "reissue") {
    await propose(deps, ctx, userId, { action });
    return true;
  }
  if (action === "vip" && (arg === "1" || arg === "0")) {
    await propose(deps, ctx, userId, { action: "vip", on: arg === "1" });
    return true;
  }
  return false;
}

/** A typed answer to the card's open question: the lookup, or an action's value. */
async function answerPrompt(deps: AdminDeps, ctx: BotContext, prompt: FeaturePrompt) {
  const message = ctx.message;
  if (!message) return;
  if (prompt.step === "lookup") return answerLookup(deps, ctx, message);
  const userId = Number(prompt.data?.user);
  const step = prompt.step as AskStep;
  if (!Number.isSafeInteger(userId) || !ASK_STEPS.includes(step)) return;
  const action = readAnswer(step, message.text ?? "");
  if ("problem" in action) {
    const balance = (await getBalance(deps.db, userId)) ?? 0;
    return showScreen(ctx, askScreen(userId, step, balance, action.problem));
  }
  return propose(deps, ctx, userId, action);
}

/** The lookup answer: a forwarded message's sender, or a typed id or @username. */
async function answerLookup(
  deps: AdminDeps,
  ctx: BotContext,
  message: NonNullable<BotContext["message"]>,
) {
  if (message.forward_origin) {
    const from = forwardedFrom(message.forward_origin as unknown as { type: string });
    if (from.kind === "user") return findAndShow(deps, ctx, { kind: "id", id: from.id });
    if (from.kind === "hidden") {
      return showScreen(
        ctx,
        lookupProblemScreen("admin.users.hidden_forward", { name: from.name || "—" }),
      );
    }
    return showScreen(ctx, lookupProblemScreen("admin.users.forward_not_user"));
  }
  const lookup = parseLookup(message.text ?? "");
  if (!lookup) return showScreen(ctx, lookupProblemScreen("admin.users.invalid_lookup"));
  return findAndShow(deps, ctx, lookup);
}

/** A typed answer as the action it asks for, or the problem to show with the question again. */
export function readAnswer(
  step: AskStep,
  text: string,
  now: Date = new Date(),
):
  | UserAction
  | {
      problem:
        | "admin.users.invalid_duration"
        | "admin.users.invalid_discount"
        | "admin.users.invalid_amount"
        | "admin.users.invalid_message";
    } {
  switch (step) {
    case "grant_custom": {
      const d = parseDuration(text);
      return d
        ? { action: "grant", seconds: d.seconds }
        : { problem: "admin.users.invalid_duration" };
    }
    case "discount": {
      const d = parseDiscount(text);
      if (!d) return { problem: "admin.users.invalid_discount" };
      const until =
        d.forSeconds === null ? null : new Date(now.getTime() + d.forSeconds * 1000).toISOString();
      return { action: "discount", percent: d.percent, until };
    }
    case "credit":
    case "debit": {
      const kopecks = parseRubles(text);
      if (kopecks === undefined) return { problem: "admin.users.invalid_amount" };
      return { action: "balance", deltaKopecks: step === "credit" ? kopecks : -kopecks };
    }
    case "message": {
      const body = text.trim();
      if (body === "" || body.length > MAX_MESSAGE_LENGTH) {
        return { problem: "admin.users.invalid_message" };
      }
      return { action: "message", text: body };
    }
  }
}
