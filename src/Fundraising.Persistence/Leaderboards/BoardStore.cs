using System.Data;
using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Leaderboards;
using Fundraising.Contracts.Teams;
using Npgsql;
using NpgsqlTypes;

namespace Fundraising.Persistence.Leaderboards;

/// <summary>An event as its boards need it: its currency and which gifts they count.</summary>
public sealed record BoardEventRow(Guid Id, string Currency, BoardOptions Options);

/// <summary>A campaign of an event as the boards show it, with its totals version and matched money in the same snapshot.</summary>
public sealed record BoardCampaignRow(
    Guid Id, string Title, CampaignKind Kind, string City, string County, string? Town, CampaignStatus Status, long Version, long MatchedAmount);

/// <summary>An event's taking-part window, for a campaign deciding which event a new team is for.</summary>
public sealed record CampaignEventRow(Guid EventId, DateTimeOffset StartsAt, DateTimeOffset EndsAt);

/// <summary>
/// What an event's boards are made of, read in one REPEATABLE READ snapshot, for all of its campaigns or some: each
/// campaign's catalogue fields, totals version and matched money, and its counted gifts summed by bucket, by verified
/// donor and by team, with each team's newest gifts. Because a campaign's totals version moves in the transaction that
/// moves its gifts, the sums are exactly those of that version.
/// </summary>
public sealed record BoardSnapshot(
    BoardEventRow Event,
    IReadOnlyList<BoardCampaignRow> Campaigns,
    IReadOnlyDictionary<Guid, BucketSums> CampaignSums,
    IReadOnlyList<(Guid CampaignId, DonorDelta Donor)> Donors,
    IReadOnlyList<TeamRecord> Teams,
    IReadOnlyDictionary<Guid, BucketSums> TeamSums,
    IReadOnlyDictionary<Guid, IReadOnlyList<TeamGift>> TeamRecent);

/// <summary>
/// The leaderboards' reads: SQL and mapping only. The boards themselves are never stored; they are rebuilt from the
/// ledger and catalogue, so they cannot drift from them.
/// </summary>
public sealed class BoardStore(NpgsqlDataSource dataSource)
{
    /// <summary>How many of a team's newest gifts its page shows.</summary>
    public const int TeamRecentCount = 10;

    // A campaign takes part when listed by id or when its county is one of the event's (as EventStore sums them).
    private const string TakesPart = """
        c.currency = e.currency
        AND (EXISTS (SELECT 1 FROM event_campaigns ec WHERE ec.event_id = e.id AND ec.campaign_id = c.id)
             OR EXISTS (SELECT 1 FROM event_counties ek WHERE ek.event_id = e.id AND ek.county = c.county))
        """;

    // Online money, offline money, goods (BoardBucket's order).
    private const string Bucket = "CASE WHEN kind = 'goods' THEN 2 WHEN channel = 'online' THEN 0 ELSE 1 END";

