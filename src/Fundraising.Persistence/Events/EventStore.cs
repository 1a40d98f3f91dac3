using System.Text.Json;
using Fundraising.Persistence.Audit;
using Npgsql;
using NpgsqlTypes;

namespace Fundraising.Persistence.Events;

/// <summary>
/// A giving-day event as it is asked for: a window announced in an IANA zone, the campaigns taking part by id or by
/// county, and which gifts its leaderboards count beside online money (both offline money and goods by default).
/// </summary>
public sealed record EventDefinition(
    string Name, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string TimeZone, IReadOnlyList<Guid> CampaignIds, IReadOnlyList<string> Counties,
    Contracts.Leaderboards.BoardOptions? Boards = null)
{
    public Contracts.Leaderboards.BoardOptions BoardOptions => Boards ?? Contracts.Leaderboards.BoardOptions.Default;
}

/// <summary>The sums over the campaigns taking part, each counted once; matched money beside the gifts, never in them.</summary>
public sealed record EventTotals(long RaisedAmount, long DonationCount, long MatchedAmount);

/// <summary>
/// An event with its totals, read in one statement (so the totals are one consistent snapshot). <c>DraftCampaignIds</c>
/// are the listed campaigns not yet opened, which only staff may be shown.
/// </summary>
public sealed record EventRow(
    Guid Id, EventDefinition Definition, string Currency, DateTimeOffset CreatedAt, string CreatedBy, EventTotals Totals, IReadOnlySet<Guid> DraftCampaignIds);

public enum EventCreateOutcome
{
    Created,

    /// <summary>A listed campaign id has no catalogue row; nothing was written.</summary>
    UnknownCampaign,

    /// <summary>The campaigns taking part are in more than one currency; nothing was written.</summary>
    MixedCurrencies,
}

/// <summary>
/// Giving-day events. The totals are never stored: they are summed from the catalogue rows, whose raised_amount
/// and donation_count the ledger's writer keeps exact in the same transaction as the gifts, so they are exact and live.
/// </summary>
public sealed class EventStore(NpgsqlDataSource dataSource)
{
    /// <summary>The currency of an event none of whose campaigns exist yet (regions only): the platform's.</summary>
    public const string DefaultCurrency = "CNY";

    // A campaign takes part when listed by id or when its county is one of the event's; EXISTS counts it once either way.
    // matched: the matching pools' money on those campaigns, kept beside raised on each campaign's row.
    private const string Select = """
        SELECT e.id, e.name, e.starts_at, e.ends_at, e.time_zone, e.currency, e.created_at, e.created_by,
               ARRAY(SELECT ec.campaign_id FROM event_campaigns ec WHERE ec.event_id = e.id ORDER BY ec.campaign_id),
               ARRAY(SELECT ek.county FROM event_counties ek WHERE ek.event_id = e.id ORDER BY ek.county),
               t.raised, t.gifts, t.matched,
               ARRAY(SELECT ec.campaign_id FROM event_campaigns ec JOIN campaigns c ON c.id = ec.campaign_id
                     WHERE ec.event_id = e.id AND c.status = 'draft'),
               e.board_count_offline, e.board_count_goods
        FROM events e
        CROSS JOIN LATERAL (
            SELECT coalesce(sum(c.raised_amount), 0)::bigint AS raised, coalesce(sum(c.donation_count), 0)::bigint AS gifts,
                   coalesce(sum(c.matched_amount), 0)::bigint AS matched
            FROM campaigns c
            WHERE c.currency = e.currency
              AND (EXISTS (SELECT 1 FROM event_campaigns ec WHERE ec.event_id = e.id AND ec.campaign_id = c.id)
                   OR EXISTS (SELECT 1 FROM event_counties ek WHERE ek.event_id = e.id AND ek.county = c.county))
        ) t
        """;

