import { createHash, createHmac } from "node:crypto";

/** Crypto Pay's webhook signature: hex HMAC-SHA-256 of the raw body, keyed by SHA-256(token). */
export function signWebhookBody(token: string, rawBody: Buffer | string): string {
  const secret = createHash("sha256").update(token).digest();
  return createHmac("sha256", secret).update(rawBody).digest("hex");
}

/** A plausible wrong signature (keyed by the token itself), for testing rejection. */
export function wrongSignature(token: string, rawBody: Buffer | string): string {
  return createHmac("sha256", token).update(rawBody).digest("hex");
}
