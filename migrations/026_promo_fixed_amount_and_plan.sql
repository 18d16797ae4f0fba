-- Promo codes may take a fixed amount off (in kopecks) instead of a percent, and may be
-- restricted to one plan. A purchase records the fixed amount it was given in discount_kopecks;
-- a Stars price gets the same share off (the ruble amount's share of the ruble base, rounded down).

ALTER TABLE promo_codes
  ALTER COLUMN percent DROP NOT NULL,
  ADD COLUMN amount_off_kopecks bigint,
  ADD COLUMN plan text,
  ADD CONSTRAINT promo_codes_one_kind_of_discount
    CHECK ((percent IS NULL) <> (amount_off_kopecks IS NULL)),
  ADD CONSTRAINT promo_codes_amount_off_positive CHECK (amount_off_kopecks > 0),
  ADD CONSTRAINT promo_codes_plan_format CHECK (plan ~ '^[a-z][a-z0-9_]{0,31}$');

ALTER TABLE purchases
  ADD COLUMN discount_kopecks bigint NOT NULL DEFAULT 0,
  DROP CONSTRAINT purchases_discount_shape,
  DROP CONSTRAINT purchases_amount_is_discounted_base,
  DROP CONSTRAINT purchases_stars_shape,
  ADD CONSTRAINT purchases_discount_kopecks_range
    CHECK (discount_kopecks >= 0 AND discount_kopecks <= base_kopecks),
  -- One discount: a percent or a fixed amount, never both.
  ADD CONSTRAINT purchases_discount_shape CHECK (
    (discount_source = 'none') = (discount_percent = 0 AND discount_kopecks = 0)
    AND (discount_percent = 0 OR discount_kopecks = 0)),
  ADD CONSTRAINT purchases_amount_is_discounted_base
    CHECK (amount_kopecks = base_kopecks - base_kopecks * discount_percent / 100 - discount_kopecks),
  ADD CONSTRAINT purchases_stars_shape CHECK (
    CASE WHEN method = 'stars'
      THEN base_stars IS NOT NULL AND stars_amount IS NOT NULL AND base_stars >= 0
           AND stars_amount = base_stars - base_stars * discount_percent / 100
             - CASE WHEN base_kopecks > 0 THEN base_stars * discount_kopecks / base_kopecks ELSE 0 END
      ELSE base_stars IS NULL AND stars_amount IS NULL
    END);

-- The snapshot (now with discount_kopecks) never changes; the rest as before.
CREATE OR REPLACE FUNCTION purchases_guard_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.user_id, NEW.kind, NEW.plan, NEW.period_days, NEW.method, NEW.base_kopecks,
      NEW.discount_source, NEW.discount_percent, NEW.discount_kopecks, NEW.amount_kopecks,
      NEW.base_stars, NEW.stars_amount, NEW.currency, NEW.promo_code_id, NEW.created_at)
     IS DISTINCT FROM
     (OLD.user_id, OLD.kind, OLD.plan, OLD.period_days, OLD.method, OLD.base_kopecks,
      OLD.discount_source, OLD.discount_percent, OLD.discount_kopecks, OLD.amount_kopecks,
      OLD.base_stars, OLD.stars_amount, OLD.currency, OLD.promo_code_id, OLD.created_at) THEN
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
