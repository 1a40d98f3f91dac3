-- Monthly gifts (月捐): a Stripe subscription per donor and campaign. A row is written only after Stripe
-- has created the Checkout Session, so a failed call to Stripe leaves nothing behind; its id is derived
-- from (campaign, Idempotency-Key), so a retry reaches the same session. The cancel token is not stored:
-- it is an HMAC of the id under a server secret.
CREATE TABLE monthly_gifts (
    id                     uuid        PRIMARY KEY,
    campaign_id            uuid        NOT NULL REFERENCES campaigns (id),
    idempotency_key        text        NOT NULL,
    request_hash           bytea       NOT NULL,
    amount                 bigint      NOT NULL CHECK (amount > 0),
    currency               char(3)     NOT NULL,
    display_name           text,
    anonymous              boolean     NOT NULL,
    email                  text,
    checkout_session_id    text        NOT NULL UNIQUE,
    checkout_url           text,
    stripe_customer_id     text,
    stripe_subscription_id text        UNIQUE,
    -- pending until Stripe reports the first payment; cancelled by the donor or in Stripe's dashboard.
    status                 text        NOT NULL CHECK (status IN ('pending', 'active', 'cancelled')),
    created_at             timestamptz NOT NULL DEFAULT now(),
    cancelled_at           timestamptz,
    CONSTRAINT monthly_gifts_idempotency UNIQUE (campaign_id, idempotency_key),
    CONSTRAINT monthly_gifts_cancelled_has_time CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
);

-- One row per paid Stripe invoice: the gift it made. The donation itself is keyed by the invoice id in the
-- ledger (idempotency key 'stripe-invoice:<id>'), so a redelivered or reconciled invoice never counts twice.
-- No foreign key to monthly_gifts: an invoice names its gift in Stripe's metadata and is recorded even if
-- our row is missing (money Stripe took is always recorded).
CREATE TABLE monthly_gift_invoices (
    invoice_id      text        PRIMARY KEY,
    monthly_gift_id uuid        NOT NULL,
    donation_id     uuid        NOT NULL UNIQUE REFERENCES donations (id),
    recorded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX monthly_gift_invoices_gift ON monthly_gift_invoices (monthly_gift_id, recorded_at);

-- The reconciliation job looks for Stripe gifts still pending after a while.
CREATE INDEX donations_pending_by_provider ON donations (provider, created_at) WHERE status = 'pending';
