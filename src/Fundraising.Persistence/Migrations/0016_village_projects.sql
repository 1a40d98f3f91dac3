-- 0016: village projects (慈善幸福家园): claims, sub-plans, photos, coordinators' updates and milestones.

-- A village claimed by a county association. One claim per village: the same (county, town, village) cannot be claimed
-- twice. A claim may name its project (a campaign of kind village in the same county and village), at most one each.
CREATE TABLE village_claims (
    id           uuid        PRIMARY KEY,
    county       text        NOT NULL CHECK (length(county) BETWEEN 1 AND 40),
    town         text        NOT NULL DEFAULT '' CHECK (length(town) <= 40),
    village      text        NOT NULL CHECK (length(village) BETWEEN 1 AND 60),
    campaign_id  uuid        UNIQUE REFERENCES campaigns (id),
    claimed_by   text        NOT NULL,
    claimed_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (county, town, village)
);
CREATE INDEX village_claims_by_county ON village_claims (county, claimed_at DESC);

-- A sub-plan of a project, with its progress. raised_amount and donation_count are changed only by the ledger's writer,
-- in the transaction that changes the gifts that name it (one UPDATE per transaction for every sub-plan touched), so
-- they equal the sum of its gifts net of refunds.
CREATE TABLE sub_plans (
    id              uuid        PRIMARY KEY,
    campaign_id     uuid        NOT NULL REFERENCES campaigns (id),
    title           text        NOT NULL CHECK (length(title) BETWEEN 1 AND 80),
    description     text        CHECK (length(description) <= 2000),
    goal_amount     bigint      NOT NULL CHECK (goal_amount > 0),
    raised_amount   bigint      NOT NULL DEFAULT 0 CHECK (raised_amount >= 0),
    donation_count  bigint      NOT NULL DEFAULT 0 CHECK (donation_count >= 0),
    created_by      text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (campaign_id, title),
    UNIQUE (campaign_id, id)
);

-- The sub-plan a gift names, or none (the gift goes to the project). No foreign key, for the reason 0014 gives for
-- team_id: every insert would take a KEY SHARE lock on a popular sub-plan's row. The campaign grain admits only its
-- own sub-plans, sub-plans are never deleted, and the value never changes after the insert.
ALTER TABLE donations ADD COLUMN sub_plan_id uuid;
CREATE INDEX donations_by_sub_plan ON donations (sub_plan_id, created_at DESC) WHERE sub_plan_id IS NOT NULL;

-- A project's photo, re-encoded from the upload so that only pixels are kept (no metadata, nothing but the image).
CREATE TABLE photos (
    id            uuid        PRIMARY KEY,
    campaign_id   uuid        NOT NULL REFERENCES campaigns (id),
    content_type  text        NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    width         integer     NOT NULL CHECK (width BETWEEN 1 AND 8000),
    height        integer     NOT NULL CHECK (height BETWEEN 1 AND 8000),
    bytes         bytea       NOT NULL CHECK (length(bytes) BETWEEN 1 AND 10485760),
    uploaded_by   text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (campaign_id, id)
);

-- An update or a milestone on a project. Only a milestone has reached_at.
CREATE TABLE project_posts (
    id           uuid        PRIMARY KEY,
    campaign_id  uuid        NOT NULL REFERENCES campaigns (id),
    kind         text        NOT NULL CHECK (kind IN ('update', 'milestone')),
    title        text        NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
    body         text        CHECK (length(body) <= 5000),
    reached_at   timestamptz,
    created_by   text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (kind = 'milestone' OR reached_at IS NULL)
);
CREATE INDEX project_posts_by_campaign ON project_posts (campaign_id, created_at DESC);

-- A post's photos: the composite reference makes a photo of another project impossible here.
CREATE TABLE project_post_photos (
    post_id      uuid    NOT NULL REFERENCES project_posts (id),
    campaign_id  uuid    NOT NULL,
    photo_id     uuid    NOT NULL,
    position     integer NOT NULL CHECK (position >= 0),
    PRIMARY KEY (post_id, position),
    FOREIGN KEY (campaign_id, photo_id) REFERENCES photos (campaign_id, id)
);

-- The feed's history reads a project's gifts through donations_recent (0010), checking the status on the rows it
-- yields: no index here names status or succeeded_at, so confirmations stay heap-only (0006).
