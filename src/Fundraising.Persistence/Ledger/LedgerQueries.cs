using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Npgsql;

namespace Fundraising.Persistence.Ledger;

/// <summary>The ledger's read side: single gifts, a campaign's pages of gifts, and the reconciliation sums. Nothing here writes.</summary>
public sealed class PostgresLedgerQueries(NpgsqlDataSource dataSource) : ILedgerQueries
{
    public async Task<DonationRecord?> FindAsync(Guid donationId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {LedgerRows.Columns} FROM donations WHERE id = $1");
        command.Parameters.Add(new() { Value = donationId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? LedgerRows.ReadRecord(reader) : null;
    }

    public Task<KeysetPage<DonationRecord>> ListSucceededAsync(Guid campaignId, PageRequest page, CancellationToken cancellationToken = default) =>
        ListAsync("status = 'succeeded'", campaignId, page, cancellationToken);

    public Task<KeysetPage<DonationRecord>> ListRecordedAsync(Guid campaignId, PageRequest page, CancellationToken cancellationToken = default) =>
        ListAsync("status <> 'pending'", campaignId, page, cancellationToken);

    // Read by donations_recent (campaign_id, created_at DESC, id DESC): the status is checked on the rows the index
    // yields, since an index naming status would end heap-only confirmations (0006).
    private async Task<KeysetPage<DonationRecord>> ListAsync(string statusFilter, Guid campaignId, PageRequest page, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        command.Parameters.Add(new() { Value = campaignId });
        var after = KeysetSql.After(page.After, command);
        var window = KeysetSql.Window(page, command);
        command.CommandText = $"""
            SELECT {LedgerRows.Columns} FROM donations
            WHERE campaign_id = $1 AND {statusFilter} {after}
            {KeysetSql.Order}
            {window}
            """;
        var rows = new List<DonationRecord>(await LedgerRows.ReadAllAsync(command, cancellationToken));
        return KeysetSql.Page(rows, page.Size, d => new Keyset(d.CreatedAt, d.Id));
    }

    public async Task<IReadOnlyList<LedgerReconciliationRow>> ReconcileAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT c.id, c.title, c.currency,
                   c.raised_amount, c.donation_count, c.online_amount, c.offline_amount, c.goods_amount,
                   coalesce(l.raised, 0), coalesce(l.count, 0), coalesce(l.online, 0), coalesce(l.offline, 0), coalesce(l.goods, 0),
                   c.matched_amount, coalesce(m.matched, 0)
            FROM campaigns c
            LEFT JOIN (SELECT campaign_id,
                              sum(amount - refunded_amount)::bigint AS raised,
                              count(*) FILTER (WHERE status = 'succeeded') AS count,
                              coalesce(sum(amount - refunded_amount) FILTER (WHERE kind = 'money' AND channel = 'online'), 0)::bigint AS online,
                              coalesce(sum(amount - refunded_amount) FILTER (WHERE kind = 'money' AND channel = 'offline'), 0)::bigint AS offline,
                              coalesce(sum(amount - refunded_amount) FILTER (WHERE kind = 'goods'), 0)::bigint AS goods
                       FROM donations WHERE status <> 'pending' GROUP BY campaign_id) l ON l.campaign_id = c.id
            LEFT JOIN (SELECT campaign_id, sum(amount - reversed_amount)::bigint AS matched
                       FROM donation_matches WHERE status = 'matched' GROUP BY campaign_id) m ON m.campaign_id = c.id
            ORDER BY c.created_at, c.id
            """);
        var rows = new List<LedgerReconciliationRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new LedgerReconciliationRow(reader.GetGuid(0), reader.GetString(1), reader.GetString(2).Trim(),
                new CampaignTotals(reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(13)),
                new CampaignTotals(reader.GetInt64(8), reader.GetInt64(9), reader.GetInt64(10), reader.GetInt64(11), reader.GetInt64(12), reader.GetInt64(14))));
        }
        return rows;
    }

}
