-- 0011: giving-day events (e.g. 9·9, 7 to 9 September in Asia/Shanghai): a window, the campaigns taking part,
-- and totals summed live from those campaigns' catalogue rows (never stored here, so they cannot drift).
--
-- A campaign takes part when it is listed by id (event_campaigns) or its county is one of the event's
-- (event_counties); a campaign matched both ways counts once. An event names at least one of the two; the
-- store writes an event and its lists in one transaction, so an event is never seen half made.

CREATE TABLE events (
    id          uuid        PRIMARY KEY,
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL,
    -- The IANA zone the window is announced in (Asia/Shanghai); starts_at and ends_at are instants.
    time_zone   text        NOT NULL CHECK (length(time_zone) BETWEEN 1 AND 64),
    -- The one currency of the campaigns taking part, fixed at creation (mixed currencies are refused then);
    -- totals sum only campaigns in it, so a campaign in another currency added later to a county never mixes in.
    currency    char(3)     NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL,
    CONSTRAINT events_window_is_forward CHECK (ends_at > starts_at)
);
CREATE INDEX events_listing ON events (created_at DESC, id DESC);

CREATE TABLE event_campaigns (
    event_id    uuid NOT NULL REFERENCES events (id),
    campaign_id uuid NOT NULL REFERENCES campaigns (id),
    PRIMARY KEY (event_id, campaign_id)
);

-- County names as campaigns.county holds them (compared exactly, as the catalogue's county filter does).
CREATE TABLE event_counties (
    event_id    uuid NOT NULL REFERENCES events (id),
    county      text NOT NULL CHECK (length(county) BETWEEN 1 AND 40),
    PRIMARY KEY (event_id, county)
);
