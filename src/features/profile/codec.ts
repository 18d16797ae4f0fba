import { openData } from "../flows/codec.js";

//   f:profile   the profile
//   ar:<1|0>    auto-renew on/off (explicit, never a toggle: a stale press does what it said)

export const AUTO_RENEW_PREFIX = "ar";

/** The profile feature's callback data. */
export const ProfileData = {
  open: () => openData("profile"),
  autoRenew: (on: boolean) => `${AUTO_RENEW_PREFIX}:${on ? 1 : 0}`,
} as const;

/** The auto-renewal switch `data` stands for, or undefined (stale or not ours). */
export function decodeAutoRenew(data: string): { on: boolean } | undefined {
  return data === "ar:1" ? { on: true } : data === "ar:0" ? { on: false } : undefined;
}
