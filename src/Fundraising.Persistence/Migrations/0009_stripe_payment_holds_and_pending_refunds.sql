-- 0009: what Stripe reports is not counted on its word alone.
-- A paid Checkout Session or PaymentIntent whose amount, currency or mode (livemode) differs from the gift its
-- metadata names is held for an admin: the gift stays pending and counts for nothing; the row says what was
-- expected and what was paid. One row per Stripe object (a gift's session and its payment intent may both be held).
CREATE TABLE stripe_payment_holds (
    stripe_object_id  text        PRIMARY KEY,
    stripe_object     text        NOT NULL CHECK (stripe_object IN ('checkout.session', 'payment_intent')),
    donation_id       uuid        NOT NULL REFERENCES donations (id),
    campaign_id       uuid        NOT NULL,
    reason            text        NOT NULL,
    expected_amount   bigint      NOT NULL,
    expected_currency text        NOT NULL,
    paid_amount       bigint,
    paid_currency     text,
    livemode          boolean     NOT NULL,
    held_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stripe_payment_holds_by_time ON stripe_payment_holds (held_at);

-- A Stripe refund of a payment intent that no gift is linked to yet (a monthly invoice recorded without its
-- payment intent, or a refund event that overtook the payment's own): kept until the link appears, then applied
-- once (the ledger's key is the refund id) and marked applied. Never dropped.
CREATE TABLE stripe_pending_refunds (
    refund_id         text        PRIMARY KEY,
    payment_intent_id text        NOT NULL,
    amount            bigint      NOT NULL CHECK (amount > 0),
    reason            text        NOT NULL,
    received_at       timestamptz NOT NULL DEFAULT now(),
    applied_at        timestamptz
);
CREATE INDEX stripe_pending_refunds_unapplied ON stripe_pending_refunds (payment_intent_id) WHERE applied_at IS NULL;
