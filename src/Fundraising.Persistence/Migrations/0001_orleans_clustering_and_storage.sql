-- 0001: storage for the Orleans ADO.NET providers (clustering + grain state), PostgreSQL 15+.
--
-- Written for Microsoft.Orleans.Clustering.AdoNet / Microsoft.Orleans.Persistence.AdoNet 10.4.2
-- with the "Npgsql" invariant. The packages ship no SQL: at start-up every provider runs
--     SELECT QueryKey, QueryText FROM OrleansQuery
-- and from then on executes only the texts it found there, binding its own @Parameter names
-- and reading result columns BY NAME. This file owns the tables those texts touch and the texts
-- themselves. See README.md beside it for the contract (parameters, result columns, versions).
--
-- Run once, inside a transaction, by the migration runner. Still written to be re-runnable:
-- IF NOT EXISTS everywhere and an upsert for the query rows, so a re-run refreshes the texts.
-- No BEGIN/COMMIT and no CONCURRENTLY here on purpose (the runner owns the transaction).

-- ---------------------------------------------------------------------------------------------
-- 1. Query-text registry.
-- The name is NOT ours to choose: the providers hard-code the unquoted identifiers
-- OrleansQuery / QueryKey / QueryText, which PostgreSQL folds to lower case. So the table must be
-- called orleansquery with columns querykey/querytext, and must be created unquoted (a quoted
-- "OrleansQuery" would be a different, unreachable table). It is resolved through search_path.
-- Other Orleans ADO.NET providers (reminders, streaming, ...) would register their keys here too.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  varchar(64) NOT NULL,
    querytext text        NOT NULL,
    CONSTRAINT orleansquery_pk PRIMARY KEY (querykey)
);

COMMENT ON TABLE orleansquery IS
    'Query texts read by the Orleans ADO.NET providers at start-up (name fixed by the providers). Managed by migrations.';

-- ---------------------------------------------------------------------------------------------
-- 2. Cluster membership.
-- One version row per cluster plus one row per silo incarnation. The version row is the
-- optimistic-concurrency token for the WHOLE membership table: every insert/update of a member
-- must present the version it last read and bumps it by one. IAmAlive heartbeats do not.
-- The providers pass ClusterOptions.ClusterId in a parameter called @DeploymentId.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS orleans_cluster_version
(
    cluster_id  varchar(150) NOT NULL,
    version     integer      NOT NULL DEFAULT 0,
    changed_at  timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT orleans_cluster_version_pk PRIMARY KEY (cluster_id),
    CONSTRAINT orleans_cluster_version_non_negative CHECK (version >= 0)
);

COMMENT ON TABLE orleans_cluster_version IS
    'Orleans membership table version (etag) per cluster, bumped on every membership row insert/update.';

CREATE TABLE IF NOT EXISTS orleans_cluster_member
(
    cluster_id       varchar(150) NOT NULL,
    -- A silo incarnation is (address, port, generation). The provider sends the address as text.
    address          varchar(45)  NOT NULL,
    port             integer      NOT NULL,
    generation       integer      NOT NULL,
    silo_name        varchar(150) NOT NULL,
    host_name        varchar(150) NOT NULL,
    -- Orleans SiloStatus as int: 0 None, 1 Created, 2 Joining, 3 Active, 4 ShuttingDown, 5 Stopping, 6 Dead.
    status           integer      NOT NULL,
    -- 0 means "not a gateway".
    proxy_port       integer      NOT NULL DEFAULT 0,
    -- Provider-formatted "silo,date|silo,date" list of suspicion votes, opaque to SQL.
    suspect_times    text         NULL,
    start_time       timestamptz  NOT NULL,
    i_am_alive_time  timestamptz  NOT NULL,
    CONSTRAINT orleans_cluster_member_pk PRIMARY KEY (cluster_id, address, port, generation),
    -- Deleting a cluster's version row (DeleteMembershipTableEntriesKey) takes its members with it.
    CONSTRAINT orleans_cluster_member_version_fk FOREIGN KEY (cluster_id)
        REFERENCES orleans_cluster_version (cluster_id) ON DELETE CASCADE
);

