-- 001_core.sql — the core data model.
--
-- Invariants that protect money and keys live here, in the database, so that no code path (a
-- worker, a handler, an admin command, a bug) can break them. Conventions the app relies on:
--   * money is integer kopecks (bigint); Telegram ids are bigint; every timestamp is timestamptz;
--   * every constraint is named, and trigger-enforced rules raise with a constraint name too, so
--     callers map errors by `code` + `constraint` alone:
--       23514 check_violation    a row breaks a rule (value, shape, limit, cross-row rule);
--       23001 restrict_violation a forbidden change (append-only table, set-once column,
--                                immutable price snapshot, leaving a final status);
--   * "DEFERRABLE INITIALLY DEFERRED" constraint triggers check all-or-nothing rules at COMMIT
--     (a paid purchase is fulfilled, a withdrawal is reserved, ...): write the related rows in
--     the same transaction, in any order;
--   * TRUNCATE is deliberately not blocked: it is a maintenance tool (and test resets), never
--     something the app does.
-- No BEGIN/COMMIT: the migration runner applies the file inside one transaction.

-- ---------------------------------------------------------------------------------------------
-- Shared trigger functions
-- ---------------------------------------------------------------------------------------------

-- History and money records are append-only: a correction is a new row, never an edit.
CREATE FUNCTION forbid_modification() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% on % is not allowed: the table is append-only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation', CONSTRAINT = TG_ARGV[0], TABLE = TG_TABLE_NAME;
END;
$$;

-- ---------------------------------------------------------------------------------------------
-- users
-- ---------------------------------------------------------------------------------------------

CREATE TABLE users (
  telegram_id bigint PRIMARY KEY,
  username text,
  first_name text,
  -- NULL until the customer picks a language (first-time users are asked).
  language_code text,
  -- Cached sum of balance_ledger; only the ledger trigger may change it (see below).
  balance_kopecks bigint NOT NULL DEFAULT 0,
  referrer_id bigint REFERENCES users (telegram_id),
  is_vip boolean NOT NULL DEFAULT false,
  -- 0 = none; personal_discount_until NULL = no expiry.
  personal_discount_percent integer NOT NULL DEFAULT 0,
  personal_discount_until timestamptz,
  -- false once Telegram says the bot was blocked; any later update from them sets it back.
  reachable boolean NOT NULL DEFAULT true,
  trial_used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_telegram_id_positive CHECK (telegram_id > 0),
  CONSTRAINT users_language_code_format CHECK (language_code ~ '^[a-z]{2,3}(-[a-z0-9]{2,8})?$'),
  CONSTRAINT users_balance_nonnegative CHECK (balance_kopecks >= 0),
  CONSTRAINT users_no_self_referral CHECK (referrer_id <> telegram_id),
  CONSTRAINT users_personal_discount_range CHECK (personal_discount_percent BETWEEN 0 AND 100)
);

CREATE INDEX users_referrer_idx ON users (referrer_id) WHERE referrer_id IS NOT NULL;
CREATE INDEX users_username_idx ON users (lower(username)) WHERE username IS NOT NULL;
CREATE INDEX users_created_at_idx ON users (created_at);

-- The cached balance can only move together with a ledger row: a new user starts at 0 and
-- only balance_ledger's trigger (nested, so pg_trigger_depth() >= 2) may change it. With the
-- append-only ledger this makes "balance = ledger sum >= 0" hold by construction.
CREATE FUNCTION users_balance_from_ledger_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.balance_kopecks <> 0 THEN
      RAISE EXCEPTION 'a new user starts with a zero balance; credit it through balance_ledger'
        USING ERRCODE = 'restrict_violation', CONSTRAINT = 'users_balance_from_ledger_only',
              TABLE = 'users';
    END IF;
  ELSIF NEW.balance_kopecks IS DISTINCT FROM OLD.balance_kopecks AND pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'users.balance_kopecks changes only through balance_ledger inserts'
      USING ERRCODE = 'restrict_violation', CONSTRAINT = 'users_balance_from_ledger_only',
            TABLE = 'users';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER users_balance_from_ledger_only
  BEFORE INSERT OR UPDATE OF balance_kopecks ON users
  FOR EACH ROW EXECUTE FUNCTION users_balance_from_ledger_only();

-- A referrer is attached once and never changed, and the referral graph stays a forest (no
-- loop). A loop can only appear when an existing user gets a referrer, so only that path walks
-- the chain; FOR SHARE makes two concurrent attachments that would close a loop wait for each
-- other (or deadlock, and one is rolled back) instead of both passing.
CREATE FUNCTION users_referrer_rules() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  cur bigint;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF OLD.referrer_id IS NOT NULL AND NEW.referrer_id IS DISTINCT FROM OLD.referrer_id THEN
      RAISE EXCEPTION 'user %: the referrer is set once and never changed', NEW.telegram_id
        USING ERRCODE = 'restrict_violation', CONSTRAINT = 'users_referrer_set_once',
              TABLE = 'users';
    END IF;
    -- (Self-referral is left to the CHECK users_no_self_referral, which names it.)
    IF OLD.referrer_id IS NULL AND NEW.referrer_id <> NEW.telegram_id THEN
      cur := NEW.referrer_id;
      FOR i IN 1..100000 LOOP
        IF cur = NEW.telegram_id THEN
          RAISE EXCEPTION 'user %: referrer % would close a referral loop',
            NEW.telegram_id, NEW.referrer_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'users_no_referral_loop',
                  TABLE = 'users';
        END IF;
        SELECT u.referrer_id INTO cur FROM users u WHERE u.telegram_id = cur FOR SHARE;
        EXIT WHEN cur IS NULL;
      END LOOP;
    END IF;
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER users_referrer_rules
  BEFORE UPDATE OF referrer_id ON users
  FOR EACH ROW EXECUTE FUNCTION users_referrer_rules();

-- ---------------------------------------------------------------------------------------------
-- subscriptions, issued_uuids
-- ---------------------------------------------------------------------------------------------