    /// <summary>
    /// Inserts the event, its lists and its audit entry (<c>create_event</c>) in one transaction; refused, with
    /// nothing written, when a campaign id is unknown or the campaigns taking part have more than one currency.
    /// </summary>
    public async Task<EventCreateOutcome> CreateAsync(Guid id, EventDefinition definition, string actor, CancellationToken cancellationToken = default)
    {
        var ids = definition.CampaignIds.Distinct().ToArray();
        var counties = definition.Counties.Distinct(StringComparer.Ordinal).ToArray();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        string[] currencies;
        await using (var command = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM campaigns WHERE id = ANY($1)),
                   ARRAY(SELECT DISTINCT currency::text FROM campaigns WHERE id = ANY($1) OR county = ANY($2))
            """, connection, transaction))
        {
            command.Parameters.Add(new() { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
            command.Parameters.Add(new() { Value = counties, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            if (reader.GetInt64(0) != ids.Length)
            {
                return EventCreateOutcome.UnknownCampaign;
            }
            currencies = [.. reader.GetFieldValue<string[]>(1).Select(c => c.Trim())];
        }
        if (currencies.Length > 1)
        {
            return EventCreateOutcome.MixedCurrencies;
        }
        var currency = currencies.SingleOrDefault() ?? DefaultCurrency;
        await using (var command = new NpgsqlCommand("""
            INSERT INTO events (id, name, starts_at, ends_at, time_zone, currency, created_by, board_count_offline, board_count_goods)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            """, connection, transaction))
        {
            command.Parameters.Add(new() { Value = id });
            command.Parameters.Add(new() { Value = definition.Name });
            command.Parameters.Add(new() { Value = definition.StartsAt.UtcDateTime });
            command.Parameters.Add(new() { Value = definition.EndsAt.UtcDateTime });
            command.Parameters.Add(new() { Value = definition.TimeZone });
            command.Parameters.Add(new() { Value = currency });
            command.Parameters.Add(new() { Value = actor });
            command.Parameters.Add(new() { Value = definition.BoardOptions.CountOffline });
            command.Parameters.Add(new() { Value = definition.BoardOptions.CountGoods });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        // Positional parameters allow one statement per command.
        await using (var command = new NpgsqlCommand(
            "INSERT INTO event_campaigns (event_id, campaign_id) SELECT $1, unnest($2::uuid[])", connection, transaction))
        {
            command.Parameters.Add(new() { Value = id });
            command.Parameters.Add(new() { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var command = new NpgsqlCommand(
            "INSERT INTO event_counties (event_id, county) SELECT $1, unnest($2::text[])", connection, transaction))
        {
            command.Parameters.Add(new() { Value = id });
            command.Parameters.Add(new() { Value = counties, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await AuditLog.WriteAsync(connection, transaction, actor, "create_event", null, id,
            JsonSerializer.Serialize(new { definition.Name, definition.StartsAt, definition.EndsAt, definition.TimeZone, campaignIds = ids, counties, boards = definition.BoardOptions }), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return EventCreateOutcome.Created;
    }

    /// <summary>The event with its live totals, or null when there is none with this id.</summary>
    public async Task<EventRow?> FindAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"{Select} WHERE e.id = $1");
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>The newest <paramref name="limit"/> events, newest first, each with its live totals (giving days are few).</summary>
    public async Task<IReadOnlyList<EventRow>> ListAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"{Select} ORDER BY e.created_at DESC, e.id DESC LIMIT $1");
        command.Parameters.Add(new() { Value = limit });
        var rows = new List<EventRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(Read(reader));
        }
        return rows;
    }

    private static EventRow Read(NpgsqlDataReader reader) => new(
        reader.GetGuid(0),
        new EventDefinition(
            reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetString(4),
            reader.GetFieldValue<Guid[]>(8), reader.GetFieldValue<string[]>(9),
            new Contracts.Leaderboards.BoardOptions(reader.GetBoolean(14), reader.GetBoolean(15))),
        reader.GetString(5).Trim(),
        reader.GetFieldValue<DateTimeOffset>(6),
        reader.GetString(7),
        new EventTotals(reader.GetInt64(10), reader.GetInt64(11), reader.GetInt64(12)),
        reader.GetFieldValue<Guid[]>(13).ToHashSet());
}