COMMENT ON TABLE orleans_cluster_member IS
    'Orleans membership rows, one per silo incarnation (address, port, generation).';

-- ---------------------------------------------------------------------------------------------
-- 3. Grain state.
-- Identity of a row, as the provider hands it to us:
--   service_id   ClusterOptions.ServiceId                         (@ServiceId)
--   state_name   the "grain type" string: since Orleans 7 this is the STATE NAME given to
--                [PersistentState("name", "provider")], generic arity stripped (@GrainTypeString)
--   grain_id_n0/n1, grain_key_ext   the grain KEY only (Guid halves / long in n1 / string key or
--                key extension in grain_key_ext). The grain's type is NOT part of the key, so two
--                grain classes using the same state name, key and provider share one row.
-- plus two 32-bit hashes the provider computes (StableHash of the key bytes and of state_name).
-- The hashes lead the unique index: cheap, selective equality probes. The full identity columns
-- follow so hash collisions can never mix two grains. NULLS NOT DISTINCT (PostgreSQL 15) makes a
-- missing key extension participate in uniqueness, which is what makes the insert race safe.
-- Byte limits keep every identity tuple well under the btree item limit (~2.7 kB), so an
-- over-long key fails with a clear CHECK violation instead of an index error.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS orleans_grain_state
(
    id               bigint       GENERATED ALWAYS AS IDENTITY,
    service_id       text         NOT NULL,
    state_name       text         NOT NULL,
    state_name_hash  integer      NOT NULL,
    grain_id_hash    integer      NOT NULL,
    grain_id_n0      bigint       NOT NULL,
    grain_id_n1      bigint       NOT NULL,
    grain_key_ext    text         NULL,
    -- Serialized state exactly as the configured IGrainStorageSerializer produced it (the provider
    -- always sends bytes as @PayloadBinary). NULL = state cleared but row kept to carry the version.
    payload          bytea        NULL,
    -- The ETag handed to the grain, as a decimal string of this value.
    version          integer      NOT NULL,
    created_at       timestamptz  NOT NULL DEFAULT now(),
    modified_at      timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT orleans_grain_state_pk PRIMARY KEY (id),
    CONSTRAINT orleans_grain_state_version_positive CHECK (version > 0),
    CONSTRAINT orleans_grain_state_service_id_len CHECK (octet_length(service_id) <= 256),
    CONSTRAINT orleans_grain_state_state_name_len CHECK (octet_length(state_name) <= 512),
    CONSTRAINT orleans_grain_state_key_ext_len CHECK (octet_length(grain_key_ext) <= 1536)
)
-- Writes rewrite payload/version/modified_at only, none of them indexed: leave page room so
-- they can be HOT updates.
WITH (fillfactor = 90);

CREATE UNIQUE INDEX IF NOT EXISTS orleans_grain_state_identity_ux
    ON orleans_grain_state (grain_id_hash, state_name_hash, service_id, state_name,
                            grain_id_n0, grain_id_n1, grain_key_ext)
    NULLS NOT DISTINCT;

COMMENT ON TABLE orleans_grain_state IS
    'Orleans grain state (AdoNetGrainStorage). version is the optimistic-concurrency ETag.';

-- ---------------------------------------------------------------------------------------------
-- 4. The query texts.
-- Conventions used in every text below:
--   * parameters are the provider's names (@DeploymentId, @GrainStateVersion, ...): Npgsql binds
--     them by name, so spelling and case must match the C# source exactly.
--   * result columns are aliased with quoted, exact-case names ("Version", "PayloadBinary", ...)
--     because the provider looks them up with IDataRecord.GetOrdinal(name).
--   * one statement per text. Data-modifying CTEs keep each operation atomic in one round trip.
-- ---------------------------------------------------------------------------------------------
INSERT INTO orleansquery (querykey, querytext)
VALUES

-- ===== Clustering =============================================================================

