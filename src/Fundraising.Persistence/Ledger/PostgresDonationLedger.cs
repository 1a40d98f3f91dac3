using Fundraising.Contracts.Donations;
using Npgsql;
using NpgsqlTypes;

namespace Fundraising.Persistence.Ledger;

/// <summary>
/// The ledger in PostgreSQL. A batch is one transaction: bulk insert through <c>unnest</c>, bulk
/// confirmation, and the matching change to the campaign's totals, so a hot campaign pays one
/// commit for many donations.
/// </summary>
public sealed class PostgresDonationLedger(NpgsqlDataSource dataSource) : IDonationLedger
{
    private const string Columns = """
        id, campaign_id, amount, currency, display_name, anonymous, message, status, channel, provider,
        created_at, succeeded_at, idempotency_key, request_hash
        """;

    public async Task<LedgerBatchOutcome> CommitAsync(LedgerBatch batch, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var inserted = new List<DonationRecord>();
        var existing = new List<ExistingDonation>();
        if (batch.Inserts.Count > 0)
        {
            var insertedIds = await InsertAsync(connection, transaction, batch, cancellationToken);
            var conflicts = new List<string>();
            foreach (var insert in batch.Inserts)
            {
                if (insertedIds.Contains(insert.Record.Id))
                {
                    inserted.Add(insert.Record);
                }
                else
                {
                    conflicts.Add(insert.IdempotencyKey);
                }
            }
            if (conflicts.Count > 0)
            {
                await using var select = new NpgsqlCommand(
                    $"SELECT {Columns} FROM donations WHERE campaign_id = $1 AND idempotency_key = ANY($2)", connection, transaction);
                select.Parameters.Add(new() { Value = batch.CampaignId });
                select.Parameters.Add(new() { Value = conflicts.ToArray() });
                await using var reader = await select.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    existing.Add(new ExistingDonation(ReadRecord(reader), reader.GetString(12), (byte[])reader[13]));
                }
            }
        }

