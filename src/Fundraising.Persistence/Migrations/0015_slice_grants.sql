-- 0015: a grant is a new slice row, never an update of the campaign's open slice.
--
-- Before, a grant grew the campaign's one open slice (upsert). But that row is locked by the campaign's commit in flight
-- (its matching step reads its slices FOR UPDATE), so the pool's grants, which take turns, waited behind the campaigns'
-- commits one after another: at a 10:00 opening, 200 campaigns' first grants queued for about a second.
-- Now a grant inserts rows nobody else holds (the pool's batch of grants in one transaction) and the campaign's next
-- commit folds its newer open slices into its oldest one (MatchStep), so a campaign still matches from one slice.
-- The invariant is unchanged: committed_amount = sum(amount) of open slices + sum(used_amount) of closed ones; a folded
-- slice is closed with amount = used_amount after its unused money moved to the oldest open slice.
DROP INDEX pool_slices_one_open_per_campaign;
CREATE INDEX pool_slices_open_by_pool_campaign ON pool_slices (pool_id, campaign_id) WHERE closed_at IS NULL;
