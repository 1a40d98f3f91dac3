namespace Fundraising.Contracts.Villages;

/// <summary>A sub-plan (子计划) of a village project: an elderly canteen, a children's home, a footbridge. Money in fen.</summary>
[GenerateSerializer, Immutable]
public sealed record NewSubPlan(
    [property: Id(0)] string Title,
    [property: Id(1)] long GoalAmount,
    [property: Id(2)] string? Description,
    [property: Id(3)] string CreatedBy);

/// <summary>A sub-plan with its progress: gifts that named it, net of refunds (<see cref="DonationCount"/> in 人次).</summary>
[GenerateSerializer, Immutable]
public sealed record SubPlanSummary(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid CampaignId,
    [property: Id(2)] string Title,
    [property: Id(3)] string? Description,
    [property: Id(4)] long GoalAmount,
    [property: Id(5)] long RaisedAmount,
    [property: Id(6)] long DonationCount,
    [property: Id(7)] DateTimeOffset CreatedAt);

public enum SubPlanError
{
    None,
    CampaignNotFound,

    /// <summary>Sub-plans belong to village projects only.</summary>
    NotVillage,
    CampaignClosed,
    DuplicateTitle,
    TooMany,
}

[GenerateSerializer, Immutable]
public sealed record SubPlanResult(
    [property: Id(0)] SubPlanError Error,
    [property: Id(1)] SubPlanSummary? SubPlan,
    [property: Id(2)] string? Detail = null);

/// <summary>
/// What a project's feed carries. A disbursement is one more kind, written by its own feature. A photo uploaded on its
/// own is pushed live only (the page puts it in its photo strip, where a reload shows it); the feed's history never has one.
/// </summary>
public enum FeedKind
{
    Gift,
    Update,
    Milestone,
    Disbursement,
    Photo,
}

/// <summary>
/// A coordinator's update or milestone on a project. <see cref="ReachedAt"/> is for milestones (when it was reached);
/// <see cref="PhotoIds"/> must be photos of the same project.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record NewPost(
    [property: Id(0)] FeedKind Kind,
    [property: Id(1)] string Title,
    [property: Id(2)] string? Body,
    [property: Id(3)] DateTimeOffset? ReachedAt,
    [property: Id(4)] IReadOnlyList<Guid> PhotoIds,
    [property: Id(5)] string CreatedBy);

public enum PostError
{
    None,
    CampaignNotFound,
    PhotoNotFound,
}

[GenerateSerializer, Immutable]
public sealed record PostResult(
    [property: Id(0)] PostError Error,
    [property: Id(1)] FeedEntry? Entry,
    [property: Id(2)] string? Detail = null);

/// <summary>
/// One entry of a project's public feed, whatever its kind. A gift carries the public name (null when the donor is
/// anonymous: shown as 匿名爱心人士, never named), amount, currency and sub-plan; a post its title, body and photos.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FeedEntry(
    [property: Id(0)] FeedKind Kind,
    [property: Id(1)] Guid Id,
    [property: Id(2)] Guid CampaignId,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] string? Name = null,
    [property: Id(5)] long? Amount = null,
    [property: Id(6)] string? Currency = null,
    [property: Id(7)] Guid? SubPlanId = null,
    [property: Id(8)] string? SubPlanTitle = null,
    [property: Id(9)] string? Title = null,
    [property: Id(10)] string? Body = null,
    [property: Id(11)] IReadOnlyList<Guid>? PhotoIds = null,
    [property: Id(12)] DateTimeOffset? ReachedAt = null);
