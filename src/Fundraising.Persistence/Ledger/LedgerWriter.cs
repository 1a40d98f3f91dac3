using System.Text.Json;
using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Persistence.Matching;
using Npgsql;
using NpgsqlTypes;

namespace Fundraising.Persistence.Ledger;

/// <summary>
/// The group commit's SQL. A batch is one transaction: bulk insert through <c>unnest</c>, bulk
/// confirmation, refunds, the audit entries of admins' entries, and the matching change to the
/// campaign's totals, so a hot campaign pays one commit for many donations and its totals can never
/// drift from its rows. Where a decision needs the row as it stands (a refund, a pledge payment),
/// the row is locked and the domain rule (<see cref="RefundRules"/>, <see cref="PledgeRules"/>) decides.
/// </summary>
public sealed class PostgresLedgerWriter(NpgsqlDataSource dataSource) : IDonationLedger
{
    public async Task<LedgerBatchOutcome> CommitAsync(LedgerBatch batch, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var inserted = new List<DonationRecord>();
        var existing = new List<ExistingDonation>();
        var refused = new Dictionary<Guid, DonationError>();
        if (batch.Inserts.Count > 0)
        {
            var insertedIds = await InsertAsync(connection, transaction, batch, cancellationToken);
            var conflicts = new List<string>();
            foreach (var insert in batch.Inserts)
            {
                if (!insertedIds.Contains(insert.Record.Id))
                {
                    conflicts.Add(insert.IdempotencyKey);
                }
                else if (insert.Record.PledgeId is { } pledge && await PayPledgeAsync(connection, transaction, batch.CampaignId, insert.Record, pledge, cancellationToken) is { } error)
                {
                    refused[insert.Record.Id] = error;
                    await ExecuteAsync(connection, transaction, "DELETE FROM donations WHERE id = $1", cancellationToken, insert.Record.Id);
                }
                else
                {
                    inserted.Add(insert.Record);
                }
            }
            if (conflicts.Count > 0)
            {
                await using var select = new NpgsqlCommand(
                    $"SELECT {LedgerRows.Columns} FROM donations WHERE campaign_id = $1 AND idempotency_key = ANY($2)", connection, transaction);
                select.Parameters.Add(new() { Value = batch.CampaignId });
                select.Parameters.Add(new() { Value = conflicts.ToArray() });
                await using var reader = await select.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    existing.Add(new ExistingDonation(LedgerRows.ReadRecord(reader), reader.GetString(18), (byte[])reader[19]));
                }
            }
            var audited = batch.Inserts.Where(i => i.RecordedBy is not null && inserted.Contains(i.Record)).ToList();
            if (audited.Count > 0)
            {
                await AuditInsertsAsync(connection, transaction, audited, cancellationToken);
            }
        }

        var confirmed = new List<DonationRecord>();
        var unchanged = new List<DonationRecord>();
        var missing = new List<Guid>();
        if (batch.Confirms.Count > 0)
        {
            var ids = batch.Confirms.Select(c => c.DonationId).Distinct().ToArray();
            // Rows are found by primary key only. "campaign_id = $1" would let the planner, working from
            // statistics taken before a giving day's burst, AND in the campaign's whole index range: a
            // scan that grows with every gift (measured: 6 ms per batch at 50,000 gifts). IS NOT
            // DISTINCT FROM is not indexable, so the campaign is only checked on the rows found.
            // A provider changes only the gifts it takes the money for (DonationRecord.IsPaidThrough); a batch
            // almost always holds one provider's confirmations, so this is one statement.
            foreach (var byProvider in batch.Confirms.GroupBy(c => c.Provider))
            {
                await using var update = new NpgsqlCommand($"""
                    UPDATE donations SET status = 'succeeded', succeeded_at = now()
                    WHERE id = ANY($2) AND campaign_id IS NOT DISTINCT FROM $1 AND status = 'pending'
                      AND channel = 'online' AND provider = $3
                    RETURNING {LedgerRows.Columns}
                    """, connection, transaction);
                update.Parameters.Add(new() { Value = batch.CampaignId });
                update.Parameters.Add(new() { Value = byProvider.Select(c => c.DonationId).Distinct().ToArray() });
                update.Parameters.Add(new() { Value = byProvider.Key });
                confirmed.AddRange(await LedgerRows.ReadAllAsync(update, cancellationToken));
            }
            var notPending = ids.Except(confirmed.Select(c => c.Id)).ToArray();
            if (notPending.Length > 0)
            {
                unchanged.AddRange(await SelectAsync(connection, transaction, batch.CampaignId, notPending, forUpdate: false, cancellationToken));
                missing.AddRange(notPending.Except(unchanged.Select(u => u.Id)));
            }
        }