-- Creates the version row for a cluster if missing. Must return exactly one row with one
-- boolean-convertible column (true = this call created it). Silos call it at start-up.
('InsertMembershipVersionKey', $sql$
WITH created AS (
    INSERT INTO orleans_cluster_version (cluster_id, version)
    VALUES (@DeploymentId, 0)
    ON CONFLICT (cluster_id) DO NOTHING
    RETURNING cluster_id
)
SELECT EXISTS (SELECT 1 FROM created) AS "Created"
$sql$),

-- Whole table + its version in ONE snapshot (a single SELECT is atomic). Driven from the version
-- row with a LEFT JOIN: the provider reads the table version from the first row and treats a row
-- whose "StartTime" is NULL as "no members", so an empty cluster must still yield one row.
('MembershipReadAllKey', $sql$
SELECT
    v.version          AS "Version",
    m.address          AS "Address",
    m.port             AS "Port",
    m.generation       AS "Generation",
    m.silo_name        AS "SiloName",
    m.host_name        AS "HostName",
    m.status           AS "Status",
    m.proxy_port       AS "ProxyPort",
    m.suspect_times    AS "SuspectTimes",
    m.start_time       AS "StartTime",
    m.i_am_alive_time  AS "IAmAliveTime"
FROM orleans_cluster_version AS v
LEFT JOIN orleans_cluster_member AS m
       ON m.cluster_id = v.cluster_id
WHERE v.cluster_id = @DeploymentId
$sql$),

-- Same shape as MembershipReadAllKey, restricted to one silo incarnation.
('MembershipReadRowKey', $sql$
SELECT
    v.version          AS "Version",
    m.address          AS "Address",
    m.port             AS "Port",
    m.generation       AS "Generation",
    m.silo_name        AS "SiloName",
    m.host_name        AS "HostName",
    m.status           AS "Status",
    m.proxy_port       AS "ProxyPort",
    m.suspect_times    AS "SuspectTimes",
    m.start_time       AS "StartTime",
    m.i_am_alive_time  AS "IAmAliveTime"
FROM orleans_cluster_version AS v
LEFT JOIN orleans_cluster_member AS m
       ON m.cluster_id = v.cluster_id
      AND m.address    = @Address
      AND m.port       = @Port
      AND m.generation = @Generation
WHERE v.cluster_id = @DeploymentId
$sql$),

-- Adds a silo row AND bumps the table version, or does neither. @Version is the table version the
-- silo last READ (TableVersion.VersionEtag, not the incremented number). Order matters:
--   1. lock the version row only if it still holds @Version (a concurrent writer makes us wait
--      and then re-check, so exactly one of two racing silos wins).
--   2. insert the member (a duplicate incarnation inserts nothing).
--   3. bump the version only if step 2 inserted, so a failed call leaves no side effect.
-- Returns one boolean: false = version moved on or row already present. Orleans re-reads and retries.
('InsertMembershipKey', $sql$
WITH expected AS (
    SELECT v.cluster_id
    FROM orleans_cluster_version AS v
    WHERE v.cluster_id = @DeploymentId
      AND v.version    = @Version
    FOR NO KEY UPDATE
), added AS (
    INSERT INTO orleans_cluster_member
        (cluster_id, address, port, generation, silo_name, host_name,
         status, proxy_port, start_time, i_am_alive_time)
    SELECT e.cluster_id, @Address, @Port, @Generation, @SiloName, @HostName,
           @Status, @ProxyPort, @StartTime, @IAmAliveTime
    FROM expected AS e
    ON CONFLICT (cluster_id, address, port, generation) DO NOTHING
    RETURNING cluster_id
), bumped AS (
    UPDATE orleans_cluster_version AS v
    SET version = v.version + 1,
        changed_at = now()
    FROM added AS a
    WHERE v.cluster_id = a.cluster_id
    RETURNING v.version
)
SELECT EXISTS (SELECT 1 FROM bumped) AS "Inserted"
$sql$),

