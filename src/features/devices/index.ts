import { createHash } from "node:crypto";
import { Composer } from "grammy";
import type { BotContext } from "../../bot/context.js";
import type { Screen, ScreenButton } from "../../bot/services.js";
import { answerCallback, showScreen } from "../../bot/ui.js";
import type { DbAccess } from "../../db/pool.js";
import { getSubscription } from "../../domain/subscriptions/view.js";
import type { Logger } from "../../logger.js";
import { toError } from "../../util/errors.js";
import type { VpnApi, VpnDevice, VpnKeyRef } from "../../vpn/api.js";
import { callbackData, callbackParts, type Feature, prefixTrigger } from "../feature.js";
import { KeyData } from "../key/codec.js";

/**
 * "My devices" (Remnawave): the devices the panel bound to the customer's key (HWID), each with
 * a button that unbinds it — a lost phone, or room under the plan's device limit. Reached from
 * the key screen; shown only with a backend that binds devices.
 */
const DEVICES_PREFIX = "dv";
/** The list screen: the key screen's "My devices" button (shown when the backend has `devices`). */
export const DEVICES_DATA = callbackData(DEVICES_PREFIX);

export interface DevicesDeps {
  db: DbAccess;
  vpn: VpnApi;
  logger: Logger;
}

/** Whether the backend binds devices, so the key screen offers the button. */
function devicesOffered(vpn: VpnApi): boolean {
  return typeof vpn.devices === "function" && typeof vpn.removeDevice === "function";
}

/** A device's short, stable token in callback data (a HWID may be 64 characters). */
export function deviceToken(hwid: string): string {
  return createHash("sha256").update(hwid).digest("base64url").slice(0, 12);
}

export function devicesFeature(deps: DevicesDeps): Feature {
  const composer = new Composer<BotContext>();
  const log = deps.logger.child({ component: "devices" });
  composer.callbackQuery(prefixTrigger(DEVICES_PREFIX), async (ctx) => {
    await answerCallback(ctx);
    const customerId = ctx.from.id;
    const [action, token] = callbackParts(ctx.match[1]);
    const key = await liveKeyRef(deps.db, customerId);
    if (!key || !devicesOffered(deps.vpn)) {
      await showScreen(ctx, { text: { key: "devices.no_key" }, buttons: [backRow()] });
      return;
    }
    try {
      let lead: Screen["text"] = [];
      if (action === "rm" && token) {
        const device = (await listDevices(deps, key)).find((d) => deviceToken(d.hwid) === token);
        if (device) {
          await deps.vpn.removeDevice?.(key, device.hwid);
          log.info({ user_id: customerId, platform: device.platform }, "customer removed a device");
          lead = [{ key: "devices.removed", vars: { name: deviceName(device) } }];
        }
      }
      await showScreen(ctx, devicesScreen(await listDevices(deps, key), lead));
    } catch (err) {
      log.warn({ user_id: customerId, err: toError(err).message }, "devices not available");
      await showScreen(ctx, { text: { key: "devices.unavailable" }, buttons: [backRow()] });
    }
  });
  return { name: "devices", prefixes: [DEVICES_PREFIX], composer };
}

/** Pure: the list with a remove button per device. */
function devicesScreen(devices: VpnDevice[], lead: Screen["text"] = []): Screen {
  const leadRefs = Array.isArray(lead) ? lead : [lead];
  if (devices.length === 0) {
    return {
      text: [...leadRefs, { key: "devices.title" }, { key: "devices.none" }],
      buttons: [backRow()],
    };
  }
  return {
    text: [
      ...leadRefs,
      { key: "devices.title" },
      { key: "devices.count", vars: { count: devices.length } },
      ...devices.map((d, i) => ({
        key: "devices.item" as const,
        vars: { n: i + 1, name: deviceName(d), addedAt: d.addedAt },
      })),
      { key: "devices.hint" },
    ],
    buttons: [
      ...devices.map((d, i) => [
        {
          label: { key: "devices.button_remove" as const, vars: { n: i + 1, name: deviceName(d) } },
          callbackData: callbackData(DEVICES_PREFIX, "rm", deviceToken(d.hwid)),
        },
      ]),
      backRow(),
    ],
  };
}

function backRow(): ScreenButton[] {
  return [{ label: { key: "devices.button_back" }, callbackData: KeyData.open() }];
}

function deviceName(d: VpnDevice): string {
  const name = [d.platform, d.model].filter(Boolean).join(" · ");
  return name || d.hwid.slice(0, 8);
}

async function listDevices(deps: DevicesDeps, key: VpnKeyRef): Promise<VpnDevice[]> {
  return (await deps.vpn.devices?.(key)) ?? [];
}

/** The customer's live key, as the panel finds it. */
async function liveKeyRef(db: DbAccess, customerId: number): Promise<VpnKeyRef | undefined> {
  const sub = await getSubscription(db, customerId);
  if (!sub?.live || !sub.vlessLink) return undefined;
  return { uuid: sub.vpnUuid, subscriptionId: sub.id };
}