CREATE TABLE subscriptions (
  id bigserial PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (telegram_id),
  -- Generated and committed by us before any VPN API call (the server never invents one).
  vpn_uuid uuid NOT NULL DEFAULT gen_random_uuid(),
  vless_link text,
  -- pending: paid/granted, not yet provisioned on the VPN API (the activation worker's queue).
  status text NOT NULL DEFAULT 'pending',
  is_trial boolean NOT NULL DEFAULT false,
  -- Always equal to the last grant's expires_after (deferred check below).
  expires_at timestamptz NOT NULL,
  auto_renew boolean NOT NULL DEFAULT false,
  -- Auto-renewal prices the last paid plan and period.
  last_plan text,
  last_period_days integer,
  -- What the VPN API was last told; differs from expires_at when a sync is due.
  provisioned_expires_at timestamptz,
  provisioned_at timestamptz,
  -- Bumped by trigger on every UPDATE: the apply phase compares-and-sets on it (R2).
  version bigint NOT NULL DEFAULT 1,
  -- Claim of a three-phase operation (R2/R5): claim_token and claimed_until go together.
  claimed_by text,
  claimed_until timestamptz,
  claim_token uuid,
  activation_attempts integer NOT NULL DEFAULT 0,
  next_activation_at timestamptz,
  last_activation_error text,
  key_reissued_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT subscriptions_one_per_user UNIQUE (user_id),
  CONSTRAINT subscriptions_vpn_uuid_key UNIQUE (vpn_uuid),
  -- Target for composite foreign keys that pin a child row to the subscription's owner.
  CONSTRAINT subscriptions_id_user_key UNIQUE (id, user_id),
  CONSTRAINT subscriptions_status_valid
    CHECK (status IN ('pending', 'active', 'expired', 'revoked')),
  CONSTRAINT subscriptions_active_has_link CHECK (status <> 'active' OR vless_link IS NOT NULL),
  CONSTRAINT subscriptions_last_plan_pair CHECK ((last_plan IS NULL) = (last_period_days IS NULL)),
  CONSTRAINT subscriptions_last_plan_format CHECK (last_plan ~ '^[a-z][a-z0-9_]{0,31}$'),
  CONSTRAINT subscriptions_last_period_positive CHECK (last_period_days > 0),
  CONSTRAINT subscriptions_auto_renew_needs_plan CHECK (NOT auto_renew OR last_plan IS NOT NULL),
  CONSTRAINT subscriptions_claim_complete
    CHECK ((claim_token IS NULL) = (claimed_until IS NULL)),
  CONSTRAINT subscriptions_activation_attempts_nonnegative CHECK (activation_attempts >= 0)
);

-- Worker queues (R4/R5: bounded batches claimed with FOR UPDATE SKIP LOCKED).
CREATE INDEX subscriptions_pending_activation_idx ON subscriptions (next_activation_at NULLS FIRST)
  WHERE status = 'pending';
CREATE INDEX subscriptions_live_expiry_idx ON subscriptions (expires_at)
  WHERE status IN ('pending', 'active');
CREATE INDEX subscriptions_auto_renew_idx ON subscriptions (expires_at)
  WHERE auto_renew AND status IN ('pending', 'active');
CREATE INDEX subscriptions_trial_idx ON subscriptions (expires_at) WHERE is_trial;
CREATE INDEX subscriptions_needs_sync_idx ON subscriptions (id)
  WHERE status = 'active' AND provisioned_expires_at IS DISTINCT FROM expires_at;
CREATE INDEX subscriptions_claimed_idx ON subscriptions (claimed_until)
  WHERE claim_token IS NOT NULL;

CREATE FUNCTION subscriptions_bump_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- Overrides whatever the statement set, so a CAS on version can never be fooled.
  NEW.version := OLD.version + 1;
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;

CREATE TRIGGER subscriptions_bump_version
  BEFORE UPDATE ON subscriptions
  FOR EACH ROW EXECUTE FUNCTION subscriptions_bump_version();

-- Every UUID this service ever put on the VPN server. Reconcile may remove only UUIDs listed
-- here (never clients it did not create). Filled by trigger from subscriptions.vpn_uuid, so it
-- cannot be forgotten; the app may also pre-register a UUID (subscription_id NULL) itself.
CREATE TABLE issued_uuids (
  uuid uuid PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (telegram_id),
  subscription_id bigint REFERENCES subscriptions (id),
  issued_at timestamptz NOT NULL DEFAULT now(),
  -- Replaced by a key reissue: never valid again, never reused.
  retired_at timestamptz,
  -- Last confirmed removal from the VPN server (cleared by the app if it is re-added).
  removed_at timestamptz,
  CONSTRAINT issued_uuids_subscription_fk FOREIGN KEY (subscription_id, user_id)
    REFERENCES subscriptions (id, user_id)
);

CREATE INDEX issued_uuids_subscription_idx ON issued_uuids (subscription_id);
CREATE INDEX issued_uuids_retired_idx ON issued_uuids (retired_at)
  WHERE retired_at IS NOT NULL AND removed_at IS NULL;

CREATE FUNCTION subscriptions_register_uuid() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  reg issued_uuids%ROWTYPE;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.vpn_uuid IS NOT DISTINCT FROM OLD.vpn_uuid THEN
    RETURN NULL;
  END IF;
  INSERT INTO issued_uuids (uuid, user_id, subscription_id)
  VALUES (NEW.vpn_uuid, NEW.user_id, NEW.id)
  ON CONFLICT (uuid) DO UPDATE SET subscription_id = EXCLUDED.subscription_id
    WHERE issued_uuids.subscription_id IS NULL AND issued_uuids.user_id = EXCLUDED.user_id;
  SELECT * INTO reg FROM issued_uuids WHERE uuid = NEW.vpn_uuid;
  IF reg.subscription_id IS DISTINCT FROM NEW.id OR reg.retired_at IS NOT NULL THEN
    RAISE EXCEPTION 'uuid % was already issued elsewhere or retired; a UUID is never reused',
      NEW.vpn_uuid
      USING ERRCODE = 'unique_violation', CONSTRAINT = 'issued_uuids_never_reused',
            TABLE = 'subscriptions';
  END IF;
  IF TG_OP = 'UPDATE' THEN
    UPDATE issued_uuids SET retired_at = now()
      WHERE uuid = OLD.vpn_uuid AND retired_at IS NULL;
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER subscriptions_register_uuid
  AFTER INSERT OR UPDATE OF vpn_uuid ON subscriptions
  FOR EACH ROW EXECUTE FUNCTION subscriptions_register_uuid();

-- History: never deleted; identity immutable; subscription_id and retired_at set once; the
-- current key of a subscription cannot be retired.
CREATE FUNCTION issued_uuids_keep_history() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'issued_uuids is history: rows are never deleted'
      USING ERRCODE = 'restrict_violation', CONSTRAINT = 'issued_uuids_append_only',
            TABLE = 'issued_uuids';
  END IF;
  IF NEW.uuid <> OLD.uuid OR NEW.user_id <> OLD.user_id OR NEW.issued_at <> OLD.issued_at
     OR (OLD.subscription_id IS NOT NULL
         AND NEW.subscription_id IS DISTINCT FROM OLD.subscription_id)
     OR (OLD.retired_at IS NOT NULL AND NEW.retired_at IS DISTINCT FROM OLD.retired_at) THEN
    RAISE EXCEPTION 'issued uuid %: identity, owner and retirement are set once', OLD.uuid
      USING ERRCODE = 'restrict_violation', CONSTRAINT = 'issued_uuids_append_only',
            TABLE = 'issued_uuids';
  END IF;
  IF NEW.retired_at IS NOT NULL AND OLD.retired_at IS NULL
     AND EXISTS (SELECT 1 FROM subscriptions s WHERE s.vpn_uuid = NEW.uuid) THEN
    RAISE EXCEPTION 'uuid % is a subscription''s current key and cannot be retired', NEW.uuid
      USING ERRCODE = 'check_violation', CONSTRAINT = 'issued_uuids_current_not_retired',
            TABLE = 'issued_uuids';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER issued_uuids_keep_history
  BEFORE UPDATE OR DELETE ON issued_uuids
  FOR EACH ROW EXECUTE FUNCTION issued_uuids_keep_history();

-- ---------------------------------------------------------------------------------------------
-- promo_codes
-- ---------------------------------------------------------------------------------------------

CREATE TABLE promo_codes (
  id bigserial PRIMARY KEY,
  -- ASCII only: lower() is then exact in every collation, so the case-insensitive unique
  -- index cannot be fooled by a locale that does not fold Cyrillic.
  code text NOT NULL,
  percent integer NOT NULL,
  max_uses integer,
  -- Open reservations plus uses that came from them: what counts against max_uses.
  -- Maintained by promo_reservations' trigger only.
  reserved_count integer NOT NULL DEFAULT 0,
  -- Paid uses, including late ones after a release (these may exceed max_uses: the customer
  -- paid the price they were shown, R8).
  used_count integer NOT NULL DEFAULT 0,
  expires_at timestamptz,
  active boolean NOT NULL DEFAULT true,
  created_by bigint,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT promo_codes_code_format CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$'),
  CONSTRAINT promo_codes_percent_range CHECK (percent BETWEEN 1 AND 100),
  CONSTRAINT promo_codes_max_uses_positive CHECK (max_uses > 0),
  CONSTRAINT promo_codes_counters_nonnegative CHECK (reserved_count >= 0 AND used_count >= 0),
  CONSTRAINT promo_codes_within_limit CHECK (max_uses IS NULL OR reserved_count <= max_uses)
);

CREATE UNIQUE INDEX promo_codes_code_ci_key ON promo_codes (lower(code));

CREATE FUNCTION promo_codes_counters_by_trigger_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF (TG_OP = 'INSERT' AND (NEW.reserved_count <> 0 OR NEW.used_count <> 0))
     OR (TG_OP = 'UPDATE' AND pg_trigger_depth() < 2
         AND (NEW.reserved_count, NEW.used_count) IS DISTINCT FROM
             (OLD.reserved_count, OLD.used_count)) THEN
    RAISE EXCEPTION 'promo code counters change only through promo_reservations'
      USING ERRCODE = 'restrict_violation', CONSTRAINT = 'promo_codes_counters_by_trigger_only',
            TABLE = 'promo_codes';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER promo_codes_counters_by_trigger_only
  BEFORE INSERT OR UPDATE ON promo_codes
  FOR EACH ROW EXECUTE FUNCTION promo_codes_counters_by_trigger_only();

-- ---------------------------------------------------------------------------------------------
-- purchases
-- ---------------------------------------------------------------------------------------------

CREATE TABLE purchases (
  id bigserial PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (telegram_id),
  kind text NOT NULL,
  plan text,
  period_days integer,
  method text NOT NULL,
  -- Price snapshot: what the customer saw is what they pay. Immutable after insert.
  base_kopecks bigint NOT NULL,
  discount_source text NOT NULL DEFAULT 'none',
  discount_percent integer NOT NULL DEFAULT 0,
  amount_kopecks bigint NOT NULL,
  base_stars integer,
  stars_amount integer,
  currency text NOT NULL,
  promo_code_id bigint REFERENCES promo_codes (id),
  status text NOT NULL DEFAULT 'pending',
  paid_at timestamptz,
  -- Payable until (Stars/card/crypto); NULL for instant balance purchases.
  expires_at timestamptz,
  crypto_invoice_id bigint,
  -- The provider's view of the invoice; the watcher polls every 'active' one, whatever the
  -- purchase's own status (a late payment is still found).
  crypto_invoice_status text,
  crypto_invoice_url text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT purchases_id_user_key UNIQUE (id, user_id),
  CONSTRAINT purchases_id_promo_key UNIQUE (id, promo_code_id),
  CONSTRAINT purchases_crypto_invoice_id_key UNIQUE (crypto_invoice_id),
  CONSTRAINT purchases_kind_valid CHECK (kind IN ('subscription', 'topup')),
  CONSTRAINT purchases_method_valid CHECK (method IN ('balance', 'stars', 'card', 'crypto')),
  CONSTRAINT purchases_status_valid CHECK (status IN ('pending', 'paid', 'expired', 'cancelled')),
  CONSTRAINT purchases_discount_source_valid
    CHECK (discount_source IN ('promo', 'vip', 'personal', 'none')),
  CONSTRAINT purchases_plan_shape CHECK (
    CASE kind
      WHEN 'subscription' THEN plan IS NOT NULL AND period_days IS NOT NULL AND period_days > 0
      WHEN 'topup' THEN plan IS NULL AND period_days IS NULL
      ELSE true
    END),
  CONSTRAINT purchases_plan_format CHECK (plan ~ '^[a-z][a-z0-9_]{0,31}$'),
  -- Top-ups are paid with real money by card or crypto (not Stars, not the balance itself).
  CONSTRAINT purchases_topup_method CHECK (kind <> 'topup' OR method IN ('card', 'crypto')),
  CONSTRAINT purchases_topup_undiscounted
    CHECK (kind <> 'topup' OR (discount_source = 'none' AND amount_kopecks > 0)),
  CONSTRAINT purchases_discount_range CHECK (discount_percent BETWEEN 0 AND 100),
  CONSTRAINT purchases_discount_shape CHECK ((discount_source = 'none') = (discount_percent = 0)),
  CONSTRAINT purchases_promo_shape CHECK ((discount_source = 'promo') = (promo_code_id IS NOT NULL)),
  CONSTRAINT purchases_base_nonnegative CHECK (base_kopecks >= 0),
  -- One discount, rounded down to whole kopecks (integer division floors non-negatives).
  CONSTRAINT purchases_amount_is_discounted_base
    CHECK (amount_kopecks = base_kopecks - base_kopecks * discount_percent / 100),
  -- Stars: the same discount, the Stars price rounded up (base - floor(discount)).
  CONSTRAINT purchases_stars_shape CHECK (
    CASE WHEN method = 'stars'
      THEN base_stars IS NOT NULL AND stars_amount IS NOT NULL AND base_stars >= 0
           AND stars_amount = base_stars - base_stars * discount_percent / 100
      ELSE base_stars IS NULL AND stars_amount IS NULL
    END),
  CONSTRAINT purchases_currency_matches_method
    CHECK (currency = CASE WHEN method = 'stars' THEN 'XTR' ELSE 'RUB' END),
  CONSTRAINT purchases_paid_at_shape CHECK ((status = 'paid') = (paid_at IS NOT NULL)),
  CONSTRAINT purchases_crypto_invoice_shape CHECK (
    (crypto_invoice_id IS NULL OR method = 'crypto')
    AND (crypto_invoice_id IS NULL) = (crypto_invoice_status IS NULL)),
  CONSTRAINT purchases_crypto_invoice_status_valid
    CHECK (crypto_invoice_status IN ('active', 'paid', 'expired'))
);

CREATE INDEX purchases_user_idx ON purchases (user_id, created_at);
CREATE INDEX purchases_pending_expiry_idx ON purchases (expires_at) WHERE status = 'pending';
CREATE INDEX purchases_open_invoice_idx ON purchases (crypto_invoice_id)
  WHERE crypto_invoice_status = 'active';
CREATE INDEX purchases_paid_at_idx ON purchases (paid_at) WHERE status = 'paid';
CREATE INDEX purchases_promo_idx ON purchases (promo_code_id) WHERE promo_code_id IS NOT NULL;

-- The snapshot never changes; 'paid' is final; nothing returns to 'pending'; the invoice id is
-- set once. expired/cancelled -> paid stays open: a late payment is still honoured (R8).
CREATE FUNCTION purchases_guard_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.user_id, NEW.kind, NEW.plan, NEW.period_days, NEW.method, NEW.base_kopecks,
      NEW.discount_source, NEW.discount_percent, NEW.amount_kopecks, NEW.base_stars,
      NEW.stars_amount, NEW.currency, NEW.promo_code_id, NEW.created_at)
     IS DISTINCT FROM
     (OLD.user_id, OLD.kind, OLD.plan, OLD.period_days, OLD.method, OLD.base_kopecks,
      OLD.discount_source, OLD.discount_percent, OLD.amount_kopecks, OLD.base_stars,
      OLD.stars_amount, OLD.currency, OLD.promo_code_id, OLD.created_at) THEN
    RAISE EXCEPTION 'purchase %: the price snapshot is immutable', OLD.id
      USING ERRCODE = 'restrict_violation', CONSTRAINT = 'purchases_snapshot_immutable',
            TABLE = 'purchases';
  END IF;
  IF OLD.status = 'paid' AND (NEW.status <> 'paid' OR NEW.paid_at IS DISTINCT FROM OLD.paid_at)
  THEN
    RAISE EXCEPTION 'purchase %: paid is final', OLD.id
      USING ERRCODE = 'restrict_violation', CONSTRAINT = 'purchases_paid_is_final',
            TABLE = 'purchases';
  END IF;
  IF NEW.status = 'pending' AND OLD.status <> 'pending' THEN
    RAISE EXCEPTION 'purchase %: cannot return to pending from %', OLD.id, OLD.status
      USING ERRCODE = 'restrict_violation', CONSTRAINT = 'purchases_no_return_to_pending',
            TABLE = 'purchases';
  END IF;
  IF OLD.crypto_invoice_id IS NOT NULL
     AND NEW.crypto_invoice_id IS DISTINCT FROM OLD.crypto_invoice_id THEN
    RAISE EXCEPTION 'purchase %: the crypto invoice id is set once', OLD.id
      USING ERRCODE = 'restrict_violation', CONSTRAINT = 'purchases_invoice_set_once',
            TABLE = 'purchases';
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;