    public async Task<bool> EventExistsAsync(Guid eventId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM events WHERE id = $1)");
        command.Parameters.Add(new() { Value = eventId });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The events a campaign takes part in (by id or by county, in its currency), with their windows.</summary>
    public async Task<IReadOnlyList<CampaignEventRow>> EventsOfCampaignAsync(Guid campaignId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT e.id, e.starts_at, e.ends_at FROM events e JOIN campaigns c ON c.id = $1
            WHERE {TakesPart}
            ORDER BY e.id
            """);
        command.Parameters.Add(new() { Value = campaignId });
        var rows = new List<CampaignEventRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new CampaignEventRow(reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }
        return rows;
    }

    /// <summary>The campaign of a team of this event; null when the event has no such team.</summary>
    public async Task<Guid?> CampaignOfTeamAsync(Guid eventId, Guid teamId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT campaign_id FROM teams WHERE id = $1 AND event_id = $2");
        command.Parameters.Add(new() { Value = teamId });
        command.Parameters.Add(new() { Value = eventId });
        return await command.ExecuteScalarAsync(cancellationToken) is Guid id ? id : null;
    }

    /// <summary>The ids of the campaigns taking part in the event (listed or in its counties).</summary>
    public async Task<IReadOnlyList<Guid>> CampaignsOfEventAsync(Guid eventId, CancellationToken cancellationToken = default) =>
        [.. (await VersionsAsync(eventId, cancellationToken)).Keys];

    /// <summary>Every campaign of the event with its totals version: what a board compares with what it has applied.</summary>
    public async Task<IReadOnlyDictionary<Guid, long>> VersionsAsync(Guid eventId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT c.id, c.totals_version FROM events e JOIN campaigns c ON {TakesPart} WHERE e.id = $1");
        command.Parameters.Add(new() { Value = eventId });
        var versions = new Dictionary<Guid, long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            versions[reader.GetGuid(0)] = reader.GetInt64(1);
        }
        return versions;
    }

    /// <summary>
    /// The event's boards' material for <paramref name="campaignIds"/> (null: every campaign of the event), in one
    /// snapshot; null when there is no such event. Campaigns named that do not take part are left out.
    /// </summary>
    public async Task<BoardSnapshot?> ReadAsync(Guid eventId, IReadOnlyCollection<Guid>? campaignIds, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);

        BoardEventRow? board = null;
        await using (var command = new NpgsqlCommand("SELECT currency, board_count_offline, board_count_goods FROM events WHERE id = $1", connection, transaction))
        {
            command.Parameters.Add(new() { Value = eventId });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                board = new BoardEventRow(eventId, reader.GetString(0).Trim(), new BoardOptions(reader.GetBoolean(1), reader.GetBoolean(2)));
            }
        }
        if (board is null)
        {
            return null;
        }

        var campaigns = new List<BoardCampaignRow>();
        await using (var command = new NpgsqlCommand($"""
            SELECT c.id, c.title, c.kind, c.city, c.county, c.town, c.status, c.totals_version, c.matched_amount
            FROM events e JOIN campaigns c ON {TakesPart}
            WHERE e.id = $1 AND ($2::uuid[] IS NULL OR c.id = ANY($2))
            """, connection, transaction))
        {
            command.Parameters.Add(new() { Value = eventId });
            command.Parameters.Add(new() { Value = (object?)campaignIds?.ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                campaigns.Add(new BoardCampaignRow(
                    reader.GetGuid(0), reader.GetString(1), reader.GetString(2) == "village" ? CampaignKind.Village : CampaignKind.Appeal,
                    reader.GetString(3), reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                    reader.GetString(6) switch { "live" => CampaignStatus.Live, "closed" => CampaignStatus.Closed, _ => CampaignStatus.Draft },
                    reader.GetInt64(7), reader.GetInt64(8)));
            }
        }
        var ids = campaigns.Select(c => c.Id).ToArray();

        // Counted gifts: succeeded ones, net of partial refunds (a gift refunded in full is 'refunded' and counts for nothing).
        var campaignSums = await SumsAsync(connection, transaction, $"""
            SELECT campaign_id, {Bucket}, sum(amount - refunded_amount)::bigint, count(*)
            FROM donations WHERE campaign_id = ANY($1) AND status = 'succeeded'
            GROUP BY 1, 2
            """, ids, cancellationToken);

        // Verified donors, named and anonymous gifts apart; a named entry shows the name of the donor's newest named gift.
        var donors = new Dictionary<(Guid Campaign, Guid Donor, bool Anonymous), DonorDelta>();
        await using (var command = new NpgsqlCommand($"""
            SELECT campaign_id, donor_id, anonymous, {Bucket}, sum(amount - refunded_amount)::bigint, count(*),
                   (array_agg(display_name ORDER BY created_at DESC, id DESC))[1], max(created_at)
            FROM donations WHERE campaign_id = ANY($1) AND status = 'succeeded' AND donor_id IS NOT NULL
            GROUP BY 1, 2, 3, 4
            """, connection, transaction))
        {
            command.Parameters.Add(new() { Value = ids });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var key = (reader.GetGuid(0), reader.GetGuid(1), reader.GetBoolean(2));
                var sums = BucketSums.Of((BoardBucket)reader.GetInt32(3), reader.GetInt64(4), reader.GetInt64(5));
                var name = key.Item3 || reader.IsDBNull(6) ? null : reader.GetString(6);
                var at = reader.GetFieldValue<DateTimeOffset>(7);
                donors[key] = donors.TryGetValue(key, out var earlier)
                    ? earlier with { Sums = earlier.Sums.Add(sums), Name = at > earlier.At ? name : earlier.Name, At = at > earlier.At ? at : earlier.At }
                    : new DonorDelta(key.Item2, key.Item3, name, at, sums);
            }
        }

        var teams = new List<TeamRecord>();
        await using (var command = new NpgsqlCommand(
            "SELECT id, campaign_id, event_id, name, goal_amount, story, created_at FROM teams WHERE event_id = $1 AND campaign_id = ANY($2)",
            connection, transaction))
        {
            command.Parameters.Add(new() { Value = eventId });
            command.Parameters.Add(new() { Value = ids });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                teams.Add(Teams.TeamStore.ReadTeam(reader));
            }
        }

        var teamSums = await SumsAsync(connection, transaction, $"""
            SELECT team_id, {Bucket}, sum(amount - refunded_amount)::bigint, count(*)
            FROM donations WHERE campaign_id = ANY($1) AND team_id IS NOT NULL AND status = 'succeeded'
            GROUP BY 1, 2
            """, ids, cancellationToken);

        var recent = new Dictionary<Guid, List<TeamGift>>();
        await using (var command = new NpgsqlCommand($"""
            SELECT team_id, CASE WHEN anonymous THEN NULL ELSE display_name END, amount - refunded_amount, succeeded_at
            FROM (SELECT team_id, anonymous, display_name, amount, refunded_amount, succeeded_at,
                         row_number() OVER (PARTITION BY team_id ORDER BY succeeded_at DESC, id DESC) AS n
                  FROM donations WHERE campaign_id = ANY($1) AND team_id IS NOT NULL AND status = 'succeeded') r
            WHERE n <= {TeamRecentCount}
            ORDER BY team_id, succeeded_at DESC
            """, connection, transaction))
        {
            command.Parameters.Add(new() { Value = ids });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetGuid(0);
                if (!recent.TryGetValue(id, out var gifts))
                {
                    recent[id] = gifts = [];
                }
                gifts.Add(new TeamGift(reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2), reader.GetFieldValue<DateTimeOffset>(3)));
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return new BoardSnapshot(board, campaigns, campaignSums, [.. donors.Select(d => (d.Key.Campaign, d.Value))], teams, teamSums,
            recent.ToDictionary(r => r.Key, r => (IReadOnlyList<TeamGift>)r.Value));
    }

    // Rows of (id, bucket, amount, count) summed per id: a campaign's or a team's counted gifts.
    private static async Task<Dictionary<Guid, BucketSums>> SumsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, Guid[] campaignIds, CancellationToken cancellationToken)
    {
        var sums = new Dictionary<Guid, BucketSums>();
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.Add(new() { Value = campaignIds });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetGuid(0);
            sums[id] = sums.GetValueOrDefault(id).Add(BucketSums.Of((BoardBucket)reader.GetInt32(1), reader.GetInt64(2), reader.GetInt64(3)));
        }
        return sums;
    }
}
