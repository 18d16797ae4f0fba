import { Composer } from "grammy";
import type { BotContext } from "../../../bot/context.js";
import type { MessageRef, Screen } from "../../../bot/services.js";
import { answerCallback, showScreen } from "../../../bot/ui.js";
import { editPeriodPrice, loadCatalog } from "../../../domain/billing/catalog.js";
import {
  type ContentChange,
  editContent,
  editIncident,
  isValidContentChange,
} from "../../../domain/content/content-edits.js";
import { readOperatorSettings } from "../../../domain/content/operator-content.js";
import { parseRubles } from "../../../util/money.js";
import { callbackParts, prefixTrigger } from "../../feature.js";
import { featurePrompt, promptOf } from "../../prompts.js";
import type { AdminDeps } from "../deps.js";
import type { AdminGroup } from "../group.js";
import { adminRef, withNote } from "../ui.js";
import {
  askScreen,
  CONTENT_DATA,
  CONTENT_PREFIX,
  type EditTarget,
  overviewScreen,
  previewScreen,
  pricesScreen,
  targetFromParts,
} from "./screens.js";

const FEATURE = "admin.content";
const INCIDENT_TEXT_MAX = 1000;

/**
 * Operator content and prices in the console (`/content`): the support contact, privacy link,
 * client-app links, the info texts per language, the incident banner and each plan period's
 * ruble and Stars price. A typed value is shown as it will be stored and saved by one press
 * (the question it answered closes with that press, so an old save button does nothing).
 * Edits are validated by the schema the bot reads with, audited, and seen by customers within
 * SETTINGS_CACHE_MS (prices at the next checkout) on every replica, without a restart.
 */
