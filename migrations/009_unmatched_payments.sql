-- Money a provider reported that matches no purchase of ours: a correctly signed Crypto Pay
-- invoice this service did not create (another app on the same token, a purchase row lost with a
-- restored backup), a Telegram payment whose payload is not ours. Nothing can be credited, so no
-- payments row is written; the admins are told once. One row per provider id: the provider's
-- retries of the same event find it and neither alert nor log a warning again; `deliveries` and
-- `last_seen_at` show how often it came back.
CREATE TABLE unmatched_payments (
  provider text NOT NULL,
  provider_payment_id text NOT NULL,
  -- What the event's payload named, when it parsed as one of our purchase ids.
  purchase_id bigint,
  amount numeric,
  currency text,
  raw jsonb,
  deliveries integer NOT NULL DEFAULT 1,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, provider_payment_id),
  CONSTRAINT unmatched_payments_provider_valid
    CHECK (provider IN ('telegram_stars', 'telegram_card', 'cryptopay')),
  CONSTRAINT unmatched_payments_id_nonempty CHECK (provider_payment_id <> ''),
  CONSTRAINT unmatched_payments_deliveries_positive CHECK (deliveries >= 1)
);
