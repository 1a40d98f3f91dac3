using Npgsql;
using NpgsqlTypes;

namespace Fundraising.Persistence.Disbursements;

/// <summary>What a line of a project's public ledger records.</summary>
public enum ProjectLedgerEntryType
{
    Gift,
    Refund,
    Disbursement,
    Correction,
}

/// <summary>
/// One line of a project's public ledger, as the public may see it: a gift carries a name only when its donor did not
/// ask to be anonymous (the query never reads an anonymous donor's name), and no line carries an e-mail, a phone, a
/// message or an admin's note about a donor. <see cref="Amount"/> is the entry's own amount (a correction's is signed).
/// </summary>
public sealed record ProjectLedgerEntry(
    ProjectLedgerEntryType Type,
    Guid Id,
    DateTimeOffset At,
    long Amount,
    string Currency,
    string? PublicName = null,
    string? GiftKind = null,
    string? Channel = null,
    string? Item = null,
    long? Quantity = null,
    long MatchedAmount = 0,
    Guid? DonationId = null,
    string? Purpose = null,
    string? Payee = null,
    DateTimeOffset? PaidAt = null,
    IReadOnlyList<Guid>? EvidencePhotoIds = null,
    Guid? Corrects = null,
    string? Reason = null)
{
    /// <summary>What the entry does to the balance: gifts add; refunds, disbursements and positive corrections take away.</summary>
    public long BalanceEffect => Type switch
    {
        ProjectLedgerEntryType.Gift => Amount + MatchedAmount,
        _ => -Amount,
    };
}

/// <summary>
/// A project's money in and out, read for the public: gifts that counted (with the pool money matched on each, beside
/// it), refunds, disbursements and their corrections, in the order they were recorded (a gift by when it was made, a
/// refund and a disbursement by when they were entered). Pure reads; paged by keyset on (time, id), oldest first.
/// </summary>
public sealed class ProjectLedgerQueries(NpgsqlDataSource dataSource)
{
    /// <summary>One page of the project's entries after <paramref name="page"/>'s position.</summary>
    public async Task<KeysetPage<ProjectLedgerEntry>> PageAsync(Guid campaignId, PageRequest page, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand();
        command.Parameters.Add(new() { Value = campaignId });
        command.Parameters.Add(new() { Value = page.Size + 1 });
        string After(string at, string id)
        {
            if (page.After is not { } position)
            {
                return "";
            }
            if (command.Parameters.Count == 2)
            {
                command.Parameters.Add(new() { Value = position.CreatedAt.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
                command.Parameters.Add(new() { Value = position.Id });
            }
            return $"AND ({at}, {id}) > ($3, $4)";
        }
        // Each branch reads at most a page in its own index order, so a page costs the same however long the ledger.
        command.CommandText = $"""
            SELECT * FROM (
              (SELECT 0 AS type, d.id, d.created_at AS at, d.amount, d.currency,
                      CASE WHEN d.anonymous THEN NULL ELSE d.display_name END AS name, d.kind, d.channel, d.item, d.quantity,
                      coalesce(m.amount - m.reversed_amount, 0)::bigint AS matched, NULL::uuid AS donation_id,
                      NULL::text AS purpose, NULL::text AS payee, NULL::timestamptz AS paid_at, ARRAY[]::uuid[] AS evidence,
                      NULL::uuid AS corrects, NULL::text AS reason
               FROM donations d LEFT JOIN donation_matches m ON m.donation_id = d.id AND m.status = 'matched'
               WHERE d.campaign_id = $1 AND d.status <> 'pending' {After("d.created_at", "d.id")}
               ORDER BY d.created_at, d.id LIMIT $2)
              UNION ALL
              (SELECT 1, r.id, r.created_at, r.amount, d.currency, NULL, d.kind, d.channel, NULL, NULL, 0, r.donation_id,
                      NULL, NULL, NULL, ARRAY[]::uuid[], NULL, NULL
               FROM refunds r JOIN donations d ON d.id = r.donation_id
               WHERE r.campaign_id = $1 {After("r.created_at", "r.id")}
               ORDER BY r.created_at, r.id LIMIT $2)
              UNION ALL
              (SELECT CASE WHEN x.corrects IS NULL THEN 2 ELSE 3 END, x.id, x.recorded_at, x.amount, x.currency, NULL, NULL, NULL, NULL, NULL,
                      0, NULL, x.purpose, x.payee, x.paid_at, x.evidence_photo_ids, x.corrects, x.reason
               FROM disbursements x
               WHERE x.campaign_id = $1 {After("x.recorded_at", "x.id")}
               ORDER BY x.recorded_at, x.id LIMIT $2)
            ) e ORDER BY at, id LIMIT $2
            """;
        var rows = new List<ProjectLedgerEntry>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new ProjectLedgerEntry(
                    (ProjectLedgerEntryType)reader.GetInt32(0), reader.GetGuid(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetInt64(3), reader.GetString(4),
                    Text(reader, 5), Text(reader, 6), Text(reader, 7), Text(reader, 8), reader.IsDBNull(9) ? null : reader.GetInt64(9),
                    reader.GetInt64(10), reader.IsDBNull(11) ? null : reader.GetGuid(11), Text(reader, 12), Text(reader, 13),
                    reader.IsDBNull(14) ? null : reader.GetFieldValue<DateTimeOffset>(14), reader.GetFieldValue<Guid[]>(15),
                    reader.IsDBNull(16) ? null : reader.GetGuid(16), Text(reader, 17)));
            }
        }
        return KeysetSql.Page(rows, page.Size, e => new Keyset(e.At, e.Id));
    }

    /// <summary>Every entry, page by page, for an export that streams as it reads.</summary>
    public async IAsyncEnumerable<ProjectLedgerEntry> AllAsync(Guid campaignId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Keyset? after = null;
        do
        {
            var page = await PageAsync(campaignId, new PageRequest(1_000, after), cancellationToken);
            foreach (var entry in page.Items)
            {
                yield return entry;
            }
            after = page.Next;
        }
        while (after is not null);
    }

    private static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
