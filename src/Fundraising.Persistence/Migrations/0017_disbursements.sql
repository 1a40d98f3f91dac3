-- 0017: disbursements and expenses (拨付与支出): money going out of a project, append-only, and its balance.
--
-- The campaign's row carries disbursed_amount beside raised_amount and matched_amount, changed only in the transaction
-- that inserts the disbursement (or correction) and its audit entry. The campaign grain decides whether the money is
-- there; the CHECK below is the safety net that makes an overdrawn project impossible whatever any process believes:
-- the balance is raised (款物, net of refunds) + matched (配捐) - disbursed, and it never goes below zero.
ALTER TABLE campaigns
    ADD COLUMN disbursed_amount bigint NOT NULL DEFAULT 0 CHECK (disbursed_amount >= 0),
    ADD CONSTRAINT campaigns_balance_never_negative CHECK (disbursed_amount <= raised_amount + matched_amount);

-- One row per entry. An original entry (kind 'disbursement') says what was paid, to whom, when, with what evidence;
-- a correction (kind 'correction') names the original it corrects, a signed amount and why. Both stay visible.
CREATE TABLE disbursements (
    id                 uuid        PRIMARY KEY,
    campaign_id        uuid        NOT NULL REFERENCES campaigns (id),
    kind               text        NOT NULL GENERATED ALWAYS AS (CASE WHEN corrects IS NULL THEN 'disbursement' ELSE 'correction' END) STORED,
    amount             bigint      NOT NULL CHECK (amount <> 0),
    currency           char(3)     NOT NULL,
    purpose            text        CHECK (length(purpose) BETWEEN 1 AND 200),
    payee              text        CHECK (length(payee) BETWEEN 1 AND 100),
    paid_at            timestamptz,
    evidence_photo_ids uuid[]      NOT NULL DEFAULT '{}',
    corrects           uuid,
    -- What a correction may point at: an original entry of the same campaign (never a correction).
    corrects_kind      text        GENERATED ALWAYS AS (CASE WHEN corrects IS NULL THEN NULL ELSE 'disbursement' END) STORED,
    reason             text        CHECK (length(reason) BETWEEN 1 AND 500),
    recorded_by        text        NOT NULL,
    recorded_at        timestamptz NOT NULL,
    -- A retry (a village's mobile network dropped the answer) carries the same key and records nothing twice.
    idempotency_key    text        CHECK (length(idempotency_key) BETWEEN 1 AND 128),
    CONSTRAINT disbursements_idempotency UNIQUE (campaign_id, idempotency_key),
    CONSTRAINT disbursements_one_per_campaign_and_kind UNIQUE (id, campaign_id, kind),
    CONSTRAINT disbursements_correct_an_original FOREIGN KEY (corrects, campaign_id, corrects_kind)
        REFERENCES disbursements (id, campaign_id, kind),
    CONSTRAINT disbursements_entry_or_correction CHECK (
        (corrects IS NULL AND amount > 0 AND purpose IS NOT NULL AND payee IS NOT NULL AND paid_at IS NOT NULL AND reason IS NULL)
        OR (corrects IS NOT NULL AND reason IS NOT NULL AND purpose IS NULL AND payee IS NULL AND paid_at IS NULL))
);
-- The project's ledger and the admin list read a campaign's entries in the order they were recorded.
CREATE INDEX disbursements_by_campaign ON disbursements (campaign_id, recorded_at, id);
CREATE INDEX disbursements_by_corrected ON disbursements (corrects) WHERE corrects IS NOT NULL;

-- Append-only: a mistake is corrected by a new entry, never by changing or removing one.
CREATE FUNCTION disbursements_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'disbursements are append-only: correct an entry with a new one that names it'
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER disbursements_no_update_or_delete BEFORE UPDATE OR DELETE ON disbursements
    FOR EACH ROW EXECUTE FUNCTION disbursements_are_append_only();
CREATE TRIGGER disbursements_no_truncate BEFORE TRUNCATE ON disbursements
    FOR EACH STATEMENT EXECUTE FUNCTION disbursements_are_append_only();

-- A correction never takes its original's net amount (the original plus all its corrections) below zero. The original
-- is locked first, so two corrections of one entry take turns and the second sees the first.
CREATE FUNCTION disbursements_net_not_negative() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.corrects IS NOT NULL THEN
        PERFORM 1 FROM disbursements WHERE id = NEW.corrects FOR UPDATE;
        IF (SELECT sum(amount) FROM disbursements WHERE id = NEW.corrects OR corrects = NEW.corrects) < 0 THEN
            RAISE EXCEPTION 'a correction may not take entry % below zero', NEW.corrects
                USING ERRCODE = 'check_violation', CONSTRAINT = 'disbursements_net_not_negative';
        END IF;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER disbursements_net_not_negative AFTER INSERT ON disbursements
    FOR EACH ROW EXECUTE FUNCTION disbursements_net_not_negative();
