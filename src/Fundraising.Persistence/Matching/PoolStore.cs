using System.Text.Json;
using Fundraising.Contracts.Matching;
using Fundraising.Persistence.Audit;
using Npgsql;
using NpgsqlTypes;

namespace Fundraising.Persistence.Matching;

/// <summary>A pool as stored: its definition (with its event's zone and window), whether it is paused, when it was made.</summary>
public sealed record PoolRow(Guid Id, PoolDefinition Definition, bool Paused, DateTimeOffset CreatedAt);

/// <summary>A pool's money as its slices hold it: matched and held (all days and today), gifts matched, committed to slices.</summary>
public sealed record PoolStats(long Matched, long Held, long MatchCount, long UsedToday, long Committed, long CommittedToday);

public enum PoolCreateOutcome
{
    Created,
    AlreadyExists,

    /// <summary>A listed campaign does not exist or does not take part in the event; nothing was written.</summary>
    UnknownCampaign,
}

/// <summary>A gift held back from matching (or once held, now decided), as admins review it.</summary>
public sealed record FlaggedGift(
    Guid DonationId, Guid CampaignId, Guid PoolId, long MatchAmount, long GiftAmount, string Currency, string Reason, DateTimeOffset FlaggedAt,
    string Status, DateTimeOffset? DecidedAt, string? DecidedBy);

public enum FlagDecisionOutcome
{
    Decided,
    NotFound,
    AlreadyDecided,
}

/// <summary>A pool's sums taken two ways, and its invariants checked, from the rows.</summary>
public sealed record PoolReconciliation(
    Guid PoolId, long Budget, long Committed, long RowsMatched, long RowsHeld, long RowsMatchCount, long SlicesUsed, long SlicesHeld,
    long OpenSlicesUnused, long ClosedSlicesUsed, long DonorCapViolations, long CampaignsMatched);

/// <summary>What a campaign grain asks of the pools: which may match its gifts, and an admin's decision on a held match.</summary>
public interface ICampaignPools
{
    Task<IReadOnlyList<PoolTerms>> PoolsForCampaignAsync(Guid campaignId, DateTimeOffset now, CancellationToken cancellationToken = default);

    Task<(FlagDecisionOutcome Outcome, long MatchedDelta)> DecideFlaggedAsync(
        Guid donationId, Guid campaignId, FlagDecision decision, string actor, CancellationToken cancellationToken = default);
}

/// <summary>
/// Matching pools, their slices and their flagged gifts. SQL and mapping only: how much to grant, when a pool is open,
/// which slices to close are the pool grain's decisions, passed in as values; the constraints of migration 0013 make an
/// overdraw impossible whatever the callers do.
/// </summary>
public sealed class PoolStore(NpgsqlDataSource dataSource) : ICampaignPools
{
    // Campaign c may be matched by pool p of event e: it takes part in the event (by id or county), and the pool lists it
    // (by id or county) or lists no one. The one place this is said.
    private const string Eligible = """
        (EXISTS (SELECT 1 FROM event_campaigns ec WHERE ec.event_id = e.id AND ec.campaign_id = c.id)
             OR EXISTS (SELECT 1 FROM event_counties ek WHERE ek.event_id = e.id AND ek.county = c.county))
        AND ((NOT EXISTS (SELECT 1 FROM pool_campaigns pc WHERE pc.pool_id = p.id) AND NOT EXISTS (SELECT 1 FROM pool_counties pk WHERE pk.pool_id = p.id))
             OR EXISTS (SELECT 1 FROM pool_campaigns pc WHERE pc.pool_id = p.id AND pc.campaign_id = c.id)
             OR EXISTS (SELECT 1 FROM pool_counties pk WHERE pk.pool_id = p.id AND pk.county = c.county))
        """;

    private const string Columns = """
        p.id, p.event_id, p.sponsor_name, p.currency, p.budget, p.daily_budget, p.opens_at, p.ratio_match, p.ratio_per,
        p.max_per_gift, p.max_per_donor_per_day, p.random_min, p.random_max,
        ARRAY(SELECT pc.campaign_id FROM pool_campaigns pc WHERE pc.pool_id = p.id ORDER BY pc.campaign_id),
        ARRAY(SELECT pk.county FROM pool_counties pk WHERE pk.pool_id = p.id ORDER BY pk.county),
        e.time_zone, e.starts_at, e.ends_at, p.paused, p.created_at
        """;

