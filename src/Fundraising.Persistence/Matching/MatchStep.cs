using Fundraising.Contracts.Donations;
using Fundraising.Contracts.Matching;
using Npgsql;
using NpgsqlTypes;

namespace Fundraising.Persistence.Matching;

/// <summary>
/// One campaign's part in a commit's matching step: its plan (null when it has no pool), the gifts that succeeded in
/// this commit, the ids of succeeded gifts that were retries (their earlier match is reported), and the gifts refunded.
/// </summary>
public sealed record MatchStepInput(
    Guid CampaignId,
    IMatchPlan? Plan,
    IReadOnlyList<DonationRecord> Succeeded,
    IReadOnlyList<Guid> Replayed,
    IReadOnlyList<DonationRecord> Refunded);

/// <summary>
/// The matching step of a ledger commit, inside its transaction: refunds take back their gifts' matches (the money goes
/// back to the slice, or to the pool when the slice is closed), retries find their earlier match, and newly succeeded
/// gifts are matched by their campaigns' plans against the slices and donor rows locked here. SQL and mapping only:
/// every amount is decided by the plan (<see cref="IMatchPlan"/>) or by <see cref="MatchReversal"/>.
/// </summary>
/// <remarks>
/// Rows are locked in one order everywhere (slices by id, then donors' pace by donor, then donors' days), the order the
/// pool's own writes use too (slice before pool row), so concurrent commits of different campaigns never deadlock.
/// The constraints of migration 0013 are the backstop: a slice can never be used beyond its amount.
/// </remarks>
internal static class MatchStep
{
    public static async Task<IReadOnlyList<MatchBatchOutcome>> ApplyAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<MatchStepInput> items, CancellationToken cancellationToken)
    {
        var matches = items.Select(_ => new Dictionary<Guid, MatchOutcome>()).ToArray();
        var deltas = new long[items.Count];
        var slicesAfter = items.Select(_ => (IReadOnlyList<OpenSlice>?)null).ToArray();

        if (items.Any(i => i.Refunded.Count > 0))
        {
            await ReverseAsync(connection, transaction, items, deltas, cancellationToken);
        }
        var replayed = items.SelectMany(i => i.Replayed).ToArray();
        if (replayed.Length > 0)
        {
            var earlier = await MatchRows.FindAsync(new NpgsqlCommand(MatchRows.ByDonation, connection, transaction), replayed, cancellationToken);
            for (var i = 0; i < items.Count; i++)
            {
                foreach (var id in items[i].Replayed)
                {
                    matches[i][id] = earlier.GetValueOrDefault(id, MatchOutcome.NotMatched);
                }
            }
        }

        var planned = Enumerable.Range(0, items.Count)
            .Where(i => items[i].Plan is { Pools.Count: > 0 } && items[i].Succeeded.Any(d => d.DonorId is not null))
            .OrderBy(i => items[i].CampaignId).ToList();
        if (planned.Count > 0)
        {
            var facts = new MatchFacts();
            await LockSlicesAsync(connection, transaction, facts, [.. planned.Select(i => items[i].CampaignId)], cancellationToken);
            var donors = planned.SelectMany(i => items[i].Succeeded).Where(d => d.DonorId is not null).Select(d => d.DonorId!.Value).Distinct().Order().ToArray();
            await LockPaceAsync(connection, transaction, facts, donors, cancellationToken);
            var days = planned
                .SelectMany(i => items[i].Plan!.Pools.Where(p => facts.Slices.ContainsKey((items[i].CampaignId, p.PoolId))))
                .Distinct().ToList();
            await LockDonorDaysAsync(connection, transaction, facts, donors, days, cancellationToken);

            var decisions = new List<MatchDecision>();
            foreach (var i in planned)
            {
                var gifts = items[i].Succeeded.Where(d => d.DonorId is not null).ToList();
                var decided = items[i].Plan!.Decide(gifts, facts);
                decisions.AddRange(decided);
                foreach (var d in decided)
                {
                    matches[i][d.DonationId] = new MatchOutcome(d.PoolId, d.Amount, d.Held ? MatchStatus.Held : MatchStatus.Matched, d.FlagReason);
                    deltas[i] += d.Held ? 0 : d.Amount;
                }
                slicesAfter[i] = [.. facts.Slices.Values.Where(s => s.CampaignId == items[i].CampaignId)];
            }
            await WriteAsync(connection, transaction, decisions, facts, donors, items.Where(i => i.Plan is not null).SelectMany(i => i.Succeeded), cancellationToken);
        }
        return [.. Enumerable.Range(0, items.Count).Select(i => new MatchBatchOutcome(matches[i], deltas[i], slicesAfter[i] ?? [], slicesAfter[i] is not null))];
    }

    private static async Task LockSlicesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, MatchFacts facts, Guid[] campaigns, CancellationToken cancellationToken)
    {
        var open = new List<OpenSlice>();
        await using (var select = new NpgsqlCommand("""
            SELECT id, pool_id, campaign_id, day, amount, used_amount FROM pool_slices
            WHERE campaign_id = ANY($1) AND closed_at IS NULL ORDER BY id FOR UPDATE
            """, connection, transaction))
        {
            select.Parameters.Add(new() { Value = campaigns });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                open.Add(new OpenSlice(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetFieldValue<DateOnly>(3), reader.GetInt64(4), reader.GetInt64(5)));
            }
        }
        // Grants are new rows (migration 0015): fold a campaign's newer open slices of a pool and day into its oldest
        // (ids are time-ordered), closing them with nothing unused, so that each gift draws on one slice.
        var folds = new List<(OpenSlice Into, List<OpenSlice> Folded)>();
        foreach (var group in open.GroupBy(s => (s.CampaignId, s.PoolId, s.Day)))
        {
            var into = group.First();
            var folded = group.Skip(1).ToList();
            if (folded.Count > 0)
            {
                folds.Add((into, folded));
                into = into with { Amount = into.Amount + folded.Sum(f => f.Left) };
            }
            // Should an open slice of an earlier day remain (the pool closes those before granting a new day's), today's wins.
            if (!facts.Slices.TryGetValue((into.CampaignId, into.PoolId), out var seen) || seen.Day < into.Day)
            {
                facts.Slices[(into.CampaignId, into.PoolId)] = into;
            }
        }
        if (folds.Count > 0)
        {
            await Sql.ExecuteAsync(connection, transaction, """
                UPDATE pool_slices s SET amount = s.amount + v.moved FROM unnest($1::uuid[], $2::bigint[]) AS v(id, moved) WHERE s.id = v.id
                """, cancellationToken, folds.Select(f => f.Into.SliceId).ToArray(), folds.Select(f => f.Folded.Sum(x => x.Left)).ToArray());
            await Sql.ExecuteAsync(connection, transaction, """
                UPDATE pool_slices SET amount = used_amount, closed_at = now() WHERE id = ANY($1)
                """, cancellationToken, folds.SelectMany(f => f.Folded.Select(x => x.SliceId)).ToArray());
        }
    }

    private static async Task LockPaceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, MatchFacts facts, Guid[] donors, CancellationToken cancellationToken)
    {
        await Sql.ExecuteAsync(connection, transaction, "INSERT INTO donor_pace (donor_id) SELECT unnest($1::uuid[]) ORDER BY 1 ON CONFLICT DO NOTHING", cancellationToken, donors);
        await using var select = new NpgsqlCommand(
            "SELECT donor_id, recent FROM donor_pace WHERE donor_id = ANY($1) ORDER BY donor_id FOR UPDATE", connection, transaction);
        select.Parameters.Add(new() { Value = donors });
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            facts.Pace[reader.GetGuid(0)] = [.. reader.GetFieldValue<DateTime[]>(1).Select(t => new DateTimeOffset(t, TimeSpan.Zero)).Order()];
        }
    }

    private static async Task LockDonorDaysAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, MatchFacts facts, Guid[] donors,
        List<(Guid PoolId, DateOnly Day)> days, CancellationToken cancellationToken)
    {
        if (days.Count == 0)
        {
            return;
        }
        var keys = donors.SelectMany(d => days.Select(p => (Donor: d, p.PoolId, p.Day))).OrderBy(k => k.Donor).ThenBy(k => k.PoolId).ThenBy(k => k.Day).ToList();
        var donorIds = keys.Select(k => k.Donor).ToArray();
        var poolIds = keys.Select(k => k.PoolId).ToArray();
        var dayValues = keys.Select(k => k.Day).ToArray();
        await Sql.ExecuteAsync(connection, transaction, """
            INSERT INTO donor_pool_days (donor_id, pool_id, day)
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::date[]) ORDER BY 1, 2, 3 ON CONFLICT DO NOTHING
            """, cancellationToken, donorIds, poolIds, dayValues);
        await using var select = new NpgsqlCommand("""
            SELECT d.donor_id, d.pool_id, d.day, d.matched_amount FROM donor_pool_days d
            JOIN unnest($1::uuid[], $2::uuid[], $3::date[]) AS k(donor_id, pool_id, day)
              ON d.donor_id = k.donor_id AND d.pool_id = k.pool_id AND d.day = k.day
            ORDER BY d.donor_id, d.pool_id, d.day FOR UPDATE OF d
            """, connection, transaction);
        select.Parameters.Add(new() { Value = donorIds });
        select.Parameters.Add(new() { Value = poolIds });
        select.Parameters.Add(new() { Value = dayValues });
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            facts.DonorMatched[(reader.GetGuid(0), reader.GetGuid(1), reader.GetFieldValue<DateOnly>(2))] = reader.GetInt64(3);
        }
    }

    private static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<MatchDecision> decisions, MatchFacts facts,
        Guid[] donors, IEnumerable<DonationRecord> considered, CancellationToken cancellationToken)
    {
        if (decisions.Count > 0)
        {
            var campaignOf = considered.ToDictionary(d => d.Id, d => d.CampaignId);
            await using (var insert = new NpgsqlCommand("""
                INSERT INTO donation_matches (donation_id, pool_id, slice_id, campaign_id, donor_id, day, amount, status, flag_reason)
                SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::date[], $7::bigint[], $8::text[], $9::text[])
                """, connection, transaction))
            {
                insert.Parameters.Add(new() { Value = decisions.Select(d => d.DonationId).ToArray() });
                insert.Parameters.Add(new() { Value = decisions.Select(d => d.PoolId).ToArray() });
                insert.Parameters.Add(new() { Value = decisions.Select(d => d.SliceId).ToArray() });
                insert.Parameters.Add(new() { Value = decisions.Select(d => campaignOf[d.DonationId]).ToArray() });
                insert.Parameters.Add(new() { Value = decisions.Select(d => d.DonorId).ToArray() });
                insert.Parameters.Add(new() { Value = decisions.Select(d => d.Day).ToArray() });
                insert.Parameters.Add(new() { Value = decisions.Select(d => d.Amount).ToArray() });
                insert.Parameters.Add(new() { Value = decisions.Select(d => d.Held ? "held" : "matched").ToArray() });
                insert.Parameters.Add(new() { Value = decisions.Select(d => d.FlagReason).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
            var bySlice = decisions.GroupBy(d => d.SliceId).OrderBy(g => g.Key).ToList();
            await Sql.ExecuteAsync(connection, transaction, """
                UPDATE pool_slices s SET used_amount = s.used_amount + v.amount, held_amount = s.held_amount + v.held,
                       match_count = s.match_count + v.count, last_used_at = now()
                FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[]) AS v(id, amount, held, count)
                WHERE s.id = v.id
                """, cancellationToken,
                bySlice.Select(g => g.Key).ToArray(), bySlice.Select(g => g.Sum(d => d.Amount)).ToArray(),
                bySlice.Select(g => g.Where(d => d.Held).Sum(d => d.Amount)).ToArray(), bySlice.Select(g => (long)g.Count()).ToArray());
            var byDonorDay = decisions.GroupBy(d => (d.DonorId, d.PoolId, d.Day)).OrderBy(g => g.Key.DonorId).ThenBy(g => g.Key.PoolId).ToList();
            await Sql.ExecuteAsync(connection, transaction, """
                UPDATE donor_pool_days d SET matched_amount = d.matched_amount + v.amount
                FROM unnest($1::uuid[], $2::uuid[], $3::date[], $4::bigint[]) AS v(donor_id, pool_id, day, amount)
                WHERE d.donor_id = v.donor_id AND d.pool_id = v.pool_id AND d.day = v.day
                """, cancellationToken,
                byDonorDay.Select(g => g.Key.DonorId).ToArray(), byDonorDay.Select(g => g.Key.PoolId).ToArray(),
                byDonorDay.Select(g => g.Key.Day).ToArray(), byDonorDay.Select(g => g.Sum(d => d.Amount)).ToArray());
        }
        // Each donor keeps only the latest few gift times: enough for "the 6th within a minute".
        var pace = donors.SelectMany(d => facts.Pace.GetValueOrDefault(d, []).TakeLast(Fundraising.Contracts.Matching.MatchPace.Remembered).Select(at => (Donor: d, At: at))).ToList();
        await Sql.ExecuteAsync(connection, transaction, """
            UPDATE donor_pace p SET recent = v.recent
            FROM (SELECT donor_id, array_agg(at ORDER BY at) AS recent FROM unnest($1::uuid[], $2::timestamptz[]) AS u(donor_id, at) GROUP BY donor_id) v
            WHERE p.donor_id = v.donor_id
            """, cancellationToken, pace.Select(p => p.Donor).ToArray(), pace.Select(p => p.At.UtcDateTime).ToArray());
    }

    private static async Task ReverseAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<MatchStepInput> items, long[] deltas, CancellationToken cancellationToken)
    {
        // A gift refunded several times in one commit: its last state (the least left) is what its match follows.
        var refunded = items.SelectMany((item, index) => item.Refunded.Select(d => (Index: index, Gift: d)))
            .GroupBy(r => r.Gift.Id).ToDictionary(g => g.Key, g => g.MinBy(r => r.Gift.NetAmount));
        var rows = new List<(Guid DonationId, Guid SliceId, Guid PoolId, Guid DonorId, DateOnly Day, long Amount, long Reversed, string Status, bool SliceClosed)>();
        await using (var select = new NpgsqlCommand("""
            SELECT m.donation_id, m.slice_id, m.pool_id, m.donor_id, m.day, m.amount, m.reversed_amount, m.status, s.closed_at IS NOT NULL
            FROM donation_matches m JOIN pool_slices s ON s.id = m.slice_id
            WHERE m.donation_id = ANY($1) AND m.status <> 'rejected'
            ORDER BY m.slice_id FOR UPDATE
            """, connection, transaction))
        {
            select.Parameters.Add(new() { Value = refunded.Keys.ToArray() });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetGuid(3), reader.GetFieldValue<DateOnly>(4),
                    reader.GetInt64(5), reader.GetInt64(6), reader.GetString(7), reader.GetBoolean(8)));
            }
        }
        foreach (var row in rows)
        {
            var (index, gift) = refunded[row.DonationId];
            var back = MatchReversal.TakenBack(row.Amount, row.Reversed, gift.Amount, gift.NetAmount);
            if (back == 0)
            {
                continue;
            }
            var held = row.Status == "held";
            var gone = row.Reversed + back == row.Amount;
            await Sql.ExecuteAsync(connection, transaction,
                "UPDATE donation_matches SET reversed_amount = reversed_amount + $2 WHERE donation_id = $1", cancellationToken, row.DonationId, back);
            await ReturnAsync(connection, transaction, row.SliceId, row.PoolId, row.DonorId, row.Day, back, held, gone, row.SliceClosed, cancellationToken);
            deltas[index] -= held ? 0 : back;
        }
    }

    /// <summary>
    /// Money of a match going back: out of the slice's used (and held) amount; when the slice is closed, the pool's
    /// committed amount (and the day's) falls too, so the money can be granted again. The donor's day is freed by as much.
    /// </summary>
    internal static async Task ReturnAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid sliceId, Guid poolId, Guid donorId, DateOnly day,
        long amount, bool held, bool wholeMatch, bool sliceClosed, CancellationToken cancellationToken)
    {
        await Sql.ExecuteAsync(connection, transaction, """
            UPDATE pool_slices SET used_amount = used_amount - $2, held_amount = held_amount - $3, match_count = match_count - $4 WHERE id = $1
            """, cancellationToken, sliceId, amount, held ? amount : 0L, wholeMatch ? 1L : 0L);
        if (sliceClosed)
        {
            await Sql.ExecuteAsync(connection, transaction,
                "UPDATE matching_pools SET committed_amount = committed_amount - $2 WHERE id = $1", cancellationToken, poolId, amount);
            await Sql.ExecuteAsync(connection, transaction,
                "UPDATE pool_days SET committed_amount = committed_amount - $3 WHERE pool_id = $1 AND day = $2", cancellationToken, poolId, day, amount);
        }
        await Sql.ExecuteAsync(connection, transaction,
            "UPDATE donor_pool_days SET matched_amount = matched_amount - $4 WHERE donor_id = $1 AND pool_id = $2 AND day = $3", cancellationToken,
            donorId, poolId, day, amount);
    }
}

