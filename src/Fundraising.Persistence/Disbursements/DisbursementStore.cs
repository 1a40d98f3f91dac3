using System.Text.Json;
using Fundraising.Contracts.Disbursements;
using Fundraising.Persistence.Audit;
using Npgsql;
using NpgsqlTypes;

namespace Fundraising.Persistence.Disbursements;

/// <summary>How a disbursement write ended: written, or refused by one of the schema's constraints (nothing written).</summary>
public enum DisbursementWrite
{
    Written,
    Overdrawn,
    NetBelowZero,
    CorrectedNotFound,
    KeyTaken,
}

/// <summary>
/// Money out of a project: SQL and mapping only. Each entry is written in one transaction with its audit entry and the
/// campaign's <c>disbursed_amount</c>; the campaign grain decides first, and the schema's constraints (migration 0017)
/// refuse an overdrawn balance or a negative net entry whatever was decided.
/// </summary>
public interface IDisbursementStore
{
    /// <summary>Writes the entry (under its idempotency key, if any), its audit entry and the campaign's disbursed total, or nothing.</summary>
    Task<DisbursementWrite> WriteAsync(DisbursementRecord entry, string? idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>The campaign's entry recorded under this idempotency key, or null.</summary>
    Task<DisbursementRecord?> FindByKeyAsync(Guid campaignId, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>The campaign's raised, matched and disbursed totals as they are durable, or null when it has no row.</summary>
    Task<ProjectBalance?> LoadBalanceAsync(Guid campaignId, CancellationToken cancellationToken = default);

    /// <summary>An entry and its net amount (itself plus its corrections), or null when there is none.</summary>
    Task<(DisbursementRecord Entry, long Net)?> FindAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>The pool money matched on one gift (0 when none counts) and how much of it refunds took back already.</summary>
    Task<(long Amount, long Reversed)> MatchOnGiftAsync(Guid donationId, CancellationToken cancellationToken = default);

    /// <summary>Whether a refund of the gift with this idempotency key is already in the ledger (a retry, which the ledger replays).</summary>
    Task<bool> IsRefundRecordedAsync(Guid donationId, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>Every entry of a campaign, in the order recorded.</summary>
    Task<IReadOnlyList<DisbursementRecord>> ListAsync(Guid campaignId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Before a refund the provider already made is recorded that takes the balance below zero: lets the campaign's row
    /// hold that much less than it has paid out (migration 0021's <c>shortfall_allowance</c>), so the refund can be written.
    /// </summary>
    Task AllowShortfallAsync(Guid campaignId, long amount, CancellationToken cancellationToken = default);

    /// <summary>After that refund is recorded: what it left missing, once per refund (its ledger key).</summary>
    Task RecordShortfallAsync(BalanceShortfall shortfall, CancellationToken cancellationToken = default);

    /// <summary>The campaigns whose balance is below zero now, with the provider refunds that took it there, oldest first.</summary>
    Task<IReadOnlyList<ProjectShortfall>> ListShortfallsAsync(CancellationToken cancellationToken = default);
}

/// <summary>A provider's refund that left a project short: the refund's ledger key, its gift and amount, and what was missing after it.</summary>
public sealed record BalanceShortfall(string RefundKey, Guid CampaignId, Guid DonationId, long RefundAmount, long ShortfallAmount, DateTimeOffset RecordedAt);

/// <summary>A project below zero now (<see cref="ProjectBalance.Balance"/> negative) and the refunds that took it there.</summary>
public sealed record ProjectShortfall(Guid CampaignId, ProjectBalance Balance, IReadOnlyList<BalanceShortfall> Refunds);

public sealed class DisbursementStore(NpgsqlDataSource dataSource) : IDisbursementStore
{
    internal const string Columns = "id, campaign_id, amount, currency, purpose, payee, paid_at, evidence_photo_ids, recorded_by, recorded_at, corrects, reason";

    public async Task<DisbursementWrite> WriteAsync(DisbursementRecord entry, string? idempotencyKey, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            // The insert first: a correction's trigger locks its original before the campaign's row is touched, so
            // corrections of one entry take turns, and the campaign's hot row is held only for the last statements.
            await using (var insert = new NpgsqlCommand($"""
                INSERT INTO disbursements ({Columns}, idempotency_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                """, connection, transaction))
            {
                insert.Parameters.Add(new() { Value = entry.Id });
                insert.Parameters.Add(new() { Value = entry.CampaignId });
                insert.Parameters.Add(new() { Value = entry.Amount });
                insert.Parameters.Add(new() { Value = entry.Currency });
                insert.Parameters.Add(new() { Value = (object?)entry.Purpose ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
                insert.Parameters.Add(new() { Value = (object?)entry.Payee ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
                insert.Parameters.Add(new() { Value = (object?)entry.PaidAt?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
                insert.Parameters.Add(new() { Value = entry.EvidencePhotoIds.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
                insert.Parameters.Add(new() { Value = entry.RecordedBy });
                insert.Parameters.Add(new() { Value = entry.RecordedAt.UtcDateTime });
                insert.Parameters.Add(new() { Value = (object?)entry.Corrects ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
                insert.Parameters.Add(new() { Value = (object?)entry.Reason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
                insert.Parameters.Add(new() { Value = (object?)idempotencyKey ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
            // totals_version is the leaderboards' count of gift batches: money going out is not one of them. Money going
            // out must fit without a provider refund's shortfall allowance (0021), so it clears it; a correction that gives
            // money back trims it to what is still missing.
            await using (var totals = new NpgsqlCommand("""
                UPDATE campaigns SET disbursed_amount = disbursed_amount + $2, updated_at = now(),
                    shortfall_allowance = CASE WHEN $2 > 0 THEN 0
                        ELSE least(shortfall_allowance, greatest(0, disbursed_amount + $2 - raised_amount - matched_amount)) END
                WHERE id = $1
                """, connection, transaction))
            {
                totals.Parameters.Add(new() { Value = entry.CampaignId });
                totals.Parameters.Add(new() { Value = entry.Amount });
                await totals.ExecuteNonQueryAsync(cancellationToken);
            }
            await AuditLog.WriteAsync(connection, transaction, entry.RecordedBy, entry.IsCorrection ? "correct_disbursement" : "record_disbursement",
                entry.CampaignId, entry.Id, JsonSerializer.Serialize(new
                {
                    amount = entry.Amount,
                    currency = entry.Currency,
                    purpose = entry.Purpose,
                    payee = entry.Payee,
                    paidAt = entry.PaidAt,
                    evidencePhotoIds = entry.EvidencePhotoIds,
                    corrects = entry.Corrects,
                    reason = entry.Reason,
                }), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return DisbursementWrite.Written;
        }
        catch (PostgresException exception) when (RefusalOf(exception) is { } refusal)
        {
            await transaction.RollbackAsync(CancellationToken.None);
            return refusal;
        }
    }

    private static DisbursementWrite? RefusalOf(PostgresException exception) => exception.ConstraintName switch
    {
        "campaigns_balance_never_negative" or "campaigns_disbursed_amount_check" => DisbursementWrite.Overdrawn,
        "disbursements_net_not_negative" => DisbursementWrite.NetBelowZero,
        "disbursements_correct_an_original" => DisbursementWrite.CorrectedNotFound,
        "disbursements_idempotency" => DisbursementWrite.KeyTaken,
        _ => null,
    };

    public async Task AllowShortfallAsync(Guid campaignId, long amount, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("UPDATE campaigns SET shortfall_allowance = shortfall_allowance + $2 WHERE id = $1");
        command.Parameters.Add(new() { Value = campaignId });
        command.Parameters.Add(new() { Value = amount });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RecordShortfallAsync(BalanceShortfall shortfall, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO balance_shortfalls (refund_key, campaign_id, donation_id, refund_amount, shortfall_amount, recorded_at)
            VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (refund_key) DO NOTHING
            """);
        command.Parameters.Add(new() { Value = shortfall.RefundKey });
        command.Parameters.Add(new() { Value = shortfall.CampaignId });
        command.Parameters.Add(new() { Value = shortfall.DonationId });
        command.Parameters.Add(new() { Value = shortfall.RefundAmount });
        command.Parameters.Add(new() { Value = shortfall.ShortfallAmount });
        command.Parameters.Add(new() { Value = shortfall.RecordedAt.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<ProjectShortfall>> ListShortfallsAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT c.id, c.raised_amount, c.matched_amount, c.disbursed_amount,
                   s.refund_key, s.donation_id, s.refund_amount, s.shortfall_amount, s.recorded_at
            FROM campaigns c LEFT JOIN balance_shortfalls s ON s.campaign_id = c.id
            WHERE c.disbursed_amount > c.raised_amount + c.matched_amount
            ORDER BY c.id, s.recorded_at, s.refund_key
            """);
        var shortfalls = new List<(Guid CampaignId, ProjectBalance Balance, List<BalanceShortfall> Refunds)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var campaignId = reader.GetGuid(0);
            if (shortfalls.Count == 0 || shortfalls[^1].CampaignId != campaignId)
            {
                shortfalls.Add((campaignId, new ProjectBalance(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)), []));
            }
            if (!reader.IsDBNull(4))
            {
                shortfalls[^1].Refunds.Add(new BalanceShortfall(reader.GetString(4), campaignId, reader.GetGuid(5),
                    reader.GetInt64(6), reader.GetInt64(7), reader.GetFieldValue<DateTimeOffset>(8)));
            }
        }
        return [.. shortfalls.Select(s => new ProjectShortfall(s.CampaignId, s.Balance, s.Refunds))];
    }

    public async Task<ProjectBalance?> LoadBalanceAsync(Guid campaignId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT raised_amount, matched_amount, disbursed_amount FROM campaigns WHERE id = $1");
        command.Parameters.Add(new() { Value = campaignId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new ProjectBalance(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)) : null;
    }

    public async Task<(DisbursementRecord Entry, long Net)?> FindAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {Columns}, (SELECT sum(c.amount) FROM disbursements c WHERE c.id = d.id OR c.corrects = d.id)
            FROM disbursements d WHERE id = $1
            """);
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (Read(reader), reader.GetInt64(12)) : null;
    }

    public async Task<DisbursementRecord?> FindByKeyAsync(Guid campaignId, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM disbursements WHERE campaign_id = $1 AND idempotency_key = $2");
        command.Parameters.Add(new() { Value = campaignId });
        command.Parameters.Add(new() { Value = idempotencyKey });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task<(long Amount, long Reversed)> MatchOnGiftAsync(Guid donationId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT amount, reversed_amount FROM donation_matches WHERE donation_id = $1 AND status = 'matched'");
        command.Parameters.Add(new() { Value = donationId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), reader.GetInt64(1)) : (0, 0);
    }

    public async Task<bool> IsRefundRecordedAsync(Guid donationId, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM refunds WHERE donation_id = $1 AND idempotency_key = $2)");
        command.Parameters.Add(new() { Value = donationId });
        command.Parameters.Add(new() { Value = idempotencyKey });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<IReadOnlyList<DisbursementRecord>> ListAsync(Guid campaignId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM disbursements WHERE campaign_id = $1 ORDER BY recorded_at, id");
        command.Parameters.Add(new() { Value = campaignId });
        var entries = new List<DisbursementRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(Read(reader));
        }
        return entries;
    }

    /// <summary>Maps <see cref="Columns"/>, in order.</summary>
    internal static DisbursementRecord Read(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetGuid(1), reader.GetInt64(2), reader.GetString(3),
        reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
        reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6), reader.GetFieldValue<Guid[]>(7),
        reader.GetString(8), reader.GetFieldValue<DateTimeOffset>(9),
        reader.IsDBNull(10) ? null : reader.GetGuid(10), reader.IsDBNull(11) ? null : reader.GetString(11));
}