-- Replaces a silo's status / suspicions / heartbeat AND bumps the table version, or neither.
-- Same lock-then-change-then-bump pattern as InsertMembershipKey. False if @Version is stale or
-- the row does not exist.
('UpdateMembershipKey', $sql$
WITH expected AS (
    SELECT v.cluster_id
    FROM orleans_cluster_version AS v
    WHERE v.cluster_id = @DeploymentId
      AND v.version    = @Version
    FOR NO KEY UPDATE
), changed AS (
    UPDATE orleans_cluster_member AS m
    SET status          = @Status,
        suspect_times   = @SuspectTimes,
        i_am_alive_time = @IAmAliveTime
    FROM expected AS e
    WHERE m.cluster_id = e.cluster_id
      AND m.address    = @Address
      AND m.port       = @Port
      AND m.generation = @Generation
    RETURNING m.cluster_id
), bumped AS (
    UPDATE orleans_cluster_version AS v
    SET version = v.version + 1,
        changed_at = now()
    FROM changed AS c
    WHERE v.cluster_id = c.cluster_id
    RETURNING v.version
)
SELECT EXISTS (SELECT 1 FROM bumped) AS "Updated"
$sql$),

-- Heartbeat. Deliberately NOT versioned: it must never conflict with membership changes.
-- Note the key's spelling: "Alivetime" with a lower-case t.
('UpdateIAmAlivetimeKey', $sql$
UPDATE orleans_cluster_member
SET i_am_alive_time = @IAmAliveTime
WHERE cluster_id = @DeploymentId
  AND address    = @Address
  AND port       = @Port
  AND generation = @Generation
$sql$),

-- "Delete all entries of the cluster": the version row goes too and the FK cascade removes the
-- members. Silos of that cluster re-create the version row only when they (re)start.
('DeleteMembershipTableEntriesKey', $sql$
DELETE FROM orleans_cluster_version
WHERE cluster_id = @DeploymentId
$sql$),

-- Periodic clean-up of long-gone incarnations: any silo that is not Active (3) and has not sent
-- a heartbeat since @IAmAliveTime (the cut-off, now - DefunctSiloExpiration). Active rows are
-- never removed here: the membership protocol has to declare them Dead first. Not versioned:
-- removing dead rows does not change the live view.
('CleanupDefunctSiloEntriesKey', $sql$
DELETE FROM orleans_cluster_member
WHERE cluster_id      = @DeploymentId
  AND status          <> 3
  AND i_am_alive_time < @IAmAliveTime
$sql$),

-- Gateways for clients. The provider passes @Status = 3 (Active) and builds each URI from
-- "Address", "ProxyPort" and "Generation". proxy_port 0 = silo without a gateway endpoint.
('GatewaysQueryKey', $sql$
SELECT
    m.address     AS "Address",
    m.proxy_port  AS "ProxyPort",
    m.generation  AS "Generation"
FROM orleans_cluster_member AS m
WHERE m.cluster_id = @DeploymentId
  AND m.status     = @Status
  AND m.proxy_port > 0
$sql$),

-- ===== Grain storage ==========================================================================
-- Every storage text receives the same identity parameters: @GrainIdHash, @GrainTypeHash,
-- @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString (may be NULL).
-- Write/clear/delete also get @GrainStateVersion: the grain's ETag parsed to int, NULL when the
-- grain believes no row exists.

-- Zero or one row: "PayloadBinary" (NULL after a clear) and "Version". The provider sets
-- RecordExists = (payload IS NOT NULL) and ETag = Version. No row = fresh state, ETag NULL.
('ReadFromStorageKey', $sql$
SELECT
    s.payload  AS "PayloadBinary",
    s.version  AS "Version"
FROM orleans_grain_state AS s
WHERE s.grain_id_hash   = @GrainIdHash
  AND s.state_name_hash = @GrainTypeHash
  AND s.service_id      = @ServiceId
  AND s.state_name      = @GrainTypeString
  AND s.grain_id_n0     = @GrainIdN0
  AND s.grain_id_n1     = @GrainIdN1
  AND s.grain_key_ext IS NOT DISTINCT FROM @GrainIdExtensionString
$sql$),

