using System.Security.Claims;
using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Villages;
using Fundraising.Persistence.Catalog;
using Fundraising.Persistence.Villages;
using Fundraising.Web.Campaigns;
using Fundraising.Web.Http;
using Fundraising.Web.Security;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Fundraising.Web.Villages;

/// <summary>
/// Village projects (慈善幸福家园): claims of villages by county associations, a project's sub-plans, photos, updates and
/// milestones (coordinators on their own projects, associations in their county, admins anywhere), and the public
/// feed's history. Whether a project takes a sub-plan or a post (its kind, its status, its own photos) is the campaign
/// grain's decision; photos are cleaned here (<see cref="PhotoImages"/>) before anything is stored.
/// </summary>
public static class VillageEndpoints
{
    public const int MaxTitleLength = 80;
    public const int MaxPostTitleLength = 120;
    public const int MaxDescriptionLength = 2000;
    public const int MaxBodyLength = 5000;
    public const int MaxPhotosPerPost = 9;
    public const int MaxCaptionLength = 200;
    public const long MaxGoalAmount = 100_000_000_000;
    public const int MaxFeedLimit = 100;
    public const int MaxFollowed = 20;

    public static IEndpointRouteBuilder MapVillages(this IEndpointRouteBuilder app)
    {
        var claims = app.MapGroup("/api/villages/claims").WithTags("Villages").ProducesProblems(409);
        claims.MapGet("/", ListClaimsAsync).WithSummary("Villages claimed by county associations.");
        claims.MapPost("/", ClaimAsync).WithSummary("Claims a village for a county association.").RequireAuthorization(Access.ClaimVillages);

        var project = app.MapGroup("/api/campaigns/{campaignId:guid}").WithTags("Villages").AddEndpointFilter(CampaignDirectory.RequireKnownAsync).ProducesProblems(404);
        project.MapGet("/village", GetProjectAsync).WithSummary("A village project: its village, sub-plans and progress.");
        project.MapGet("/subplans", ListSubPlansAsync).WithSummary("A village project's sub-plans.");
        project.MapGet("/feed", FeedAsync).WithSummary("A village project's feed: updates, photos and milestones, newest first.");

        // Every write on a project: the role (policy), then the project in the account's scope.
        var writes = app.MapGroup("/api/campaigns/{campaignId:guid}").WithTags("Villages").RequireAuthorization(Access.PostOnProjects).ProducesProblems(404, 409, 413, 422)
            .AddEndpointFilter(CampaignDirectory.RequireKnownAsync).RequireCampaignScope();
        writes.MapPost("/subplans", CreateSubPlanAsync).WithSummary("Adds a sub-plan to a village project.");
        writes.MapPost("/photos", UploadPhotoAsync).WithSummary("Uploads a photo of a village project (re-encoded: only pixels are kept).");
        writes.MapPost("/updates", (Guid campaignId, CreateUpdateRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
            PostAsync(campaignId, FeedKind.Update, request.Title, request.Body, null, request.PhotoIds, user, grains)).WithSummary("Posts an update on a village project.");
        writes.MapPost("/milestones", (Guid campaignId, CreateMilestoneRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
            PostAsync(campaignId, FeedKind.Milestone, request.Title, request.Body, request.ReachedAt, request.PhotoIds, user, grains)).WithSummary("Records a milestone of a village project.");

        app.MapGroup("/api/photos").WithTags("Villages").ProducesProblems(404).MapGet("/{id:guid}", GetPhotoAsync).WithSummary("A project photo (JPEG).");
        app.MapGroup("/api/feed").WithTags("Villages").MapGet("/", FollowedFeedAsync).WithSummary("The feed of the village projects a donor follows.");
        return app;
    }

    private static async Task<Results<Created<VillageClaimResponse>, ValidationProblem, ProblemHttpResult>> ClaimAsync(
        ClaimVillageRequest request, ClaimsPrincipal user, VillageStore store, ICampaignCatalog catalog, TimeProvider time, CancellationToken cancellationToken)
    {
        var v = new Validation();
        var county = v.Text("county", request.County, 40);
        var town = v.Text("town", request.Town, 40, required: false);
        var village = v.Text("village", request.Village, 60);
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        if (StaffScope.Of(user) is not { } scope || !scope.CoversRegion(new Region("", "", county!, village, town)))
        {
            return TypedResults.Problem(CampaignAccess.Forbidden("A county association claims villages in its own county only."));
        }
        if (request.CampaignId is { } campaignId)
        {
            if (await catalog.LoadAsync(campaignId, cancellationToken) is not { } row)
            {
                return TypedResults.Problem(Problem.NotFound("campaign", campaignId));
            }
            var region = row.Definition.Region;
            if (row.Definition.Kind != CampaignKind.Village || !Same(region.County, county) || !Same(region.Village, village) || !Same(region.Town, town))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["campaignId"] = ["'campaignId' must be a village project of this very county, town and village."],
                });
            }
        }
        var claim = new VillageClaim(Guid.CreateVersion7(), county!, town, village!, request.CampaignId, Actor.Of(user), time.GetUtcNow());
        try
        {
            if (!await store.ClaimAsync(claim, cancellationToken))
            {
                return TypedResults.Problem(Problem.Conflict($"{county} {town} {village} is already claimed."));
            }
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation)
        {
            return TypedResults.Problem(Problem.Conflict("That project already belongs to another claimed village."));
        }
        return TypedResults.Created($"/api/villages/claims?county={Uri.EscapeDataString(claim.County)}", VillageClaimResponse.From(claim));
    }

    private static bool Same(string? a, string? b) => string.Equals(a?.Trim() ?? "", b?.Trim() ?? "", StringComparison.Ordinal);

    private static async Task<Ok<VillageClaimListResponse>> ListClaimsAsync(string? county, VillageStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(new VillageClaimListResponse(
            [.. (await store.ListClaimsAsync(string.IsNullOrWhiteSpace(county) ? null : county.Trim(), 500, cancellationToken)).Select(VillageClaimResponse.From)]));

    private static async Task<Results<Ok<VillageProjectResponse>, ProblemHttpResult>> GetProjectAsync(
        Guid campaignId, ClaimsPrincipal user, IGrainFactory grains, VillageStore store, CancellationToken cancellationToken)
    {
        var grain = grains.GetGrain<ICampaignGrain>(campaignId);
        var summary = await grain.GetSummaryAsync();
        if (DraftVisibility.IsHidden(summary, user))
        {
            return TypedResults.Problem(Problem.NotFound("campaign", campaignId));
        }
        var claim = await store.ClaimOfCampaignAsync(campaignId, cancellationToken);
        var photos = await store.PhotosOfCampaignAsync(campaignId, 50, cancellationToken);
        return TypedResults.Ok(new VillageProjectResponse(campaignId, claim is null ? null : VillageClaimResponse.From(claim), summary.Definition.Description,
            [.. photos.Select(p => PhotoResponse.Of(p))], [.. (await grain.GetSubPlansAsync()).Select(SubPlanResponse.From)]));
    }

    private static async Task<Results<Ok<SubPlanListResponse>, ProblemHttpResult>> ListSubPlansAsync(Guid campaignId, ClaimsPrincipal user, IGrainFactory grains)
    {
        var grain = grains.GetGrain<ICampaignGrain>(campaignId);
        return DraftVisibility.IsHidden(await grain.GetSummaryAsync(), user)
            ? TypedResults.Problem(Problem.NotFound("campaign", campaignId))
            : TypedResults.Ok(new SubPlanListResponse([.. (await grain.GetSubPlansAsync()).Select(SubPlanResponse.From)]));
    }

    private static async Task<Results<Created<SubPlanResponse>, ValidationProblem, ProblemHttpResult>> CreateSubPlanAsync(
        Guid campaignId, CreateSubPlanRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var v = new Validation();
        var title = v.Text("title", request.Title, MaxTitleLength);
        var goal = v.Amount("goalAmount", request.GoalAmount, MaxGoalAmount);
        var description = v.Text("description", request.Description, MaxDescriptionLength, required: false);
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        var result = await grains.GetGrain<ICampaignGrain>(campaignId).CreateSubPlanAsync(new NewSubPlan(title!, goal, description, Actor.Of(user)));
        return result.Error switch
        {
            SubPlanError.None => TypedResults.Created($"/api/campaigns/{campaignId}/subplans", SubPlanResponse.From(result.SubPlan!)),
            SubPlanError.CampaignNotFound => TypedResults.Problem(Problem.NotFound("campaign", campaignId)),
            SubPlanError.DuplicateTitle => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["title"] = [result.Detail!] }),
            SubPlanError.NotVillage => TypedResults.Problem(Problem.Unprocessable("Not a village project.", result.Detail!)),
            _ => TypedResults.Problem(Problem.Conflict(result.Detail ?? "The project takes no new sub-plans.")),
        };
    }

    private static async Task<Results<Created<FeedEntryResponse>, ValidationProblem, ProblemHttpResult>> PostAsync(
        Guid campaignId, FeedKind kind, string? rawTitle, string? rawBody, DateTimeOffset? reachedAt, IReadOnlyList<Guid>? photoIds,
        ClaimsPrincipal user, IGrainFactory grains)
    {
        var v = new Validation();
        var title = v.Text("title", rawTitle, MaxPostTitleLength);
        var body = v.Text("body", rawBody, MaxBodyLength, required: kind == FeedKind.Update);
        var photos = photoIds ?? [];
        if (photos.Count > MaxPhotosPerPost)
        {
            v.Add("photoIds", $"'photoIds' may name at most {MaxPhotosPerPost} photos.");
        }
        if (photos.Any(id => id == Guid.Empty))
        {
            v.Add("photoIds", "'photoIds' must be ids of uploaded photos.");
        }
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        var result = await grains.GetGrain<ICampaignGrain>(campaignId).PostAsync(new NewPost(kind, title!, body, reachedAt, photos, Actor.Of(user)));
        return result.Error switch
        {
            PostError.None => TypedResults.Created($"/api/campaigns/{campaignId}/feed", FeedEntryResponse.From(result.Entry!)),
            PostError.PhotoNotFound => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["photoIds"] = [result.Detail!] }),
            _ => TypedResults.Problem(Problem.NotFound("campaign", campaignId)),
        };
    }

    private static async Task<Results<Created<PhotoResponse>, ValidationProblem, ProblemHttpResult>> UploadPhotoAsync(
        Guid campaignId, HttpContext http, VillageStore store, IGrainFactory grains, CancellationToken cancellationToken)
    {
        // The host takes small bodies only; a photo upload may be larger, up to its own limit (and a little for the form).
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = PhotoImages.MaxUploadBytes + 64 * 1024;
        }
        if (!http.Request.HasFormContentType)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["file"] = ["Send the photo as multipart/form-data in a field named 'file'."] });
        }
        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException or IOException)
        {
            return TypedResults.Problem(new() { Title = "The upload is too large or malformed.", Detail = $"A photo is at most {PhotoImages.MaxUploadBytes / (1024 * 1024)} MB.", Status = StatusCodes.Status413PayloadTooLarge });
        }
        var file = form.Files.GetFile("file");
        var v = new Validation();
        var caption = v.Text("caption", form["caption"].Count > 1 ? null : form["caption"].ToString(), MaxCaptionLength, required: false);
        if (form["caption"].Count > 1)
        {
            v.Add("caption", "'caption' must be given at most once.");
        }
        if (file is null)
        {
            v.Add("file", "The form has no field named 'file'.");
        }
        if (!v.IsValid || file is null)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        if (file.Length > PhotoImages.MaxUploadBytes)
        {
            return TypedResults.Problem(new() { Title = "The photo is too large.", Detail = $"A photo is at most {PhotoImages.MaxUploadBytes / (1024 * 1024)} MB.", Status = StatusCodes.Status413PayloadTooLarge });
        }
        using var buffer = new MemoryStream((int)file.Length);
        await file.CopyToAsync(buffer, cancellationToken);
        var clean = PhotoImages.Clean(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        if (clean.Refusal is { } refusal)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["file"] = [refusal] });
        }
        var photo = new StoredPhoto(Guid.CreateVersion7(), campaignId, clean.ContentType!, clean.Width, clean.Height, clean.Bytes!, caption);
        await store.InsertPhotoAsync(photo, Actor.Of(http.User), cancellationToken);
        await grains.GetGrain<ICampaignGrain>(campaignId).PhotoAddedAsync(photo.Id, caption);
        return TypedResults.Created($"/api/photos/{photo.Id}", PhotoResponse.Of(new ProjectPhoto(photo.Id, caption)));
    }

    private static async Task<IResult> GetPhotoAsync(Guid id, HttpContext http, VillageStore store, CancellationToken cancellationToken)
    {
        if (await store.FindPhotoAsync(id, cancellationToken) is not { } photo)
        {
            return TypedResults.Problem(Problem.NotFound("photo", id));
        }
        // A photo never changes under its id: cached for a year, never revalidated, never sniffed as anything else.
        http.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.File(photo.Bytes, photo.ContentType);
    }

    private static async Task<Results<Ok<FeedResponse>, ValidationProblem, ProblemHttpResult>> FeedAsync(
        Guid campaignId, DateTimeOffset? before, int? limit, ClaimsPrincipal user, IGrainFactory grains, VillageStore store, CancellationToken cancellationToken)
    {
        var v = new Validation();
        var size = Limit(v, limit);
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        if (DraftVisibility.IsHidden(await grains.GetGrain<ICampaignGrain>(campaignId).GetSummaryAsync(), user))
        {
            return TypedResults.Problem(Problem.NotFound("campaign", campaignId));
        }
        return TypedResults.Ok(Page(await store.FeedAsync([campaignId], before, size, cancellationToken)));
    }

    /// <summary><c>GET /api/feed?campaignIds=a,b</c>: one feed of the projects a visitor follows (kept in their browser).</summary>
    private static async Task<Results<Ok<FeedResponse>, ValidationProblem>> FollowedFeedAsync(
        string? campaignIds, DateTimeOffset? before, int? limit, ClaimsPrincipal user, IGrainFactory grains, CampaignDirectory directory,
        VillageStore store, CancellationToken cancellationToken)
    {
        var v = new Validation();
        var size = Limit(v, limit);
        var ids = new List<Guid>();
        foreach (var part in (campaignIds ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Guid.TryParse(part, out var id))
            {
                ids.Add(id);
            }
            else
            {
                v.Add("campaignIds", $"'campaignIds' must be campaign ids (GUIDs) separated by commas; '{part}' is not one.");
                break;
            }
        }
        ids = [.. ids.Distinct()];
        if (ids.Count is 0 or > MaxFollowed)
        {
            v.Add("campaignIds", $"'campaignIds' must name 1 to {MaxFollowed} campaigns.");
        }
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        // Unknown and hidden (draft) campaigns are left out, as if they had no entries.
        var visible = new List<Guid>();
        foreach (var id in ids)
        {
            if (await directory.ExistsAsync(id) && !DraftVisibility.IsHidden(await grains.GetGrain<ICampaignGrain>(id).GetSummaryAsync(), user))
            {
                visible.Add(id);
            }
        }
        return TypedResults.Ok(visible.Count == 0 ? new FeedResponse([], null) : Page(await store.FeedAsync(visible, before, size, cancellationToken)));
    }

    private static int Limit(Validation v, int? limit)
    {
        if (limit is { } given && (given < 1 || given > MaxFeedLimit))
        {
            v.Add("limit", $"'limit' must be 1 to {MaxFeedLimit}.");
        }
        return limit ?? 20;
    }

    private static FeedResponse Page(FeedPage page) => new([.. page.Entries.Select(FeedEntryResponse.From)], page.Next);
}
