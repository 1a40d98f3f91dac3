-- 0013: matching pools (配捐). A sponsor's budget matches gifts on an event's campaigns by a rule, from a daily
-- opening time, and never pays out a fen more than it holds. The pool is not one hot row: it grants budget in
-- slices to campaigns (pool_slices), and each campaign matches its own gifts from its slice inside the same
-- transaction that writes the gifts, so the hot rows are the campaigns' own (already hot) rows.
--
-- The invariant, held by constraints rather than by code:
--   committed_amount <= budget                  (matching_pools_never_overcommit)
--   used_amount <= amount on every slice        (pool_slices_never_overdrawn)
--   committed_amount = sum(amount) of open slices + sum(used_amount) of closed ones   (kept by the writers)
-- so the money matched, the sum of used_amount, can never exceed the budget.

CREATE TABLE matching_pools (
    id                     uuid        PRIMARY KEY,
    event_id               uuid        NOT NULL REFERENCES events (id),
    sponsor_name           text        NOT NULL CHECK (length(sponsor_name) BETWEEN 1 AND 120),
    currency               char(3)     NOT NULL,
    budget                 bigint      NOT NULL CHECK (budget > 0),
    daily_budget           bigint      CHECK (daily_budget > 0 AND daily_budget <= budget),
    -- Local time of day, in the event's time zone, at which matching opens on each day of the event.
    opens_at               time        NOT NULL,
    ratio_match            integer     NOT NULL CHECK (ratio_match > 0),
    ratio_per              integer     NOT NULL CHECK (ratio_per > 0),
    max_per_gift           bigint      NOT NULL CHECK (max_per_gift > 0),
    max_per_donor_per_day  bigint      NOT NULL CHECK (max_per_donor_per_day > 0),
    random_min             bigint      CHECK (random_min > 0),
    random_max             bigint,
    paused                 boolean     NOT NULL DEFAULT false,
    committed_amount       bigint      NOT NULL DEFAULT 0,
    created_at             timestamptz NOT NULL DEFAULT now(),
    created_by             text        NOT NULL,
    CONSTRAINT matching_pools_never_overcommit CHECK (committed_amount BETWEEN 0 AND budget),
    CONSTRAINT matching_pools_random_bounds CHECK ((random_min IS NULL) = (random_max IS NULL) AND random_max >= random_min)
);
CREATE INDEX matching_pools_by_event ON matching_pools (event_id, created_at);

-- Eligibility: listed campaigns, campaigns of listed counties; neither listed = every campaign of the event.
CREATE TABLE pool_campaigns (
    pool_id      uuid NOT NULL REFERENCES matching_pools (id),
    campaign_id  uuid NOT NULL REFERENCES campaigns (id),
    PRIMARY KEY (pool_id, campaign_id)
);
CREATE INDEX pool_campaigns_by_campaign ON pool_campaigns (campaign_id);

CREATE TABLE pool_counties (
    pool_id  uuid NOT NULL REFERENCES matching_pools (id),
    county   text NOT NULL CHECK (length(county) BETWEEN 1 AND 40),
    PRIMARY KEY (pool_id, county)
);

-- What a day of the event has committed, for pools with a daily budget.
CREATE TABLE pool_days (
    pool_id           uuid   NOT NULL REFERENCES matching_pools (id),
    day               date   NOT NULL,
    committed_amount  bigint NOT NULL DEFAULT 0 CHECK (committed_amount >= 0),
    PRIMARY KEY (pool_id, day)
);

