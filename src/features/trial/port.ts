import type { Customer, Screen } from "../../bot/services.js";

/** The free trial. */
export interface TrialPort {
  /** Activates the trial (re-checked atomically by the domain) and says what happened. */
  activate(customer: Customer): Promise<Screen>;
}