-- Optimistic write. Exactly one of the two branches can apply:
--   ETag present -> update only if the stored version still equals it, version + 1.
--   ETag NULL    -> insert version 1, unless a row already exists (another activation got
--                   there first: ON CONFLICT, backed by the unique identity index, inserts nothing).
-- Success returns one row "NewGrainStateVersion" = the new ETag. A conflict returns NO row, which
-- the provider turns into InconsistentStateException (it compares the returned version with the
-- ETag it sent). Version wraps to 1 instead of overflowing int32.
('WriteToStorageKey', $sql$
WITH updated AS (
    UPDATE orleans_grain_state AS s
    SET payload     = @PayloadBinary,
        version     = CASE WHEN s.version = 2147483647 THEN 1 ELSE s.version + 1 END,
        modified_at = now()
    WHERE s.grain_id_hash   = @GrainIdHash
      AND s.state_name_hash = @GrainTypeHash
      AND s.service_id      = @ServiceId
      AND s.state_name      = @GrainTypeString
      AND s.grain_id_n0     = @GrainIdN0
      AND s.grain_id_n1     = @GrainIdN1
      AND s.grain_key_ext IS NOT DISTINCT FROM @GrainIdExtensionString
      AND s.version         = @GrainStateVersion
    RETURNING s.version
), inserted AS (
    INSERT INTO orleans_grain_state
        (service_id, state_name, state_name_hash, grain_id_hash,
         grain_id_n0, grain_id_n1, grain_key_ext, payload, version)
    SELECT @ServiceId, @GrainTypeString, @GrainTypeHash, @GrainIdHash,
           @GrainIdN0, @GrainIdN1, @GrainIdExtensionString, @PayloadBinary, 1
    WHERE CAST(@GrainStateVersion AS integer) IS NULL
    ON CONFLICT DO NOTHING
    RETURNING version
)
SELECT version AS "NewGrainStateVersion" FROM updated
UNION ALL
SELECT version FROM inserted
$sql$),

-- Clear (DeleteStateOnClear = false, the default): keep the row, drop the payload, bump the
-- version, so the version history never restarts and a stale ETag can never match again.
-- The provider reads column 0 of the single row as the new ETag. No row = version conflict.
('ClearStorageKey', $sql$
UPDATE orleans_grain_state AS s
SET payload     = NULL,
    version     = CASE WHEN s.version = 2147483647 THEN 1 ELSE s.version + 1 END,
    modified_at = now()
WHERE s.grain_id_hash   = @GrainIdHash
  AND s.state_name_hash = @GrainTypeHash
  AND s.service_id      = @ServiceId
  AND s.state_name      = @GrainTypeString
  AND s.grain_id_n0     = @GrainIdN0
  AND s.grain_id_n1     = @GrainIdN1
  AND s.grain_key_ext IS NOT DISTINCT FROM @GrainIdExtensionString
  AND s.version         = @GrainStateVersion
RETURNING s.version AS "NewGrainStateVersion"
$sql$),

-- Clear with DeleteStateOnClear = true: remove the row if the ETag still matches. The provider
-- only needs column 0 to DIFFER from the ETag it sent (it then sets ETag = NULL), so return the
-- deleted version + 1 (as bigint: no overflow). No row = version conflict.
-- Caveat: after a delete the next write starts again at version 1, so a long-stale activation
-- holding an old ETag of 1 could match it. Keep the default (false) when that matters.
('DeleteStorageKey', $sql$
DELETE FROM orleans_grain_state AS s
WHERE s.grain_id_hash   = @GrainIdHash
  AND s.state_name_hash = @GrainTypeHash
  AND s.service_id      = @ServiceId
  AND s.state_name      = @GrainTypeString
  AND s.grain_id_n0     = @GrainIdN0
  AND s.grain_id_n1     = @GrainIdN1
  AND s.grain_key_ext IS NOT DISTINCT FROM @GrainIdExtensionString
  AND s.version         = @GrainStateVersion
RETURNING s.version::bigint + 1 AS "DeletedVersionPlusOne"
$sql$)

ON CONFLICT (querykey) DO UPDATE
    SET querytext = EXCLUDED.querytext;
