using System.Text.Json;
using Npgsql;

namespace Fundraising.Persistence.Audit;

/// <summary>One admin action: who, when, what. The table is append-only.</summary>
public sealed record AuditEntry(long Id, DateTimeOffset At, string Actor, string Action, Guid? CampaignId, Guid? SubjectId, JsonElement Details);

/// <summary>
/// The audit trail of admin actions. Every entry is written in the same transaction as the change it
/// records (by the catalogue, the pledge store and the ledger's writer); this class reads the trail.
/// </summary>
public sealed class AuditLog(NpgsqlDataSource dataSource)
{
    /// <summary>Writes an entry inside the transaction of the change it records; there is no other way in.</summary>
    internal static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string actor, string action, Guid? campaignId, Guid? subjectId, string detailsJson, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO admin_audit (actor, action, campaign_id, subject_id, details) VALUES ($1, $2, $3, $4, $5::jsonb)", connection, transaction);
        command.Parameters.Add(new() { Value = actor });
        command.Parameters.Add(new() { Value = action });
        command.Parameters.Add(new() { Value = (object?)campaignId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new() { Value = (object?)subjectId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new() { Value = detailsJson });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<AuditEntry>> ListAsync(Guid? campaignId, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, at, actor, action, campaign_id, subject_id, details::text FROM admin_audit
            WHERE $1::uuid IS NULL OR campaign_id = $1
            ORDER BY id DESC LIMIT $2
            """);
        command.Parameters.Add(new() { Value = (object?)campaignId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new() { Value = limit });
        var entries = new List<AuditEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new AuditEntry(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetGuid(4), reader.IsDBNull(5) ? null : reader.GetGuid(5),
                JsonDocument.Parse(reader.GetString(6)).RootElement.Clone()));
        }
        return entries;
    }
}
