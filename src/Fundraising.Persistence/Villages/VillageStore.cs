using System.Text.Json;
using Fundraising.Contracts.Villages;
using Fundraising.Persistence.Audit;
using Npgsql;
using NpgsqlTypes;

namespace Fundraising.Persistence.Villages;

/// <summary>What a campaign grain reads and writes of its village project: sub-plans and posts.</summary>
public interface IVillageProjects
{
    Task<IReadOnlyList<SubPlanSummary>> SubPlansAsync(Guid campaignId, CancellationToken cancellationToken = default);

    /// <summary>Writes the sub-plan with its audit entry; false (nothing written) when the project already has that title.</summary>
    Task<bool> CreateSubPlanAsync(SubPlanSummary subPlan, string actor, CancellationToken cancellationToken = default);

    /// <summary>How many of <paramref name="photoIds"/> are photos of the campaign.</summary>
    Task<int> CountPhotosAsync(Guid campaignId, IReadOnlyList<Guid> photoIds, CancellationToken cancellationToken = default);

    /// <summary>Writes an update or milestone, its photos and its audit entry in one transaction.</summary>
    Task CreatePostAsync(FeedEntry post, string actor, CancellationToken cancellationToken = default);
}

/// <summary>A claimed village (one claim per county, town and village), perhaps linked to its project.</summary>
public sealed record VillageClaim(Guid Id, string County, string? Town, string Village, Guid? CampaignId, string ClaimedBy, DateTimeOffset ClaimedAt);

/// <summary>A stored photo: pixels re-encoded by the web host, never the upload itself.</summary>
public sealed record StoredPhoto(Guid Id, Guid CampaignId, string ContentType, int Width, int Height, byte[] Bytes, string? Caption = null);

/// <summary>A sub-plan's totals as its row holds them and as its ledger rows (the gifts that name it, net of refunds) add up.</summary>
public sealed record SubPlanReconciliationRow(Guid SubPlanId, Guid CampaignId, string Title, long RowRaised, long RowCount, long LedgerRaised, long LedgerCount);

/// <summary>One of a project's photos as its page lists them: the id and the uploader's caption, if any.</summary>
public sealed record ProjectPhoto(Guid Id, string? Caption);

/// <summary>A page of feed entries, newest first; <see cref="Next"/> is the cursor of the older page (null on the last).</summary>
public sealed record FeedPage(IReadOnlyList<FeedEntry> Entries, DateTimeOffset? Next);

/// <summary>Village projects: claims, sub-plans, photos, posts and the feed's history. SQL and mapping only.</summary>
public sealed class VillageStore(NpgsqlDataSource dataSource) : IVillageProjects
{
    /// <summary>Writes the claim with its audit entry; false when the village is already claimed (nothing written).</summary>
    public async Task<bool> ClaimAsync(VillageClaim claim, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand("""
            INSERT INTO village_claims (id, county, town, village, campaign_id, claimed_by, claimed_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (county, town, village) DO NOTHING
            """, connection, transaction))
        {
            command.Parameters.Add(new() { Value = claim.Id });
            command.Parameters.Add(new() { Value = claim.County });
            command.Parameters.Add(new() { Value = claim.Town ?? "" });
            command.Parameters.Add(new() { Value = claim.Village });
            command.Parameters.Add(new() { Value = (object?)claim.CampaignId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
            command.Parameters.Add(new() { Value = claim.ClaimedBy });
            command.Parameters.Add(new() { Value = claim.ClaimedAt.UtcDateTime });
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return false;
            }
        }
        await AuditLog.WriteAsync(connection, transaction, claim.ClaimedBy, "claim_village", claim.CampaignId, claim.Id,
            JsonSerializer.Serialize(new { county = claim.County, town = claim.Town, village = claim.Village }), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Claims in one county (all when null), newest first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<VillageClaim>> ListClaimsAsync(string? county, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {ClaimColumns} FROM village_claims WHERE $1::text IS NULL OR county = $1 ORDER BY claimed_at DESC, id LIMIT $2
            """);
        command.Parameters.Add(new() { Value = (object?)county ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = limit });
        return await ReadClaimsAsync(command, cancellationToken);
    }

    public async Task<VillageClaim?> ClaimOfCampaignAsync(Guid campaignId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {ClaimColumns} FROM village_claims WHERE campaign_id = $1");
        command.Parameters.Add(new() { Value = campaignId });
        return (await ReadClaimsAsync(command, cancellationToken)).SingleOrDefault();
    }

    public async Task<IReadOnlyList<SubPlanSummary>> SubPlansAsync(Guid campaignId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, campaign_id, title, description, goal_amount, raised_amount, donation_count, created_at
            FROM sub_plans WHERE campaign_id = $1 ORDER BY created_at, id
            """);
        command.Parameters.Add(new() { Value = campaignId });
        var plans = new List<SubPlanSummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            plans.Add(new SubPlanSummary(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetFieldValue<DateTimeOffset>(7)));
        }
        return plans;
    }

