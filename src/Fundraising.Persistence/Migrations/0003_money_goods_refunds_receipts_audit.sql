-- Money and goods (款物), online and offline (线上线下), refunds as compensating entries, stage
-- pledges, gap-free receipt numbers, and an audit trail of every admin entry.

-- A gift is money or goods valued at its 折价 (amount, in fen). Goods name the item and quantity.
ALTER TABLE donations
    ADD COLUMN kind            text   NOT NULL DEFAULT 'money' CHECK (kind IN ('money', 'goods')),
    ADD COLUMN item            text,
    ADD COLUMN quantity        bigint CHECK (quantity > 0),
    ADD COLUMN refunded_amount bigint NOT NULL DEFAULT 0,
    ADD COLUMN receipt_number  text UNIQUE,
    ADD COLUMN pledge_id       uuid,
    ADD CONSTRAINT donations_goods_have_item CHECK ((kind = 'goods') = (item IS NOT NULL AND quantity IS NOT NULL)),
    ADD CONSTRAINT donations_refund_within_amount CHECK (refunded_amount >= 0 AND refunded_amount <= amount);

-- 'refunded' = refunded in full. A partly refunded gift stays 'succeeded' with refunded_amount > 0.
ALTER TABLE donations DROP CONSTRAINT donations_status_check;
ALTER TABLE donations ADD CONSTRAINT donations_status_check CHECK (status IN ('pending', 'succeeded', 'refunded'));
ALTER TABLE donations DROP CONSTRAINT donations_succeeded_has_time;
ALTER TABLE donations ADD CONSTRAINT donations_succeeded_has_time CHECK ((status = 'pending') = (succeeded_at IS NULL));

DROP INDEX donations_succeeded_recent;
CREATE INDEX donations_succeeded_recent ON donations (campaign_id, succeeded_at DESC) WHERE status <> 'pending';
-- The receipt issuer numbers succeeded gifts in the order they succeeded.
CREATE INDEX donations_awaiting_receipt ON donations (succeeded_at, id) WHERE receipt_number IS NULL AND status <> 'pending';

-- Totals by bucket; raised_amount = online_amount + offline_amount + goods_amount, all net of refunds.
ALTER TABLE campaigns
    ADD COLUMN online_amount  bigint NOT NULL DEFAULT 0,
    ADD COLUMN offline_amount bigint NOT NULL DEFAULT 0,
    ADD COLUMN goods_amount   bigint NOT NULL DEFAULT 0;
UPDATE campaigns c SET
    online_amount  = coalesce((SELECT sum(amount) FROM donations d WHERE d.campaign_id = c.id AND d.status = 'succeeded' AND d.channel = 'online'), 0),
    offline_amount = coalesce((SELECT sum(amount) FROM donations d WHERE d.campaign_id = c.id AND d.status = 'succeeded' AND d.channel = 'offline'), 0);
ALTER TABLE campaigns ADD CONSTRAINT campaigns_buckets_add_up CHECK (raised_amount = online_amount + offline_amount + goods_amount);

CREATE TABLE refunds (
    id                 uuid        PRIMARY KEY,
    donation_id        uuid        NOT NULL REFERENCES donations (id),
    campaign_id        uuid        NOT NULL REFERENCES campaigns (id),
    amount             bigint      NOT NULL CHECK (amount > 0),
    reason             text        NOT NULL,
    requested_by       text        NOT NULL,
    idempotency_key    text        NOT NULL,
    provider_reference text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT refunds_idempotency UNIQUE (donation_id, idempotency_key)
);
CREATE INDEX refunds_by_campaign ON refunds (campaign_id, created_at);

-- A pledge made on stage (认捐) counts once it is paid, possibly in parts, by offline gifts.
CREATE TABLE pledges (
    id           uuid        PRIMARY KEY,
    campaign_id  uuid        NOT NULL REFERENCES campaigns (id),
    donor_name   text        NOT NULL,
    amount       bigint      NOT NULL CHECK (amount > 0),
    currency     char(3)     NOT NULL,
    note         text,
    paid_amount  bigint      NOT NULL DEFAULT 0,
    recorded_by  text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pledges_paid_within_amount CHECK (paid_amount >= 0 AND paid_amount <= amount)
);
-- Checked at commit: the ledger inserts a payment, then checks its pledge, and removes it if refused.
ALTER TABLE donations ADD CONSTRAINT donations_pledge FOREIGN KEY (pledge_id) REFERENCES pledges (id) DEFERRABLE INITIALLY DEFERRED;

-- One row per year; only the receipt issuer (one at a time, under an advisory lock) moves it.
CREATE TABLE receipt_counters (
    year        integer PRIMARY KEY,
    last_number bigint  NOT NULL
);

-- Append-only: who did what, when. Written in the same transaction as the entry it describes.
CREATE TABLE admin_audit (
    id          bigserial   PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text        NOT NULL,
    action      text        NOT NULL,
    campaign_id uuid,
    subject_id  uuid,
    details     jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX admin_audit_by_campaign ON admin_audit (campaign_id, at);
