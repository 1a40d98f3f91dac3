using System.Globalization;
using System.Security.Cryptography;
using Npgsql;
using NpgsqlTypes;

namespace Fundraising.Load.Baseline;

/// <summary>
/// The naive baseline's events, pools and verified donors. A gift is matched inside its confirmation's one
/// transaction (<see cref="MatchAsync"/>), in a fixed lock order (gift, campaign, donor, pool, donor's day) so that
/// two confirmations never deadlock. Velocity as on the platform: a donor's gift under 15 s after their previous one,
/// or their 6th within 60 s, is held (its match reserved from the pool) and flagged.
/// </summary>
public sealed partial class NaiveStore : IMatchingStore
{
    private static readonly TimeSpan MinimumGap = TimeSpan.FromSeconds(15);
    private const int MostInAMinute = 5;

    public async Task<EventResponse?> CreateEventAsync(string name, DateTimeOffset startsAt, DateTimeOffset endsAt, string timeZone, IReadOnlyList<Guid> campaignIds)
    {
        var id = Guid.CreateVersion7();
        var campaigns = campaignIds.Distinct().ToArray();
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO naive_events (id, name, starts_at, ends_at, time_zone) VALUES ($1, $2, $3, $4, $5);
            """, connection, transaction))
        {
            insert.Parameters.Add(new() { Value = id });
            insert.Parameters.Add(new() { Value = name });
            insert.Parameters.Add(new() { Value = startsAt.UtcDateTime });
            insert.Parameters.Add(new() { Value = endsAt.UtcDateTime });
            insert.Parameters.Add(new() { Value = timeZone });
            await insert.ExecuteNonQueryAsync();
        }
        await using (var members = new NpgsqlCommand(
            "INSERT INTO naive_event_campaigns (event_id, campaign_id) SELECT $1, c.id FROM naive_campaigns c WHERE c.id = ANY($2)", connection, transaction))
        {
            members.Parameters.Add(new() { Value = id });
            members.Parameters.Add(new() { Value = campaigns });
            if (await members.ExecuteNonQueryAsync() != campaigns.Length)
            {
                return null;
            }
        }
        await transaction.CommitAsync();
        return new EventResponse(id, name, startsAt, endsAt, timeZone, campaigns);
    }

    public async Task<PoolResponse?> CreatePoolAsync(Guid eventId, CreatePoolRequest r)
    {
        var id = Guid.CreateVersion7();
        await using var insert = db.CreateCommand("""
            INSERT INTO naive_pools (id, event_id, sponsor_name, currency, budget, opens_at, ratio_match, ratio_per, max_per_gift, max_per_donor_per_day)
            SELECT $1, e.id, $3, $4, $5, $6, $7, $8, $9, $10 FROM naive_events e WHERE e.id = $2
            """);
        foreach (var value in new object[] { id, eventId, r.SponsorName!, r.Currency!, r.Budget!.Value, r.OpensAt!, r.Ratio!.Match, r.Ratio.Per, r.MaxPerGift!.Value, r.MaxPerDonorPerDay!.Value })
        {
            insert.Parameters.Add(new() { Value = value });
        }
        return await insert.ExecuteNonQueryAsync() == 1 ? await GetPoolAsync(id) : null;
    }

    public async Task<PoolResponse?> GetPoolAsync(Guid poolId)
    {
        await using var select = db.CreateCommand("""
            SELECT p.event_id, p.sponsor_name, p.currency, p.budget, p.matched_amount, p.held_amount, p.match_count, p.opens_at,
                   p.ratio_match, p.ratio_per, p.max_per_gift, p.max_per_donor_per_day, e.time_zone, e.starts_at, e.ends_at
            FROM naive_pools p JOIN naive_events e ON e.id = p.event_id WHERE p.id = $1
            """);
        select.Parameters.Add(new() { Value = poolId });
        await using var reader = await select.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }
        var now = DateTimeOffset.UtcNow;
        var (budget, matched, held) = (reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5));
        var opensAt = reader.GetString(7);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(reader.GetString(12));
        var window = new EventWindow(reader.GetFieldValue<DateTimeOffset>(13), reader.GetFieldValue<DateTimeOffset>(14));
        var opening = OpeningOn(now, opensAt, zone);
        var status = now >= window.EndsAt ? "closed" : matched + held >= budget ? "exhausted" : now < opening || now < window.StartsAt ? "scheduled" : "open";
        var next = now < opening ? opening : OpeningOn(now.AddDays(1), opensAt, zone);
        return new PoolResponse(poolId, reader.GetGuid(0), reader.GetString(1), status, reader.GetString(2).Trim(), budget, null, matched,
            Math.Max(0, budget - matched - held), reader.GetInt64(6), held, opensAt, next < window.EndsAt ? next : null, window.EndsAt,
            new RatioRequest(reader.GetInt32(8), reader.GetInt32(9)), reader.GetInt64(10), reader.GetInt64(11), now);
    }

    public async Task<PoolReconciliationResponse?> ReconcilePoolAsync(Guid poolId)
    {
        // The baseline has no slices: its pool row is the one place the money is counted, so "slices" is that row.
        await using var select = db.CreateCommand("""
            SELECT p.budget, p.matched_amount, p.held_amount, p.match_count,
                   (SELECT coalesce(sum(d.match_amount), 0)::bigint FROM naive_donations d
                    WHERE d.match_pool_id = p.id AND d.match_status IN ('matched', 'held')),
                   (SELECT count(*) FROM (SELECT 1 FROM naive_donations d WHERE d.match_pool_id = p.id AND d.match_status = 'matched'
                    GROUP BY d.donor_id, (d.succeeded_at AT TIME ZONE e.time_zone)::date HAVING sum(d.match_amount) > p.max_per_donor_per_day) v)
            FROM naive_pools p JOIN naive_events e ON e.id = p.event_id WHERE p.id = $1
            """);
        select.Parameters.Add(new() { Value = poolId });
        await using var reader = await select.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }
        var (budget, matched, held, rows, violations) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(4), reader.GetInt64(5));
        var overdraw = Math.Max(0, matched + held - budget);
        return new PoolReconciliationResponse(poolId, budget, matched, held, reader.GetInt64(3), rows, matched + held, overdraw, violations,
            rows == matched + held && overdraw == 0 && violations == 0);
    }

    public async Task<IReadOnlyList<FlaggedGiftResponse>> FlaggedGiftsAsync(string status)
    {
        if (status != "held")
        {
            return [];
        }
        await using var select = db.CreateCommand("""
            SELECT id, campaign_id, match_pool_id, match_amount, amount, currency, flagged_at FROM naive_donations WHERE match_status = 'held'
            """);
        var items = new List<FlaggedGiftResponse>();
        await using var reader = await select.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            items.Add(new FlaggedGiftResponse(reader.GetGuid(0), reader.GetGuid(1), reader.IsDBNull(2) ? null : reader.GetGuid(2), reader.GetInt64(3),
                reader.GetInt64(4), reader.GetString(5).Trim(), "velocity", reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6), "held"));
        }
        return items;
    }

    public async Task<DonorTokenResponse> IssueTokenAsync(string email)
    {
        var token = "fdt_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await using var upsert = db.CreateCommand(
            "INSERT INTO naive_donors (id, email, token) VALUES ($1, $2, $3) ON CONFLICT (email) DO UPDATE SET token = EXCLUDED.token");
        upsert.Parameters.Add(new() { Value = Guid.CreateVersion7() });
        upsert.Parameters.Add(new() { Value = email });
        upsert.Parameters.Add(new() { Value = token });
        await upsert.ExecuteNonQueryAsync();
        return new DonorTokenResponse(token, DateTimeOffset.UtcNow.AddDays(30));
    }

    public async Task<Guid?> FindDonorAsync(string token)
    {
        await using var select = db.CreateCommand("SELECT id FROM naive_donors WHERE token = $1");
        select.Parameters.Add(new() { Value = token });
        return await select.ExecuteScalarAsync() is Guid id ? id : null;
    }

    /// <summary>
    /// Inside the confirmation's transaction: the donor's velocity, then, when the campaign's pool is open, the pool's
    /// row and the donor's day row locked, the match (ratio, per-gift cap, what is left, the donor's cap) added to both
    /// and written on the gift.
    /// </summary>
    private static async Task<MatchResponse> MatchAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Donation gift, Guid donorId)
    {
        var held = await TooFastAsync(connection, transaction, donorId, gift.CreatedAt);
        var match = await DecideAsync(connection, transaction, gift, donorId, held);
        await using var write = new NpgsqlCommand(
            "UPDATE naive_donations SET match_pool_id = $2, match_amount = $3, match_status = $4, flagged_at = $5 WHERE id = $1", connection, transaction);
        write.Parameters.Add(new() { Value = gift.Id });
        write.Parameters.Add(new() { Value = (object?)match.PoolId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        write.Parameters.Add(new() { Value = match.Amount });
        write.Parameters.Add(new() { Value = match.Status });
        write.Parameters.Add(new() { Value = match.Status == "held" ? DateTime.UtcNow : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await write.ExecuteNonQueryAsync();
        return match;
    }

    private static async Task<MatchResponse> DecideAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Donation gift, Guid donorId, bool held)
    {
        // Which pool, and is it open? Read without a lock: before the opening nothing waits for the pool's row.
        Guid poolId;
        string opensAt, timeZone;
        EventWindow window;
        await using (var find = new NpgsqlCommand("""
            SELECT p.id, p.opens_at, e.time_zone, e.starts_at, e.ends_at FROM naive_event_campaigns ec
            JOIN naive_pools p ON p.event_id = ec.event_id JOIN naive_events e ON e.id = p.event_id
            WHERE ec.campaign_id = $1 ORDER BY p.id LIMIT 1
            """, connection, transaction))
        {
            find.Parameters.Add(new() { Value = gift.CampaignId });
            await using var reader = await find.ExecuteReaderAsync();
            if (!await reader.ReadAsync())
            {
                return MatchResponse.None(null);
            }
            (poolId, opensAt, timeZone) = (reader.GetGuid(0), reader.GetString(1), reader.GetString(2));
            window = new EventWindow(reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4));
        }
        var now = DateTimeOffset.UtcNow;
        if (now < window.StartsAt || now >= window.EndsAt || now < OpeningOn(now, opensAt, TimeZoneInfo.FindSystemTimeZoneById(timeZone)))
        {
            return MatchResponse.None(poolId);
        }

        long remaining, perGift, donorCap, ratioMatch, ratioPer;
        await using (var pool = new NpgsqlCommand("""
            SELECT budget - matched_amount - held_amount, max_per_gift, max_per_donor_per_day, ratio_match, ratio_per
            FROM naive_pools WHERE id = $1 FOR UPDATE
            """, connection, transaction))
        {
            pool.Parameters.Add(new() { Value = poolId });
            await using var reader = await pool.ExecuteReaderAsync();
            await reader.ReadAsync();
            (remaining, perGift, donorCap, ratioMatch, ratioPer) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt32(3), reader.GetInt32(4));
        }
        if (remaining <= 0)
        {
            return MatchResponse.None(poolId);
        }
        await using (var day = new NpgsqlCommand("""
            INSERT INTO naive_pool_donor_days (pool_id, donor_id, day, matched_amount) VALUES ($1, $2, (now() AT TIME ZONE $3)::date, 0) ON CONFLICT DO NOTHING
            """, connection, transaction))
        {
            day.Parameters.Add(new() { Value = poolId });
            day.Parameters.Add(new() { Value = donorId });
            day.Parameters.Add(new() { Value = timeZone });
            await day.ExecuteNonQueryAsync();
        }
        long donorToday;
        await using (var day = new NpgsqlCommand("""
            SELECT matched_amount FROM naive_pool_donor_days WHERE pool_id = $1 AND donor_id = $2 AND day = (now() AT TIME ZONE $3)::date FOR UPDATE
            """, connection, transaction))
        {
            day.Parameters.Add(new() { Value = poolId });
            day.Parameters.Add(new() { Value = donorId });
            day.Parameters.Add(new() { Value = timeZone });
            donorToday = (long)(await day.ExecuteScalarAsync())!;
        }
        var amount = Math.Min(Math.Min(gift.Amount * ratioMatch / ratioPer, perGift), Math.Min(remaining, donorCap - donorToday));
        if (amount <= 0)
        {
            return MatchResponse.None(poolId);
        }
        await using (var add = new NpgsqlCommand("""
            WITH day AS (UPDATE naive_pool_donor_days SET matched_amount = matched_amount + $4 WHERE pool_id = $1 AND donor_id = $2 AND day = (now() AT TIME ZONE $3)::date)
            UPDATE naive_pools SET matched_amount = matched_amount + CASE WHEN $5 THEN 0 ELSE $4 END,
                                   held_amount = held_amount + CASE WHEN $5 THEN $4 ELSE 0 END,
                                   match_count = match_count + CASE WHEN $5 THEN 0 ELSE 1 END
            WHERE id = $1
            """, connection, transaction))
        {
            add.Parameters.Add(new() { Value = poolId });
            add.Parameters.Add(new() { Value = donorId });
            add.Parameters.Add(new() { Value = timeZone });
            add.Parameters.Add(new() { Value = amount });
            add.Parameters.Add(new() { Value = held });
            await add.ExecuteNonQueryAsync();
        }
        return new MatchResponse(poolId, amount, held ? "held" : "matched");
    }

    /// <summary>Records the gift on the donor's row and says whether it came too fast (under 15 s, or a 6th within 60 s).</summary>
    private static async Task<bool> TooFastAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid donorId, DateTimeOffset madeAt)
    {
        await using var velocity = new NpgsqlCommand("""
            WITH before AS (SELECT last_gift_at, ARRAY(SELECT g FROM unnest(recent_gifts) g WHERE g > $2 - interval '60 seconds') AS recent
                            FROM naive_donors WHERE id = $1 FOR UPDATE)
            UPDATE naive_donors d SET last_gift_at = $2, recent_gifts = before.recent || $2
            FROM before WHERE d.id = $1
            RETURNING before.last_gift_at, cardinality(before.recent)
            """, connection, transaction);
        velocity.Parameters.Add(new() { Value = donorId });
        velocity.Parameters.Add(new() { Value = madeAt.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await using var reader = await velocity.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return false;
        }
        var last = reader.IsDBNull(0) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(0);
        return (last is { } l && madeAt - l < MinimumGap) || reader.GetInt32(1) >= MostInAMinute;
    }

    /// <summary>Today's opening (HH:mm in the event's zone) on the local day of <paramref name="now"/>.</summary>
    private static DateTimeOffset OpeningOn(DateTimeOffset now, string opensAt, TimeZoneInfo zone)
    {
        var localDay = TimeZoneInfo.ConvertTime(now, zone).Date;
        var local = localDay + TimeOnly.ParseExact(opensAt, "HH:mm", CultureInfo.InvariantCulture).ToTimeSpan();
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    private readonly record struct EventWindow(DateTimeOffset StartsAt, DateTimeOffset EndsAt);
}
