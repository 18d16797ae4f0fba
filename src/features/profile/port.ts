import type { Customer, Screen } from "../../bot/services.js";

/** The profile and its auto-renewal switch (SPEC flows 4, 8). */
export interface ProfilePort {
  open(customer: Customer): Promise<Screen>;
  /** Explicit on/off (never a toggle), then the current profile. */
  autoRenew(customer: Customer, on: boolean): Promise<Screen>;
}