/// <summary>How a match row is read and maps to what callers see.</summary>
internal static class MatchRows
{
    public const string ByDonation =
        "SELECT donation_id, pool_id, amount - reversed_amount, status, flag_reason FROM donation_matches WHERE donation_id = ANY($1)";

    /// <summary>Runs <paramref name="command"/> (<see cref="ByDonation"/>) for these gifts; gifts without a match are absent.</summary>
    public static async Task<Dictionary<Guid, MatchOutcome>> FindAsync(NpgsqlCommand command, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        await using (command)
        {
            command.Parameters.Add(new() { Value = ids.ToArray() });
            var found = new Dictionary<Guid, MatchOutcome>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                found[reader.GetGuid(0)] = Outcome(reader.GetGuid(1), reader.GetInt64(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4));
            }
            return found;
        }
    }

    public static MatchOutcome Outcome(Guid poolId, long net, string status, string? reason) => status switch
    {
        "matched" when net > 0 => new MatchOutcome(poolId, net, MatchStatus.Matched, reason),
        "held" when net > 0 => new MatchOutcome(poolId, net, MatchStatus.Held, reason),
        _ => new MatchOutcome(poolId, 0, MatchStatus.None, reason),
    };
}

/// <summary>Small helpers for statements run inside a transaction.</summary>
internal static class Sql
{
    public static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
