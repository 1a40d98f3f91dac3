-- 0014: leaderboards and teams (一起捐). Written after 0015 and numbered into the gap on purpose: the migrator applies
-- every embedded version it has not recorded, in version order, so a database that already has 0015 takes 0014 next.
--
-- Boards are kept by one grain per event from a feed of the campaigns' committed batches; they are never stored.
-- What makes them exact and recoverable is totals_version below: it moves in the very UPDATE that moves a campaign's
-- totals, so a board that has applied version v of a campaign knows whether it has every change (a delta numbered v+1
-- is the next one; a gap means one was lost, and the campaign is re-read in one snapshot with its version).

-- The region hierarchy is province > city > county > town > village; a campaign may name its town (乡镇).
ALTER TABLE campaigns ADD COLUMN town text CHECK (length(town) BETWEEN 1 AND 40);

-- One more per committed batch that changed the campaign's counted gifts or matched money (the ledger's writer, in
-- its one totals UPDATE), and per decision on a held match (the pool store, in its UPDATE of matched_amount).
ALTER TABLE campaigns ADD COLUMN totals_version bigint NOT NULL DEFAULT 0 CHECK (totals_version >= 0);

-- Which gifts an event's boards count, beside the online money that always counts. Both on by default: an event's
-- totals are 款物合计 (money and goods, online and offline), and with both on the campaigns, counties and cities boards
-- sum to exactly the event's totals.
ALTER TABLE events
    ADD COLUMN board_count_offline boolean NOT NULL DEFAULT true,
    ADD COLUMN board_count_goods   boolean NOT NULL DEFAULT true;

-- A team opened by a verified donor for one campaign, on one event's teams board. Its totals are never stored here:
-- the event's board sums its gifts (donations.team_id), so they cannot drift from the ledger.
CREATE TABLE teams (
    id           uuid        PRIMARY KEY,
    event_id     uuid        NOT NULL REFERENCES events (id),
    campaign_id  uuid        NOT NULL REFERENCES campaigns (id),
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
    goal_amount  bigint      NOT NULL CHECK (goal_amount > 0),
    story        text        CHECK (length(story) <= 2000),
    created_by   uuid        NOT NULL REFERENCES donors (id),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX teams_by_event ON teams (event_id, created_at);
CREATE INDEX teams_by_campaign ON teams (campaign_id);

-- The team a gift was made through (its share link), or none. No foreign key, on purpose: every insert's check would
-- take a KEY SHARE lock on the team's row, and a popular team's row would then be locked by every concurrent commit
-- (a multixact of all of them, and a WAL record per lock), the cost 0015 removed for pools. Teams are never deleted,
-- and the campaign grain admits a gift's team only after reading that the team is one of its own, so the reference
-- cannot dangle. team_id never changes after the insert, so confirmations stay heap-only (0006) with this index.
ALTER TABLE donations ADD COLUMN team_id uuid;
CREATE INDEX donations_by_team ON donations (team_id, created_at DESC) WHERE team_id IS NOT NULL;