-- A campaign's allotment of a pool for one day: it grows by grants, is used by the campaign's commits, and is
-- closed (what was unused returns to the pool) when the pool pauses, closes, reclaims it idle, or the day ends.
CREATE TABLE pool_slices (
    id            uuid        PRIMARY KEY,
    pool_id       uuid        NOT NULL REFERENCES matching_pools (id),
    campaign_id   uuid        NOT NULL REFERENCES campaigns (id),
    day           date        NOT NULL,
    amount        bigint      NOT NULL CHECK (amount >= 0),
    -- Matched and held money taken from the slice (net of reversals); held_amount is the part awaiting review.
    used_amount   bigint      NOT NULL DEFAULT 0,
    held_amount   bigint      NOT NULL DEFAULT 0,
    match_count   bigint      NOT NULL DEFAULT 0 CHECK (match_count >= 0),
    granted_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz NOT NULL DEFAULT now(),
    closed_at     timestamptz,
    CONSTRAINT pool_slices_never_overdrawn CHECK (used_amount BETWEEN 0 AND amount),
    CONSTRAINT pool_slices_held_within_used CHECK (held_amount BETWEEN 0 AND used_amount)
);
CREATE UNIQUE INDEX pool_slices_one_open_per_campaign ON pool_slices (pool_id, campaign_id) WHERE closed_at IS NULL;
CREATE INDEX pool_slices_open_by_campaign ON pool_slices (campaign_id) WHERE closed_at IS NULL;
CREATE INDEX pool_slices_by_pool ON pool_slices (pool_id);

-- Which verified donor gave (null: no donor token; such gifts are welcome and never matched).
ALTER TABLE donations ADD COLUMN donor_id uuid REFERENCES donors (id);

-- A gift's match: at most one per gift (the primary key), whatever retries, replays or failovers happen.
-- status: matched (counts), held (reserved from the slice, awaiting an admin: velocity), rejected (returned).
-- reversed_amount is what refunds of the gift took back (returned to the pool).
CREATE TABLE donation_matches (
    donation_id      uuid        PRIMARY KEY REFERENCES donations (id),
    pool_id          uuid        NOT NULL REFERENCES matching_pools (id),
    slice_id         uuid        NOT NULL REFERENCES pool_slices (id),
    campaign_id      uuid        NOT NULL,
    donor_id         uuid        NOT NULL REFERENCES donors (id),
    day              date        NOT NULL,
    amount           bigint      NOT NULL CHECK (amount > 0),
    reversed_amount  bigint      NOT NULL DEFAULT 0,
    status           text        NOT NULL CHECK (status IN ('matched', 'held', 'rejected')),
    flag_reason      text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    decided_at       timestamptz,
    decided_by       text,
    CONSTRAINT donation_matches_reversal_within_amount CHECK (reversed_amount BETWEEN 0 AND amount),
    CONSTRAINT donation_matches_held_are_flagged CHECK (status <> 'held' OR flag_reason IS NOT NULL)
);
CREATE INDEX donation_matches_by_pool ON donation_matches (pool_id);
CREATE INDEX donation_matches_flagged ON donation_matches (flag_reason, created_at DESC) WHERE flag_reason IS NOT NULL;

-- Money matched (and held) for a donor by a pool on a day: the per-donor daily cap is decided against this row,
-- locked in the commit, so concurrent gifts of one donor to different campaigns take turns.
CREATE TABLE donor_pool_days (
    donor_id        uuid   NOT NULL REFERENCES donors (id),
    pool_id         uuid   NOT NULL REFERENCES matching_pools (id),
    day             date   NOT NULL,
    matched_amount  bigint NOT NULL DEFAULT 0 CHECK (matched_amount >= 0),
    PRIMARY KEY (donor_id, pool_id, day)
);

-- A donor's latest gift times (when each gift was made), for the velocity rule; a handful, newest last.
CREATE TABLE donor_pace (
    donor_id  uuid          PRIMARY KEY REFERENCES donors (id),
    recent    timestamptz[] NOT NULL DEFAULT '{}'
);

-- Matched money beside the campaign's gifts, never inside raised_amount.
ALTER TABLE campaigns ADD COLUMN matched_amount bigint NOT NULL DEFAULT 0 CHECK (matched_amount >= 0);
