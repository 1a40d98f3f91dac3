-- The platform's own tables: the campaign catalogue (what lists and leaderboards query) and the
-- donation ledger. A campaign's running totals live on its catalogue row and are only ever changed
-- in the same transaction that changes the ledger, so raised_amount always equals the ledger's sum.

CREATE TABLE campaigns (
    id              uuid        PRIMARY KEY,
    title           text        NOT NULL,
    description     text        NOT NULL,
    kind            text        NOT NULL CHECK (kind IN ('appeal', 'village')),
    province        text        NOT NULL,
    city            text        NOT NULL,
    county          text        NOT NULL,
    village         text,
    currency        char(3)     NOT NULL,
    goal_amount     bigint      NOT NULL CHECK (goal_amount > 0),
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL,
    status          text        NOT NULL CHECK (status IN ('draft', 'live', 'closed')),
    raised_amount   bigint      NOT NULL DEFAULT 0 CHECK (raised_amount >= 0),
    donation_count  bigint      NOT NULL DEFAULT 0 CHECK (donation_count >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Listing filters by kind, status and county and pages newest first.
CREATE INDEX campaigns_listing ON campaigns (created_at DESC, id);
CREATE INDEX campaigns_by_county ON campaigns (county, created_at DESC);

CREATE TABLE donations (
    id               uuid        PRIMARY KEY,
    campaign_id      uuid        NOT NULL REFERENCES campaigns (id),
    -- Retries carry the same key; the fingerprint of the request body tells a retry from a misuse.
    idempotency_key  text        NOT NULL,
    request_hash     bytea       NOT NULL,
    amount           bigint      NOT NULL CHECK (amount > 0),
    currency         char(3)     NOT NULL,
    display_name     text,
    anonymous        boolean     NOT NULL,
    message          text,
    status           text        NOT NULL CHECK (status IN ('pending', 'succeeded')),
    channel          text        NOT NULL CHECK (channel IN ('online', 'offline')),
    provider         text        NOT NULL,
    -- Offline gifts: the receipt or bank reference, how it was paid, and which admin recorded it.
    reference        text,
    method           text,
    recorded_by      text,
    created_at       timestamptz NOT NULL,
    succeeded_at     timestamptz,
    CONSTRAINT donations_idempotency UNIQUE (campaign_id, idempotency_key),
    CONSTRAINT donations_succeeded_has_time CHECK ((status = 'succeeded') = (succeeded_at IS NOT NULL))
);

-- The public list of recent gifts and the reconciliation sums read only succeeded rows.
CREATE INDEX donations_succeeded_recent ON donations (campaign_id, succeeded_at DESC) WHERE status = 'succeeded';
