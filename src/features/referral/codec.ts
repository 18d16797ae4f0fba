import { openData } from "../flows/codec.js";

/** The referral feature's callback data: `f:referral` opens the referral program. */
export const ReferralData = {
  open: () => openData("referral"),
} as const;
