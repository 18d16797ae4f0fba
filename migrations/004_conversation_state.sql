-- What the bot remembers about a customer between two updates (src/bot/conversation.ts): the
-- question their next text message answers, and the promo code entered on the buy screen.
-- In the database, not in memory, so it holds across replicas (webhook mode spreads one
-- customer's updates over all of them) and across restarts. One row per customer; expired
-- values are ignored and overwritten, so the table never grows beyond the customers.
CREATE TABLE conversation_state (
  user_id bigint PRIMARY KEY,
  prompt jsonb,
  prompt_until timestamptz,
  promo_code text,
  promo_until timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT conversation_state_prompt_pair CHECK ((prompt IS NULL) = (prompt_until IS NULL)),
  CONSTRAINT conversation_state_promo_pair CHECK ((promo_code IS NULL) = (promo_until IS NULL))
);