        var refunds = new List<LedgerRefundOutcome>();
        foreach (var refund in batch.RefundList)
        {
            refunds.Add(new LedgerRefundOutcome(refund.Record.Id, await RefundAsync(connection, transaction, batch.CampaignId, refund, cancellationToken)));
        }

        var matching = await MatchAsync(connection, transaction, batch, inserted, existing, confirmed, unchanged, refunds, cancellationToken);
        var outcome = new LedgerBatchOutcome(inserted, existing, confirmed, unchanged, missing, refunds, refused, matching);
        var delta = outcome.TotalsDelta();
        if (delta != CampaignTotals.Zero)
        {
            await using var totals = new NpgsqlCommand("""
                UPDATE campaigns SET raised_amount = raised_amount + $2, donation_count = donation_count + $3,
                       online_amount = online_amount + $4, offline_amount = offline_amount + $5, goods_amount = goods_amount + $6,
                       matched_amount = matched_amount + $7, updated_at = now()
                WHERE id = $1
                """, connection, transaction);
            totals.Parameters.Add(new() { Value = batch.CampaignId });
            totals.Parameters.Add(new() { Value = delta.RaisedAmount });
            totals.Parameters.Add(new() { Value = delta.DonationCount });
            totals.Parameters.Add(new() { Value = delta.OnlineAmount });
            totals.Parameters.Add(new() { Value = delta.OfflineAmount });
            totals.Parameters.Add(new() { Value = delta.GoodsAmount });
            totals.Parameters.Add(new() { Value = delta.MatchedAmount });
            if (await totals.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                throw new InvalidOperationException($"Campaign {batch.CampaignId} has no catalogue row; refusing to record donations.");
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return outcome;
    }

    // Matching, in the same transaction: refunds take back their gifts' matches, retries find theirs, and the gifts that
    // succeeded now are matched by the campaign's plan (MatchStep). A campaign without pools and without refunds skips it.
    private static async Task<MatchBatchOutcome?> MatchAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, LedgerBatch batch,
        List<DonationRecord> inserted, List<ExistingDonation> existing, List<DonationRecord> confirmed, List<DonationRecord> unchanged,
        List<LedgerRefundOutcome> refunds, CancellationToken cancellationToken)
    {
        var refunded = refunds.Where(r => r.Result is { Error: RefundError.None, Replayed: false }).Select(r => r.Result.Donation!).ToList();
        // Retries of paid gifts say what the gift was matched, pools or not now (a retry after a failover may find none).
        var replayed = existing.Select(e => e.Record).Concat(unchanged)
            .Where(d => d.Status != DonationStatus.Pending && d.Channel == DonationChannel.Online).Select(d => d.Id).Distinct().ToList();
        if (batch.Matching is null && refunded.Count == 0 && replayed.Count == 0)
        {
            return null;
        }
        var succeeded = inserted.Where(d => d.Status == DonationStatus.Succeeded).Concat(confirmed).ToList();
        var input = new MatchStepInput(batch.CampaignId, batch.Matching, succeeded, replayed, refunded);
        return (await MatchStep.ApplyAsync(connection, transaction, [input], DateTimeOffset.UtcNow, cancellationToken))[0];
    }

