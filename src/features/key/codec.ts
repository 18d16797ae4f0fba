import { openData } from "../flows/codec.js";

//   f:key       the key screen
//   kr / kr:y   reissue the key (ask / confirmed)

export const REISSUE_PREFIX = "kr";

/** The key feature's callback data. */
export const KeyData = {
  open: () => openData("key"),
  reissue: (confirmed: boolean) => (confirmed ? `${REISSUE_PREFIX}:y` : REISSUE_PREFIX),
} as const;

/** Whether a reissue button is the confirmed one, or undefined (stale or not ours). */
export function decodeReissue(data: string): { confirmed: boolean } | undefined {
  return data === "kr" ? { confirmed: false } : data === "kr:y" ? { confirmed: true } : undefined;
}
