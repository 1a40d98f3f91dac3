-- 0021: a refund the card provider already made may leave a project short (资金缺口).
--
-- Disbursements and admin refunds take turns in the campaign grain and are refused when they would take the balance
-- (raised + matched - disbursed) below zero. A refund that arrives from the provider (Stripe's refund events) cannot be
-- refused: the money has gone back to the donor already, and the ledger must say so. When such a refund would take the
-- balance below zero, the grain first raises the project's shortfall_allowance by exactly what is missing, then records
-- the refund (the CHECK below now holds with the allowance), then records the shortfall for admins. Only a positive
-- disbursement clears the allowance (and it may go out only when it fits the balance without one); a correction that
-- gives money back trims it to what is still missing. So the CHECK stays what it was for everything but the
-- provider's own refunds.
ALTER TABLE campaigns ADD COLUMN shortfall_allowance bigint NOT NULL DEFAULT 0 CHECK (shortfall_allowance >= 0);
ALTER TABLE campaigns DROP CONSTRAINT campaigns_balance_never_negative;
ALTER TABLE campaigns ADD CONSTRAINT campaigns_balance_never_negative
    CHECK (disbursed_amount <= raised_amount + matched_amount + shortfall_allowance);

-- Each provider refund that left its project short, once (keyed by the refund's ledger key, stripe-refund:re_…): the
-- admin page lists the projects still short and what caused it. Append-only.
CREATE TABLE balance_shortfalls (
    refund_key       text        PRIMARY KEY CHECK (length(refund_key) BETWEEN 1 AND 128),
    campaign_id      uuid        NOT NULL REFERENCES campaigns (id),
    donation_id      uuid        NOT NULL,
    refund_amount    bigint      NOT NULL CHECK (refund_amount > 0),
    shortfall_amount bigint      NOT NULL CHECK (shortfall_amount > 0),
    recorded_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX balance_shortfalls_by_campaign ON balance_shortfalls (campaign_id, recorded_at);
