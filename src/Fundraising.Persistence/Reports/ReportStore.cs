using System.Text.Json;
using Fundraising.Contracts.Campaigns;
using Fundraising.Persistence.Audit;
using Npgsql;
using NpgsqlTypes;

namespace Fundraising.Persistence.Reports;

/// <summary>
/// What a report sums: gifts made in [<c>From</c>, <c>To</c>) to campaigns in <c>Currency</c>, optionally only those
/// taking part in one event, and optionally only one county's.
/// </summary>
public sealed record ReportQuery(DateTimeOffset From, DateTimeOffset To, string Currency, Guid? EventId = null, string? County = null);

/// <summary>One row of a report: sums of gifts net of their refunds, by channel and kind, and the number of gifts (人次).</summary>
public sealed record ReportSums(long OnlineAmount, long OfflineMoneyAmount, long GoodsAmount, long DonationCount)
{
    public static readonly ReportSums Zero = new(0, 0, 0, 0);

    /// <summary>Money (款), online and offline.</summary>
    public long MoneyAmount => OnlineAmount + OfflineMoneyAmount;

    /// <summary>Money and goods (款物合计).</summary>
    public long RaisedAmount => MoneyAmount + GoodsAmount;

    /// <summary>Everything not raised online (线下): offline money and goods, which are always recorded offline.</summary>
    public long OfflineAmount => OfflineMoneyAmount + GoodsAmount;
}

/// <summary>A campaign's line in a report.</summary>
public sealed record ReportCampaignLine(Guid CampaignId, string Title, Programme Programme, string County, ReportSums Sums);

/// <summary>A report's figures, all from one statement over the ledger (one consistent snapshot).</summary>
public sealed record ReportFigures(
    ReportSums Totals,
    IReadOnlyDictionary<Programme, ReportSums> ByProgramme,
    IReadOnlyList<(string County, ReportSums Sums)> ByCounty,
    IReadOnlyList<ReportCampaignLine> ByCampaign);

/// <summary>An event as a report needs it: its window and the year it is the giving day of, if any.</summary>
public sealed record ReportEvent(Guid Id, string Name, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string TimeZone, string Currency, int? GivingDayYear);

/// <summary>Another city's giving-day figure as an admin entered it (external data, not the platform's ledger).</summary>
public sealed record ExternalCityFigure(int Year, string Province, string City, long OnlineAmount, string Currency, string Source, string EnteredBy, DateTimeOffset EnteredAt);

/// <summary>A year's giving day as marked: the event, who marked it and when.</summary>
public sealed record MarkedGivingDay(int Year, ReportEvent Event, string MarkedBy, DateTimeOffset MarkedAt);

public enum GivingDayMarkOutcome
{
    Marked,
    UnknownEvent,

    /// <summary>The event's window does not start in that year (in the event's own time zone), so it can be no other year's either.</summary>
    WrongYear,
}

/// <summary>
/// The reports' SQL. Figures are summed from the ledger each time they are read (donations, less the refunds recorded
/// against each; goods at their valuation), never from the campaigns' running totals or a table of figures. A gift
/// belongs to the period in which it was made (<c>created_at</c>); its refunds are netted whenever they were made.
/// </summary>
public sealed class ReportStore(NpgsqlDataSource dataSource)
{
    // One statement: the campaigns in scope, their gifts in the window net of refunds summed per campaign (one pass over
    // the gifts, grouped by one key), then those few rows rolled up four ways at once.
    private const string FiguresSql = """
        WITH scope AS (
            SELECT c.id, c.title, c.programme, c.county FROM campaigns c
            WHERE c.currency = $3
              AND ($4::uuid IS NULL
                   OR EXISTS (SELECT 1 FROM event_campaigns ec WHERE ec.event_id = $4 AND ec.campaign_id = c.id)
                   OR EXISTS (SELECT 1 FROM event_counties ek WHERE ek.event_id = $4 AND ek.county = c.county))
              AND ($5::text IS NULL OR c.county = $5)
        ), refunded AS (
            -- Refunds are few: summed once per gift and hash-joined, not looked up for every gift.
            SELECT r.donation_id, sum(r.amount) AS amount FROM refunds r WHERE r.campaign_id IN (SELECT id FROM scope) GROUP BY r.donation_id
        ), per_campaign AS (
            SELECT d.campaign_id,
                   coalesce(sum(d.amount - coalesce(r.amount, 0)) FILTER (WHERE d.kind = 'money' AND d.channel = 'online'), 0) AS online,
                   coalesce(sum(d.amount - coalesce(r.amount, 0)) FILTER (WHERE d.kind = 'money' AND d.channel = 'offline'), 0) AS offline,
                   coalesce(sum(d.amount - coalesce(r.amount, 0)) FILTER (WHERE d.kind = 'goods'), 0) AS goods,
                   count(*) FILTER (WHERE d.status <> 'refunded') AS gifts
            FROM donations d LEFT JOIN refunded r ON r.donation_id = d.id
            WHERE d.campaign_id IN (SELECT id FROM scope) AND d.status <> 'pending' AND d.created_at >= $1 AND d.created_at < $2
            GROUP BY d.campaign_id
        )
        SELECT CASE WHEN grouping(s.id) = 0 THEN 'campaign' WHEN grouping(s.programme) = 0 THEN 'programme'
                    WHEN grouping(s.county) = 0 THEN 'county' ELSE 'total' END,
               s.id, s.title, s.programme, s.county,
               coalesce(sum(p.online), 0)::bigint, coalesce(sum(p.offline), 0)::bigint, coalesce(sum(p.goods), 0)::bigint, coalesce(sum(p.gifts), 0)::bigint
        FROM per_campaign p JOIN scope s ON s.id = p.campaign_id
        GROUP BY GROUPING SETS ((), (s.programme), (s.county), (s.id, s.title, s.programme, s.county))
        """;

