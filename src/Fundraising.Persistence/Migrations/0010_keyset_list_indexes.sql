-- 0010: lists are read by keyset, newest first by (created_at, id), never by OFFSET over every earlier row.
--
-- Each list's index now ends in exactly the list's order, so "the rows after this one" is a seek into the
-- index and a page costs the same however deep it is. created_at and id never change, so these indexes keep
-- confirmations heap-only (0006): the donation lists check status on the rows the index yields.

DROP INDEX donations_recent;
CREATE INDEX donations_recent ON donations (campaign_id, created_at DESC, id DESC);

DROP INDEX campaigns_listing;
CREATE INDEX campaigns_listing ON campaigns (created_at DESC, id DESC);
DROP INDEX campaigns_by_county;
CREATE INDEX campaigns_by_county ON campaigns (county, created_at DESC, id DESC);

CREATE INDEX monthly_gifts_by_campaign ON monthly_gifts (campaign_id, created_at DESC, id DESC);
