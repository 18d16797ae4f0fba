import { Composer } from "grammy";
import { describe, expect, it } from "vitest";
import type { BotContext } from "../../src/bot/context.js";
import { loadConfig } from "../../src/config.js";
import { adminGroups } from "../../src/features/admin/index.js";
import { devicesFeature } from "../../src/features/devices/index.js";
import {
  assertDistinctPrefixes,
  callbackData,
  callbackParts,
  type Feature,
  prefixTrigger,
} from "../../src/features/feature.js";
import { silentLogger } from "../../src/logger.js";
import { createMetrics } from "../../src/ops/metrics.js";

const feature = (name: string, prefixes: string[]): Feature => ({
  name,
  prefixes,
  composer: new Composer<BotContext>(),
});

describe("callback prefixes", () => {
  it("two features claiming one prefix are refused", () => {
    expect(() => assertDistinctPrefixes([feature("a", ["x"]), feature("b", ["y", "x"])])).toThrow(
      /"x" is claimed by both a and b/,
    );
    expect(() => assertDistinctPrefixes([feature("a", ["x:y"])])).toThrow(/invalid/);
    expect(() => assertDistinctPrefixes([feature("a", ["x"]), feature("b", ["xy"])])).not.toThrow();
  });

  it("callback data beyond 64 bytes is refused where it is made", () => {
    expect(callbackData("au", 123, "g", 30)).toBe("au:123:g:30");
    expect(() => callbackData("au", "я".repeat(31))).toThrow(/longer than 64 bytes/);
  });

  it("a prefix's trigger matches its own data only", () => {
    const trigger = prefixTrigger("au");
    expect(trigger.exec("au")?.[1]).toBeUndefined();
    expect(callbackParts(trigger.exec("au:5:g")?.[1])).toEqual(["5", "g"]);
    expect(trigger.test("aux:5")).toBe(false);
    expect(trigger.test("xau:5")).toBe(false);
  });

  it("the console's groups claim distinct prefixes", () => {
    // Group factories build composers only: nothing here is called.
    const groups = adminGroups({
      config: loadConfig({ NODE_ENV: "test" }),
      db: undefined as never,
      logger: silentLogger(),
      metrics: createMetrics(),
      provisioning: undefined as never,
    });
    expect(() => assertDistinctPrefixes(groups)).not.toThrow();
    const devices = devicesFeature({
      db: undefined as never,
      vpn: undefined as never,
      logger: silentLogger(),
    });
    expect(() => assertDistinctPrefixes([...groups, devices])).not.toThrow();
  });
});
