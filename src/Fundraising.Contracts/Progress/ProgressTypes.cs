using Fundraising.Contracts.Campaigns;

namespace Fundraising.Contracts.Progress;

/// <summary>A recent gift as shown publicly: no name when the donor chose anonymity.</summary>
[GenerateSerializer, Immutable]
public sealed record RecentDonor(
    [property: Id(0)] string? DisplayName,
    [property: Id(1)] long Amount,
    [property: Id(2)] string? Message,
    [property: Id(3)] DateTimeOffset At);

/// <summary>
/// What a watcher sees of a campaign. <see cref="Version"/> only grows, so stale pushes can be dropped.
/// <see cref="SubPlans"/> are a village project's sub-plans with their progress; <see cref="Feed"/> the feed entries
/// (gifts, updates, milestones) since the previous push, oldest first, so the feed rides the same coalesced push.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ProgressSnapshot(
    [property: Id(0)] CampaignSummary Campaign,
    [property: Id(1)] IReadOnlyList<RecentDonor> RecentDonors,
    [property: Id(2)] long Version,
    [property: Id(3)] IReadOnlyList<Villages.SubPlanSummary>? SubPlans = null,
    [property: Id(4)] IReadOnlyList<Villages.FeedEntry>? Feed = null);

/// <summary>A front end that relays progress to its SignalR clients.</summary>
public interface IProgressObserver : IGrainObserver
{
    /// <summary>One-way: the grain does not wait for a front end to relay its push.</summary>
    [Orleans.Concurrency.OneWay]
    Task OnProgressAsync(ProgressSnapshot snapshot);

    /// <summary>One-way: a matching pool's latest state (its budget left, matched, status).</summary>
    [Orleans.Concurrency.OneWay]
    Task OnPoolAsync(Matching.PoolSnapshot snapshot);
}

/// <summary>Timing of the observer protocol between campaign grains and front ends.</summary>
public static class ProgressSubscription
{
    /// <summary>A subscription not renewed within this time is dropped (the front end may have died).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(90);

    /// <summary>How often front ends renew their subscriptions.</summary>
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(30);

    /// <summary>At most one push per campaign per this interval: about 4 a second.</summary>
    public static readonly TimeSpan PushInterval = TimeSpan.FromMilliseconds(250);
}