    public async Task<ReportFigures> FiguresAsync(ReportQuery query, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(FiguresSql);
        command.Parameters.Add(new() { Value = query.From.UtcDateTime });
        command.Parameters.Add(new() { Value = query.To.UtcDateTime });
        command.Parameters.Add(new() { Value = query.Currency });
        command.Parameters.Add(new() { Value = (object?)query.EventId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new() { Value = (object?)query.County ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        var totals = ReportSums.Zero;
        var programmes = Programmes.All.ToDictionary(p => p, _ => ReportSums.Zero);
        var counties = new List<(string, ReportSums)>();
        var campaigns = new List<ReportCampaignLine>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var sums = new ReportSums(reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8));
            switch (reader.GetString(0))
            {
                case "total":
                    totals = sums;
                    break;
                case "programme":
                    programmes[Programmes.FromCode(reader.GetString(3)) ?? Programme.Other] = sums;
                    break;
                case "county":
                    counties.Add((reader.GetString(4), sums));
                    break;
                default:
                    campaigns.Add(new ReportCampaignLine(reader.GetGuid(1), reader.GetString(2), Programmes.FromCode(reader.GetString(3)) ?? Programme.Other,
                        reader.GetString(4), sums));
                    break;
            }
        }
        return new ReportFigures(totals, programmes,
            [.. counties.OrderByDescending(c => c.Item2.RaisedAmount).ThenBy(c => c.Item1, StringComparer.Ordinal)],
            [.. campaigns.OrderByDescending(c => c.Sums.RaisedAmount).ThenBy(c => c.CampaignId)]);
    }

    public async Task<ReportEvent?> FindEventAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT e.id, e.name, e.starts_at, e.ends_at, e.time_zone, e.currency, g.year
            FROM events e LEFT JOIN giving_days g ON g.event_id = e.id WHERE e.id = $1
            """);
        command.Parameters.Add(new() { Value = id });
        return await ReadEventAsync(command, cancellationToken);
    }

    /// <summary>The event marked as the year's giving day, or null when none is.</summary>
    public async Task<ReportEvent?> GivingDayAsync(int year, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT e.id, e.name, e.starts_at, e.ends_at, e.time_zone, e.currency, g.year
            FROM giving_days g JOIN events e ON e.id = g.event_id WHERE g.year = $1
            """);
        command.Parameters.Add(new() { Value = year });
        return await ReadEventAsync(command, cancellationToken);
    }

    /// <summary>Every year's marked giving day with its event, newest year first.</summary>
    public async Task<IReadOnlyList<MarkedGivingDay>> GivingDaysAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT e.id, e.name, e.starts_at, e.ends_at, e.time_zone, e.currency, g.year, g.marked_by, g.marked_at
            FROM giving_days g JOIN events e ON e.id = g.event_id ORDER BY g.year DESC
            """);
        var days = new List<MarkedGivingDay>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var year = reader.GetInt32(6);
            days.Add(new MarkedGivingDay(year, new ReportEvent(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetString(4), reader.GetString(5).Trim(), year), reader.GetString(7), reader.GetFieldValue<DateTimeOffset>(8)));
        }
        return days;
    }

    /// <summary>
    /// Marks the event as the year's giving day (replacing another event marked for that year), with its audit entry,
    /// in one transaction; refused with nothing written when the event does not start in that year in its own zone.
    /// </summary>
    public async Task<GivingDayMarkOutcome> MarkGivingDayAsync(int year, Guid eventId, string actor, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var check = new NpgsqlCommand("""
            SELECT extract(year FROM e.starts_at AT TIME ZONE e.time_zone)::int FROM events e WHERE e.id = $1 FOR UPDATE
            """, connection, transaction))
        {
            check.Parameters.Add(new() { Value = eventId });
            await using var reader = await check.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return GivingDayMarkOutcome.UnknownEvent;
            }
            if (reader.GetInt32(0) != year)
            {
                return GivingDayMarkOutcome.WrongYear;
            }
        }
        await using (var upsert = new NpgsqlCommand("""
            INSERT INTO giving_days (year, event_id, marked_by) VALUES ($1, $2, $3)
            ON CONFLICT (year) DO UPDATE SET event_id = excluded.event_id, marked_by = excluded.marked_by, marked_at = now()
            """, connection, transaction))
        {
            upsert.Parameters.Add(new() { Value = year });
            upsert.Parameters.Add(new() { Value = eventId });
            upsert.Parameters.Add(new() { Value = actor });
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }
        await AuditLog.WriteAsync(connection, transaction, actor, "mark_giving_day", null, eventId, JsonSerializer.Serialize(new { year }), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return GivingDayMarkOutcome.Marked;
    }

    /// <summary>Enters (or corrects) another city's figure for a year, with its audit entry (the figure before, if any), in one transaction.</summary>
    public async Task<ExternalCityFigure> EnterExternalFigureAsync(int year, string province, string city, long onlineAmount, string currency, string source, string actor,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long? before = null;
        await using (var previous = new NpgsqlCommand(
            "SELECT online_amount FROM external_city_figures WHERE year = $1 AND province = $2 AND city = $3 FOR UPDATE", connection, transaction))
        {
            previous.Parameters.Add(new() { Value = year });
            previous.Parameters.Add(new() { Value = province });
            previous.Parameters.Add(new() { Value = city });
            if (await previous.ExecuteScalarAsync(cancellationToken) is long amount)
            {
                before = amount;
            }
        }
        ExternalCityFigure figure;
        await using (var upsert = new NpgsqlCommand("""
            INSERT INTO external_city_figures (year, province, city, online_amount, currency, source, entered_by) VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (year, province, city) DO UPDATE SET online_amount = excluded.online_amount, currency = excluded.currency,
                source = excluded.source, entered_by = excluded.entered_by, entered_at = now()
            RETURNING year, province, city, online_amount, currency, source, entered_by, entered_at
            """, connection, transaction))
        {
            upsert.Parameters.Add(new() { Value = year });
            upsert.Parameters.Add(new() { Value = province });
            upsert.Parameters.Add(new() { Value = city });
            upsert.Parameters.Add(new() { Value = onlineAmount });
            upsert.Parameters.Add(new() { Value = currency });
            upsert.Parameters.Add(new() { Value = source });
            upsert.Parameters.Add(new() { Value = actor });
            await using var reader = await upsert.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            figure = ReadFigure(reader);
        }
        await AuditLog.WriteAsync(connection, transaction, actor, "enter_external_figure", null, null,
            JsonSerializer.Serialize(new { year, province, city, onlineAmount, currency, source, before }), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return figure;
    }

    /// <summary>The other cities' figures entered for a province and year, largest first.</summary>
    public async Task<IReadOnlyList<ExternalCityFigure>> ExternalFiguresAsync(int year, string province, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT year, province, city, online_amount, currency, source, entered_by, entered_at
            FROM external_city_figures WHERE year = $1 AND province = $2 ORDER BY online_amount DESC, city
            """);
        command.Parameters.Add(new() { Value = year });
        command.Parameters.Add(new() { Value = province });
        var figures = new List<ExternalCityFigure>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            figures.Add(ReadFigure(reader));
        }
        return figures;
    }

    private static ExternalCityFigure ReadFigure(NpgsqlDataReader reader) => new(
        reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4).Trim(), reader.GetString(5), reader.GetString(6),
        reader.GetFieldValue<DateTimeOffset>(7));

    private static async Task<ReportEvent?> ReadEventAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new ReportEvent(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<DateTimeOffset>(3),
                reader.GetString(4), reader.GetString(5).Trim(), reader.IsDBNull(6) ? null : reader.GetInt32(6))
            : null;
    }
}
