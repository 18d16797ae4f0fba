-- One customer lock strength (src/domain/customers/lock.ts): the earnings check on a withdrawal
-- takes FOR NO KEY UPDATE like every other flow, instead of FOR UPDATE, which also blocked the
-- foreign-key checks of ledger and payment rows referencing the customer.
CREATE OR REPLACE FUNCTION withdrawals_within_earnings() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  earned bigint;
  committed bigint;
BEGIN
  PERFORM 1 FROM users WHERE telegram_id = NEW.user_id FOR NO KEY UPDATE;
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
