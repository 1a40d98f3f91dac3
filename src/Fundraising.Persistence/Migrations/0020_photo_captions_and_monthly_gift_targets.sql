-- 0020: a photo's caption, and what a monthly gift (月捐) counts for.
--
-- A coordinator uploads a photo with a line saying what it shows; the caption is text only (the page inserts it as
-- text), at most 200 characters, and optional as before.
ALTER TABLE photos ADD COLUMN caption text CHECK (caption IS NULL OR length(caption) BETWEEN 1 AND 200);

-- A monthly gift may come through a team's share link (一起捐) and name a village project's sub-plan, as a one-off gift
-- does; every month's gift then counts for both. The campaign grain checked both at sign-up (the team is the
-- campaign's, the sub-plan the project's). No foreign keys, as donations.team_id and donations.sub_plan_id: teams and
-- sub-plans are never deleted, and the ledger row of each month is what counts.
ALTER TABLE monthly_gifts ADD COLUMN team_id uuid;
ALTER TABLE monthly_gifts ADD COLUMN sub_plan_id uuid;
