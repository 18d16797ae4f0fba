import type { Api } from "grammy";
import type { LanguageCode } from "grammy/types";
import type { I18n, MessageKey } from "../locales/index.js";

/** The commands customers see in Telegram's menu (SPEC §13), in this order. */
const CUSTOMER_COMMANDS = [
  "start",
  "profile",
  "buy",
  "key",
  "referral",
  "language",
  "help",
] as const;

function commandList(i18n: I18n, locale: string) {
  return CUSTOMER_COMMANDS.map((command) => ({
    command,
    description: i18n.t(locale, `command.${command}` as MessageKey),
  }));
}

/**
 * Registers the command list in every locale (`language_code`), plus the default locale's list
 * for everyone else. Idempotent; called at start.
 */
export async function registerCommands(api: Api, i18n: I18n): Promise<void> {
  await api.setMyCommands(commandList(i18n, i18n.defaultLocale));
  for (const code of i18n.codes()) {
    await api.setMyCommands(commandList(i18n, code), { language_code: code as LanguageCode });
  }
}
