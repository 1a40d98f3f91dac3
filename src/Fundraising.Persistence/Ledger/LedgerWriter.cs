using System.Text.Json;
using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Persistence.Matching;
using Npgsql;
using NpgsqlTypes;

namespace Fundraising.Persistence.Ledger;

/// <summary>
/// The group commit's SQL. One transaction carries the batches of many campaigns: bulk insert through <c>unnest</c>,
/// the idempotency conflicts, bulk confirmation, pledge payments and refunds, the audit entries of admins' entries,
/// and the matching change to every campaign's totals, so gifts pay one commit for many donations (of one hot
/// campaign or of many quiet ones) and no campaign's totals can drift from its rows. The number of statements does
/// not grow with the number of campaigns: each step is one statement over the rows of every batch, except pledge
/// payments and refunds, which are rare and lock the row they decide on (the domain rule, <see cref="RefundRules"/> or
/// <see cref="PledgeRules"/>, decides under that lock), and matching (<see cref="MatchStep"/>), a few statements over
/// the gifts of every campaign with a pool.
/// </summary>
public sealed class PostgresLedgerWriter(NpgsqlDataSource dataSource) : IDonationLedger
{
    public async Task<LedgerBatchOutcome> CommitAsync(LedgerBatch batch, CancellationToken cancellationToken = default) =>
        (await CommitManyAsync([batch], cancellationToken))[0];

