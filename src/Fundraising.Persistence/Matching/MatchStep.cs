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
        var granted = new long[items.Count];
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
            var donors = planned.SelectMany(i => items[i].Succeeded).Where(d => d.DonorId is not null).Select(d => d.DonorId!.Value).Distinct().Order().ToArray();
            var days = planned.SelectMany(i => items[i].Plan!.Pools).Distinct().ToList();
            var read = await ReadFactsAsync(connection, transaction, facts, [.. planned.Select(i => items[i].CampaignId)], donors, days, cancellationToken);

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
                    granted[i] += d.Held ? 0 : d.Amount;
                }
                slicesAfter[i] = [.. facts.Slices.Values.Where(s => s.CampaignId == items[i].CampaignId)];
            }
            await WriteAsync(connection, transaction, decisions, facts, read, donors, items.Where(i => i.Plan is not null).SelectMany(i => i.Succeeded), cancellationToken);
        }
        return [.. Enumerable.Range(0, items.Count).Select(i => new MatchBatchOutcome(matches[i], deltas[i], slicesAfter[i] ?? [], slicesAfter[i] is not null, granted[i]))];
    }

    /// <summary>The donor rows as the commit read them (unlocked): the write succeeds only if they are still so.</summary>
    private sealed record DonorRowsRead(
        Dictionary<Guid, string> PaceText, Dictionary<(Guid DonorId, Guid PoolId, DateOnly Day), long> Days, List<(Guid Slice, long Moved)> FoldInto, List<Guid> FoldedAway);

    /// <summary>
    /// One round trip: the campaigns' open slices, locked (each campaign's own rows: only its commit and its pool's
    /// closing touch them), and the donors' rows, read without locks. A donor's rows can be changed by another commit at
    /// the same moment (the same donor giving to two campaigns, on this silo or another); the write step then finds them
    /// changed and the whole transaction is tried again (<see cref="DonorRowsChangedException"/>). Locking them instead
    /// would cost every gift a row lock and, for a donor's first gift, an insert before the real write.
    /// </summary>
    private static async Task<DonorRowsRead> ReadFactsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, MatchFacts facts, Guid[] campaigns,
        Guid[] donors, List<(Guid PoolId, DateOnly Day)> days, CancellationToken cancellationToken)
    {
        var keys = donors.SelectMany(d => days.Select(p => (Donor: d, p.PoolId, p.Day))).ToList();
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Command("""
            SELECT id, pool_id, campaign_id, day, amount, used_amount FROM pool_slices
            WHERE campaign_id = ANY($1) AND closed_at IS NULL ORDER BY id FOR UPDATE
            """, campaigns));
        batch.BatchCommands.Add(Command("SELECT donor_id, recent, recent::text FROM donor_pace WHERE donor_id = ANY($1)", donors));
        batch.BatchCommands.Add(Command("""
            SELECT d.donor_id, d.pool_id, d.day, d.matched_amount FROM donor_pool_days d
            JOIN unnest($1::uuid[], $2::uuid[], $3::date[]) AS k(donor_id, pool_id, day)
              ON d.donor_id = k.donor_id AND d.pool_id = k.pool_id AND d.day = k.day
            """, keys.Select(k => k.Donor).ToArray(), keys.Select(k => k.PoolId).ToArray(), keys.Select(k => k.Day).ToArray()));

        var open = new List<OpenSlice>();
        var paceText = new Dictionary<Guid, string>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                open.Add(new OpenSlice(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetFieldValue<DateOnly>(3), reader.GetInt64(4), reader.GetInt64(5)));
            }
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var donor = reader.GetGuid(0);
                facts.Pace[donor] = [.. reader.GetFieldValue<DateTime[]>(1).Select(t => new DateTimeOffset(t, TimeSpan.Zero)).Order()];
                paceText[donor] = reader.GetString(2);
            }
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                facts.DonorMatched[(reader.GetGuid(0), reader.GetGuid(1), reader.GetFieldValue<DateOnly>(2))] = reader.GetInt64(3);
            }
        }
        // A donor's day not yet in the table has nothing matched; the write inserts it (and fails if someone else did first).
        var daysRead = new Dictionary<(Guid DonorId, Guid PoolId, DateOnly Day), long>(facts.DonorMatched);
        foreach (var key in keys)
        {
            facts.DonorMatched.TryAdd((key.Donor, key.PoolId, key.Day), 0);
        }

        // Grants are new rows (migration 0015): fold a campaign's newer open slices of a pool and day into its oldest
        // (ids are time-ordered), closing them with nothing unused, so that each gift draws on one slice. The folds are
        // written with the matches (the slices are locked until the commit).
        var foldInto = new List<(Guid Slice, long Moved)>();
        var foldedAway = new List<Guid>();
        foreach (var group in open.GroupBy(s => (s.CampaignId, s.PoolId, s.Day)))
        {
            var into = group.First();
            var folded = group.Skip(1).ToList();
            if (folded.Count > 0)
            {
                foldInto.Add((into.SliceId, folded.Sum(f => f.Left)));
                foldedAway.AddRange(folded.Select(f => f.SliceId));
                into = into with { Amount = into.Amount + folded.Sum(f => f.Left) };
            }
            // Should an open slice of an earlier day remain (the pool closes those before granting a new day's), today's wins.
            if (!facts.Slices.TryGetValue((into.CampaignId, into.PoolId), out var seen) || seen.Day < into.Day)
            {
                facts.Slices[(into.CampaignId, into.PoolId)] = into;
            }
        }
        return new DonorRowsRead(paceText, daysRead, foldInto, foldedAway);
    }

    /// <summary>
    /// One round trip: the slices' folds, the match rows, the slices' use, and the donors' rows, each only if it is still
    /// as it was read (a donor's day by its amount, a donor's pace by its whole list; a row that was absent must still
    /// be). Any difference throws <see cref="DonorRowsChangedException"/> after the batch, which rolls the transaction back.
    /// </summary>
    private static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<MatchDecision> decisions, MatchFacts facts,
        DonorRowsRead read, Guid[] donors, IEnumerable<DonationRecord> considered, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        if (read.FoldInto.Count > 0)
        {
            batch.BatchCommands.Add(Command("""
                UPDATE pool_slices s SET amount = s.amount + v.moved FROM unnest($1::uuid[], $2::bigint[]) AS v(id, moved) WHERE s.id = v.id
                """, read.FoldInto.Select(f => f.Slice).ToArray(), read.FoldInto.Select(f => f.Moved).ToArray()));
            batch.BatchCommands.Add(Command("UPDATE pool_slices SET amount = used_amount, closed_at = now() WHERE id = ANY($1)", read.FoldedAway.ToArray()));
        }
        // The rows each guarded statement must change; checked once the batch has run.
        var expected = new List<(NpgsqlBatchCommand Command, int Rows)>();
        if (decisions.Count > 0)
        {
            var campaignOf = considered.ToDictionary(d => d.Id, d => d.CampaignId);
            var insert = Command("""
                INSERT INTO donation_matches (donation_id, pool_id, slice_id, campaign_id, donor_id, day, amount, status, flag_reason)
                SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::date[], $7::bigint[], $8::text[], $9::text[])
                """,
                decisions.Select(d => d.DonationId).ToArray(), decisions.Select(d => d.PoolId).ToArray(), decisions.Select(d => d.SliceId).ToArray(),
                decisions.Select(d => campaignOf[d.DonationId]).ToArray(), decisions.Select(d => d.DonorId).ToArray(), decisions.Select(d => d.Day).ToArray(),
                decisions.Select(d => d.Amount).ToArray(), decisions.Select(d => d.Held ? "held" : "matched").ToArray());
            insert.Parameters.Add(new() { Value = decisions.Select(d => d.FlagReason).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            batch.BatchCommands.Add(insert);
            var bySlice = decisions.GroupBy(d => d.SliceId).OrderBy(g => g.Key).ToList();
            batch.BatchCommands.Add(Command("""
                UPDATE pool_slices s SET used_amount = s.used_amount + v.amount, held_amount = s.held_amount + v.held,
                       match_count = s.match_count + v.count, last_used_at = now()
                FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[]) AS v(id, amount, held, count)
                WHERE s.id = v.id
                """,
                bySlice.Select(g => g.Key).ToArray(), bySlice.Select(g => g.Sum(d => d.Amount)).ToArray(),
                bySlice.Select(g => g.Where(d => d.Held).Sum(d => d.Amount)).ToArray(), bySlice.Select(g => (long)g.Count()).ToArray()));

            var byDonorDay = decisions.GroupBy(d => (d.DonorId, d.PoolId, d.Day)).OrderBy(g => g.Key.DonorId).ThenBy(g => g.Key.PoolId).ToList();
            // A day read with an amount must still have it; a day that was absent must still be.
            var days = byDonorDay.Select(g => (g.Key, Added: g.Sum(d => d.Amount))).ToList();
            var existing = days.Where(d => read.Days.ContainsKey(d.Key)).Select(d => (d.Key, d.Added, Before: read.Days[d.Key])).ToList();
            var fresh = days.Where(d => !read.Days.ContainsKey(d.Key)).ToList();
            if (existing.Count > 0)
            {
                var update = Command("""
                    UPDATE donor_pool_days d SET matched_amount = d.matched_amount + v.amount
                    FROM unnest($1::uuid[], $2::uuid[], $3::date[], $4::bigint[], $5::bigint[]) AS v(donor_id, pool_id, day, amount, before)
                    WHERE d.donor_id = v.donor_id AND d.pool_id = v.pool_id AND d.day = v.day AND d.matched_amount = v.before
                    """,
                    existing.Select(d => d.Key.DonorId).ToArray(), existing.Select(d => d.Key.PoolId).ToArray(), existing.Select(d => d.Key.Day).ToArray(),
                    existing.Select(d => d.Added).ToArray(), existing.Select(d => d.Before).ToArray());
                batch.BatchCommands.Add(update);
                expected.Add((update, existing.Count));
            }
            if (fresh.Count > 0)
            {
                var insertDays = Command("""
                    INSERT INTO donor_pool_days (donor_id, pool_id, day, matched_amount)
                    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::date[], $4::bigint[]) ON CONFLICT DO NOTHING
                    """,
                    fresh.Select(d => d.Key.DonorId).ToArray(), fresh.Select(d => d.Key.PoolId).ToArray(), fresh.Select(d => d.Key.Day).ToArray(),
                    fresh.Select(d => d.Added).ToArray());
                batch.BatchCommands.Add(insertDays);
                expected.Add((insertDays, fresh.Count));
            }
        }
        // Each donor keeps only the latest few gift times: enough for "the 6th within a minute".
        var pace = donors.Select(d => (Donor: d, Recent: facts.Pace.GetValueOrDefault(d, []).TakeLast(MatchPace.Remembered).ToList())).Where(p => p.Recent.Count > 0).ToList();
        var paceKnown = pace.Where(p => read.PaceText.ContainsKey(p.Donor)).ToList();
        var paceFresh = pace.Where(p => !read.PaceText.ContainsKey(p.Donor)).ToList();
        if (paceKnown.Count > 0)
        {
            var rows = paceKnown.SelectMany(p => p.Recent.Select(at => (p.Donor, At: at))).ToList();
            var update = Command("""
                UPDATE donor_pace p SET recent = v.recent
                FROM (SELECT donor_id, array_agg(at ORDER BY at) AS recent FROM unnest($1::uuid[], $2::timestamptz[]) AS u(donor_id, at) GROUP BY donor_id) v
                JOIN unnest($3::uuid[], $4::text[]) AS o(donor_id, before) ON o.donor_id = v.donor_id
                WHERE p.donor_id = v.donor_id AND p.recent::text = o.before
                """,
                rows.Select(r => r.Donor).ToArray(), rows.Select(r => r.At.UtcDateTime).ToArray(),
                paceKnown.Select(p => p.Donor).ToArray(), paceKnown.Select(p => read.PaceText[p.Donor]).ToArray());
            batch.BatchCommands.Add(update);
            expected.Add((update, paceKnown.Count));
        }
        if (paceFresh.Count > 0)
        {
            var rows = paceFresh.SelectMany(p => p.Recent.Select(at => (p.Donor, At: at))).ToList();
            var insert = Command("""
                INSERT INTO donor_pace (donor_id, recent)
                SELECT donor_id, array_agg(at ORDER BY at) FROM unnest($1::uuid[], $2::timestamptz[]) AS u(donor_id, at) GROUP BY donor_id
                ON CONFLICT DO NOTHING
                """,
                rows.Select(r => r.Donor).ToArray(), rows.Select(r => r.At.UtcDateTime).ToArray());
            batch.BatchCommands.Add(insert);
            expected.Add((insert, paceFresh.Count));
        }
        if (batch.BatchCommands.Count == 0)
        {
            return;
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
        if (expected.Any(e => e.Command.RecordsAffected != e.Rows))
        {
            throw new DonorRowsChangedException();
        }
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        return command;
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

/// <summary>
/// A donor's matching rows changed between the commit's read and its write (another commit matched the same donor at the
/// same moment). The transaction rolls back and is run again with fresh facts (<see cref="Ledger.PostgresLedgerWriter"/>).
/// </summary>
internal sealed class DonorRowsChangedException() : Exception("A donor's matching rows changed under this commit; it is run again.");

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
