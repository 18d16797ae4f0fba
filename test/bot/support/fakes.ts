import type {
  BotServices,
  Customer,
  MenuState,
  OperatorInfo,
  PreCheckoutInput,
  PreCheckoutVerdict,
  Screen,
  StartInput,
  StartRegistration,
  SuccessfulPaymentInput,
  UsersPort,
} from "../../../src/bot/services.js";
import type { BuyPort } from "../../../src/features/buy/port.js";
import type { KeyPort } from "../../../src/features/key/port.js";
import type { ProfilePort } from "../../../src/features/profile/port.js";
import type { ReferralPort } from "../../../src/features/referral/port.js";
import type { TrialPort } from "../../../src/features/trial/port.js";
import type { WalletPort } from "../../../src/features/wallet/port.js";

interface FakeUser {
  telegramId: number;
  username: string | null;
  firstName: string | null;
  language: string | null;
  referrerId: number | null;
  reachable: boolean;
  trialUsed: boolean;
}

/** The users port as pure in-memory logic (the SQL lives in the domain). */
export class FakeUsers implements UsersPort {
  readonly users = new Map<number, FakeUser>();
  readonly starts: StartInput[] = [];
  /** Every reachability mark in order, e.g. ["unreachable:7", "reachable:7"]. */
  readonly marks: string[] = [];

  async registerOnStart(input: StartInput): Promise<StartRegistration> {
    this.starts.push(input);
    let user = this.users.get(input.telegramId);
    const isNew = user === undefined;
    if (!user) {
      user = {
        telegramId: input.telegramId,
        username: input.username,
        firstName: input.firstName,
        language: null,
        referrerId: null,
        reachable: true,
        trialUsed: false,
      };
      this.users.set(input.telegramId, user);
    }
    let referrerAttached = false;
    const ref = input.referrerTelegramId;
    if (
      ref !== undefined &&
      user.referrerId === null &&
      ref !== user.telegramId &&
      this.users.has(ref) &&
      !this.#wouldLoop(user.telegramId, ref)
    ) {
      user.referrerId = ref;
      referrerAttached = true;
    }
    return {
      isNew,
      referrerAttached,
      ...(referrerAttached && ref !== undefined ? { referrerTelegramId: ref } : {}),
      language: user.language,
      trialEligible: !user.trialUsed,
    };
  }

  /** A customer who has been here before and chose `language` (no first-contact flow). */
  known(telegramId: number, language = "en"): void {
    this.users.set(telegramId, {
      telegramId,
      username: null,
      firstName: null,
      language,
      referrerId: null,
      reachable: true,
      trialUsed: false,
    });
  }

  async setLanguage(telegramId: number, language: string): Promise<void> {
    const user = this.users.get(telegramId);
    if (user) user.language = language;
  }

  async languageOf(telegramId: number): Promise<string | null> {
    return this.users.get(telegramId)?.language ?? null;
  }

  async markUnreachable(telegramId: number): Promise<void> {
    this.marks.push(`unreachable:${telegramId}`);
    const user = this.users.get(telegramId);
    if (user) user.reachable = false;
  }

  async markReachable(telegramId: number): Promise<void> {
    this.marks.push(`reachable:${telegramId}`);
    const user = this.users.get(telegramId);
    if (user) user.reachable = true;
  }

  #wouldLoop(userId: number, referrerId: number): boolean {
    let cur: number | null = referrerId;
    while (cur !== null) {
      if (cur === userId) return true;
      cur = this.users.get(cur)?.referrerId ?? null;
    }
    return false;
  }
}

/** What a fake flow shows until a test replaces it. */
export const PLACEHOLDER: Screen = { text: { key: "screen.refreshed" } };
const placeholder = async (): Promise<Screen> => PLACEHOLDER;

/**
 * A flow port whose every method shows `PLACEHOLDER` until a test assigns its own
 * (`fakes.buy.open = async () => …`), so a new port method needs nothing here.
 */
function placeholderPort<T extends object>(): T {
  return new Proxy({} as T, {
    get: (target, method) => (method in target ? Reflect.get(target, method) : placeholder),
  });
}

export interface Fakes {
  services: BotServices;
  users: FakeUsers;
  menu: { incidentBanner: string | null; trialDays: number };
  info: OperatorInfo;
  buy: BuyPort;
  key: KeyPort;
  profile: ProfilePort;
  referral: ReferralPort;
  wallet: WalletPort;
  trial: TrialPort;
  preCheckouts: PreCheckoutInput[];
  payments: SuccessfulPaymentInput[];
  preCheckoutVerdict: (q: PreCheckoutInput) => Promise<PreCheckoutVerdict>;
}

/** Every port as a small in-memory fake; tests replace single methods as they need. */
export function fakeServices(): Fakes {
  const users = new FakeUsers();
  const fakes: Omit<Fakes, "services"> & Partial<Pick<Fakes, "services">> = {
    users,
    menu: { incidentBanner: null, trialDays: 3 },
    info: {
      supportContact: "@vpn_support",
      apps: { ios: "https://apps.example/ios", android: "https://apps.example/android" },
      privacyPolicyUrl: "https://vpn.example/privacy",
      texts: { instructions: null, support: null, about: null, privacy: null },
    },
    buy: placeholderPort<BuyPort>(),
    key: placeholderPort<KeyPort>(),
    profile: placeholderPort<ProfilePort>(),
    referral: placeholderPort<ReferralPort>(),
    wallet: placeholderPort<WalletPort>(),
    trial: placeholderPort<TrialPort>(),
    preCheckouts: [],
    payments: [],
    preCheckoutVerdict: async (q) =>
      q.invoicePayload.startsWith("purchase:")
        ? { ok: true }
        : { ok: false, reason: { key: "precheckout.invalid" } },
  };
  fakes.services = {
    users,
    menu: {
      state: async (customer: Customer): Promise<MenuState> => ({
        trialEligible: !(users.users.get(customer.telegramId)?.trialUsed ?? false),
        trialDays: fakes.menu.trialDays,
        incidentBanner: fakes.menu.incidentBanner,
      }),
    },
    info: { info: async () => fakes.info },
    // The same objects, so a test can swap `fakes.profile.open` after the bot is built.
    buy: fakes.buy,
    key: fakes.key,
    profile: fakes.profile,
    referral: fakes.referral,
    wallet: fakes.wallet,
    trial: fakes.trial,
    payments: {
      preCheckout: async (q) => {
        fakes.preCheckouts.push(q);
        return fakes.preCheckoutVerdict(q);
      },
      successfulPayment: async (_c, p) => {
        fakes.payments.push(p);
        return { screen: PLACEHOLDER };
      },
      activateKey: async () => undefined,
    },
  };
  return fakes as Fakes;
}
