import { randomBytes } from "node:crypto";

/**
 * The token of a single-use confirm button: 12 URL-safe characters in its callback data. The
 * action it confirms is audited with it (`writeAuditOnce`), so a second press of the same
 * button finds it recorded and does nothing.
 */
export function newConfirmationToken(): string {
  return randomBytes(9).toString("base64url");
}

export const CONFIRMATION_TOKEN = /^[A-Za-z0-9_-]{12}$/;

/** Thrown inside an action's transaction when its confirmation was already used: rolls it back. */
export class ConfirmationUsedError extends Error {
  override name = "ConfirmationUsedError";
  constructor(readonly token: string) {
    super(`confirmation ${token} was already used`);
  }
}
