using Fundraising.Persistence;
using System.Text.Json;
using Fundraising.Contracts.Campaigns;
using Fundraising.Persistence.Audit;
using Npgsql;

namespace Fundraising.Persistence.Catalog;

/// <summary>A page of the catalogue (filters: null means any); drafts (admins' work in progress) are listed only with <c>IncludeDrafts</c>.</summary>
/// <remarks><c>PinnedOnly</c> lists only appeals opened from a template whose window has not ended (the home page pins those that are live).</remarks>
public sealed record CampaignListQuery(CampaignKind? Kind, CampaignStatus? Status, string? County, PageRequest Page, bool IncludeDrafts = false, bool PinnedOnly = false);

/// <summary>One page of campaigns, how many match in all, and the position after the page when more follow.</summary>
public sealed record CampaignPage(IReadOnlyList<CampaignSummary> Items, long Total, Keyset? Next);

/// <summary>A campaign as its catalogue row holds it: what the grain loads when it activates.</summary>
public sealed record CampaignRow(CampaignDefinition Definition, CampaignStatus Status, CampaignTotals Totals);

/// <summary>
/// The campaigns' record and queryable catalogue. Definition and status are written only by the campaign's
/// grain, each change in one transaction with its audit entry; totals are written only by the ledger's
/// writer, in the same transaction as the donations that change them.
/// </summary>
public interface ICampaignCatalog
{
    /// <summary>The campaign, or null when it was never created.</summary>
    Task<CampaignRow?> LoadAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>Inserts a draft campaign and its audit entry in one transaction; false (and nothing written) when the id exists.</summary>
    Task<bool> CreateAsync(Guid id, CampaignDefinition definition, string actor, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves the campaign from <paramref name="from"/> to <paramref name="to"/> and writes the audit entry, in one
    /// transaction; false (and nothing written) when the row is not in <paramref name="from"/> any more.
    /// </summary>
    Task<bool> ChangeStatusAsync(Guid id, CampaignStatus from, CampaignStatus to, string actor, string action, CancellationToken cancellationToken = default);

    /// <summary>The durable totals, or null when the campaign has no row.</summary>
    Task<CampaignTotals?> LoadTotalsAsync(Guid id, CancellationToken cancellationToken = default);

    Task<CampaignPage> ListAsync(CampaignListQuery query, CancellationToken cancellationToken = default);

    /// <summary>Whether a campaign with this id was ever created (one primary-key read).</summary>
    Task<bool> ExistsAsync(Guid id, CancellationToken cancellationToken = default);
}

public sealed class PostgresCampaignCatalog(NpgsqlDataSource dataSource) : ICampaignCatalog
{
    private const string DefinitionColumns = "title, description, kind, province, city, county, village, currency, goal_amount, starts_at, ends_at, town, programme, template";

