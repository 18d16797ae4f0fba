import { request } from "undici";
import { toError } from "../../util/errors.js";

export interface DeliveryResult {
  status: number | null;
  body: string | null;
  error: string | null;
}

const MAX_BODY_ECHO = 2000;

/** POSTs one signed webhook; never throws, reports what the receiver answered. */
export async function postWebhook(
  url: string,
  rawBody: Buffer,
  signature: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<DeliveryResult> {
  try {
    const res = await request(url, {
      method: "POST",
      headers: { "content-type": "application/json", "crypto-pay-api-signature": signature },
      body: rawBody,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal,
    });
    const body = await res.body.text();
    return { status: res.statusCode, body: body.slice(0, MAX_BODY_ECHO), error: null };
  } catch (err) {
    return { status: null, body: null, error: toError(err).message };
  }
}
