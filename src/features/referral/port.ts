import type { Customer, Screen } from "../../bot/services.js";

/** The referral program's screen (SPEC flow 11). */
export interface ReferralPort {
  open(customer: Customer): Promise<Screen>;
}
