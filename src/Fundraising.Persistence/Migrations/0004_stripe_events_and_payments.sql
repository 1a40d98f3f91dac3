-- Stripe's side of online gifts. Webhook events are recorded once by id, so a duplicate delivery is
-- acknowledged and ignored; an event is marked processed only after its effect is durable, so a
-- failure mid-way is redelivered and applied again (every effect is idempotent).
CREATE TABLE stripe_events (
    id           text        PRIMARY KEY,
    type         text        NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz
);

-- Which Stripe objects paid for which gift: refunds go back to the payment intent.
CREATE TABLE stripe_payments (
    donation_id         uuid PRIMARY KEY REFERENCES donations (id),
    checkout_session_id text UNIQUE,
    payment_intent_id   text UNIQUE
);
