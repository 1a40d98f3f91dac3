using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Matching;
using Fundraising.Contracts.Progress;
using Fundraising.Web.Matching;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Fundraising.Web.Progress;

/// <summary>
/// This front end's single observer of campaign grains. It subscribes to a campaign while at least
/// one of its SignalR connections watches it, renews those subscriptions, and fans each coalesced
/// push out to the campaign's SignalR group. Grains therefore send one message per front end, not
/// per browser.
/// </summary>
public sealed class ProgressRelay(
    IGrainFactory grains, IHubContext<ProgressHub> hub, IOptions<ProgressOptions> options, ILogger<ProgressRelay> logger)
    : ObserverRelay<IProgressObserver, Guid>(grains, options.Value.MaxWatchesPerConnection, logger), IProgressObserver
{
    // Watched ids that are matching pools rather than campaigns (ids are GUIDs: the two never collide).
    private readonly HashSet<Guid> _pools = [];

    /// <summary>
    /// Adds the watch and subscribes to the campaign if nobody here watched it yet; false, and nothing changed, when
    /// the connection already watches <see cref="ProgressOptions.MaxWatchesPerConnection"/> other campaigns.
    /// </summary>
    public Task<bool> WatchAsync(string connectionId, Guid campaignId) => WatchAsync(connectionId, campaignId, pool: false);

    /// <summary>As <see cref="WatchAsync(string, Guid)"/> for a matching pool; a pool counts toward the same per-connection limit.</summary>
    public Task<bool> WatchPoolAsync(string connectionId, Guid poolId) => WatchAsync(connectionId, poolId, pool: true);

    private async Task<bool> WatchAsync(string connectionId, Guid campaignId, bool pool)
    {
        bool? first;
        lock (Gate)
        {
            first = AddWatch(connectionId, campaignId);
            if (first is not null && pool)
            {
                _pools.Add(campaignId);
            }
        }
        if (first is null)
        {
            return false;
        }
        if (first.Value)
        {
            await SubscribeAsync(campaignId, pool);
        }
        return true;
    }

    private Task SubscribeAsync(Guid id, bool pool) => pool
        ? Grains.GetGrain<IMatchingPoolGrain>(id).SubscribeAsync(Reference)
        : Grains.GetGrain<ICampaignGrain>(id).SubscribeAsync(Reference);

    protected override void OnUnwatched(Guid key) => _pools.Remove(key);

    protected override IEnumerable<(object What, Func<Task> Renew)> Renewals(IReadOnlyList<Guid> watched)
    {
        (Guid Id, bool Pool)[] subscriptions;
        lock (Gate)
        {
            subscriptions = [.. watched.Select(id => (id, _pools.Contains(id)))];
        }
        return subscriptions.Select(s => ((object)s.Id, (Func<Task>)(() => SubscribeAsync(s.Id, s.Pool))));
    }

    public async Task OnProgressAsync(ProgressSnapshot snapshot)
    {
        await hub.Clients.Group(ProgressHub.GroupName(snapshot.Campaign.Id)).SendAsync(ProgressHub.ProgressMethod, ProgressMessage.From(snapshot));
        // The feed rides the same coalesced push: one message per push with the entries since the last, never one per gift.
        if (snapshot.Feed is { Count: > 0 } feed)
        {
            await hub.Clients.Group(ProgressHub.FeedGroupName(snapshot.Campaign.Id)).SendAsync(ProgressHub.FeedMethod,
                new Villages.FeedMessage(snapshot.Campaign.Id, [.. feed.Select(Villages.FeedEntryResponse.From)]));
        }
    }

    public Task OnPoolAsync(PoolSnapshot snapshot) =>
        hub.Clients.Group(ProgressHub.PoolGroupName(snapshot.Id)).SendAsync(ProgressHub.PoolMethod, PoolResponse.From(snapshot));
}

/// <summary>Limits of the live progress hub, bound from <c>Progress</c>.</summary>
public sealed class ProgressOptions
{
    /// <summary>How many campaigns one SignalR connection may watch at once; each keeps a grain's push timer running.</summary>
    [Range(1, 1000)]
    public int MaxWatchesPerConnection { get; set; } = 20;
}

public static class LiveProgressExtensions
{
    public static WebApplicationBuilder AddLiveProgress(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ProgressOptions>().BindConfiguration("Progress").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSignalR().AddJsonProtocol(options => Http.ApiConventions.ConfigureJson(options.PayloadSerializerOptions));
        builder.Services.AddSingleton<ProgressRelay>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ProgressRelay>());
        return builder;
    }
}
