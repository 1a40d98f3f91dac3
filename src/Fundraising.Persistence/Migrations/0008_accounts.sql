-- Staff accounts, their signed-in sessions and API tokens, and the keys that protect session cookies.
-- Passwords are kept only as ASP.NET Core Identity PasswordHasher hashes; tokens and session keys only as
-- SHA-256 digests of secrets of 32 random bytes, so a copy of this table opens nothing.
CREATE TABLE accounts (
    id                 uuid        PRIMARY KEY,
    -- Compared case-insensitively: stored in lower case, and unique as such.
    user_name          text        NOT NULL UNIQUE CHECK (user_name = lower(user_name) AND user_name ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
    display_name       text        NOT NULL CHECK (length(display_name) BETWEEN 1 AND 64),
    password_hash      text        NOT NULL,
    role               text        NOT NULL CHECK (role IN ('admin', 'association', 'coordinator', 'viewer')),
    -- An association's region: one county's association, or (NULL) the whole city's.
    scope_county       text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    created_by         text        NOT NULL,
    disabled_at        timestamptz,
    -- Lockout: failed sign-ins since the last good one, and until when sign-in is refused.
    failed_sign_ins    integer     NOT NULL DEFAULT 0 CHECK (failed_sign_ins >= 0),
    locked_until       timestamptz,
    CONSTRAINT accounts_scope_only_for_associations CHECK (scope_county IS NULL OR role = 'association')
);

-- The village projects a coordinator is given; only coordinators have rows here.
CREATE TABLE account_campaigns (
    account_id  uuid NOT NULL REFERENCES accounts (id),
    campaign_id uuid NOT NULL REFERENCES campaigns (id),
    PRIMARY KEY (account_id, campaign_id)
);

-- One row per cookie sign-in. The cookie carries the key, protected by the keys below; the row carries the
-- serialized sign-in (the account's claims) and dies with sign-out, expiry or the account being disabled.
CREATE TABLE account_sessions (
    key_hash    bytea       PRIMARY KEY,
    account_id  uuid        NOT NULL REFERENCES accounts (id),
    ticket      bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX account_sessions_by_account ON account_sessions (account_id);
CREATE INDEX account_sessions_by_expiry ON account_sessions (expires_at);

-- Per-account API tokens for automation: shown once, kept as a digest, revocable, optionally expiring.
CREATE TABLE api_tokens (
    id          uuid        PRIMARY KEY,
    account_id  uuid        NOT NULL REFERENCES accounts (id),
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    token_hash  bytea       NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz,
    revoked_at  timestamptz,
    CONSTRAINT api_tokens_expire_after_creation CHECK (expires_at IS NULL OR expires_at > created_at)
);
CREATE INDEX api_tokens_by_account ON api_tokens (account_id, created_at);

-- ASP.NET Core Data Protection's key ring, shared by every front end so that a cookie made by one is read
-- by all. Each row is one key's XML as the framework writes it.
CREATE TABLE data_protection_keys (
    id           bigserial PRIMARY KEY,
    friendly_name text     NOT NULL UNIQUE,
    xml          text      NOT NULL
);