    /// <summary>
    /// Commits the batches of several campaigns (at most one batch each) in one transaction and returns one outcome per
    /// batch, in the order given. Any failure rolls back every batch. A failure of COMMIT itself leaves unknown whether
    /// the transaction committed and is thrown as <see cref="LedgerCommitUncertainException"/>; any other exception
    /// means nothing was written.
    /// </summary>
    public async Task<IReadOnlyList<LedgerBatchOutcome>> CommitManyAsync(IReadOnlyList<LedgerBatch> batches, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await CommitOnceAsync(batches, cancellationToken);
            }
            catch (Exception exception) when (attempt < MaxAttempts && IsConflict(exception))
            {
                // Rolled back (the transaction is disposed unfinished): nothing of it was written, so it is simply run again.
                Interlocked.Increment(ref _conflicts);
            }
        }
    }

    /// <summary>Attempts of one transaction before a conflict with concurrent commits is given up and thrown.</summary>
    public const int MaxAttempts = 8;

    private long _conflicts;

    /// <summary>Transactions run again because a concurrent commit changed the same donor's rows (or deadlocked with it).</summary>
    public long Conflicts => Interlocked.Read(ref _conflicts);

    // A donor's matching rows are read without locks and written only if unchanged (MatchStep); two commits writing the
    // rows of the same donors in different orders can also deadlock, which PostgreSQL breaks by failing one of them.
    private static bool IsConflict(Exception exception) =>
        exception is DonorRowsChangedException or PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected };

    private async Task<IReadOnlyList<LedgerBatchOutcome>> CommitOnceAsync(IReadOnlyList<LedgerBatch> batches, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var tx = new LedgerTransaction(connection, transaction, batches);

        await InsertAsync(tx, cancellationToken);
        await PayPledgesAsync(tx, cancellationToken);
        await FindConflictsAsync(tx, cancellationToken);
        await ConfirmAsync(tx, cancellationToken);
        await RefundAsync(tx, cancellationToken);
        await MatchAsync(tx, cancellationToken);
        await AuditAsync(tx, cancellationToken);
        await ChangeTotalsAsync(tx, cancellationToken);
        await ChangeSubPlansAsync(tx, cancellationToken);

        try
        {
            await transaction.CommitAsync(cancellationToken);
        }
        catch (Exception exception)
        {
            throw new LedgerCommitUncertainException(batches.Select(b => b.CampaignId).ToList(), exception);
        }
        return tx.Outcomes();
    }

    /// <summary>Every new row of every batch in one <c>unnest</c> insert; a row whose (campaign, key) is taken is kept out.</summary>
    private static async Task InsertAsync(LedgerTransaction tx, CancellationToken cancellationToken)
    {
        var rows = tx.Work.SelectMany(w => w.Batch.Inserts).ToList();
        if (rows.Count == 0)
        {
            return;
        }
        await using var command = tx.Command("""
            INSERT INTO donations (id, campaign_id, amount, currency, display_name, anonymous, message, status, channel,
                                   provider, created_at, succeeded_at, idempotency_key, request_hash, reference, method, recorded_by,
                                   kind, item, quantity, pledge_id, donor_id, team_id, sub_plan_id)
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::text[], $5::text[], $6::boolean[], $7::text[], $8::text[],
                                 $9::text[], $10::text[], $11::timestamptz[], $12::timestamptz[], $13::text[], $14::bytea[],
                                 $15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::bigint[], $21::uuid[], $22::uuid[], $23::uuid[], $24::uuid[])
            ON CONFLICT (campaign_id, idempotency_key) DO NOTHING
            RETURNING id
            """);
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.Id).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.CampaignId).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.Amount).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.Currency).ToArray() });
        command.Parameters.Add(LedgerRows.Texts(rows.Select(r => r.Record.DisplayName)));
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.Anonymous).ToArray() });
        command.Parameters.Add(LedgerRows.Texts(rows.Select(r => r.Record.Message)));
        command.Parameters.Add(new() { Value = rows.Select(r => LedgerRows.StatusText(r.Record.Status)).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.Channel == DonationChannel.Online ? "online" : "offline").ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.Provider).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.CreatedAt.UtcDateTime).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.SucceededAt?.UtcDateTime).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = rows.Select(r => r.IdempotencyKey).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.RequestHash).ToArray() });
        command.Parameters.Add(LedgerRows.Texts(rows.Select(r => r.Reference)));
        command.Parameters.Add(LedgerRows.Texts(rows.Select(r => r.Method)));
        command.Parameters.Add(LedgerRows.Texts(rows.Select(r => r.RecordedBy)));
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.Kind == DonationKind.Goods ? "goods" : "money").ToArray() });
        command.Parameters.Add(LedgerRows.Texts(rows.Select(r => r.Record.Item)));
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.Quantity).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.PledgeId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.DonorId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.TeamId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.SubPlanId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });

        var written = new HashSet<Guid>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                written.Add(reader.GetGuid(0));
            }
        }
        foreach (var work in tx.Work)
        {
            work.Written.UnionWith(work.Batch.Inserts.Select(i => i.Record.Id).Where(written.Contains));
        }
    }

    /// <summary>
    /// Each written payment against a pledge, in its batch's order, under the pledge's row lock; a refused one is
    /// removed again. Runs before the conflicts are read, so that a key reused within a batch never finds a removed row.
    /// </summary>
    private static async Task PayPledgesAsync(LedgerTransaction tx, CancellationToken cancellationToken)
    {
        foreach (var work in tx.Work)
        {
            foreach (var insert in work.Batch.Inserts)
            {
                if (insert.Record.PledgeId is { } pledge && work.Written.Contains(insert.Record.Id)
                    && await PayPledgeAsync(tx, work.Batch.CampaignId, insert.Record, pledge, cancellationToken) is { } error)
                {
                    work.Refused[insert.Record.Id] = error;
                    await ExecuteAsync(tx, "DELETE FROM donations WHERE id = $1", cancellationToken, insert.Record.Id);
                }
            }
            work.Inserted.AddRange(work.Batch.Inserts.Where(i => work.Written.Contains(i.Record.Id) && !work.Refused.ContainsKey(i.Record.Id)).Select(i => i.Record));
        }
    }

    /// <summary>The rows already holding the keys that the insert kept out, for every batch in one select by (campaign, key).</summary>
    private static async Task FindConflictsAsync(LedgerTransaction tx, CancellationToken cancellationToken)
    {
        var conflicts = tx.Work.SelectMany(w => w.Batch.Inserts.Where(i => !w.Written.Contains(i.Record.Id)))
            .Select(i => (Campaign: i.Record.CampaignId, Key: i.IdempotencyKey)).Distinct().ToList();
        if (conflicts.Count == 0)
        {
            return;
        }
        await using var select = tx.Command($"""
            SELECT {LedgerRows.Columns} FROM donations
            WHERE (campaign_id, idempotency_key) IN (SELECT * FROM unnest($1::uuid[], $2::text[]))
            """);
        select.Parameters.Add(new() { Value = conflicts.Select(c => c.Campaign).ToArray() });
        select.Parameters.Add(new() { Value = conflicts.Select(c => c.Key).ToArray() });
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var record = LedgerRows.ReadRecord(reader);
            tx.Of(record.CampaignId)?.Existing.Add(new ExistingDonation(record, reader.GetString(18), (byte[])reader[19]));
        }
    }

    /// <summary>Every confirmation of every batch in one update, then the rows that were not pending in one select.</summary>
    private static async Task ConfirmAsync(LedgerTransaction tx, CancellationToken cancellationToken)
    {
        var confirms = tx.Work.SelectMany(w => w.Batch.Confirms.Select(c => (Id: c.DonationId, Campaign: w.Batch.CampaignId, c.Provider))).Distinct().ToList();
        if (confirms.Count == 0)
        {
            return;
        }
        // Rows are found by primary key only. "campaign_id = v.campaign_id" would let the planner, working from
        // statistics taken before a giving day's burst, AND in the campaign's whole index range: a scan that grows
        // with every gift (measured: 6 ms per batch at 50,000 gifts). IS NOT DISTINCT FROM is not indexable, so the
        // campaign is only checked on the rows found. A provider changes only the gifts it takes the money for
        // (DonationRecord.IsPaidThrough): the provider is checked on the row too.
        await using (var update = tx.Command($"""
            UPDATE donations SET status = 'succeeded', succeeded_at = now()
            FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS v(v_id, v_campaign, v_provider)
            WHERE donations.id = v.v_id AND donations.campaign_id IS NOT DISTINCT FROM v.v_campaign AND donations.status = 'pending'
              AND donations.channel = 'online' AND donations.provider = v.v_provider
            RETURNING {LedgerRows.Columns}
            """))
        {
            update.Parameters.Add(new() { Value = confirms.Select(c => c.Id).ToArray() });
            update.Parameters.Add(new() { Value = confirms.Select(c => c.Campaign).ToArray() });
            update.Parameters.Add(new() { Value = confirms.Select(c => c.Provider).ToArray() });
            foreach (var record in await LedgerRows.ReadAllAsync(update, cancellationToken))
            {
                tx.Of(record.CampaignId)!.Confirmed.Add(record);
            }
        }

        var notPending = tx.Work.SelectMany(w => w.Batch.Confirms.Select(c => c.DonationId).Distinct()
            .Except(w.Confirmed.Select(c => c.Id)).Select(id => (Id: id, Campaign: w.Batch.CampaignId))).ToList();
        if (notPending.Count == 0)
        {
            return;
        }
        await using (var select = tx.Command($"""
            SELECT {LedgerRows.Columns} FROM donations JOIN unnest($1::uuid[], $2::uuid[]) AS v(v_id, v_campaign)
              ON donations.id = v.v_id AND donations.campaign_id IS NOT DISTINCT FROM v.v_campaign
            """))
        {
            select.Parameters.Add(new() { Value = notPending.Select(c => c.Id).ToArray() });
            select.Parameters.Add(new() { Value = notPending.Select(c => c.Campaign).ToArray() });
            foreach (var record in await LedgerRows.ReadAllAsync(select, cancellationToken))
            {
                tx.Of(record.CampaignId)!.Unchanged.Add(record);
            }
        }
        foreach (var work in tx.Work)
        {
            work.Missing.AddRange(work.Batch.Confirms.Select(c => c.DonationId).Distinct()
                .Except(work.Confirmed.Select(c => c.Id)).Except(work.Unchanged.Select(u => u.Id)));
        }
    }

    /// <summary>Each refund of each batch, under its gift's row lock; their audit entries join the audit step's.</summary>
    private static async Task RefundAsync(LedgerTransaction tx, CancellationToken cancellationToken)
    {
        foreach (var work in tx.Work)
        {
            foreach (var refund in work.Batch.RefundList)
            {
                work.Refunds.Add(new LedgerRefundOutcome(refund.Record.Id, await RefundAsync(tx, work.Batch.CampaignId, refund, cancellationToken)));
            }
        }
    }

    /// <summary>
    /// Matching, for every batch at once (<see cref="MatchStep"/>): refunds take back their gifts' matches, retries of paid
    /// gifts find theirs, and the gifts that succeeded now are matched by their campaigns' plans. Campaigns without pools,
    /// refunds or retries take no part; a transaction with none of them skips the step.
    /// </summary>
    private static async Task MatchAsync(LedgerTransaction tx, CancellationToken cancellationToken)
    {
        var inputs = new List<(LedgerBatchWork Work, MatchStepInput Input)>();
        foreach (var work in tx.Work)
        {
            var refunded = work.Refunds.Where(r => r.Result is { Error: RefundError.None, Replayed: false }).Select(r => r.Result.Donation!).ToList();
            var replayed = work.Existing.Select(e => e.Record).Concat(work.Unchanged)
                .Where(d => d.Status != DonationStatus.Pending && d.Channel == DonationChannel.Online).Select(d => d.Id).Distinct().ToList();
            if (work.Batch.Matching is null && refunded.Count == 0 && replayed.Count == 0)
            {
                continue;
            }
            var succeeded = work.Inserted.Where(d => d.Status == DonationStatus.Succeeded).Concat(work.Confirmed).ToList();
            inputs.Add((work, new MatchStepInput(work.Batch.CampaignId, work.Batch.Matching, succeeded, replayed, refunded)));
        }
        if (inputs.Count == 0)
        {
            return;
        }
        var outcomes = await MatchStep.ApplyAsync(tx.Connection, tx.Transaction, [.. inputs.Select(i => i.Input)], cancellationToken);
        for (var i = 0; i < inputs.Count; i++)
        {
            inputs[i].Work.Matching = outcomes[i];
        }
    }

    /// <summary>The audit entries of every batch in one <c>unnest</c> insert: admins' offline gifts and goods, then refunds.</summary>
    private static async Task AuditAsync(LedgerTransaction tx, CancellationToken cancellationToken)
    {
        var entries = tx.Work
            .SelectMany(w => w.Batch.Inserts.Where(i => i.RecordedBy is not null && w.Written.Contains(i.Record.Id) && !w.Refused.ContainsKey(i.Record.Id)))
            .Select(e => new LedgerAuditEntry(e.RecordedBy!, AuditAction(e), e.Record.CampaignId, e.Record.Id,
                JsonSerializer.Serialize(new
                {
                    amount = e.Record.Amount,
                    currency = e.Record.Currency,
                    donor = e.Record.DisplayName,
                    reference = e.Reference,
                    method = e.Method,
                    item = e.Record.Item,
                    quantity = e.Record.Quantity,
                    pledgeId = e.Record.PledgeId,
                })))
            .Concat(tx.Audit)
            .ToList();
        if (entries.Count == 0)
        {
            return;
        }
        await using var command = tx.Command("""
            INSERT INTO admin_audit (actor, action, campaign_id, subject_id, details)
            SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::uuid[], $5::jsonb[])
            """);
        command.Parameters.Add(new() { Value = entries.Select(e => e.Actor).ToArray() });
        command.Parameters.Add(new() { Value = entries.Select(e => e.Action).ToArray() });
        command.Parameters.Add(new() { Value = entries.Select(e => e.CampaignId).ToArray() });
        command.Parameters.Add(new() { Value = entries.Select(e => e.SubjectId).ToArray() });
        command.Parameters.Add(new() { Value = entries.Select(e => e.Details).ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    // An imported gift (an earlier year's record, online or offline) is audited as the import it was, not as a new entry.
    private static string AuditAction(LedgerInsert insert) =>
        insert.Method == "import" ? "import_gift" : insert.Record.Kind == DonationKind.Goods ? "record_goods" : "record_offline_gift";

    /// <summary>
    /// Every campaign's totals in one update, in the transaction that wrote its rows, with its <c>totals_version</c> one
    /// higher (what the leaderboards number their deltas by). A campaign whose batch changed what counts takes part even
    /// when its sums cancel out (one gift in, another of the same size refunded): its donors and teams still moved. A
    /// campaign without a catalogue row fails the whole write (<see cref="CampaignNotInCatalogueException"/>).
    /// </summary>
    private static async Task ChangeTotalsAsync(LedgerTransaction tx, CancellationToken cancellationToken)
    {
        // A batch whose totals move changes what counts, so that test alone picks the campaigns to update.
        var deltas = tx.Work.Select(w => (Work: w, w.Batch.CampaignId, Outcome: w.Outcome()))
            .Where(d => d.Outcome.ChangesWhatCounts())
            .Select(d => (d.Work, d.CampaignId, Delta: d.Outcome.TotalsDelta())).OrderBy(d => d.CampaignId).ToList();
        if (deltas.Count == 0)
        {
            return;
        }
        // Two transactions (two in flight, another silo) that change some of the same campaigns must lock their rows
        // in one order, or each could wait for the other. The join's own order depends on the plan, so the rows are
        // locked first in id order (the lock the update takes: inserts' foreign-key checks are not blocked).
        await using var command = tx.Command("""
            WITH v AS (SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
                                AS v(id, raised, count, online, offline, goods, matched)),
                 locked AS MATERIALIZED (SELECT id FROM campaigns WHERE id IN (SELECT id FROM v) ORDER BY id FOR NO KEY UPDATE)
            UPDATE campaigns c SET raised_amount = c.raised_amount + v.raised, donation_count = c.donation_count + v.count,
                   online_amount = c.online_amount + v.online, offline_amount = c.offline_amount + v.offline,
                   goods_amount = c.goods_amount + v.goods, matched_amount = c.matched_amount + v.matched,
                   totals_version = c.totals_version + 1, updated_at = now()
            FROM v JOIN locked ON locked.id = v.id
            WHERE c.id = v.id
            RETURNING c.id, c.totals_version, c.raised_amount, c.donation_count, c.online_amount, c.offline_amount, c.goods_amount, c.matched_amount
            """);
        command.Parameters.Add(new() { Value = deltas.Select(d => d.CampaignId).ToArray() });
        command.Parameters.Add(new() { Value = deltas.Select(d => d.Delta.RaisedAmount).ToArray() });
        command.Parameters.Add(new() { Value = deltas.Select(d => d.Delta.DonationCount).ToArray() });
        command.Parameters.Add(new() { Value = deltas.Select(d => d.Delta.OnlineAmount).ToArray() });
        command.Parameters.Add(new() { Value = deltas.Select(d => d.Delta.OfflineAmount).ToArray() });
        command.Parameters.Add(new() { Value = deltas.Select(d => d.Delta.GoodsAmount).ToArray() });
        command.Parameters.Add(new() { Value = deltas.Select(d => d.Delta.MatchedAmount).ToArray() });
        var changed = new Dictionary<Guid, (long Version, CampaignTotals Totals)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                changed[reader.GetGuid(0)] = (reader.GetInt64(1), new CampaignTotals(reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4),
                    reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7)));
            }
        }
        if (changed.Count != deltas.Count)
        {
            throw new CampaignNotInCatalogueException(deltas.Select(d => d.CampaignId).Where(id => !changed.ContainsKey(id)).ToList());
        }
        foreach (var (work, campaignId, _) in deltas)
        {
            (work.TotalsVersion, work.Totals) = changed[campaignId];
        }
    }

    /// <summary>
    /// Village sub-plans' progress: one update for every sub-plan that this transaction's gifts or refunds touched, in the
    /// transaction that wrote them, so a sub-plan's totals equal its gifts. A transaction without sub-plan gifts skips it.
    /// Rows are locked in id order (as the campaigns' are) so that two transactions in flight never deadlock.
    /// </summary>
    private static async Task ChangeSubPlansAsync(LedgerTransaction tx, CancellationToken cancellationToken)
    {
        var deltas = tx.Work.Select(w => w.Outcome()).SelectMany(o => o.SubPlanDeltas())
            .GroupBy(d => d.SubPlanId).Select(g => (Id: g.Key, Amount: g.Sum(d => d.Amount), Count: g.Sum(d => d.Count)))
            .OrderBy(d => d.Id).ToList();
        if (deltas.Count == 0)
        {
            return;
        }
        await using var command = tx.Command("""
            WITH v AS (SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::bigint[]) AS v(id, amount, count)),
                 locked AS MATERIALIZED (SELECT id FROM sub_plans WHERE id IN (SELECT id FROM v) ORDER BY id FOR NO KEY UPDATE)
            UPDATE sub_plans s SET raised_amount = s.raised_amount + v.amount, donation_count = s.donation_count + v.count
            FROM v JOIN locked ON locked.id = v.id
            WHERE s.id = v.id
            """);
        command.Parameters.Add(new() { Value = deltas.Select(d => d.Id).ToArray() });
        command.Parameters.Add(new() { Value = deltas.Select(d => d.Amount).ToArray() });
        command.Parameters.Add(new() { Value = deltas.Select(d => d.Count).ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    // A payment against a pledge may never take it past what was pledged, even when two arrive at once.
    private static async Task<DonationError?> PayPledgeAsync(LedgerTransaction tx, Guid campaignId, DonationRecord payment, Guid pledgeId, CancellationToken cancellationToken)
    {
        // Lock the pledge: payments of it in other batches (another activation, another process) take turns.
        long pledged, paid;
        await using (var select = tx.Command("SELECT amount, paid_amount FROM pledges WHERE id = $1 AND campaign_id = $2 FOR UPDATE"))
        {
            select.Parameters.Add(new() { Value = pledgeId });
            select.Parameters.Add(new() { Value = campaignId });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return DonationError.PledgeNotFound;
            }
            (pledged, paid) = (reader.GetInt64(0), reader.GetInt64(1));
        }
        if (PledgeRules.Allows(pledged, paid, payment.Amount) is not DonationError.None and var refused)
        {
            return refused;
        }
        await ExecuteAsync(tx, "UPDATE pledges SET paid_amount = paid_amount + $2 WHERE id = $1", cancellationToken, pledgeId, payment.Amount);
        return null;
    }

    private static async Task<RefundResult> RefundAsync(LedgerTransaction tx, Guid campaignId, LedgerRefund refund, CancellationToken cancellationToken)
    {
        var request = refund.Record;
        // Lock the gift: concurrent refunds (from any activation or process) take turns and see each other.
        DonationRecord? donation;
        await using (var select = tx.Command($"SELECT {LedgerRows.Columns} FROM donations WHERE id = $1 AND campaign_id IS NOT DISTINCT FROM $2 FOR UPDATE"))
        {
            select.Parameters.Add(new() { Value = request.DonationId });
            select.Parameters.Add(new() { Value = campaignId });
            donation = (await LedgerRows.ReadAllAsync(select, cancellationToken)).SingleOrDefault();
        }
        if (donation is null)
        {
            return RefundResult.Failed(RefundError.DonationNotFound);
        }

        await using (var earlier = tx.Command("SELECT id, amount, reason, requested_by, created_at FROM refunds WHERE donation_id = $1 AND idempotency_key = $2"))
        {
            earlier.Parameters.Add(new() { Value = request.DonationId });
            earlier.Parameters.Add(new() { Value = refund.IdempotencyKey });
            await using var reader = await earlier.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                var previous = new RefundRecord(reader.GetGuid(0), request.DonationId, campaignId, reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4));
                return RefundRules.IsRetryOf(request, previous) ? new RefundResult(RefundError.None, previous, donation, Replayed: true) : RefundResult.Failed(RefundError.IdempotencyKeyReused, donation);
            }
        }

        var (refusal, amount) = RefundRules.Decide(donation, request.Amount);
        if (refusal != RefundError.None)
        {
            return RefundResult.Failed(refusal, donation);
        }

        DonationRecord after;
        await using (var update = tx.Command($"""
            UPDATE donations SET refunded_amount = refunded_amount + $2,
                   status = CASE WHEN refunded_amount + $2 = amount THEN 'refunded' ELSE status END
            WHERE id = $1
            RETURNING {LedgerRows.Columns}
            """))
        {
            update.Parameters.Add(new() { Value = request.DonationId });
            update.Parameters.Add(new() { Value = amount });
            after = (await LedgerRows.ReadAllAsync(update, cancellationToken)).Single();
        }
        var record = request with { Amount = amount };
        await ExecuteAsync(tx, """
            INSERT INTO refunds (id, donation_id, campaign_id, amount, reason, requested_by, idempotency_key, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """, cancellationToken, record.Id, record.DonationId, campaignId, amount, record.Reason, record.RequestedBy, refund.IdempotencyKey, record.CreatedAt.UtcDateTime);
        tx.Audit.Add(new LedgerAuditEntry(record.RequestedBy, "refund", campaignId, record.DonationId,
            JsonSerializer.Serialize(new { refundId = record.Id, amount, reason = record.Reason })));
        return new RefundResult(RefundError.None, record, after);
    }

    private static async Task ExecuteAsync(LedgerTransaction tx, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = tx.Command(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
