import type { DbAccess } from "../../src/db/pool.js";
import { registerIn, type StartInput, type StartResult } from "../../src/domain/customers/users.js";

/** A customer's /start as its own transaction: the registration the service runs inside /start's. */
export function registerOnStart(db: DbAccess, input: StartInput): Promise<StartResult> {
  return db.tx("user_start", (client) => registerIn(client, input));
}
