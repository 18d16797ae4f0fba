import type { Customer, Screen } from "../../bot/services.js";

/** The key screen and the key's reissue (SPEC flow 7). */
export interface KeyPort {
  open(customer: Customer): Promise<Screen>;
  /** Asks first (`confirmed: false`), then reissues. */
  reissue(customer: Customer, confirmed: boolean): Promise<Screen>;
}
