/**
 * The VPN API as the rest of the service sees it (contracts/vpn-api.md). One interface, so that
 * other panels (Remnawave, Marzban, 3x-ui) can be added as adapters.
 */
export interface VpnApi {
  /** Idempotent: adding an existing UUID updates its expiry and returns the same link. */
  add(input: VpnUserInput, signal?: AbortSignal): Promise<{ uuid: string; link: string }>;
  /** Sets the expiry; re-creates a missing UUID with the same UUID. */
  update(input: Omit<VpnUserInput, "telegramId">, signal?: AbortSignal): Promise<void>;
  /**
   * Idempotent: removing an unknown UUID succeeds. `subscriptionId` (the key's subscription)
   * lets a panel that keeps one user per subscription find it without listing every user.
   */
  remove(uuid: string, signal?: AbortSignal, subscriptionId?: number): Promise<void>;
  /**
   * Set by a backend that reissues with the panel's own revoke: `add` of a subscription's new
   * key revokes its panel user's credentials and link (the old ones stop at once) instead of
   * the replaced key being removed first. Provisioning then skips that removal.
   */
  readonly revokesOnReissue?: boolean;
  /** Every client on the server (a panel: the users of ours). */
  list(signal?: AbortSignal): Promise<string[]>;
  /**
   * Panels: the users of ours with the expiry the panel holds, and the names of every other
   * user (listed for the report only, never changed or removed).
   */
  inventory?(signal?: AbortSignal): Promise<PanelInventory>;
  health(signal?: AbortSignal): Promise<boolean>;
  /**
   * Panels that bind devices to a user (Remnawave's HWID devices): the devices of the user
   * carrying this key (none when no user carries it).
   */
  devices?(key: VpnKeyRef, signal?: AbortSignal): Promise<VpnDevice[]>;
  /** Unbinds one device from the user carrying this key; an unknown device is no error. */
  removeDevice?(key: VpnKeyRef, hwid: string, signal?: AbortSignal): Promise<void>;
}

/** What a plan allows; a backend applies what it supports (the VPN API: none). */
export interface VpnLimits {
  devices?: number;
  trafficBytes?: number;
  trafficReset: "no_reset" | "day" | "week" | "month";
}

/** One key as a panel keeping a user per subscription finds it. */
export interface VpnKeyRef {
  uuid: string;
  subscriptionId: number;
}

/** A device the panel saw connect with a key. */
export interface VpnDevice {
  hwid: string;
  platform: string | null;
  model: string | null;
  addedAt: Date;
}

/**
 * What the customer is handed: a `vless://` key (the VPN API) or a panel's subscription URL,
 * which client apps import in one tap and refresh themselves.
 */
export type LinkKind = "vless" | "subscription";

export function linkKindOf(link: string): LinkKind {
  return /^https?:\/\//i.test(link) ? "subscription" : "vless";
}

export interface PanelInventory {
  ours: Array<{ uuid: string; expiresAt: Date }>;
  foreign: string[];
}

export interface VpnUserInput {
  uuid: string;
  /** The key's subscription: a panel keeps one user per subscription. */
  subscriptionId?: number;
  /** The plan's limits, enforced by a panel that has them; none = unlimited. */
  limits?: VpnLimits;
  telegramId: number;
  expiresAt: Date;
}

export type VpnErrorKind =
  | "not_configured"
  | "circuit_open"
  | "unauthorized"
  | "bad_request"
  | "server_error"
  | "timeout"
  | "network_error"
  | "bad_response"
  | "aborted";

export class VpnApiError extends Error {
  override name = "VpnApiError";
  constructor(
    readonly kind: VpnErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }

  /** Whether the same call may succeed later (all calls are idempotent). */
  get retryable(): boolean {
    return !["unauthorized", "bad_request", "not_configured"].includes(this.kind);
  }
}

/** Stands in when no VPN API is configured: purchases still succeed, activations stay pending. */
export class UnconfiguredVpnApi implements VpnApi {
  add(): Promise<{ uuid: string; link: string }> {
    return Promise.reject(notConfigured());
  }
  update(): Promise<void> {
    return Promise.reject(notConfigured());
  }
  remove(): Promise<void> {
    return Promise.reject(notConfigured());
  }
  list(): Promise<string[]> {
    return Promise.reject(notConfigured());
  }
  health(): Promise<boolean> {
    return Promise.resolve(false);
  }
}

function notConfigured(): VpnApiError {
  return new VpnApiError("not_configured", "VPN_API_URL and VPN_API_KEY are not set");
}