    public async Task<bool> CreateSubPlanAsync(SubPlanSummary subPlan, string actor, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand("""
            INSERT INTO sub_plans (id, campaign_id, title, description, goal_amount, created_by, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (campaign_id, title) DO NOTHING
            """, connection, transaction))
        {
            command.Parameters.Add(new() { Value = subPlan.Id });
            command.Parameters.Add(new() { Value = subPlan.CampaignId });
            command.Parameters.Add(new() { Value = subPlan.Title });
            command.Parameters.Add(new() { Value = (object?)subPlan.Description ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = subPlan.GoalAmount });
            command.Parameters.Add(new() { Value = actor });
            command.Parameters.Add(new() { Value = subPlan.CreatedAt.UtcDateTime });
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return false;
            }
        }
        await AuditLog.WriteAsync(connection, transaction, actor, "create_sub_plan", subPlan.CampaignId, subPlan.Id,
            JsonSerializer.Serialize(new { title = subPlan.Title, goalAmount = subPlan.GoalAmount }), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<int> CountPhotosAsync(Guid campaignId, IReadOnlyList<Guid> photoIds, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM photos WHERE campaign_id = $1 AND id = ANY($2)");
        command.Parameters.Add(new() { Value = campaignId });
        command.Parameters.Add(new() { Value = photoIds.Distinct().ToArray() });
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task CreatePostAsync(FeedEntry post, string actor, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand("""
            INSERT INTO project_posts (id, campaign_id, kind, title, body, reached_at, created_by, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """, connection, transaction))
        {
            command.Parameters.Add(new() { Value = post.Id });
            command.Parameters.Add(new() { Value = post.CampaignId });
            command.Parameters.Add(new() { Value = post.Kind == FeedKind.Milestone ? "milestone" : "update" });
            command.Parameters.Add(new() { Value = post.Title! });
            command.Parameters.Add(new() { Value = (object?)post.Body ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = (object?)post.ReachedAt?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new() { Value = actor });
            command.Parameters.Add(new() { Value = post.At.UtcDateTime });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        var photos = post.PhotoIds ?? [];
        if (photos.Count > 0)
        {
            await using var command = new NpgsqlCommand("""
                INSERT INTO project_post_photos (post_id, campaign_id, photo_id, position)
                SELECT $1, $2, p.id, p.position - 1 FROM unnest($3::uuid[]) WITH ORDINALITY AS p(id, position)
                """, connection, transaction);
            command.Parameters.Add(new() { Value = post.Id });
            command.Parameters.Add(new() { Value = post.CampaignId });
            command.Parameters.Add(new() { Value = photos.ToArray() });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await AuditLog.WriteAsync(connection, transaction, actor, post.Kind == FeedKind.Milestone ? "post_milestone" : "post_update", post.CampaignId, post.Id,
            JsonSerializer.Serialize(new { title = post.Title, photos }), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task InsertPhotoAsync(StoredPhoto photo, string uploadedBy, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand("""
            INSERT INTO photos (id, campaign_id, content_type, width, height, bytes, uploaded_by, caption) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """, connection, transaction))
        {
            command.Parameters.Add(new() { Value = photo.Id });
            command.Parameters.Add(new() { Value = photo.CampaignId });
            command.Parameters.Add(new() { Value = photo.ContentType });
            command.Parameters.Add(new() { Value = photo.Width });
            command.Parameters.Add(new() { Value = photo.Height });
            command.Parameters.Add(new() { Value = photo.Bytes });
            command.Parameters.Add(new() { Value = uploadedBy });
            command.Parameters.Add(new() { Value = (object?)photo.Caption ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await AuditLog.WriteAsync(connection, transaction, uploadedBy, "upload_photo", photo.CampaignId, photo.Id,
            JsonSerializer.Serialize(new { width = photo.Width, height = photo.Height, bytes = photo.Bytes.Length, caption = photo.Caption }), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<StoredPhoto?> FindPhotoAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT id, campaign_id, content_type, width, height, bytes FROM photos WHERE id = $1");
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new StoredPhoto(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt32(4), (byte[])reader[5])
            : null;
    }

    /// <summary>
    /// Every sub-plan's row beside the sums of its ledger rows, as the campaigns' reconciliation does it: a gift that counted
    /// adds its amount less its refunds, and one 人次 while it is not refunded in full.
    /// </summary>
    public async Task<IReadOnlyList<SubPlanReconciliationRow>> ReconcileSubPlansAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT s.id, s.campaign_id, s.title, s.raised_amount, s.donation_count, coalesce(l.raised, 0), coalesce(l.count, 0)
            FROM sub_plans s
            LEFT JOIN (SELECT sub_plan_id, sum(amount - refunded_amount)::bigint AS raised, count(*) FILTER (WHERE status = 'succeeded') AS count
                       FROM donations WHERE sub_plan_id IS NOT NULL AND status <> 'pending' GROUP BY sub_plan_id) l ON l.sub_plan_id = s.id
            ORDER BY s.campaign_id, s.created_at, s.id
            """);
        var rows = new List<SubPlanReconciliationRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new SubPlanReconciliationRow(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4),
                reader.GetInt64(5), reader.GetInt64(6)));
        }
        return rows;
    }

    /// <summary>A project's photos, oldest first: its story's pictures, with their captions.</summary>
    public async Task<IReadOnlyList<ProjectPhoto>> PhotosOfCampaignAsync(Guid campaignId, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT id, caption FROM photos WHERE campaign_id = $1 ORDER BY created_at, id LIMIT $2");
        command.Parameters.Add(new() { Value = campaignId });
        command.Parameters.Add(new() { Value = limit });
        var photos = new List<ProjectPhoto>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            photos.Add(new ProjectPhoto(reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
        }
        return photos;
    }

    /// <summary>
    /// The feed's history of some projects, newest first: their counted gifts (through donations_recent, by when they were
    /// made) and their posts, before <paramref name="before"/>. An anonymous gift's name is never read.
    /// </summary>
    public async Task<FeedPage> FeedAsync(IReadOnlyList<Guid> campaignIds, DateTimeOffset? before, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT kind, id, campaign_id, at, name, amount, currency, sub_plan_id, sub_plan_title, title, body, photo_ids, reached_at, sort_at FROM (
              (SELECT 'gift' AS kind, d.id, d.campaign_id, coalesce(d.succeeded_at, d.created_at) AS at,
                      CASE WHEN d.anonymous THEN NULL ELSE d.display_name END AS name, d.amount, d.currency::text AS currency,
                      d.sub_plan_id, s.title AS sub_plan_title, NULL::text AS title, NULL::text AS body, NULL::uuid[] AS photo_ids,
                      NULL::timestamptz AS reached_at, d.created_at AS sort_at
               FROM donations d LEFT JOIN sub_plans s ON s.id = d.sub_plan_id
               WHERE d.campaign_id = ANY($1) AND d.status = 'succeeded' AND ($2::timestamptz IS NULL OR d.created_at < $2)
               ORDER BY d.created_at DESC LIMIT $3)
              UNION ALL
              (SELECT p.kind, p.id, p.campaign_id, p.created_at, NULL, NULL, NULL, NULL, NULL, p.title, p.body,
                      ARRAY(SELECT pp.photo_id FROM project_post_photos pp WHERE pp.post_id = p.id ORDER BY pp.position),
                      p.reached_at, p.created_at
               FROM project_posts p
               WHERE p.campaign_id = ANY($1) AND ($2::timestamptz IS NULL OR p.created_at < $2)
               ORDER BY p.created_at DESC LIMIT $3)
              UNION ALL
              (SELECT 'disbursement', x.id, x.campaign_id, x.recorded_at, x.payee, x.amount, x.currency::text, NULL, NULL, x.purpose, x.reason,
                      x.evidence_photo_ids, NULL, x.recorded_at
               FROM disbursements x
               WHERE x.campaign_id = ANY($1) AND ($2::timestamptz IS NULL OR x.recorded_at < $2)
               ORDER BY x.recorded_at DESC LIMIT $3)
            ) f ORDER BY sort_at DESC, id DESC LIMIT $3
            """);
        command.Parameters.Add(new() { Value = campaignIds.ToArray() });
        command.Parameters.Add(new() { Value = (object?)before?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = limit });
        var entries = new List<FeedEntry>();
        DateTimeOffset last = default;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                entries.Add(new FeedEntry(
                    reader.GetString(0) switch { "gift" => FeedKind.Gift, "milestone" => FeedKind.Milestone, "disbursement" => FeedKind.Disbursement, _ => FeedKind.Update },
                    reader.GetGuid(1), reader.GetGuid(2), reader.GetFieldValue<DateTimeOffset>(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetInt64(5),
                    reader.IsDBNull(6) ? null : reader.GetString(6).Trim(),
                    reader.IsDBNull(7) ? null : reader.GetGuid(7),
                    reader.IsDBNull(8) ? null : reader.GetString(8),
                    reader.IsDBNull(9) ? null : reader.GetString(9),
                    reader.IsDBNull(10) ? null : reader.GetString(10),
                    reader.IsDBNull(11) ? null : (Guid[])reader[11],
                    reader.IsDBNull(12) ? null : reader.GetFieldValue<DateTimeOffset>(12)));
                last = reader.GetFieldValue<DateTimeOffset>(13);
            }
        }
        return new FeedPage(entries, entries.Count == limit ? last : null);
    }

    private const string ClaimColumns = "id, county, town, village, campaign_id, claimed_by, claimed_at";

    private static async Task<IReadOnlyList<VillageClaim>> ReadClaimsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var claims = new List<VillageClaim>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var town = reader.GetString(2);
            claims.Add(new VillageClaim(reader.GetGuid(0), reader.GetString(1), town.Length == 0 ? null : town, reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetGuid(4), reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6)));
        }
        return claims;
    }
}
