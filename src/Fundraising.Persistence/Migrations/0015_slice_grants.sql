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

-- The pool's row is the one row every campaign's commit would otherwise share: a match row (and a donor's first row
-- of a day) referencing it took a KEY SHARE lock on it in every concurrent commit, so PostgreSQL kept a multixact of
-- all of them on the row the pool's grants update. Pools are never deleted, and a match's pool is its slice's pool
-- (the slice reference stays), so these two references are dropped; /api/admin/pools/{id}/reconciliation still
-- checks the rows against the pool.
ALTER TABLE donation_matches DROP CONSTRAINT donation_matches_pool_id_fkey;
ALTER TABLE donor_pool_days DROP CONSTRAINT donor_pool_days_pool_id_fkey;