CREATE TRIGGER purchases_guard_update
  BEFORE UPDATE ON purchases
  FOR EACH ROW EXECUTE FUNCTION purchases_guard_update();

CREATE FUNCTION forbid_purchase_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'purchases are never deleted (cancel or expire them)'
    USING ERRCODE = 'restrict_violation', CONSTRAINT = 'purchases_never_deleted',
          TABLE = 'purchases';
END;
$$;

CREATE TRIGGER purchases_never_deleted
  BEFORE DELETE ON purchases
  FOR EACH ROW EXECUTE FUNCTION forbid_purchase_delete();

-- ---------------------------------------------------------------------------------------------
-- subscription_grants — the history that subscriptions.expires_at is the fold of
-- ---------------------------------------------------------------------------------------------

CREATE TABLE subscription_grants (
  id bigserial PRIMARY KEY,
  subscription_id bigint NOT NULL,
  user_id bigint NOT NULL REFERENCES users (telegram_id),
  kind text NOT NULL,
  -- Length of the grant in seconds (days * 86400 for day grants); NULL for a revoke.
  seconds bigint,
  granted_at timestamptz NOT NULL DEFAULT now(),
  -- NULL when the grant created the subscription.
  expires_before timestamptz,
  expires_after timestamptz NOT NULL,
  purchase_id bigint,
  admin_id bigint,
  note text,
  CONSTRAINT subscription_grants_subscription_fk FOREIGN KEY (subscription_id, user_id)
    REFERENCES subscriptions (id, user_id),
  CONSTRAINT subscription_grants_purchase_fk FOREIGN KEY (purchase_id, user_id)
    REFERENCES purchases (id, user_id),
  CONSTRAINT subscription_grants_once_per_purchase UNIQUE (purchase_id),
  CONSTRAINT subscription_grants_kind_valid
    CHECK (kind IN ('trial', 'purchase', 'auto_renew', 'admin', 'revoke')),
  CONSTRAINT subscription_grants_purchase_shape
    CHECK ((kind IN ('purchase', 'auto_renew')) = (purchase_id IS NOT NULL)),
  CONSTRAINT subscription_grants_seconds_shape CHECK (
    CASE WHEN kind = 'revoke' THEN seconds IS NULL ELSE seconds IS NOT NULL AND seconds > 0 END),
  -- Renewal adds to max(expires_at, now): the row itself proves its arithmetic.
  CONSTRAINT subscription_grants_expiry_arithmetic CHECK (
    CASE WHEN kind = 'revoke'
      THEN expires_after <= greatest(expires_before, granted_at)
      ELSE expires_after = greatest(expires_before, granted_at) + make_interval(secs => seconds)
    END)
);

