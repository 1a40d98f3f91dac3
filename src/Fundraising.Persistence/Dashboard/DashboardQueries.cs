using Npgsql;

namespace Fundraising.Persistence.Dashboard;

/// <summary>
/// The event's pools (oldest first), its gifts held back from matching awaiting review, and the webhook backlog: Stripe
/// refund events received and acknowledged but not yet applied (kept until their payment is linked to a gift).
/// </summary>
public sealed record DashboardCounts(IReadOnlyList<Guid> PoolIds, long HeldGifts, long WebhookBacklog);

/// <summary>The admins' live dashboard's reads that are not the event's totals: one statement a sample, on partial indexes.</summary>
public sealed class DashboardQueries(NpgsqlDataSource dataSource)
{
    // stripe_events needs no term here: an event's row is written only once its effect is durable (StripeRecords), so
    // a received event that is not yet processed has no row; the refunds kept for later are the backlog there is.
    public async Task<DashboardCounts> CountsAsync(Guid eventId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT ARRAY(SELECT p.id FROM matching_pools p WHERE p.event_id = $1 ORDER BY p.created_at, p.id),
                   (SELECT count(*) FROM donation_matches m JOIN matching_pools p ON p.id = m.pool_id
                    WHERE m.flag_reason IS NOT NULL AND m.status = 'held' AND p.event_id = $1),
                   (SELECT count(*) FROM stripe_pending_refunds WHERE applied_at IS NULL)
            """);
        command.Parameters.Add(new() { Value = eventId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new DashboardCounts(reader.GetFieldValue<Guid[]>(0), reader.GetInt64(1), reader.GetInt64(2));
    }
}
