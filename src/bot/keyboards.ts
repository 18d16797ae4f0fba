import { InlineKeyboard } from "grammy";
import { MenuData } from "../features/menu/codec.js";
import type { BotContext } from "./context.js";
import type { Screen, ScreenButton } from "./services.js";

/**
 * Callback data of the withdrawal decisions; every feature keeps its own in its `codec.ts`
 * (`src/features/<feature>/`). Short (Telegram allows 64 bytes) and stable: a button pressed
 * weeks later either still means the same thing or reaches the stale handler.
 */
export const Cb = {
  /** An admin's decision on a withdrawal request (admins only; see withdrawal-decisions.ts). */
  withdrawalDecision: (withdrawalId: number, approve: boolean) =>
    `wd:${withdrawalId}:${approve ? "a" : "r"}`,
} as const;

const MAX_CALLBACK_BYTES = 64;

/** A flow screen's buttons, plus the "main menu" row unless the screen opts out. */
export function screenKeyboard(ctx: BotContext, screen: Screen): InlineKeyboard {
  const kb = new InlineKeyboard();
  for (const row of screen.buttons ?? []) {
    for (const button of row) addScreenButton(ctx, kb, button);
    kb.row();
  }
  if (!screen.noMenuButton) kb.text(ctx.t("nav.menu"), MenuData.menu);
  return kb;
}

function addScreenButton(ctx: BotContext, kb: InlineKeyboard, button: ScreenButton): void {
  const label = ctx.t(button.label.key, button.label.vars);
  if ("url" in button) {
    kb.url(label, button.url);
    return;
  }
  const data = button.callbackData;
  if (Buffer.byteLength(data, "utf8") > MAX_CALLBACK_BYTES) {
    throw new Error(`callback data longer than ${MAX_CALLBACK_BYTES} bytes: ${data}`);
  }
  kb.text(label, data);
}