CREATE INDEX subscription_grants_subscription_idx ON subscription_grants (subscription_id, id);
CREATE INDEX subscription_grants_granted_at_idx ON subscription_grants (granted_at);
-- A trial is given once per customer, ever.
CREATE UNIQUE INDEX subscription_grants_one_trial_per_user ON subscription_grants (user_id)
  WHERE kind = 'trial';

-- A purchase grants only once it is paid, only a subscription purchase, and exactly its days.
CREATE FUNCTION subscription_grants_validate() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  p purchases%ROWTYPE;
BEGIN
  IF NEW.purchase_id IS NOT NULL THEN
    SELECT * INTO p FROM purchases WHERE id = NEW.purchase_id;
    IF FOUND AND (p.kind <> 'subscription' OR p.status <> 'paid') THEN
      RAISE EXCEPTION 'grant for purchase %: it must be a paid subscription purchase (is % %)',
        p.id, p.kind, p.status
        USING ERRCODE = 'check_violation', CONSTRAINT = 'subscription_grants_purchase_paid',
              TABLE = 'subscription_grants';
    END IF;
    IF FOUND AND NEW.seconds <> p.period_days::bigint * 86400 THEN
      RAISE EXCEPTION 'grant for purchase %: % s granted, % days paid',
        p.id, NEW.seconds, p.period_days
        USING ERRCODE = 'check_violation', CONSTRAINT = 'subscription_grants_purchase_period',
              TABLE = 'subscription_grants';
    END IF;
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER subscription_grants_validate
  BEFORE INSERT ON subscription_grants
  FOR EACH ROW EXECUTE FUNCTION subscription_grants_validate();

CREATE TRIGGER subscription_grants_append_only
  BEFORE UPDATE OR DELETE ON subscription_grants
  FOR EACH ROW EXECUTE FUNCTION forbid_modification('subscription_grants_append_only');

-- At commit: expires_at equals the last grant's expires_after, so the expiry is always the fold
-- of the recorded grants (every change of expires_at is explained by a grant row).
CREATE FUNCTION subscriptions_expiry_matches_grants() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  sub_id bigint;
  current_expiry timestamptz;
  granted_expiry timestamptz;
BEGIN
  IF TG_TABLE_NAME = 'subscriptions' THEN
    sub_id := NEW.id;
  ELSE
    sub_id := NEW.subscription_id;
  END IF;
  SELECT expires_at INTO current_expiry FROM subscriptions WHERE id = sub_id;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  SELECT expires_after INTO granted_expiry FROM subscription_grants
    WHERE subscription_id = sub_id ORDER BY id DESC LIMIT 1;
  IF granted_expiry IS DISTINCT FROM current_expiry THEN
    RAISE EXCEPTION 'subscription %: expires_at % does not match its last grant (%)',
      sub_id, current_expiry, coalesce(granted_expiry::text, 'no grant')
      USING ERRCODE = 'check_violation', CONSTRAINT = 'subscriptions_expiry_matches_grants',
            TABLE = 'subscriptions';
  END IF;
  RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER subscriptions_expiry_matches_grants
  AFTER INSERT OR UPDATE OF expires_at ON subscriptions
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION subscriptions_expiry_matches_grants();

