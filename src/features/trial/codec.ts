import { openData } from "../flows/codec.js";

/** The trial feature's callback data: `f:trial` activates the free trial. */
export const TrialData = {
  open: () => openData("trial"),
} as const;
