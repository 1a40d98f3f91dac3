-- 0018: programmes (what a campaign's money is for), the year's giving days, other cities' figures entered by admins
-- (external data), and appeals opened from a template. The annual and giving-day reports are never stored: they are
-- summed by SQL over the ledger (donations net of their refunds) each time they are read.

-- Every campaign belongs to one programme, set at creation. Existing rows take the default of their kind: a village
-- project is village homes (慈善幸福家园); an appeal whose purpose nobody recorded is 'other'.
ALTER TABLE campaigns ADD COLUMN programme text;
UPDATE campaigns SET programme = CASE WHEN kind = 'village' THEN 'village_homes' ELSE 'other' END;
ALTER TABLE campaigns
    ALTER COLUMN programme SET NOT NULL,
    ADD CONSTRAINT campaigns_programme_known CHECK (programme IN
        ('village_homes', 'disaster_relief', 'festival_relief', 'student_aid', 'elderly', 'children', 'bridges', 'other'));

-- The template an appeal was opened from (only 'disaster' so far), or none. Such appeals are pinned on the home page
-- while live; a template appeal is always an appeal of its template's programme.
ALTER TABLE campaigns
    ADD COLUMN template text CHECK (template IN ('disaster')),
    ADD CONSTRAINT campaigns_template_is_an_appeal CHECK (template IS NULL OR (kind = 'appeal' AND programme = 'disaster_relief'));
CREATE INDEX campaigns_pinned ON campaigns (created_at DESC) WHERE template IS NOT NULL AND status = 'live';

-- Which event is a year's 99 Giving Day (99公益日): at most one per year, and an event is the giving day of one year
-- at most. The store inserts only when the event's window starts in that year in the event's own time zone.
CREATE TABLE giving_days (
    year       integer     PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    event_id   uuid        NOT NULL UNIQUE REFERENCES events (id),
    marked_by  text        NOT NULL,
    marked_at  timestamptz NOT NULL DEFAULT now()
);

-- Other cities' giving-day figures (money raised online, as the province publishes them), entered by admins. They
-- are not the platform's own ledger and every report marks them external. One row per city and year; a correction
-- replaces the row (and the audit trail keeps what it was).
CREATE TABLE external_city_figures (
    year           integer     NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    province       text        NOT NULL CHECK (length(province) BETWEEN 1 AND 40),
    city           text        NOT NULL CHECK (length(city) BETWEEN 1 AND 40),
    online_amount  bigint      NOT NULL CHECK (online_amount >= 0),
    currency       char(3)     NOT NULL,
    source         text        NOT NULL CHECK (length(source) BETWEEN 1 AND 200),
    entered_by     text        NOT NULL,
    entered_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (year, province, city)
);

-- No new index on donations: the reports date a gift by created_at (when it was made, which never changes) and read
-- each campaign's range through donations_recent (campaign_id, created_at), so confirmations stay heap-only (0006).
