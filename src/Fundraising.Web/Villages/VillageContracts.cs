using Fundraising.Contracts.Leaderboards;
using Fundraising.Contracts.Villages;
using Fundraising.Persistence.Villages;

namespace Fundraising.Web.Villages;

/// <summary>Body of <c>POST /api/villages/claims</c>: the village a county association claims, and perhaps its project.</summary>
public sealed record ClaimVillageRequest(string? County, string? Town, string? Village, Guid? CampaignId);

public sealed record VillageClaimResponse(Guid Id, string County, string? Town, string Village, Guid? CampaignId, DateTimeOffset ClaimedAt)
{
    public static VillageClaimResponse From(VillageClaim c) => new(c.Id, c.County, c.Town, c.Village, c.CampaignId, c.ClaimedAt);
}

public sealed record VillageClaimListResponse(IReadOnlyList<VillageClaimResponse> Items);

/// <summary>Body of <c>POST /api/campaigns/{id}/subplans</c>. Goal in fen.</summary>
public sealed record CreateSubPlanRequest(string? Title, long? GoalAmount, string? Description);

/// <summary>A sub-plan with its progress: gifts that named it, net of refunds (<c>donationCount</c> in 人次).</summary>
public sealed record SubPlanResponse(Guid Id, Guid CampaignId, string Title, string? Description, long GoalAmount, long RaisedAmount, long DonationCount)
{
    public static SubPlanResponse From(SubPlanSummary p) => new(p.Id, p.CampaignId, p.Title, p.Description, p.GoalAmount, p.RaisedAmount, p.DonationCount);
}

public sealed record SubPlanListResponse(IReadOnlyList<SubPlanResponse> Items);

/// <summary>Body of <c>POST /api/campaigns/{id}/updates</c>.</summary>
public sealed record CreateUpdateRequest(string? Title, string? Body, IReadOnlyList<Guid>? PhotoIds);

/// <summary>Body of <c>POST /api/campaigns/{id}/milestones</c>; <c>reachedAt</c> defaults to now.</summary>
public sealed record CreateMilestoneRequest(string? Title, string? Body, DateTimeOffset? ReachedAt, IReadOnlyList<Guid>? PhotoIds);

/// <summary>The answer to an upload: the photo's id, where it is served, and its caption (text only, if one was given).</summary>
public sealed record PhotoResponse(Guid Id, string Url, string? Caption = null)
{
    public static PhotoResponse Of(Guid id) => new(id, $"/api/photos/{id}");

    public static PhotoResponse Of(ProjectPhoto photo) => new(photo.Id, $"/api/photos/{photo.Id}", photo.Caption);
}

/// <summary>
/// One entry of a project's feed (the REST history and the hub's <c>feed</c> message). <c>kind</c> says which fields it
/// has: a gift its <c>name</c> (匿名爱心人士 for an anonymous donor, never the name), amount, currency and sub-plan; an
/// update or milestone its title, body and photos; a disbursement (added by its own feature) its own; a photo (hub only,
/// a photo uploaded on its own) its one photo and its caption as <c>title</c>.
/// </summary>
public sealed record FeedEntryResponse(
    FeedKind Kind, Guid Id, Guid CampaignId, DateTimeOffset At, string? Name, long? Amount, string? Currency, Guid? SubPlanId,
    string? SubPlanTitle, string? Title, string? Body, IReadOnlyList<PhotoResponse> Photos, DateTimeOffset? ReachedAt)
{
    public static FeedEntryResponse From(FeedEntry e) => new(
        e.Kind, e.Id, e.CampaignId, e.At, e.Kind == FeedKind.Gift ? e.Name ?? BoardNames.Anonymous : e.Name, e.Amount, e.Currency, e.SubPlanId,
        e.SubPlanTitle, e.Title, e.Body, [.. (e.PhotoIds ?? []).Select(PhotoResponse.Of)], e.ReachedAt);
}

/// <summary>A page of the feed, newest first; <c>next</c> is the <c>before</c> of the older page (null on the last).</summary>
public sealed record FeedResponse(IReadOnlyList<FeedEntryResponse> Entries, DateTimeOffset? Next);

/// <summary>The hub's <c>feed</c> message: a project's new entries since the previous push, oldest first.</summary>
public sealed record FeedMessage(Guid CampaignId, IReadOnlyList<FeedEntryResponse> Entries);

/// <summary><c>GET /api/campaigns/{id}/village</c>: the project's village (when claimed), story, photos and sub-plans.</summary>
public sealed record VillageProjectResponse(
    Guid CampaignId, VillageClaimResponse? Claim, string Story, IReadOnlyList<PhotoResponse> Photos, IReadOnlyList<SubPlanResponse> SubPlans);