CREATE CONSTRAINT TRIGGER subscription_grants_expiry_matches
  AFTER INSERT ON subscription_grants
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION subscriptions_expiry_matches_grants();

-- ---------------------------------------------------------------------------------------------
-- payments
-- ---------------------------------------------------------------------------------------------

CREATE TABLE payments (
  id bigserial PRIMARY KEY,
  -- NULL for money that matches no purchase (e.g. a mismatched late crypto payment).
  purchase_id bigint,
  user_id bigint NOT NULL REFERENCES users (telegram_id),
  provider text NOT NULL,
  -- telegram_payment_charge_id, crypto invoice_id, or the purchase id for balance payments.
  provider_payment_id text NOT NULL,
  -- Always the RUB value in kopecks (Stars: the purchase's ruble price snapshot): what ledger
  -- credits and referral cashback are computed from.
  amount_kopecks bigint NOT NULL,
  stars_amount integer,
  currency text NOT NULL,
  raw jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT payments_provider_payment_id_key UNIQUE (provider, provider_payment_id),
  CONSTRAINT payments_one_per_purchase UNIQUE (purchase_id),
  CONSTRAINT payments_id_user_key UNIQUE (id, user_id),
  CONSTRAINT payments_purchase_fk FOREIGN KEY (purchase_id, user_id)
    REFERENCES purchases (id, user_id),
  CONSTRAINT payments_provider_valid
    CHECK (provider IN ('balance', 'telegram_stars', 'telegram_card', 'cryptopay')),
  CONSTRAINT payments_provider_payment_id_nonempty CHECK (provider_payment_id <> ''),
  CONSTRAINT payments_amount_nonnegative CHECK (amount_kopecks >= 0),
  CONSTRAINT payments_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
  CONSTRAINT payments_stars_shape CHECK (
    CASE WHEN provider = 'telegram_stars'
      THEN stars_amount IS NOT NULL AND stars_amount > 0 AND currency = 'XTR'
      ELSE stars_amount IS NULL
    END)
);

CREATE INDEX payments_user_idx ON payments (user_id, created_at);
CREATE INDEX payments_created_at_idx ON payments (created_at);

-- The payment's provider is the purchase's method (a card charge cannot pay a crypto purchase).
CREATE FUNCTION payments_validate() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  purchase_method text;
  expected_provider text;
BEGIN
  IF NEW.purchase_id IS NOT NULL THEN
    SELECT method INTO purchase_method FROM purchases WHERE id = NEW.purchase_id;
    expected_provider := CASE purchase_method
      WHEN 'balance' THEN 'balance'
      WHEN 'stars' THEN 'telegram_stars'
      WHEN 'card' THEN 'telegram_card'
      WHEN 'crypto' THEN 'cryptopay'
    END;
    IF expected_provider IS NOT NULL AND NEW.provider <> expected_provider THEN
      RAISE EXCEPTION 'payment via % cannot pay purchase % (method %)',
        NEW.provider, NEW.purchase_id, purchase_method
        USING ERRCODE = 'check_violation', CONSTRAINT = 'payments_provider_matches_method',
              TABLE = 'payments';
    END IF;
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER payments_validate
  BEFORE INSERT ON payments
  FOR EACH ROW EXECUTE FUNCTION payments_validate();

CREATE TRIGGER payments_append_only
  BEFORE UPDATE OR DELETE ON payments
  FOR EACH ROW EXECUTE FUNCTION forbid_modification('payments_append_only');

-- ---------------------------------------------------------------------------------------------
-- referral_rewards, withdrawals
-- ---------------------------------------------------------------------------------------------

CREATE TABLE referral_rewards (
  id bigserial PRIMARY KEY,
  referrer_id bigint NOT NULL REFERENCES users (telegram_id),
  referred_id bigint NOT NULL REFERENCES users (telegram_id),
  payment_id bigint NOT NULL,
  percent integer NOT NULL,
  base_kopecks bigint NOT NULL,
  amount_kopecks bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Cashback is earned once per payment, ever.
  CONSTRAINT referral_rewards_once_per_payment UNIQUE (payment_id),
  CONSTRAINT referral_rewards_id_referrer_key UNIQUE (id, referrer_id),
  -- The rewarded payment was made by the referred customer.
  CONSTRAINT referral_rewards_payment_fk FOREIGN KEY (payment_id, referred_id)
    REFERENCES payments (id, user_id),
  CONSTRAINT referral_rewards_not_self CHECK (referrer_id <> referred_id),
  CONSTRAINT referral_rewards_percent_range CHECK (percent BETWEEN 1 AND 100),
  CONSTRAINT referral_rewards_base_positive CHECK (base_kopecks > 0),
  -- Rounded down: never more than the tier's share of the money.
  CONSTRAINT referral_rewards_amount_within_percent
    CHECK (amount_kopecks > 0 AND amount_kopecks <= base_kopecks * percent / 100)
);

CREATE INDEX referral_rewards_referrer_idx ON referral_rewards (referrer_id, created_at);
CREATE INDEX referral_rewards_referred_idx ON referral_rewards (referred_id);

-- Only the referred customer's own referrer earns; only real money earns (a balance payment
-- spends money that already earned its cashback when it was topped up); never more than paid.
CREATE FUNCTION referral_rewards_validate() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  actual_referrer bigint;
  pay payments%ROWTYPE;
BEGIN
  SELECT referrer_id INTO actual_referrer FROM users WHERE telegram_id = NEW.referred_id;
  IF actual_referrer IS DISTINCT FROM NEW.referrer_id THEN
    RAISE EXCEPTION 'user % was not referred by %', NEW.referred_id, NEW.referrer_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'referral_rewards_matches_referrer',
            TABLE = 'referral_rewards';
  END IF;
  SELECT * INTO pay FROM payments WHERE id = NEW.payment_id;
  IF FOUND AND pay.provider = 'balance' THEN
    RAISE EXCEPTION 'payment % was paid from the balance: no cashback', NEW.payment_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'referral_rewards_real_money',
            TABLE = 'referral_rewards';
  END IF;
  IF FOUND AND NEW.base_kopecks > pay.amount_kopecks THEN
    RAISE EXCEPTION 'reward base % exceeds payment % amount %',
      NEW.base_kopecks, pay.id, pay.amount_kopecks
      USING ERRCODE = 'check_violation', CONSTRAINT = 'referral_rewards_base_within_payment',
            TABLE = 'referral_rewards';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER referral_rewards_validate
  BEFORE INSERT ON referral_rewards
  FOR EACH ROW EXECUTE FUNCTION referral_rewards_validate();

CREATE TRIGGER referral_rewards_append_only
  BEFORE UPDATE OR DELETE ON referral_rewards
  FOR EACH ROW EXECUTE FUNCTION forbid_modification('referral_rewards_append_only');

CREATE TABLE withdrawals (
  id bigserial PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (telegram_id),
  -- The 500 ₽ minimum is an operator tunable kept in app config; the database only insists on
  -- a positive amount and on the earnings limit (trigger below).
  amount_kopecks bigint NOT NULL,
  requisites text NOT NULL,
  status text NOT NULL DEFAULT 'pending',
  decided_by bigint,
  decided_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT withdrawals_id_user_key UNIQUE (id, user_id),
  CONSTRAINT withdrawals_amount_positive CHECK (amount_kopecks > 0),
  CONSTRAINT withdrawals_requisites_present
    CHECK (requisites ~ '\S' AND length(requisites) <= 2000),
  CONSTRAINT withdrawals_status_valid CHECK (status IN ('pending', 'approved', 'rejected')),
  CONSTRAINT withdrawals_decision_shape CHECK ((status = 'pending') = (decided_at IS NULL))
);

