-- Verified donors: a donor proves an e-mail address or a phone number with a one-time code and gets a donor token.
-- No table holds a plain address, code or token: addresses are kept as HMAC-SHA256 under Donors:AddressKey (so
-- equal addresses match, and a copy of the table cannot be reversed by hashing a phone book without the key),
-- codes as HMAC-SHA256 of the code under the same key, tokens as SHA-256 digests of 32 random bytes.
CREATE TABLE donors (
    id            uuid        PRIMARY KEY,
    address_hash  bytea       NOT NULL UNIQUE CHECK (length(address_hash) = 32),
    kind          text        NOT NULL CHECK (kind IN ('email', 'phone')),
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- The one live code per address: a new request replaces the row (and so the previous code). A code is dead once
-- consumed, expired, or tried wrongly too often; the limit is the caller's, the counter cannot go below zero.
CREATE TABLE donor_verifications (
    id            uuid        PRIMARY KEY,
    address_hash  bytea       NOT NULL UNIQUE CHECK (length(address_hash) = 32),
    kind          text        NOT NULL CHECK (kind IN ('email', 'phone')),
    code_hash     bytea       NOT NULL CHECK (length(code_hash) = 32),
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    attempts      integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    consumed_at   timestamptz,
    CONSTRAINT donor_verifications_expire_after_creation CHECK (expires_at > created_at)
);
CREATE INDEX donor_verifications_by_expiry ON donor_verifications (expires_at);

-- Donor tokens: shown once, in the confirm answer.
CREATE TABLE donor_tokens (
    token_hash    bytea       PRIMARY KEY CHECK (length(token_hash) = 32),
    donor_id      uuid        NOT NULL REFERENCES donors (id),
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    CONSTRAINT donor_tokens_expire_after_creation CHECK (expires_at > created_at)
);
CREATE INDEX donor_tokens_by_donor ON donor_tokens (donor_id);