    private static async Task<HashSet<Guid>> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, LedgerBatch batch, CancellationToken cancellationToken)
    {
        var rows = batch.Inserts;
        await using var command = new NpgsqlCommand("""
            INSERT INTO donations (id, campaign_id, amount, currency, display_name, anonymous, message, status, channel,
                                   provider, created_at, succeeded_at, idempotency_key, request_hash, reference, method, recorded_by,
                                   kind, item, quantity, pledge_id, donor_id)
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::text[], $5::text[], $6::boolean[], $7::text[], $8::text[],
                                 $9::text[], $10::text[], $11::timestamptz[], $12::timestamptz[], $13::text[], $14::bytea[],
                                 $15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::bigint[], $21::uuid[], $22::uuid[])
            ON CONFLICT (campaign_id, idempotency_key) DO NOTHING
            RETURNING id
            """, connection, transaction);
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

        var ids = new HashSet<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids;
    }

    // A payment against a pledge may never take it past what was pledged, even when two arrive at once.
    private static async Task<DonationError?> PayPledgeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid campaignId, DonationRecord payment, Guid pledgeId, CancellationToken cancellationToken)
    {
        // Lock the pledge: payments of it in other batches (another activation, another process) take turns.
        long pledged, paid;
        await using (var select = new NpgsqlCommand(
            "SELECT amount, paid_amount FROM pledges WHERE id = $1 AND campaign_id = $2 FOR UPDATE", connection, transaction))
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
        await ExecuteAsync(connection, transaction, "UPDATE pledges SET paid_amount = paid_amount + $2 WHERE id = $1", cancellationToken, pledgeId, payment.Amount);
        return null;
    }

    private static async Task<RefundResult> RefundAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid campaignId, LedgerRefund refund, CancellationToken cancellationToken)
    {
        var request = refund.Record;
        // Lock the gift: concurrent refunds (from any activation or process) take turns and see each other.
        var donation = (await SelectAsync(connection, transaction, campaignId, [request.DonationId], forUpdate: true, cancellationToken)).SingleOrDefault();
        if (donation is null)
        {
            return RefundResult.Failed(RefundError.DonationNotFound);
        }

        await using (var earlier = new NpgsqlCommand(
            "SELECT id, amount, reason, requested_by, created_at FROM refunds WHERE donation_id = $1 AND idempotency_key = $2", connection, transaction))
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
        await using (var update = new NpgsqlCommand($"""
            UPDATE donations SET refunded_amount = refunded_amount + $2,
                   status = CASE WHEN refunded_amount + $2 = amount THEN 'refunded' ELSE status END
            WHERE id = $1
            RETURNING {LedgerRows.Columns}
            """, connection, transaction))
        {
            update.Parameters.Add(new() { Value = request.DonationId });
            update.Parameters.Add(new() { Value = amount });
            await using var reader = await update.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            after = LedgerRows.ReadRecord(reader);
        }
        var record = request with { Amount = amount };
        await ExecuteAsync(connection, transaction, """
            INSERT INTO refunds (id, donation_id, campaign_id, amount, reason, requested_by, idempotency_key, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """, cancellationToken, record.Id, record.DonationId, campaignId, amount, record.Reason, record.RequestedBy, refund.IdempotencyKey, record.CreatedAt.UtcDateTime);
        await ExecuteAsync(connection, transaction, """
            INSERT INTO admin_audit (actor, action, campaign_id, subject_id, details) VALUES ($1, 'refund', $2, $3, $4::jsonb)
            """, cancellationToken, record.RequestedBy, campaignId, record.DonationId,
            JsonSerializer.Serialize(new { refundId = record.Id, amount, reason = record.Reason }));
        return new RefundResult(RefundError.None, record, after);
    }

    private static async Task AuditInsertsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<LedgerInsert> entries, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO admin_audit (actor, action, campaign_id, subject_id, details)
            SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::uuid[], $5::jsonb[])
            """, connection, transaction);
        command.Parameters.Add(new() { Value = entries.Select(e => e.RecordedBy!).ToArray() });
        command.Parameters.Add(new() { Value = entries.Select(e => e.Record.Kind == DonationKind.Goods ? "record_goods" : "record_offline_gift").ToArray() });
        command.Parameters.Add(new() { Value = entries.Select(e => e.Record.CampaignId).ToArray() });
        command.Parameters.Add(new() { Value = entries.Select(e => e.Record.Id).ToArray() });
        command.Parameters.Add(new()
        {
            Value = entries.Select(e => JsonSerializer.Serialize(new
            {
                amount = e.Record.Amount,
                currency = e.Record.Currency,
                donor = e.Record.DisplayName,
                reference = e.Reference,
                method = e.Method,
                item = e.Record.Item,
                quantity = e.Record.Quantity,
                pledgeId = e.Record.PledgeId,
            })).ToArray(),
        });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<List<DonationRecord>> SelectAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid campaignId, Guid[] ids, bool forUpdate, CancellationToken cancellationToken)
    {
        await using var select = new NpgsqlCommand(
            $"SELECT {LedgerRows.Columns} FROM donations WHERE id = ANY($2) AND campaign_id IS NOT DISTINCT FROM $1{(forUpdate ? " FOR UPDATE" : "")}", connection, transaction);
        select.Parameters.Add(new() { Value = campaignId });
        select.Parameters.Add(new() { Value = ids });
        return await LedgerRows.ReadAllAsync(select, cancellationToken);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
