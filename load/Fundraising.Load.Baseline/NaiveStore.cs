using Npgsql;

namespace Fundraising.Load.Baseline;

/// <summary>
/// The naive design: every request is its own PostgreSQL work, and a confirmation is one transaction
/// that marks the gift succeeded and adds it to the campaign's row. Correct and durable, but every
/// confirmation of a hot campaign queues on that one row's lock for a commit (fsync) each. A verified
/// donor's gift is matched in that same transaction: the pool is one row locked with <c>SELECT … FOR UPDATE</c>
/// (so every matched gift of the opening waits for it), plus the donor's row (velocity) and a row per donor per
/// pool per local day (the cap); a check constraint makes overdrawing the pool impossible.
/// </summary>
public sealed partial class NaiveStore(NpgsqlDataSource db) : IDonationStore
{
    public async Task InitializeAsync()
    {
        await using var command = db.CreateCommand("""
            CREATE TABLE IF NOT EXISTS naive_campaigns (
                id uuid PRIMARY KEY, title text NOT NULL, currency char(3) NOT NULL, goal_amount bigint NOT NULL,
                status text NOT NULL, raised_amount bigint NOT NULL DEFAULT 0, donation_count bigint NOT NULL DEFAULT 0);
            CREATE TABLE IF NOT EXISTS naive_donations (
                id uuid PRIMARY KEY, campaign_id uuid NOT NULL REFERENCES naive_campaigns (id),
                idempotency_key text NOT NULL, request_hash bytea NOT NULL, amount bigint NOT NULL, currency char(3) NOT NULL,
                display_name text, anonymous boolean NOT NULL, message text, status text NOT NULL,
                created_at timestamptz NOT NULL, succeeded_at timestamptz,
                UNIQUE (campaign_id, idempotency_key));
            ALTER TABLE naive_donations ADD COLUMN IF NOT EXISTS donor_id uuid, ADD COLUMN IF NOT EXISTS match_pool_id uuid,
                ADD COLUMN IF NOT EXISTS match_amount bigint, ADD COLUMN IF NOT EXISTS match_status text, ADD COLUMN IF NOT EXISTS flagged_at timestamptz;
            CREATE TABLE IF NOT EXISTS naive_donors (
                id uuid PRIMARY KEY, email text NOT NULL UNIQUE, token text NOT NULL, last_gift_at timestamptz,
                recent_gifts timestamptz[] NOT NULL DEFAULT '{}');
            CREATE INDEX IF NOT EXISTS naive_donors_token ON naive_donors (token);
            CREATE TABLE IF NOT EXISTS naive_events (
                id uuid PRIMARY KEY, name text NOT NULL, starts_at timestamptz NOT NULL, ends_at timestamptz NOT NULL, time_zone text NOT NULL);
            CREATE TABLE IF NOT EXISTS naive_event_campaigns (
                event_id uuid NOT NULL REFERENCES naive_events (id), campaign_id uuid NOT NULL REFERENCES naive_campaigns (id),
                PRIMARY KEY (campaign_id, event_id));
            CREATE TABLE IF NOT EXISTS naive_pools (
                id uuid PRIMARY KEY, event_id uuid NOT NULL REFERENCES naive_events (id), sponsor_name text NOT NULL, currency char(3) NOT NULL,
                budget bigint NOT NULL, opens_at text NOT NULL, ratio_match int NOT NULL, ratio_per int NOT NULL,
                max_per_gift bigint NOT NULL, max_per_donor_per_day bigint NOT NULL,
                matched_amount bigint NOT NULL DEFAULT 0, held_amount bigint NOT NULL DEFAULT 0, match_count bigint NOT NULL DEFAULT 0,
                CONSTRAINT naive_pools_never_overdrawn CHECK (matched_amount >= 0 AND held_amount >= 0 AND matched_amount + held_amount <= budget));
            CREATE TABLE IF NOT EXISTS naive_pool_donor_days (
                pool_id uuid NOT NULL REFERENCES naive_pools (id), donor_id uuid NOT NULL REFERENCES naive_donors (id), day date NOT NULL,
                matched_amount bigint NOT NULL, PRIMARY KEY (pool_id, donor_id, day));
            """);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<Guid> CreateCampaignAsync(string title, string currency, long goal)
    {
        var id = Guid.CreateVersion7();
        await using var command = db.CreateCommand("INSERT INTO naive_campaigns (id, title, currency, goal_amount, status) VALUES ($1, $2, $3, $4, 'draft')");
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = title });
        command.Parameters.Add(new() { Value = currency });
        command.Parameters.Add(new() { Value = goal });
        await command.ExecuteNonQueryAsync();
        return id;
    }

    public async Task<bool> OpenAsync(Guid campaignId)
    {
        await using var command = db.CreateCommand("UPDATE naive_campaigns SET status = 'live' WHERE id = $1");
        command.Parameters.Add(new() { Value = campaignId });
        return await command.ExecuteNonQueryAsync() == 1;
    }

    public async Task<(CreateOutcome, Donation?)> CreateDonationAsync(Guid campaignId, string key, byte[] requestHash, Donation d)
    {
        // Insert if the campaign is live and the key is new; otherwise find out which.
        await using (var insert = db.CreateCommand("""
            INSERT INTO naive_donations (id, campaign_id, idempotency_key, request_hash, amount, currency, display_name, anonymous, message, status, created_at, donor_id)
            SELECT $1, c.id, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11 FROM naive_campaigns c WHERE c.id = $2 AND c.status = 'live'
            ON CONFLICT (campaign_id, idempotency_key) DO NOTHING
            """))
        {
            insert.Parameters.Add(new() { Value = d.Id });
            insert.Parameters.Add(new() { Value = campaignId });
            insert.Parameters.Add(new() { Value = key });
            insert.Parameters.Add(new() { Value = requestHash });
            insert.Parameters.Add(new() { Value = d.Amount });
            insert.Parameters.Add(new() { Value = d.Currency });
            insert.Parameters.Add(new() { Value = (object?)d.DisplayName ?? DBNull.Value });
            insert.Parameters.Add(new() { Value = d.Anonymous });
            insert.Parameters.Add(new() { Value = (object?)d.Message ?? DBNull.Value });
            insert.Parameters.Add(new() { Value = d.CreatedAt.UtcDateTime });
            insert.Parameters.Add(new() { Value = (object?)d.DonorId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
            if (await insert.ExecuteNonQueryAsync() == 1)
            {
                return (CreateOutcome.Created, d);
            }
        }
        await using var select = db.CreateCommand("""
            SELECT id, amount, currency, display_name, anonymous, message, status, created_at, succeeded_at, request_hash, donor_id,
                   match_pool_id, match_amount, match_status
            FROM naive_donations WHERE campaign_id = $1 AND idempotency_key = $2
            """);
        select.Parameters.Add(new() { Value = campaignId });
        select.Parameters.Add(new() { Value = key });
        await using var reader = await select.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return (CreateOutcome.CampaignNotLive, null);
        }
        var earlier = Read(reader, campaignId);
        return ((byte[])reader[9]).AsSpan().SequenceEqual(requestHash) ? (CreateOutcome.Replayed, earlier) : (CreateOutcome.KeyReused, null);
    }

    public async Task<Donation?> ConfirmAsync(Guid donationId)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        Donation? confirmed = null;
        await using (var update = new NpgsqlCommand("""
            UPDATE naive_donations SET status = 'succeeded', succeeded_at = now() WHERE id = $1 AND status = 'pending'
            RETURNING id, amount, currency, display_name, anonymous, message, status, created_at, succeeded_at, campaign_id, donor_id,
                      match_pool_id, match_amount, match_status
            """, connection, transaction))
        {
            update.Parameters.Add(new() { Value = donationId });
            await using var reader = await update.ExecuteReaderAsync();
            if (await reader.ReadAsync())
            {
                confirmed = Read(reader, reader.GetGuid(9));
            }
        }
        if (confirmed is null)
        {
            // Already confirmed (a retry) or unknown.
            await using var select = new NpgsqlCommand("""
                SELECT id, amount, currency, display_name, anonymous, message, status, created_at, succeeded_at, campaign_id, donor_id,
                       match_pool_id, match_amount, match_status
                FROM naive_donations WHERE id = $1
                """, connection, transaction);
            select.Parameters.Add(new() { Value = donationId });
            await using var reader = await select.ExecuteReaderAsync();
            return await reader.ReadAsync() ? Read(reader, reader.GetGuid(9)) : null;
        }
        await using (var totals = new NpgsqlCommand(
            "UPDATE naive_campaigns SET raised_amount = raised_amount + $2, donation_count = donation_count + 1 WHERE id = $1", connection, transaction))
        {
            totals.Parameters.Add(new() { Value = confirmed.CampaignId });
            totals.Parameters.Add(new() { Value = confirmed.Amount });
            await totals.ExecuteNonQueryAsync();
        }
        if (confirmed.DonorId is { } donorId)
        {
            confirmed = confirmed with { Match = await MatchAsync(connection, transaction, confirmed, donorId) };
        }
        await transaction.CommitAsync();
        return confirmed;
    }

    public async Task<CampaignResponse?> GetCampaignAsync(Guid campaignId)
    {
        await using var command = db.CreateCommand("SELECT title, currency, goal_amount, raised_amount, donation_count, status FROM naive_campaigns WHERE id = $1");
        command.Parameters.Add(new() { Value = campaignId });
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync()
            ? new CampaignResponse(campaignId, reader.GetString(0), reader.GetString(1).Trim(), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetString(5))
            : null;
    }

    public async Task<ReconciliationResponse> ReconcileAsync()
    {
        await using var command = db.CreateCommand("""
            SELECT c.id, c.title, c.currency, c.raised_amount, c.donation_count, coalesce(l.raised, 0), coalesce(l.count, 0)
            FROM naive_campaigns c
            LEFT JOIN (SELECT campaign_id, sum(amount)::bigint AS raised, count(*) AS count FROM naive_donations
                       WHERE status = 'succeeded' GROUP BY campaign_id) l ON l.campaign_id = c.id
            """);
        var rows = new List<CampaignReconciliationResponse>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            // There is no grain: the campaign row is both the "in-memory" and the catalogue view.
            var row = new TotalsResponse(reader.GetInt64(3), reader.GetInt64(4));
            var ledger = new TotalsResponse(reader.GetInt64(5), reader.GetInt64(6));
            rows.Add(new CampaignReconciliationResponse(reader.GetGuid(0), reader.GetString(1), reader.GetString(2).Trim(), row, row, ledger, row == ledger));
        }
        return new ReconciliationResponse(rows.TrueForAll(r => r.Agrees), rows.Count, rows);
    }

    // Columns 0-8 as selected everywhere, then 10-13: donor_id, match_pool_id, match_amount, match_status.
    private static Donation Read(NpgsqlDataReader r, Guid campaignId) => new(
        r.GetGuid(0), campaignId, r.GetInt64(1), r.GetString(2).Trim(), r.IsDBNull(3) ? null : r.GetString(3), r.GetBoolean(4),
        r.IsDBNull(5) ? null : r.GetString(5), r.GetString(6) == "succeeded", r.GetFieldValue<DateTimeOffset>(7),
        r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8), r.IsDBNull(10) ? null : r.GetGuid(10),
        r.IsDBNull(13) ? null : new MatchResponse(r.IsDBNull(11) ? null : r.GetGuid(11), r.IsDBNull(12) ? 0 : r.GetInt64(12), r.GetString(13)));
}