    public async Task<PoolCreateOutcome> CreateAsync(Guid id, PoolDefinition definition, string actor, CancellationToken cancellationToken = default)
    {
        var campaigns = definition.Eligible.CampaignIds.Distinct().ToArray();
        var counties = definition.Eligible.Counties.Distinct(StringComparer.Ordinal).ToArray();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (campaigns.Length > 0)
        {
            // Listed campaigns must take part in the event (by id or by county).
            await using var check = new NpgsqlCommand("""
                SELECT count(*) FROM campaigns c WHERE c.id = ANY($1)
                  AND (EXISTS (SELECT 1 FROM event_campaigns ec WHERE ec.event_id = $2 AND ec.campaign_id = c.id)
                       OR EXISTS (SELECT 1 FROM event_counties ek WHERE ek.event_id = $2 AND ek.county = c.county))
                """, connection, transaction);
            check.Parameters.Add(new() { Value = campaigns });
            check.Parameters.Add(new() { Value = definition.EventId });
            if ((long)(await check.ExecuteScalarAsync(cancellationToken))! != campaigns.Length)
            {
                return PoolCreateOutcome.UnknownCampaign;
            }
        }
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO matching_pools (id, event_id, sponsor_name, currency, budget, daily_budget, opens_at, ratio_match, ratio_per,
                                        max_per_gift, max_per_donor_per_day, random_min, random_max, created_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
            ON CONFLICT (id) DO NOTHING
            """, connection, transaction))
        {
            var rule = definition.Rule;
            insert.Parameters.Add(new() { Value = id });
            insert.Parameters.Add(new() { Value = definition.EventId });
            insert.Parameters.Add(new() { Value = definition.SponsorName });
            insert.Parameters.Add(new() { Value = definition.Currency });
            insert.Parameters.Add(new() { Value = definition.Budget });
            insert.Parameters.Add(new() { Value = (object?)definition.DailyBudget ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
            insert.Parameters.Add(new() { Value = definition.OpensAt });
            insert.Parameters.Add(new() { Value = rule.Ratio.Match });
            insert.Parameters.Add(new() { Value = rule.Ratio.Per });
            insert.Parameters.Add(new() { Value = rule.MaxPerGift });
            insert.Parameters.Add(new() { Value = rule.MaxPerDonorPerDay });
            insert.Parameters.Add(new() { Value = (object?)rule.Random?.Min ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
            insert.Parameters.Add(new() { Value = (object?)rule.Random?.Max ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
            insert.Parameters.Add(new() { Value = actor });
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return PoolCreateOutcome.AlreadyExists;
            }
        }
        await Sql.ExecuteAsync(connection, transaction, "INSERT INTO pool_campaigns (pool_id, campaign_id) SELECT $1, unnest($2::uuid[])", cancellationToken, id, campaigns);
        await Sql.ExecuteAsync(connection, transaction, "INSERT INTO pool_counties (pool_id, county) SELECT $1, unnest($2::text[])", cancellationToken, id, counties);
        await AuditLog.WriteAsync(connection, transaction, actor, "create_pool", null, id, JsonSerializer.Serialize(new
        {
            definition.EventId, definition.SponsorName, definition.Currency, definition.Budget, definition.DailyBudget,
            opensAt = definition.OpensAt.ToString("HH:mm"), definition.Rule, campaignIds = campaigns, counties,
        }), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return PoolCreateOutcome.Created;
    }

    public async Task<PoolRow?> LoadAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM matching_pools p JOIN events e ON e.id = p.event_id WHERE p.id = $1");
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>The pools of an event, oldest first.</summary>
    public async Task<IReadOnlyList<Guid>> ListForEventAsync(Guid eventId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT id FROM matching_pools WHERE event_id = $1 ORDER BY created_at, id");
        command.Parameters.Add(new() { Value = eventId });
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids;
    }

    /// <summary>
    /// The pools a campaign may match from: of events it takes part in that have not ended, in its currency, that list it
    /// (by id or county) or list no one. Oldest first: a gift is matched by the first pool that has money for it.
    /// </summary>
    public async Task<IReadOnlyList<PoolTerms>> PoolsForCampaignAsync(Guid campaignId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {Columns} FROM matching_pools p JOIN events e ON e.id = p.event_id JOIN campaigns c ON c.id = $1
            WHERE e.ends_at > $2 AND p.currency = c.currency
              AND {Eligible}
            ORDER BY p.created_at, p.id
            """);
        command.Parameters.Add(new() { Value = campaignId });
        command.Parameters.Add(new() { Value = now });
        var pools = new List<PoolTerms>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = Read(reader);
            pools.Add(new PoolTerms(row.Id, row.Definition.Rule, row.Definition.Currency, row.Definition.TimeZone, row.CreatedAt));
        }
        return pools;
    }

    /// <summary>The campaigns a pool may match now (to tell them it exists, or is open again).</summary>
    public async Task<IReadOnlyList<Guid>> EligibleCampaignsAsync(Guid poolId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT c.id FROM matching_pools p JOIN events e ON e.id = p.event_id JOIN campaigns c ON c.currency = p.currency
            WHERE p.id = $1
              AND {Eligible}
            """);
        command.Parameters.Add(new() { Value = poolId });
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids;
    }

    public async Task<PoolStats> StatsAsync(Guid poolId, DateOnly today, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT coalesce(sum(s.used_amount - s.held_amount), 0)::bigint, coalesce(sum(s.held_amount), 0)::bigint, coalesce(sum(s.match_count), 0)::bigint,
                   coalesce(sum(s.used_amount) FILTER (WHERE s.day = $2), 0)::bigint,
                   (SELECT committed_amount FROM matching_pools WHERE id = $1),
                   coalesce((SELECT committed_amount FROM pool_days WHERE pool_id = $1 AND day = $2), 0)
            FROM pool_slices s WHERE s.pool_id = $1
            """);
        command.Parameters.Add(new() { Value = poolId });
        command.Parameters.Add(new() { Value = today });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new PoolStats(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.IsDBNull(4) ? 0 : reader.GetInt64(4), reader.GetInt64(5));
    }

    /// <summary>
    /// Grants each campaign its amount for <paramref name="day"/> as a new slice, all in one transaction with the pool's
    /// committed amount (and the day's, with a daily budget): all or nothing, nothing when the total would pass the
    /// budget or the day's budget, or the pool is paused. New rows lock nothing a campaign's commit holds; each campaign's
    /// next commit folds them into its oldest open slice (<see cref="MatchStep"/>). Returns the new slices in the order
    /// asked, or null.
    /// </summary>
    public async Task<IReadOnlyList<OpenSlice>?> GrantAsync(Guid poolId, DateOnly day, IReadOnlyList<(Guid CampaignId, long Amount)> grants, long? dailyBudget,
        CancellationToken cancellationToken = default)
    {
        var total = grants.Sum(g => g.Amount);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var pool = new NpgsqlCommand(
            "UPDATE matching_pools SET committed_amount = committed_amount + $2 WHERE id = $1 AND NOT paused AND committed_amount + $2 <= budget",
            connection, transaction))
        {
            pool.Parameters.Add(new() { Value = poolId });
            pool.Parameters.Add(new() { Value = total });
            if (await pool.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                return null;
            }
        }
        if (dailyBudget is { } daily)
        {
            await using var today = new NpgsqlCommand("""
                INSERT INTO pool_days (pool_id, day, committed_amount) VALUES ($1, $2, $3)
                ON CONFLICT (pool_id, day) DO UPDATE SET committed_amount = pool_days.committed_amount + excluded.committed_amount
                WHERE pool_days.committed_amount + excluded.committed_amount <= $4
                """, connection, transaction);
            today.Parameters.Add(new() { Value = poolId });
            today.Parameters.Add(new() { Value = day });
            today.Parameters.Add(new() { Value = total });
            today.Parameters.Add(new() { Value = daily });
            if (total > daily || await today.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                return null;
            }
        }
        var slices = grants.Select(g => new OpenSlice(Guid.CreateVersion7(), poolId, g.CampaignId, day, g.Amount, 0)).ToList();
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO pool_slices (id, pool_id, campaign_id, day, amount)
            SELECT id, $2, campaign_id, $3, amount FROM unnest($1::uuid[], $4::uuid[], $5::bigint[]) AS g(id, campaign_id, amount)
            """, connection, transaction))
        {
            insert.Parameters.Add(new() { Value = slices.Select(s => s.SliceId).ToArray() });
            insert.Parameters.Add(new() { Value = poolId });
            insert.Parameters.Add(new() { Value = day });
            insert.Parameters.Add(new() { Value = slices.Select(s => s.CampaignId).ToArray() });
            insert.Parameters.Add(new() { Value = slices.Select(s => s.Amount).ToArray() });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return slices;
    }

    /// <summary>
    /// Closes the pool's open slices (those of one campaign, of days before <paramref name="beforeDay"/>, or idle since
    /// <paramref name="idleBefore"/>, when given): what they did not use returns to the pool (and its day). Returns how much came back.
    /// </summary>
    public async Task<long> CloseSlicesAsync(Guid poolId, Guid? campaignId = null, DateOnly? beforeDay = null, DateTimeOffset? idleBefore = null,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var returned = await CloseSlicesAsync(connection, transaction, poolId, campaignId, beforeDay, idleBefore, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return returned;
    }

    private static async Task<long> CloseSlicesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid poolId, Guid? campaignId,
        DateOnly? beforeDay, DateTimeOffset? idleBefore, CancellationToken cancellationToken)
    {
        var byDay = new List<(DateOnly Day, long Unused)>();
        await using (var close = new NpgsqlCommand("""
            WITH closing AS (
                SELECT id FROM pool_slices
                WHERE pool_id = $1 AND closed_at IS NULL AND ($2::uuid IS NULL OR campaign_id = $2)
                  AND ($3::date IS NULL OR day < $3) AND ($4::timestamptz IS NULL OR last_used_at < $4)
                ORDER BY id FOR UPDATE)
            UPDATE pool_slices s SET closed_at = now() FROM closing WHERE s.id = closing.id
            RETURNING s.day, s.amount - s.used_amount
            """, connection, transaction))
        {
            close.Parameters.Add(new() { Value = poolId });
            close.Parameters.Add(new() { Value = (object?)campaignId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
            close.Parameters.Add(new() { Value = (object?)beforeDay ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Date });
            close.Parameters.Add(new() { Value = (object?)idleBefore ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await using var reader = await close.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                byDay.Add((reader.GetFieldValue<DateOnly>(0), reader.GetInt64(1)));
            }
        }
        var returned = byDay.Sum(d => d.Unused);
        if (returned > 0)
        {
            await Sql.ExecuteAsync(connection, transaction, "UPDATE matching_pools SET committed_amount = committed_amount - $2 WHERE id = $1", cancellationToken, poolId, returned);
            foreach (var day in byDay.GroupBy(d => d.Day).OrderBy(g => g.Key))
            {
                await Sql.ExecuteAsync(connection, transaction, "UPDATE pool_days SET committed_amount = committed_amount - $3 WHERE pool_id = $1 AND day = $2",
                    cancellationToken, poolId, day.Key, day.Sum(d => d.Unused));
            }
        }
        return returned;
    }

    /// <summary>Pauses (closing every open slice, in the same transaction) or resumes, with the audit entry; false when already so.</summary>
    public async Task<bool> SetPausedAsync(Guid poolId, bool paused, string actor, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (paused)
        {
            await CloseSlicesAsync(connection, transaction, poolId, null, null, null, cancellationToken);
        }
        await using (var update = new NpgsqlCommand("UPDATE matching_pools SET paused = $2 WHERE id = $1 AND paused <> $2", connection, transaction))
        {
            update.Parameters.Add(new() { Value = poolId });
            update.Parameters.Add(new() { Value = paused });
            if (await update.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                return false;
            }
        }
        await AuditLog.WriteAsync(connection, transaction, actor, paused ? "pause_pool" : "resume_pool", null, poolId, "{}", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Flagged gifts, newest first: status held (awaiting review), released or rejected; null for all.</summary>
    public async Task<IReadOnlyList<FlaggedGift>> ListFlaggedAsync(string? status, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {FlaggedColumns} FROM donation_matches m JOIN donations d ON d.id = m.donation_id
            WHERE m.flag_reason IS NOT NULL AND ($1::text IS NULL OR {FlaggedStatus} = $1)
            ORDER BY m.created_at DESC, m.donation_id DESC LIMIT $2
            """);
        command.Parameters.Add(new() { Value = (object?)status ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = limit });
        var items = new List<FlaggedGift>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(ReadFlagged(reader));
        }
        return items;
    }

    private const string FlaggedStatus = "CASE m.status WHEN 'held' THEN 'held' WHEN 'matched' THEN 'released' ELSE 'rejected' END";

    private const string FlaggedColumns = $"""
        m.donation_id, m.campaign_id, m.pool_id, m.amount - m.reversed_amount, d.amount, d.currency, m.flag_reason, m.created_at,
        {FlaggedStatus}, m.decided_at, m.decided_by
        """;

    private static FlaggedGift ReadFlagged(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetString(5).Trim(), reader.GetString(6),
        reader.GetFieldValue<DateTimeOffset>(7), reader.GetString(8), reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9),
        reader.IsDBNull(10) ? null : reader.GetString(10));

    /// <summary>One flagged gift as it stands, or null.</summary>
    public async Task<FlaggedGift?> FindFlaggedAsync(Guid donationId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {FlaggedColumns} FROM donation_matches m JOIN donations d ON d.id = m.donation_id WHERE m.donation_id = $1");
        command.Parameters.Add(new() { Value = donationId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadFlagged(reader) : null;
    }

    /// <summary>The campaign a flagged gift belongs to, so that its grain can decide it.</summary>
    public async Task<Guid?> FlaggedCampaignAsync(Guid donationId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT campaign_id FROM donation_matches WHERE donation_id = $1 AND flag_reason IS NOT NULL");
        command.Parameters.Add(new() { Value = donationId });
        return await command.ExecuteScalarAsync(cancellationToken) is Guid id ? id : null;
    }

    /// <summary>
    /// Releases a held match (it counts for the campaign) or rejects it (the money returns to the slice, or to the pool
    /// when the slice is closed, and to the donor's day), with the audit entry and the campaign's matched total, in one
    /// transaction. Returns what the campaign's matched total changed by (the gift as it stands: <see cref="FindFlaggedAsync"/>).
    /// </summary>
    public async Task<(FlagDecisionOutcome Outcome, long MatchedDelta)> DecideFlaggedAsync(
        Guid donationId, Guid campaignId, FlagDecision decision, string actor, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        Guid sliceId, poolId, donorId;
        DateOnly day;
        long net;
        string status;
        bool closed;
        // The slice before the match row: the order the commits lock them in.
        await using (var find = new NpgsqlCommand("""
            SELECT m.slice_id, m.pool_id, m.donor_id, m.day, m.amount - m.reversed_amount, m.status, s.closed_at IS NOT NULL
            FROM donation_matches m JOIN pool_slices s ON s.id = m.slice_id
            WHERE m.donation_id = $1 AND m.campaign_id = $2 AND m.flag_reason IS NOT NULL
            FOR UPDATE OF s, m
            """, connection, transaction))
        {
            find.Parameters.Add(new() { Value = donationId });
            find.Parameters.Add(new() { Value = campaignId });
            await using var reader = await find.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return (FlagDecisionOutcome.NotFound, 0);
            }
            (sliceId, poolId, donorId, day, net, status, closed) = (reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetFieldValue<DateOnly>(3),
                reader.GetInt64(4), reader.GetString(5), reader.GetBoolean(6));
        }
        if (status != "held")
        {
            return (FlagDecisionOutcome.AlreadyDecided, 0);
        }
        long delta = 0;
        if (decision == FlagDecision.Release)
        {
            await Sql.ExecuteAsync(connection, transaction, "UPDATE pool_slices SET held_amount = held_amount - $2 WHERE id = $1", cancellationToken, sliceId, net);
            await Sql.ExecuteAsync(connection, transaction, "UPDATE campaigns SET matched_amount = matched_amount + $2, totals_version = totals_version + 1 WHERE id = $1", cancellationToken, campaignId, net);
            delta = net;
        }
        else if (net > 0)
        {
            await MatchStep.ReturnAsync(connection, transaction, sliceId, poolId, donorId, day, net, held: true, wholeMatch: true, closed, cancellationToken);
        }
        await Sql.ExecuteAsync(connection, transaction, "UPDATE donation_matches SET status = $2, decided_at = now(), decided_by = $3 WHERE donation_id = $1",
            cancellationToken, donationId, decision == FlagDecision.Release ? "matched" : "rejected", actor);
        await AuditLog.WriteAsync(connection, transaction, actor, decision == FlagDecision.Release ? "release_match" : "reject_match", campaignId, donationId,
            JsonSerializer.Serialize(new { poolId, amount = net }), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (FlagDecisionOutcome.Decided, delta);
    }

    /// <summary>The matches of these gifts (for lists and retries); gifts without one are absent.</summary>
    public async Task<IReadOnlyDictionary<Guid, MatchOutcome>> MatchesAsync(IReadOnlyCollection<Guid> donationIds, CancellationToken cancellationToken = default) =>
        await MatchRows.FindAsync(dataSource.CreateCommand(MatchRows.ByDonation), donationIds, cancellationToken);

    /// <summary>The pool's sums from its match rows and from its slices, and the invariants over them, in one snapshot.</summary>
    public async Task<PoolReconciliation?> ReconcileAsync(Guid poolId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT p.budget, p.committed_amount,
                   (SELECT coalesce(sum(amount - reversed_amount) FILTER (WHERE status = 'matched'), 0)::bigint FROM donation_matches WHERE pool_id = p.id),
                   (SELECT coalesce(sum(amount - reversed_amount) FILTER (WHERE status = 'held'), 0)::bigint FROM donation_matches WHERE pool_id = p.id),
                   (SELECT count(*) FILTER (WHERE status <> 'rejected' AND amount > reversed_amount) FROM donation_matches WHERE pool_id = p.id),
                   (SELECT coalesce(sum(used_amount), 0)::bigint FROM pool_slices WHERE pool_id = p.id),
                   (SELECT coalesce(sum(held_amount), 0)::bigint FROM pool_slices WHERE pool_id = p.id),
                   (SELECT coalesce(sum(amount - used_amount) FILTER (WHERE closed_at IS NULL), 0)::bigint FROM pool_slices WHERE pool_id = p.id),
                   (SELECT coalesce(sum(used_amount) FILTER (WHERE closed_at IS NOT NULL), 0)::bigint FROM pool_slices WHERE pool_id = p.id),
                   (SELECT count(*) FROM (
                        SELECT 1 FROM donation_matches WHERE pool_id = p.id AND status <> 'rejected'
                        GROUP BY donor_id, day HAVING sum(amount - reversed_amount) > p.max_per_donor_per_day) v),
                   (SELECT coalesce(sum(c.matched_amount), 0)::bigint FROM campaigns c
                     WHERE c.id IN (SELECT DISTINCT campaign_id FROM pool_slices WHERE pool_id = p.id))
            FROM matching_pools p WHERE p.id = $1
            """);
        command.Parameters.Add(new() { Value = poolId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new PoolReconciliation(poolId, reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4),
            reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8), reader.GetInt64(9), reader.GetInt64(10));
    }

    private static PoolRow Read(NpgsqlDataReader reader)
    {
        var rule = new MatchRule(
            new MatchRatio(reader.GetInt32(7), reader.GetInt32(8)), reader.GetInt64(9), reader.GetInt64(10),
            reader.IsDBNull(11) ? null : new RandomMatch(reader.GetInt64(11), reader.GetInt64(12)));
        var definition = new PoolDefinition(
            reader.GetGuid(1), reader.GetString(2), reader.GetString(3).Trim(), reader.GetInt64(4), reader.IsDBNull(5) ? null : reader.GetInt64(5),
            reader.GetFieldValue<TimeOnly>(6), rule, new PoolEligibility(reader.GetFieldValue<Guid[]>(13), reader.GetFieldValue<string[]>(14)),
            reader.GetString(15), reader.GetFieldValue<DateTimeOffset>(16), reader.GetFieldValue<DateTimeOffset>(17));
        return new PoolRow(reader.GetGuid(0), definition, reader.GetBoolean(18), reader.GetFieldValue<DateTimeOffset>(19));
    }
}