CREATE INDEX withdrawals_user_idx ON withdrawals (user_id, created_at);
CREATE INDEX withdrawals_pending_idx ON withdrawals (created_at) WHERE status = 'pending';

-- Only referral earnings are cashed out: pending + approved withdrawals never exceed the
-- rewards earned. The user row lock serialises two concurrent requests; the balance side of
-- min(balance, earnings − withdrawn) holds through the reserve ledger row (balance >= 0).
CREATE FUNCTION withdrawals_within_earnings() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  earned bigint;
  committed bigint;
BEGIN
  PERFORM 1 FROM users WHERE telegram_id = NEW.user_id FOR UPDATE;
  SELECT coalesce(sum(amount_kopecks), 0) INTO earned
    FROM referral_rewards WHERE referrer_id = NEW.user_id;
  SELECT coalesce(sum(amount_kopecks), 0) INTO committed
    FROM withdrawals WHERE user_id = NEW.user_id AND status IN ('pending', 'approved');
  IF committed + NEW.amount_kopecks > earned THEN
    RAISE EXCEPTION 'withdrawal of % exceeds referral earnings left (% earned, % withdrawn)',
      NEW.amount_kopecks, earned, committed
      USING ERRCODE = 'check_violation', CONSTRAINT = 'withdrawals_within_earnings',
            TABLE = 'withdrawals';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER withdrawals_within_earnings
  BEFORE INSERT ON withdrawals
  FOR EACH ROW EXECUTE FUNCTION withdrawals_within_earnings();

-- Decided once (pending -> approved | rejected); the request itself never changes.
CREATE FUNCTION withdrawals_decided_once() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'withdrawals are never deleted'
      USING ERRCODE = 'restrict_violation', CONSTRAINT = 'withdrawals_decided_once',
            TABLE = 'withdrawals';
  END IF;
  IF (NEW.user_id, NEW.amount_kopecks, NEW.requisites, NEW.created_at)
       IS DISTINCT FROM (OLD.user_id, OLD.amount_kopecks, OLD.requisites, OLD.created_at)
     OR (OLD.status <> 'pending'
         AND (NEW.status, NEW.decided_by, NEW.decided_at)
             IS DISTINCT FROM (OLD.status, OLD.decided_by, OLD.decided_at)) THEN
    RAISE EXCEPTION 'withdrawal %: the request is immutable and decided once', OLD.id
      USING ERRCODE = 'restrict_violation', CONSTRAINT = 'withdrawals_decided_once',
            TABLE = 'withdrawals';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER withdrawals_decided_once
  BEFORE UPDATE OR DELETE ON withdrawals
  FOR EACH ROW EXECUTE FUNCTION withdrawals_decided_once();

-- ---------------------------------------------------------------------------------------------
-- balance_ledger — the wallet. users.balance_kopecks is its running sum.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE balance_ledger (
  id bigserial PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (telegram_id),
  delta_kopecks bigint NOT NULL,
  reason text NOT NULL,
  purchase_id bigint,
  payment_id bigint,
  withdrawal_id bigint,
  referral_reward_id bigint,
  admin_id bigint,
  comment text,
  -- Set by the trigger (whatever the insert says): the user's balance after this row.
  balance_after bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Every reference belongs to the same user as the ledger row.
  CONSTRAINT balance_ledger_purchase_fk FOREIGN KEY (purchase_id, user_id)
    REFERENCES purchases (id, user_id),
  CONSTRAINT balance_ledger_payment_fk FOREIGN KEY (payment_id, user_id)
    REFERENCES payments (id, user_id),
  CONSTRAINT balance_ledger_withdrawal_fk FOREIGN KEY (withdrawal_id, user_id)
    REFERENCES withdrawals (id, user_id),
  CONSTRAINT balance_ledger_reward_fk FOREIGN KEY (referral_reward_id, user_id)
    REFERENCES referral_rewards (id, referrer_id),
  CONSTRAINT balance_ledger_delta_nonzero CHECK (delta_kopecks <> 0),
  CONSTRAINT balance_ledger_balance_after_nonnegative CHECK (balance_after >= 0),
  CONSTRAINT balance_ledger_reason_valid CHECK (reason IN (
    'topup', 'subscription_payment', 'cashback', 'withdrawal_reserve', 'withdrawal_refund',
    'refund', 'admin_adjustment', 'late_payment_credit')),
  -- Each reason has a sign and the reference that explains it.
  CONSTRAINT balance_ledger_reason_shape CHECK (
    CASE reason
      WHEN 'topup' THEN delta_kopecks > 0 AND payment_id IS NOT NULL
      WHEN 'late_payment_credit' THEN delta_kopecks > 0 AND payment_id IS NOT NULL
      WHEN 'subscription_payment' THEN delta_kopecks < 0 AND purchase_id IS NOT NULL
      WHEN 'cashback' THEN delta_kopecks > 0 AND referral_reward_id IS NOT NULL
      WHEN 'withdrawal_reserve' THEN delta_kopecks < 0 AND withdrawal_id IS NOT NULL
      WHEN 'withdrawal_refund' THEN delta_kopecks > 0 AND withdrawal_id IS NOT NULL
      WHEN 'refund' THEN delta_kopecks > 0 AND (purchase_id IS NOT NULL OR payment_id IS NOT NULL)
      WHEN 'admin_adjustment' THEN admin_id IS NOT NULL
      ELSE true
    END)
);

CREATE INDEX balance_ledger_user_idx ON balance_ledger (user_id, id);
-- Exactly-once money movements (R8): a replayed finalizer cannot credit or debit twice.
CREATE UNIQUE INDEX balance_ledger_once_per_payment ON balance_ledger (payment_id)
  WHERE reason IN ('topup', 'late_payment_credit');
CREATE UNIQUE INDEX balance_ledger_once_per_purchase ON balance_ledger (purchase_id, reason)
  WHERE reason IN ('subscription_payment', 'refund');
CREATE UNIQUE INDEX balance_ledger_once_per_reward ON balance_ledger (referral_reward_id)
  WHERE referral_reward_id IS NOT NULL;
CREATE UNIQUE INDEX balance_ledger_once_per_withdrawal_step
  ON balance_ledger (withdrawal_id, reason) WHERE withdrawal_id IS NOT NULL;

-- Checks the amount against what the row references, then moves the cached balance. The
-- UPDATE locks the user row (concurrent debits serialise) and the users CHECK makes an
-- overdraft fail the whole insert with users_balance_nonnegative.
CREATE FUNCTION balance_ledger_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  expected bigint;
  ok boolean := true;