        var confirmed = new List<DonationRecord>();
        var unchanged = new List<DonationRecord>();
        var missing = new List<Guid>();
        if (batch.Confirms.Count > 0)
        {
            var ids = batch.Confirms.Distinct().ToArray();
            await using (var update = new NpgsqlCommand($"""
                UPDATE donations SET status = 'succeeded', succeeded_at = now()
                WHERE campaign_id = $1 AND id = ANY($2) AND status = 'pending'
                RETURNING {Columns}
                """, connection, transaction))
            {
                update.Parameters.Add(new() { Value = batch.CampaignId });
                update.Parameters.Add(new() { Value = ids });
                await using var reader = await update.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    confirmed.Add(ReadRecord(reader));
                }
            }
            var notPending = ids.Except(confirmed.Select(c => c.Id)).ToArray();
            if (notPending.Length > 0)
            {
                await using var select = new NpgsqlCommand(
                    $"SELECT {Columns} FROM donations WHERE campaign_id = $1 AND id = ANY($2)", connection, transaction);
                select.Parameters.Add(new() { Value = batch.CampaignId });
                select.Parameters.Add(new() { Value = notPending });
                await using var reader = await select.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    unchanged.Add(ReadRecord(reader));
                }
                missing.AddRange(notPending.Except(unchanged.Select(u => u.Id)));
            }
        }

        var outcome = new LedgerBatchOutcome(inserted, existing, confirmed, unchanged, missing);
        var (amount, count) = outcome.SucceededDelta();
        if (count > 0)
        {
            await using var totals = new NpgsqlCommand("""
                UPDATE campaigns SET raised_amount = raised_amount + $2, donation_count = donation_count + $3, updated_at = now()
                WHERE id = $1
                """, connection, transaction);
            totals.Parameters.Add(new() { Value = batch.CampaignId });
            totals.Parameters.Add(new() { Value = amount });
            totals.Parameters.Add(new() { Value = count });
            if (await totals.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                throw new InvalidOperationException($"Campaign {batch.CampaignId} has no catalogue row; refusing to record donations.");
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return outcome;
    }

    private static async Task<HashSet<Guid>> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, LedgerBatch batch, CancellationToken cancellationToken)
    {
        var rows = batch.Inserts;
        await using var command = new NpgsqlCommand("""
            INSERT INTO donations (id, campaign_id, amount, currency, display_name, anonymous, message, status, channel,
                                   provider, created_at, succeeded_at, idempotency_key, request_hash, reference, method, recorded_by)
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::text[], $5::text[], $6::boolean[], $7::text[], $8::text[],
                                 $9::text[], $10::text[], $11::timestamptz[], $12::timestamptz[], $13::text[], $14::bytea[],
                                 $15::text[], $16::text[], $17::text[])
            ON CONFLICT (campaign_id, idempotency_key) DO NOTHING
            RETURNING id
            """, connection, transaction);
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.Id).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.CampaignId).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.Amount).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.Currency).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.DisplayName).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.Anonymous).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.Message).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = rows.Select(r => StatusText(r.Record.Status)).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.Channel == DonationChannel.Online ? "online" : "offline").ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.Provider).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.CreatedAt.UtcDateTime).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Record.SucceededAt?.UtcDateTime).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = rows.Select(r => r.IdempotencyKey).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.RequestHash).ToArray() });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Reference).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = rows.Select(r => r.Method).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = rows.Select(r => r.RecordedBy).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });

        var ids = new HashSet<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids;
    }

    public async Task<Guid?> FindCampaignOfDonationAsync(Guid donationId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT campaign_id FROM donations WHERE id = $1");
        command.Parameters.Add(new() { Value = donationId });
        return await command.ExecuteScalarAsync(cancellationToken) is Guid campaignId ? campaignId : null;
    }

    public async Task<IReadOnlyList<DonationRecord>> ListSucceededAsync(Guid campaignId, int skip, int take, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {Columns} FROM donations
            WHERE campaign_id = $1 AND status = 'succeeded'
            ORDER BY succeeded_at DESC, id
            OFFSET $2 LIMIT $3
            """);
        command.Parameters.Add(new() { Value = campaignId });
        command.Parameters.Add(new() { Value = skip });
        command.Parameters.Add(new() { Value = take });
        var records = new List<DonationRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(ReadRecord(reader));
        }
        return records;
    }

    public async Task<IReadOnlyList<LedgerReconciliationRow>> ReconcileAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT c.id, c.title, c.currency, c.raised_amount, c.donation_count,
                   coalesce(l.raised, 0), coalesce(l.count, 0)
            FROM campaigns c
            LEFT JOIN (SELECT campaign_id, sum(amount)::bigint AS raised, count(*) AS count
                       FROM donations WHERE status = 'succeeded' GROUP BY campaign_id) l ON l.campaign_id = c.id
            ORDER BY c.created_at, c.id
            """);
        var rows = new List<LedgerReconciliationRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new LedgerReconciliationRow(
                reader.GetGuid(0), reader.GetString(1), reader.GetString(2).Trim(),
                reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6)));
        }
        return rows;
    }

    private static string StatusText(DonationStatus status) => status == DonationStatus.Succeeded ? "succeeded" : "pending";

    private static DonationRecord ReadRecord(NpgsqlDataReader reader) => new(
        Id: reader.GetGuid(0),
        CampaignId: reader.GetGuid(1),
        Amount: reader.GetInt64(2),
        Currency: reader.GetString(3).Trim(),
        DisplayName: reader.IsDBNull(4) ? null : reader.GetString(4),
        Anonymous: reader.GetBoolean(5),
        Message: reader.IsDBNull(6) ? null : reader.GetString(6),
        Status: reader.GetString(7) == "succeeded" ? DonationStatus.Succeeded : DonationStatus.Pending,
        Channel: reader.GetString(8) == "online" ? DonationChannel.Online : DonationChannel.Offline,
        Provider: reader.GetString(9),
        CreatedAt: reader.GetFieldValue<DateTimeOffset>(10),
        SucceededAt: reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11));
}
