-- 0007: keep confirmations heap-only (see 0006). The partial index of 0005 on pending gifts names
-- status in its predicate, so every confirmation would again write into every index of donations.
-- The reconciliation job finds pending Stripe gifts through stripe_payments instead: a row written
-- when the gift's checkout is created, indexed by that time; only card gifts have one.
DROP INDEX IF EXISTS donations_pending_by_provider;
ALTER TABLE stripe_payments ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX stripe_payments_by_time ON stripe_payments (created_at);