BEGIN
  CASE NEW.reason
    WHEN 'subscription_payment' THEN
      SELECT -amount_kopecks, method = 'balance' AND kind = 'subscription'
        INTO expected, ok FROM purchases WHERE id = NEW.purchase_id;
    WHEN 'topup', 'late_payment_credit' THEN
      SELECT amount_kopecks, provider <> 'balance'
        INTO expected, ok FROM payments WHERE id = NEW.payment_id;
    WHEN 'cashback' THEN
      SELECT amount_kopecks INTO expected FROM referral_rewards WHERE id = NEW.referral_reward_id;
    WHEN 'withdrawal_reserve' THEN
      SELECT -amount_kopecks INTO expected FROM withdrawals WHERE id = NEW.withdrawal_id;
    WHEN 'withdrawal_refund' THEN
      SELECT amount_kopecks, status = 'rejected'
        INTO expected, ok FROM withdrawals WHERE id = NEW.withdrawal_id;
    ELSE
      expected := NULL;
  END CASE;
  IF expected IS NOT NULL AND (NOT ok OR NEW.delta_kopecks <> expected) THEN
    RAISE EXCEPTION 'ledger % of % does not match its reference (expected %)',
      NEW.reason, NEW.delta_kopecks, expected
      USING ERRCODE = 'check_violation', CONSTRAINT = 'balance_ledger_matches_reference',
            TABLE = 'balance_ledger';
  END IF;

  UPDATE users SET balance_kopecks = balance_kopecks + NEW.delta_kopecks
    WHERE telegram_id = NEW.user_id
    RETURNING balance_kopecks INTO NEW.balance_after;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'ledger row for unknown user %', NEW.user_id
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'balance_ledger_user_id_fkey',
            TABLE = 'balance_ledger';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER balance_ledger_apply
  BEFORE INSERT ON balance_ledger
  FOR EACH ROW EXECUTE FUNCTION balance_ledger_apply();

CREATE TRIGGER balance_ledger_append_only
  BEFORE UPDATE OR DELETE ON balance_ledger
  FOR EACH ROW EXECUTE FUNCTION forbid_modification('balance_ledger_append_only');

-- ---------------------------------------------------------------------------------------------
-- promo_reservations — a promo use is reserved when the purchase is created (R8)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE promo_reservations (
  id bigserial PRIMARY KEY,
  promo_code_id bigint NOT NULL REFERENCES promo_codes (id),
  user_id bigint NOT NULL REFERENCES users (telegram_id),
  purchase_id bigint NOT NULL,
  -- Mirrors the purchase (pending -> reserved, paid -> used, expired/cancelled -> released);
  -- kept in step by trigger: the app only inserts the row.
  status text NOT NULL DEFAULT 'reserved',
  -- A late payment after the release: used, but not counted against max_uses.
  over_limit boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT promo_reservations_once_per_purchase UNIQUE (purchase_id),
  CONSTRAINT promo_reservations_purchase_fk FOREIGN KEY (purchase_id, user_id)
    REFERENCES purchases (id, user_id),
  CONSTRAINT promo_reservations_same_code_fk FOREIGN KEY (purchase_id, promo_code_id)
    REFERENCES purchases (id, promo_code_id),
  CONSTRAINT promo_reservations_status_valid CHECK (status IN ('reserved', 'used', 'released'))
);

CREATE INDEX promo_reservations_code_idx ON promo_reservations (promo_code_id, status);
CREATE INDEX promo_reservations_user_idx ON promo_reservations (user_id);

-- Keeps promo_codes' counters; the CHECK promo_codes_within_limit on the (row-locked) promo
-- row is what makes max_uses hold under any concurrency.
CREATE FUNCTION promo_reservations_count() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  purchase_status text;
  expected text;
  code promo_codes%ROWTYPE;
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'promo reservations are never deleted'
      USING ERRCODE = 'restrict_violation', CONSTRAINT = 'promo_reservations_follow_purchase',
            TABLE = 'promo_reservations';
  END IF;
  SELECT status INTO purchase_status FROM purchases WHERE id = NEW.purchase_id;
  expected := CASE purchase_status
    WHEN 'pending' THEN 'reserved' WHEN 'paid' THEN 'used' ELSE 'released' END;

  IF TG_OP = 'INSERT' THEN
    IF expected = 'released' THEN
      RAISE EXCEPTION 'purchase % is %: nothing to reserve', NEW.purchase_id, purchase_status
        USING ERRCODE = 'check_violation', CONSTRAINT = 'promo_reservations_follow_purchase',
              TABLE = 'promo_reservations';
    END IF;
    SELECT * INTO code FROM promo_codes WHERE id = NEW.promo_code_id;
    IF FOUND AND (NOT code.active OR code.expires_at <= now()) THEN
      RAISE EXCEPTION 'promo code % is inactive or expired', code.code
        USING ERRCODE = 'check_violation', CONSTRAINT = 'promo_codes_available',
              TABLE = 'promo_reservations';
    END IF;
    NEW.status := expected;
    NEW.over_limit := false;
    UPDATE promo_codes
      SET reserved_count = reserved_count + 1,
          used_count = used_count + CASE WHEN expected = 'used' THEN 1 ELSE 0 END
      WHERE id = NEW.promo_code_id;
    RETURN NEW;
  END IF;

  IF (NEW.promo_code_id, NEW.user_id, NEW.purchase_id, NEW.created_at, NEW.over_limit)
     IS DISTINCT FROM (OLD.promo_code_id, OLD.user_id, OLD.purchase_id, OLD.created_at,
                       OLD.over_limit)
     OR NEW.status <> expected THEN
    RAISE EXCEPTION 'promo reservation %: status follows purchase % (%), nothing else changes',
      OLD.id, NEW.purchase_id, purchase_status
      USING ERRCODE = 'restrict_violation', CONSTRAINT = 'promo_reservations_follow_purchase',
            TABLE = 'promo_reservations';
  END IF;
  IF NEW.status = OLD.status THEN
    RETURN NEW;
  END IF;
  IF OLD.status = 'reserved' AND NEW.status = 'used' THEN
    UPDATE promo_codes SET used_count = used_count + 1 WHERE id = NEW.promo_code_id;
  ELSIF OLD.status = 'reserved' AND NEW.status = 'released' THEN
    UPDATE promo_codes SET reserved_count = reserved_count - 1 WHERE id = NEW.promo_code_id;
  ELSIF OLD.status = 'released' AND NEW.status = 'used' THEN
    -- Paid after the release: honoured at the price shown, counted as over the limit.
    NEW.over_limit := true;
    UPDATE promo_codes SET used_count = used_count + 1 WHERE id = NEW.promo_code_id;
  ELSE
    RAISE EXCEPTION 'promo reservation %: % -> % is not a valid transition',
      OLD.id, OLD.status, NEW.status
      USING ERRCODE = 'restrict_violation', CONSTRAINT = 'promo_reservations_follow_purchase',
            TABLE = 'promo_reservations';
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;

CREATE TRIGGER promo_reservations_count
  BEFORE INSERT OR UPDATE OR DELETE ON promo_reservations
  FOR EACH ROW EXECUTE FUNCTION promo_reservations_count();

CREATE FUNCTION purchases_sync_promo_reservation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE promo_reservations
    SET status = CASE NEW.status WHEN 'paid' THEN 'used' ELSE 'released' END
    WHERE purchase_id = NEW.id
      AND status IS DISTINCT FROM CASE NEW.status WHEN 'paid' THEN 'used' ELSE 'released' END;
  RETURN NULL;
END;
$$;

CREATE TRIGGER purchases_sync_promo_reservation
  AFTER UPDATE OF status ON purchases
  FOR EACH ROW
  WHEN (NEW.promo_code_id IS NOT NULL AND NEW.status IS DISTINCT FROM OLD.status)
  EXECUTE FUNCTION purchases_sync_promo_reservation();

