/** The info feature's callback data: the operator-configurable screens. */
export const InfoData = {
  instructions: "instructions",
  support: "support",
  about: "about",
} as const;
