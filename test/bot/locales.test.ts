import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LocaleFormatters, parseMessage, renderMessage } from "../../src/locales/format.js";
import { I18n, LOCALES, type LocaleDefinition, loadLocaleFiles } from "../../src/locales/index.js";
import { checkLocales, localeProblemsOnly } from "../support/locale-completeness.js";

describe("locale completeness", () => {
  it("ships Russian (default) and English", () => {
    expect(LOCALES.map((l) => l.code).sort()).toEqual(["en", "ru"]);
    expect(new I18n(LOCALES).codes()).toEqual(["ru", "en"]);
  });

  it("every locale has every key, the same variables, and the plural forms its language needs", () => {
    // A failure names each problem per language, e.g. { de: { missing: ["menu.buy", …] } }.
    expect(localeProblemsOnly(checkLocales(LOCALES))).toEqual({});
  });

  it("names the missing keys and other problems of an incomplete locale", () => {
    const de: LocaleDefinition = {
      code: "de",
      name: "Deutsch",
      messages: {
        "menu.profile": "👤 Profil",
        "start.welcome_back": "Willkommen zurück, {nme}!",
        "menu.trial": "Testzeitraum — {days, plural, other {# Tage}}",
        "language.changed": "Sprache: {language",
      },
    };
    const uk: LocaleDefinition = {
      code: "uk",
      name: "Українська",
      messages: { "menu.trial": "{days, plural, one {# день} other {# днів}}" },
    };
    const report = checkLocales([...LOCALES, de, uk]);
    expect(report.en).toEqual({ missing: [], extra: [], syntax: [], variables: [], plurals: [] });
    expect(report.de?.missing).toContain("menu.buy");
    expect(report.de?.missing).not.toContain("menu.profile");
    expect(report.de?.missing).toHaveLength(Object.keys(LOCALES[0]?.messages ?? {}).length - 4);
    expect(report.de?.variables).toEqual([
      "start.welcome_back: lacks {name}",
      "start.welcome_back: unknown {nme}",
    ]);
    expect(report.de?.plurals).toEqual(["menu.trial: lacks one"]);
    expect(report.de?.syntax[0]).toMatch(/^language\.changed: expected , or \} at position 18/);
    // Ukrainian needs one, few, many.
    expect(report.uk?.plurals).toEqual(["menu.trial: lacks few, many"]);
  });

  it("adding a language is adding a file", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "locales-"));
    try {
      await writeFile(
        path.join(dir, "ru.ts"),
        `export default { code: "ru", name: "Русский", messages: { "menu.profile": "👤 Профиль", "nav.menu": "Меню" } };\n`,
      );
      await writeFile(
        path.join(dir, "de.ts"),
        `export default { code: "de", name: "Deutsch", messages: { "menu.profile": "👤 Profil" } };\n`,
      );
      await writeFile(path.join(dir, "format.ts"), "export const notALocale = true;\n");
      const found = await loadLocaleFiles(dir);
      expect(found.map((l) => l.code)).toEqual(["de", "ru"]);
      const i18n = new I18n(found);
      expect(i18n.codes()).toEqual(["ru", "de"]);
      expect(i18n.t("de", "menu.profile")).toBe("👤 Profil");
      // A missing key falls back to Russian.
      expect(i18n.t("de", "nav.menu")).toBe("Меню");
      expect(checkLocales(found).de?.missing).toEqual(["nav.menu"]);

      await writeFile(
        path.join(dir, "kk.ts"),
        `export default { code: "kz", name: "x", messages: {} };\n`,
      );
      await expect(loadLocaleFiles(dir)).rejects.toMatchObject({ name: "LocaleError" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("message format", () => {
  const ru = new LocaleFormatters("ru", "UTC");
  const en = new LocaleFormatters("en", "UTC");
  // Intl separates with no-break spaces; compare with plain ones.
  const render = (src: string, vars: Record<string, never> | object, f = ru) =>
    renderMessage(parseMessage(src), vars as never, f).replace(/[\u00a0\u202f]/g, " ");

  it("chooses plural forms with Intl.PluralRules", () => {
    const days = "{n, plural, one {# день} few {# дня} many {# дней} other {# дня}}";
    expect([1, 2, 5, 11, 21, 22, 25, 1.5].map((n) => render(days, { n }))).toEqual([
      "1 день",
      "2 дня",
      "5 дней",
      "11 дней",
      "21 день",
      "22 дня",
      "25 дней",
      "1,5 дня",
    ]);
    const enDays = "{n, plural, =0 {no days} one {# day} other {# days}}";
    expect([0, 1, 3].map((n) => render(enDays, { n }, en))).toEqual(["no days", "1 day", "3 days"]);
  });

  it("counts of time are always plural forms, never a bare number (no 'within 1 minutes')", () => {
    const bare = LOCALES.flatMap((l) =>
      Object.entries(l.messages).flatMap(([key, text]) =>
        /\{(minutes|seconds|hours|days|months)\}/.test(text ?? "") ? [`${l.code}: ${key}`] : [],
      ),
    );
    expect(bare).toEqual([]);
    const i18n = new I18n(LOCALES);
    expect(i18n.t("en", "buy.crypto_invoice", { price: { kopecks: 100 }, minutes: 1 })).toContain(
      "within 1 minute —",
    );
  });

  it("escapes variables for HTML, formats numbers, money and dates per locale", () => {
    expect(render("<b>{name}</b>", { name: "<Tom & Jerry>" })).toBe(
      "<b>&lt;Tom &amp; Jerry&gt;</b>",
    );
    expect(render("{n}", { n: 1234567 }, en)).toBe("1,234,567");
    expect(render("{price}", { price: { kopecks: 14900 } }, en)).toBe("₽149");
    expect(render("{price}", { price: { kopecks: 14950 } })).toBe("149,50 ₽");
    expect(render("{at}", { at: new Date("2026-03-01T12:30:00Z") }, en)).toBe(
      "Mar 1, 2026, 12:30 PM UTC",
    );
    expect(render("{x}", { x: { html: "<i>kept</i>" } })).toBe("<i>kept</i>");
  });

  it("selects, nests, and shows a missing variable as itself", () => {
    const src =
      "{kind, select, trial {Trial: {n, plural, one {# day} other {# days}}} other {Paid}}";
    expect(render(src, { kind: "trial", n: 2 }, en)).toBe("Trial: 2 days");
    expect(render(src, { kind: "paid", n: 2 }, en)).toBe("Paid");
    expect(render("Hi {name}", {})).toBe("Hi {name}");
  });

  it("rejects malformed messages with the position", () => {
    expect(() => parseMessage("Hi {name")).toThrow(
      expect.objectContaining({ name: "MessageSyntaxError" }),
    );
    expect(() => parseMessage("a } b")).toThrow(/unbalanced/);
    expect(() => parseMessage("{n, plural, one {x}}")).toThrow(/"other" case/);
    expect(() => parseMessage("{n, number}")).toThrow(/unknown argument type/);
  });

  it("negotiates the language from the stored choice, then Telegram's, then the default", () => {
    const i18n = new I18n(LOCALES);
    expect(i18n.negotiate(null, "en-US")).toBe("en");
    expect(i18n.negotiate("ru", "en")).toBe("ru");
    expect(i18n.negotiate(null, "pt-br")).toBe("ru");
    expect(i18n.nameOf("en")).toBe("English");
  });
});