export function contentGroup(deps: AdminDeps): AdminGroup {
  const composer = new Composer<BotContext>();

  const overview = async (ctx: BotContext, note?: MessageRef) => {
    const settings = await readOperatorSettings(deps.db);
    const screen = overviewScreen(settings.content, settings.incident);
    await showScreen(ctx, note ? withNote(note, screen) : screen);
  };
  const prices = async (ctx: BotContext, note?: MessageRef) => {
    const catalog = await deps.db.withClient("catalog_load", (client) => loadCatalog(client));
    const screen = pricesScreen(catalog);
    await showScreen(ctx, note ? withNote(note, screen) : screen);
  };
  const ask = (target: EditTarget, problem?: MessageRef): Screen => ({
    ...askScreen(target, problem),
    awaitInput: featurePrompt(FEATURE, "value", { target: targetKey(target) }),
  });

  composer.command("content", (ctx) => overview(ctx));
  composer.callbackQuery(prefixTrigger(CONTENT_PREFIX), async (ctx) => {
    await answerCallback(ctx);
    const [action, ...rest] = callbackParts(ctx.match[1]);
    const adminId = ctx.from.id;
    switch (action) {
      case undefined:
        return overview(ctx);
      case "prices":
        return prices(ctx);
      case "cancel":
        return overview(ctx, adminRef("admin.content.cancelled"));
      case "e": {
        const target = targetFromParts(rest);
        return target ? showScreen(ctx, ask(target)) : overview(ctx);
      }
      case "inc": {
        const enabled = rest[0] === "on";
        const r = await editIncident(deps.db, adminId, { enabled });
        log(ctx, "incident", r.outcome);
        if (r.outcome !== "saved")
          return overview(ctx, adminRef("admin.content.incident_needs_text"));
        return overview(
          ctx,
          adminRef(enabled ? "admin.content.incident_on" : "admin.content.incident_off"),
        );
      }
      case "save": {
        const open = promptOf(await ctx.openPrompt(), FEATURE);
        const target =
          open?.step === "confirm"
            ? targetFromParts(String(open.data?.target).split(":"))
            : undefined;
        if (!open || !target) return overview(ctx, adminRef("admin.content.draft_gone"));
        const value = open.data?.value;
        const saved = await save(adminId, target, typeof value === "string" ? value : null);
        log(ctx, target.kind, saved ? "saved" : "invalid");
        const note = adminRef(saved ? "admin.content.saved" : "admin.content.invalid");
        return target.kind === "price" ? prices(ctx, note) : overview(ctx, note);
      }
      default:
        return overview(ctx);
    }
  });

  composer.on("message:text", async (ctx, next) => {
    const open = promptOf(await ctx.openPrompt(), FEATURE);
    if (ctx.message.text.startsWith("/") || open?.step !== "value") return next();
    const target = targetFromParts(String(open.data?.target).split(":"));
    if (!target) return overview(ctx, adminRef("admin.content.draft_gone"));
    const value = await readValue(target, ctx.message.text);
    if (value === undefined) {
      return showScreen(ctx, ask(target, adminRef("admin.content.bad_value")));
    }
    return showScreen(ctx, {
      ...previewScreen(target, value),
      awaitInput: featurePrompt(FEATURE, "confirm", { target: targetKey(target), value }),
    });
  });

  /** The typed value as it would be stored (null = back to the default), or undefined. */
  async function readValue(target: EditTarget, raw: string): Promise<string | null | undefined> {
    const text = raw.trim();
    const cleared = text === "-" || text === "—";
    if (target.kind === "incident_text") {
      return !cleared && text.length <= INCIDENT_TEXT_MAX ? text : undefined;
    }
    if (target.kind === "price") return readPrice(text) ? text : undefined;
    const value = cleared ? null : text;
    const change = contentChange(target, value);
    if (!change) return undefined;
    const { content } = await readOperatorSettings(deps.db);
    return isValidContentChange(content, change) ? value : undefined;
  }

  async function save(adminId: number, target: EditTarget, value: string | null) {
    if (target.kind === "incident_text") {
      return (await editIncident(deps.db, adminId, { text: value ?? "" })).outcome === "saved";
    }
    if (target.kind === "price") {
      const price = value === null ? undefined : readPrice(value);
      if (!price) return false;
      const r = await editPeriodPrice(deps.db, adminId, { ...target, ...price });
      return r.outcome === "saved";
    }
    const change = contentChange(target, value);
    return (
      change !== undefined && (await editContent(deps.db, adminId, change)).outcome === "saved"
    );
  }

  function log(ctx: BotContext & { from: { id: number } }, what: string, outcome: string) {
    deps.logger.info({ admin_id: ctx.from.id, setting: what, outcome }, "console content edit");
  }

  return {
    name: FEATURE,
    prefixes: [CONTENT_PREFIX],
    composer,
    entry: { label: "admin.content.entry", data: CONTENT_DATA.overview },
  };
}

/** The target as one prompt value (the callback-data parts joined by ":"). */
function targetKey(target: EditTarget): string {
  return CONTENT_DATA.edit(target).slice(`${CONTENT_PREFIX}:e:`.length);
}

function contentChange(target: EditTarget, value: string | null): ContentChange | undefined {
  switch (target.kind) {
    case "support":
      return { field: "supportContact", value };
    case "privacy":
      return { field: "privacyPolicyUrl", value };
    case "app":
      return { field: "app", platform: target.platform, value };
    case "text":
      return { field: "text", name: target.name, language: target.language, value };
    default:
      return undefined;
  }
}

/** Pure: "149 83" (rubles, Stars) as kopecks and Stars, or undefined. */
export function readPrice(text: string): { kopecks: number; stars: number } | undefined {
  const match = /^(\S+)\s+(\d{1,7})\s*(⭐|stars?)?$/iu.exec(text.trim());
  if (!match?.[1] || !match[2]) return undefined;
  const kopecks = parseRubles(match[1]);
  const stars = Number(match[2]);
  return kopecks !== undefined && stars >= 1 ? { kopecks, stars } : undefined;
}
