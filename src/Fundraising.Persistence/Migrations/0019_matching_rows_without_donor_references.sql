-- 0019: a matched gift no longer checks its donor three more times.
--
-- A match row, a donor's day and a donor's pace each referenced donors (id), so every matched gift ran three more
-- foreign-key checks (a query each, finding the donor's row and taking a KEY SHARE lock on it) after the gift's own row
-- had checked the same donor (donations.donor_id keeps its reference). These rows are written only by the ledger's
-- matching step, from gifts whose donor the donations table has just checked, and donors are never deleted; so the three
-- references are dropped. The match row's reference to its gift stays, and through the gift the donor is known.
ALTER TABLE donation_matches DROP CONSTRAINT donation_matches_donor_id_fkey;
ALTER TABLE donor_pool_days DROP CONSTRAINT donor_pool_days_donor_id_fkey;
ALTER TABLE donor_pace DROP CONSTRAINT donor_pace_donor_id_fkey;