    public async Task<CampaignRow?> LoadAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT id, {DefinitionColumns}, status, raised_amount, donation_count, online_amount, offline_amount, goods_amount, matched_amount
            FROM campaigns WHERE id = $1
            """);
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new CampaignRow(ReadDefinition(reader), ParseStatus(reader.GetString(15)), ReadTotals(reader, 16))
            : null;
    }

    public async Task<bool> CreateAsync(Guid id, CampaignDefinition definition, string actor, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand($"""
            INSERT INTO campaigns (id, {DefinitionColumns}, status)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'draft')
            ON CONFLICT (id) DO NOTHING
            """, connection, transaction))
        {
            var region = definition.Region;
            command.Parameters.Add(new() { Value = id });
            command.Parameters.Add(new() { Value = definition.Title });
            command.Parameters.Add(new() { Value = definition.Description });
            command.Parameters.Add(new() { Value = KindText(definition.Kind) });
            command.Parameters.Add(new() { Value = region.Province });
            command.Parameters.Add(new() { Value = region.City });
            command.Parameters.Add(new() { Value = region.County });
            command.Parameters.Add(new() { Value = (object?)region.Village ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = definition.Currency });
            command.Parameters.Add(new() { Value = definition.GoalAmount });
            command.Parameters.Add(new() { Value = definition.StartsAt.UtcDateTime });
            command.Parameters.Add(new() { Value = definition.EndsAt.UtcDateTime });
            command.Parameters.Add(new() { Value = (object?)region.Town ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = Programmes.Code(definition.ProgrammeOrDefault) });
            command.Parameters.Add(new() { Value = (object?)definition.Template ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return false;
            }
        }
        await AuditLog.WriteAsync(connection, transaction, actor, "create_campaign", id, null,
            JsonSerializer.Serialize(new { definition.Title, definition.Kind, definition.GoalAmount }), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<bool> ChangeStatusAsync(Guid id, CampaignStatus from, CampaignStatus to, string actor, string action, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand(
            "UPDATE campaigns SET status = $3, updated_at = now() WHERE id = $1 AND status = $2", connection, transaction))
        {
            command.Parameters.Add(new() { Value = id });
            command.Parameters.Add(new() { Value = StatusText(from) });
            command.Parameters.Add(new() { Value = StatusText(to) });
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return false;
            }
        }
        await AuditLog.WriteAsync(connection, transaction, actor, action, id, null, JsonSerializer.Serialize(new { status = to }), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<bool> ExistsAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM campaigns WHERE id = $1)");
        command.Parameters.Add(new() { Value = id });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<CampaignTotals?> LoadTotalsAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT raised_amount, donation_count, online_amount, offline_amount, goods_amount, matched_amount FROM campaigns WHERE id = $1");
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadTotals(reader, 0) : null;
    }

    public async Task<CampaignPage> ListAsync(CampaignListQuery query, CancellationToken cancellationToken = default)
    {
        var items = new List<(CampaignSummary Summary, Keyset Position)>();
        await using (var command = dataSource.CreateCommand())
        {
            var filter = Filter(query, command);
            var after = KeysetSql.After(query.Page.After, command);
            var window = KeysetSql.Window(query.Page, command);
            // Read by campaigns_listing or campaigns_by_county, both (…, created_at DESC, id DESC) since 0010.
            command.CommandText = $"""
                SELECT id, {DefinitionColumns},
                       status, raised_amount, donation_count, online_amount, offline_amount, goods_amount, matched_amount, created_at
                FROM campaigns
                WHERE {filter} {after}
                {KeysetSql.Order}
                {window}
                """;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var definition = ReadDefinition(reader);
                var totals = ReadTotals(reader, 16);
                var id = reader.GetGuid(0);
                items.Add((new CampaignSummary(id, definition, ParseStatus(reader.GetString(15)), totals.RaisedAmount, totals.DonationCount, totals),
                    new Keyset(reader.GetFieldValue<DateTimeOffset>(22), id)));
            }
        }
        var page = KeysetSql.Page(items, query.Page.Size, item => item.Position);
        return new CampaignPage([.. page.Items.Select(item => item.Summary)], await CountAsync(query, cancellationToken), page.Next);
    }

    // The catalogue is small (campaigns, not gifts): counting what matches is cheap, and drafts count only for admins.
    private async Task<long> CountAsync(CampaignListQuery query, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM campaigns WHERE {Filter(query, command)}";
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static string Filter(CampaignListQuery query, NpgsqlCommand command)
    {
        command.Parameters.Add(new() { Value = query.Kind is { } kind ? KindText(kind) : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = query.Status is { } status ? StatusText(status) : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)query.County ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = query.IncludeDrafts });
        command.Parameters.Add(new() { Value = query.PinnedOnly });
        return "($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR county = $3) AND ($4 OR status <> 'draft') AND (NOT $5 OR (template IS NOT NULL AND ends_at > now()))";
    }

    // Columns 1 to 14 are DefinitionColumns, in order.
    private static CampaignDefinition ReadDefinition(NpgsqlDataReader reader) => new(
        Title: reader.GetString(1),
        Description: reader.GetString(2),
        Kind: reader.GetString(3) == "village" ? CampaignKind.Village : CampaignKind.Appeal,
        Region: new Region(reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7),
            reader.IsDBNull(12) ? null : reader.GetString(12)),
        Currency: reader.GetString(8).Trim(),
        GoalAmount: reader.GetInt64(9),
        StartsAt: reader.GetFieldValue<DateTimeOffset>(10),
        EndsAt: reader.GetFieldValue<DateTimeOffset>(11),
        Programme: Programmes.FromCode(reader.GetString(13)),
        Template: reader.IsDBNull(14) ? null : reader.GetString(14));

    private static CampaignTotals ReadTotals(NpgsqlDataReader reader, int first) => new(
        reader.GetInt64(first), reader.GetInt64(first + 1), reader.GetInt64(first + 2), reader.GetInt64(first + 3), reader.GetInt64(first + 4),
        reader.GetInt64(first + 5));

    private static string KindText(CampaignKind kind) => kind == CampaignKind.Village ? "village" : "appeal";

    private static string StatusText(CampaignStatus status) => status switch
    {
        CampaignStatus.Live => "live",
        CampaignStatus.Closed => "closed",
        _ => "draft",
    };

    private static CampaignStatus ParseStatus(string text) => text switch
    {
        "live" => CampaignStatus.Live,
        "closed" => CampaignStatus.Closed,
        _ => CampaignStatus.Draft,
    };
}