-- ---------------------------------------------------------------------------------------------
-- Commit-time (deferred) all-or-nothing rules across tables
-- ---------------------------------------------------------------------------------------------

-- A promo purchase holds its reservation: the limit is taken before anyone pays.
CREATE FUNCTION purchases_promo_reserved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM promo_reservations WHERE purchase_id = NEW.id) THEN
    RAISE EXCEPTION 'purchase % uses promo code % without a reservation',
      NEW.id, NEW.promo_code_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'purchases_promo_reserved',
            TABLE = 'purchases';
  END IF;
  RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER purchases_promo_reserved
  AFTER INSERT ON purchases
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN (NEW.promo_code_id IS NOT NULL)
  EXECUTE FUNCTION purchases_promo_reserved();

-- The finalizer is all or nothing (R8): a paid purchase has its one payment, and its grant
-- (subscription) or its balance credit (top-up), and a balance purchase has its debit.
CREATE FUNCTION purchases_paid_is_fulfilled() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  p purchases%ROWTYPE;
  pay_id bigint;
  missing text;
BEGIN
  SELECT * INTO p FROM purchases WHERE id = NEW.id;
  IF NOT FOUND OR p.status <> 'paid' THEN
    RETURN NULL;
  END IF;
  SELECT id INTO pay_id FROM payments WHERE purchase_id = p.id;
  IF pay_id IS NULL THEN
    missing := 'purchases_paid_has_payment';
  ELSIF p.kind = 'subscription'
        AND NOT EXISTS (SELECT 1 FROM subscription_grants WHERE purchase_id = p.id) THEN
    missing := 'purchases_paid_has_grant';
  ELSIF p.kind = 'topup' AND NOT EXISTS (
          SELECT 1 FROM balance_ledger WHERE payment_id = pay_id AND reason = 'topup') THEN
    missing := 'purchases_paid_has_credit';
  ELSIF p.method = 'balance' AND p.amount_kopecks > 0 AND NOT EXISTS (
          SELECT 1 FROM balance_ledger
          WHERE purchase_id = p.id AND reason = 'subscription_payment') THEN
    missing := 'purchases_paid_has_debit';
  END IF;
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'purchase % is paid but incomplete (%)', p.id, missing
      USING ERRCODE = 'check_violation', CONSTRAINT = missing, TABLE = 'purchases';
  END IF;
  RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER purchases_paid_is_fulfilled
  AFTER INSERT OR UPDATE OF status ON purchases
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN (NEW.status = 'paid')
  EXECUTE FUNCTION purchases_paid_is_fulfilled();

-- A withdrawal's amount is reserved at once, and a rejected one is refunded.
CREATE FUNCTION withdrawals_money_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  w withdrawals%ROWTYPE;
BEGIN
  SELECT * INTO w FROM withdrawals WHERE id = NEW.id;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM balance_ledger
                 WHERE withdrawal_id = w.id AND reason = 'withdrawal_reserve') THEN
    RAISE EXCEPTION 'withdrawal % has no reserve ledger row', w.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'withdrawals_reserved',
            TABLE = 'withdrawals';
  END IF;
  IF w.status = 'rejected' AND NOT EXISTS (
       SELECT 1 FROM balance_ledger WHERE withdrawal_id = w.id AND reason = 'withdrawal_refund')
  THEN
    RAISE EXCEPTION 'rejected withdrawal % was not refunded', w.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'withdrawals_rejected_refunded',
            TABLE = 'withdrawals';
  END IF;
  RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER withdrawals_money_moved
  AFTER INSERT OR UPDATE OF status ON withdrawals
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION withdrawals_money_moved();

-- A referral reward is paid out: its cashback row is in the same transaction.
CREATE FUNCTION referral_rewards_credited() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM balance_ledger
                 WHERE referral_reward_id = NEW.id AND reason = 'cashback') THEN
    RAISE EXCEPTION 'referral reward % has no cashback ledger row', NEW.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'referral_rewards_credited',
            TABLE = 'referral_rewards';
  END IF;
  RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER referral_rewards_credited
  AFTER INSERT ON referral_rewards
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION referral_rewards_credited();

-- ---------------------------------------------------------------------------------------------
-- notifications — one message per subscription, kind and expiry cycle
-- ---------------------------------------------------------------------------------------------

CREATE TABLE notifications (
  id bigserial PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (telegram_id),
  subscription_id bigint,
  kind text NOT NULL,
  -- The subscription's expires_at when sent (a renewal starts a new cycle). For a notification
  -- about an event rather than a cycle, the event's own timestamp; '-infinity' = "once ever".
  -- NOT NULL because NULLs never collide in a unique index.
  cycle timestamptz NOT NULL DEFAULT '-infinity',
  -- Claimed as 'sending' before the Telegram call; after a crash such rows become 'unknown'
  -- and are not resent.
  status text NOT NULL DEFAULT 'sending',
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  CONSTRAINT notifications_subscription_fk FOREIGN KEY (subscription_id, user_id)
    REFERENCES subscriptions (id, user_id),
  CONSTRAINT notifications_once_per_cycle UNIQUE (subscription_id, kind, cycle),
  CONSTRAINT notifications_kind_format CHECK (kind ~ '^[a-z][a-z0-9_]{0,63}$'),
  CONSTRAINT notifications_status_valid CHECK (status IN ('sending', 'sent', 'failed', 'unknown')),
  CONSTRAINT notifications_sent_at_shape CHECK (status <> 'sent' OR sent_at IS NOT NULL)
);

-- Notifications not tied to a subscription are still sent once per user, kind and cycle.
CREATE UNIQUE INDEX notifications_user_once_per_cycle ON notifications (user_id, kind, cycle)
  WHERE subscription_id IS NULL;
CREATE INDEX notifications_sending_idx ON notifications (created_at) WHERE status = 'sending';
CREATE INDEX notifications_user_idx ON notifications (user_id, created_at);

-- ---------------------------------------------------------------------------------------------
-- worker_leases, settings, audit_log
-- ---------------------------------------------------------------------------------------------

-- One row per loop; taken per iteration with a compare-and-set on lease_until (R5).
CREATE TABLE worker_leases (
  name text PRIMARY KEY,
  holder text,
  lease_until timestamptz NOT NULL DEFAULT '-infinity',
  iteration bigint NOT NULL DEFAULT 0,
  last_success_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT worker_leases_name_format CHECK (name ~ '^[a-z][a-z0-9_.-]{0,63}$'),
  CONSTRAINT worker_leases_iteration_nonnegative CHECK (iteration >= 0)
);

-- Operator-configurable values (prices, texts, links, incident banner...), overriding defaults.
CREATE TABLE settings (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by bigint,
  CONSTRAINT settings_key_format CHECK (key ~ '^[a-z][a-z0-9_.-]{0,127}$')
);

CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  -- Admin telegram id, NULL for the system. No foreign keys: an audit write must never fail
  -- because of whom it is about.
  actor_id bigint,
  action text NOT NULL,
  target_user_id bigint,
  details jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT audit_log_action_format CHECK (action ~ '^[a-z][a-z0-9_.:-]{0,63}$')
);

CREATE INDEX audit_log_created_at_idx ON audit_log (created_at);
CREATE INDEX audit_log_target_idx ON audit_log (target_user_id, created_at)
  WHERE target_user_id IS NOT NULL;

CREATE TRIGGER audit_log_append_only
  BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION forbid_modification('audit_log_append_only');
