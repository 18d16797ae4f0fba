import type { MessageRef, Screen } from "../../../bot/services.js";
import type { Catalog } from "../../../domain/billing/pricing.js";
import {
  APP_PLATFORMS,
  type AppPlatform,
  CONTENT_TEXTS,
  type ContentText,
  type Incident,
  type OperatorContent,
} from "../../../domain/content/operator-content.js";
import type { MessageVars } from "../../../locales/index.js";
import { callbackData } from "../../feature.js";
import { HOME_DATA } from "../home.js";
import { adminButton, adminRef } from "../ui.js";

/** Callback data of the content and price screens (prefix "acn"). */
export const CONTENT_PREFIX = "acn";
const CONTENT_LANGUAGES = ["ru", "en"] as const;

/** What one typed value edits (the prompt's data, and the part of the callback data). */
export type EditTarget =
  | { kind: "support" }
  | { kind: "privacy" }
  | { kind: "app"; platform: AppPlatform }
  | { kind: "text"; name: ContentText; language: string }
  | { kind: "incident_text" }
  | { kind: "price"; plan: string; days: number };

export const CONTENT_DATA = {
  overview: callbackData(CONTENT_PREFIX),
  prices: callbackData(CONTENT_PREFIX, "prices"),
  edit: (t: EditTarget) => callbackData(CONTENT_PREFIX, "e", ...targetParts(t)),
  incident: (on: boolean) => callbackData(CONTENT_PREFIX, "inc", on ? "on" : "off"),
  save: callbackData(CONTENT_PREFIX, "save"),
  cancel: callbackData(CONTENT_PREFIX, "cancel"),
} as const;

function targetParts(t: EditTarget): Array<string | number> {
  switch (t.kind) {
    case "app":
      return ["app", t.platform];
    case "text":
      return ["text", t.name, t.language];
    case "price":
      return ["price", t.plan, t.days];
    default:
      return [t.kind];
  }
}

/** Pure: the target named by callback-data parts, or undefined for anything else. */
export function targetFromParts(parts: readonly string[]): EditTarget | undefined {
  const [kind, a, b] = parts;
  switch (kind) {
    case "support":
    case "privacy":
    case "incident_text":
      return { kind };
    case "app":
      return APP_PLATFORMS.includes(a as AppPlatform)
        ? { kind, platform: a as AppPlatform }
        : undefined;
    case "text":
      return CONTENT_TEXTS.includes(a as ContentText) && b !== undefined && /^[a-z]{2}$/.test(b)
        ? { kind, name: a as ContentText, language: b }
        : undefined;
    case "price": {
      const days = Number(b);
      return a && Number.isInteger(days) && days > 0 ? { kind, plan: a, days } : undefined;
    }
    default:
      return undefined;
  }
}

const shown = (value: string | undefined) => value ?? "—";

/** Pure: what is set now, and a button per thing to edit. */
export function overviewScreen(content: OperatorContent, incident: Incident): Screen {
  const apps = APP_PLATFORMS.filter((p) => content.apps?.[p]);
  const texts = CONTENT_TEXTS.map((name) => {
    const t = content.texts?.[name];
    const langs =
      t === undefined ? [] : typeof t === "string" ? ["*"] : Object.keys(t).filter((l) => t[l]);
    return `${name}: ${langs.length > 0 ? langs.join(", ") : "—"}`;
  }).join("; ");
  return {
    text: [
      adminRef("admin.content.title"),
      adminRef("admin.content.overview", {
        support: shown(content.supportContact),
        privacy: shown(content.privacyPolicyUrl),
        apps: apps.length > 0 ? apps.join(", ") : "—",
        texts,
        incident: incident.enabled ? "on" : "off",
        incidentText: incident.text || "—",
      }),
    ],
    buttons: [
      [
        adminButton("admin.content.button_support", CONTENT_DATA.edit({ kind: "support" })),
        adminButton("admin.content.button_privacy", CONTENT_DATA.edit({ kind: "privacy" })),
      ],
      APP_PLATFORMS.map((platform) =>
        adminButton("admin.content.button_app", CONTENT_DATA.edit({ kind: "app", platform }), {
          platform,
        }),
      ),
      ...CONTENT_TEXTS.map((name) =>
        CONTENT_LANGUAGES.map((language) =>
          adminButton(
            "admin.content.button_text",
            CONTENT_DATA.edit({ kind: "text", name, language }),
            { name, language },
          ),
        ),
      ),
      [
        incident.enabled
          ? adminButton("admin.content.button_incident_off", CONTENT_DATA.incident(false))
          : adminButton("admin.content.button_incident_on", CONTENT_DATA.incident(true)),
        adminButton(
          "admin.content.button_incident_text",
          CONTENT_DATA.edit({ kind: "incident_text" }),
        ),
      ],
      [adminButton("admin.content.button_prices", CONTENT_DATA.prices)],
      [adminButton("nav.back", HOME_DATA)],
    ],
    noMenuButton: true,
  };
}

/** Pure: every plan period with its prices, a button each. */
export function pricesScreen(catalog: Catalog): Screen {
  return {
    text: adminRef("admin.content.prices_title"),
    buttons: [
      ...catalog.plans.flatMap((plan) =>
        plan.periods.map((p) => [
          adminButton(
            "admin.content.button_price",
            CONTENT_DATA.edit({ kind: "price", plan: plan.id, days: p.days }),
            { plan: plan.id, days: p.days, price: { kopecks: p.kopecks }, stars: p.stars },
          ),
        ]),
      ),
      [adminButton("nav.back", CONTENT_DATA.overview)],
    ],
    noMenuButton: true,
  };
}

/** Pure: asks for the new value of `target`. */
export function askScreen(target: EditTarget, problem?: MessageRef): Screen {
  return {
    text: [
      ...(problem ? [problem] : []),
      adminRef(`admin.content.ask_${target.kind}`, varsOf(target)),
    ],
    buttons: [[adminButton("admin.promo.button_cancel", CONTENT_DATA.cancel)]],
    noMenuButton: true,
  };
}

/** Pure: the value as it will be stored, with save and cancel. */
export function previewScreen(target: EditTarget, value: string | null): Screen {
  return {
    text: [
      adminRef("admin.content.preview", { ...varsOf(target), target: target.kind }),
      value === null
        ? adminRef("admin.content.preview_default")
        : adminRef("admin.content.preview_value", { value }),
    ],
    buttons: [
      [adminButton("admin.content.button_save", CONTENT_DATA.save)],
      [adminButton("admin.promo.button_cancel", CONTENT_DATA.cancel)],
    ],
    noMenuButton: true,
  };
}

function varsOf(target: EditTarget): MessageVars {
  switch (target.kind) {
    case "app":
      return { platform: target.platform };
    case "text":
      return { name: target.name, language: target.language };
    case "price":
      return { plan: target.plan, days: target.days };
    default:
      return {};
  }
}
