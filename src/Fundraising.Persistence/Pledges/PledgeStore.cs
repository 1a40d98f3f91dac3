using System.Text.Json;
using Fundraising.Persistence.Audit;
using Fundraising.Contracts.Donations;
using Npgsql;

namespace Fundraising.Persistence.Pledges;

/// <summary>
/// Stage pledges (认捐): the row and its audit entry in one transaction, and a campaign's list. A pledge
/// changes no totals: it is counted as its payments (offline gifts that name it) arrive, and the ledger's
/// writer refuses a payment that <see cref="PledgeRules"/> does not allow.
/// </summary>
public interface IPledgeStore
{
    /// <summary>Writes the pledge and its audit entry in one transaction.</summary>
    Task CreateAsync(PledgeRecord pledge, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<PledgeRecord>> ListAsync(Guid campaignId, CancellationToken cancellationToken = default);
}

public sealed class PledgeStore(NpgsqlDataSource dataSource) : IPledgeStore
{
    public async Task CreateAsync(PledgeRecord pledge, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO pledges (id, campaign_id, donor_name, amount, currency, note, recorded_by, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """, connection, transaction))
        {
            insert.Parameters.Add(new() { Value = pledge.Id });
            insert.Parameters.Add(new() { Value = pledge.CampaignId });
            insert.Parameters.Add(new() { Value = pledge.DonorName });
            insert.Parameters.Add(new() { Value = pledge.Amount });
            insert.Parameters.Add(new() { Value = pledge.Currency });
            insert.Parameters.Add(new() { Value = (object?)pledge.Note ?? DBNull.Value });
            insert.Parameters.Add(new() { Value = pledge.RecordedBy });
            insert.Parameters.Add(new() { Value = pledge.CreatedAt.UtcDateTime });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await AuditLog.WriteAsync(connection, transaction, pledge.RecordedBy, "record_pledge", pledge.CampaignId, pledge.Id,
            JsonSerializer.Serialize(new { donor = pledge.DonorName, amount = pledge.Amount, currency = pledge.Currency, note = pledge.Note }), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<PledgeRecord>> ListAsync(Guid campaignId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, campaign_id, donor_name, amount, currency, note, paid_amount, recorded_by, created_at
            FROM pledges WHERE campaign_id = $1 ORDER BY created_at, id
            """);
        command.Parameters.Add(new() { Value = campaignId });
        var pledges = new List<PledgeRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            pledges.Add(new PledgeRecord(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4).Trim(),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetInt64(6), reader.GetString(7), reader.GetFieldValue<DateTimeOffset>(8)));
        }
        return pledges;
    }
}
