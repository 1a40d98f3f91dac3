using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Matching;
using Fundraising.Web.Matching;
using Fundraising.Web.Campaigns;
using Fundraising.Web.Http;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Fundraising.Web.Progress;

/// <summary>
/// <c>/hubs/progress</c>: clients invoke <c>Watch(campaignId)</c> and <c>Unwatch(campaignId)</c> and
/// receive <c>progress</c> messages, the first at once and then at most about four a second.
/// </summary>
public sealed class ProgressHub(
    ProgressRelay relay, IGrainFactory grains, IOptions<ProgressOptions> options, HubCallLimiter limiter, CampaignDirectory directory) : Hub
{
    public const string ProgressMethod = "progress";

    public const string PoolMethod = "pool";

    public static string GroupName(Guid campaignId) => $"campaign:{campaignId:N}";

    public static string PoolGroupName(Guid poolId) => $"pool:{poolId:N}";

    public async Task Watch(string campaignId)
    {
        if (!limiter.TryWatch(Context.GetHttpContext() is { } http ? ClientAddress.Of(http) : Context.ConnectionId, out var retryAfter))
        {
            throw new HubException($"Too many Watch calls from your address; retry after {Math.Ceiling(retryAfter.TotalSeconds)} seconds.");
        }
        var id = Parse(campaignId);
        var grain = grains.GetGrain<ICampaignGrain>(id);
        // A draft is refused exactly like an unknown id, unless the caller may see drafts.
        if (!await directory.ExistsAsync(id) || DraftVisibility.IsHidden(await grain.GetSummaryAsync(), Context.User ?? new()))
        {
            throw new HubException($"There is no campaign with id {id}.");
        }
        if (!await relay.WatchAsync(Context.ConnectionId, id))
        {
            throw new HubException(
                $"A connection may watch at most {options.Value.MaxWatchesPerConnection} campaigns at once; unwatch one first.");
        }
        // Join first, then read: a push that races the snapshot is newer, and clients keep the highest version.
        await Groups.AddToGroupAsync(Context.ConnectionId, GroupName(id));
        if (await grain.GetProgressAsync() is { } snapshot)
        {
            await Clients.Caller.SendAsync(ProgressMethod, ProgressMessage.From(snapshot));
        }
    }

    /// <summary>Sends the pool at once, then <c>pool</c> messages as its money moves (a few a second at most).</summary>
    public async Task WatchPool(string poolId)
    {
        if (!limiter.TryWatch(Context.GetHttpContext() is { } http ? ClientAddress.Of(http) : Context.ConnectionId, out var retryAfter))
        {
            throw new HubException($"Too many Watch calls from your address; retry after {Math.Ceiling(retryAfter.TotalSeconds)} seconds.");
        }
        var id = Guid.TryParse(poolId, out var parsed) ? parsed : throw new HubException("poolId must be a pool's id (a GUID).");
        var grain = grains.GetGrain<IMatchingPoolGrain>(id);
        if (await grain.GetAsync() is null)
        {
            throw new HubException($"There is no pool with id {id}.");
        }
        if (!await relay.WatchPoolAsync(Context.ConnectionId, id))
        {
            throw new HubException($"A connection may watch at most {options.Value.MaxWatchesPerConnection} campaigns and pools at once; unwatch one first.");
        }
        await Groups.AddToGroupAsync(Context.ConnectionId, PoolGroupName(id));
        if (await grain.GetAsync() is { } snapshot)
        {
            await Clients.Caller.SendAsync(PoolMethod, PoolResponse.From(snapshot));
        }
    }

    public async Task UnwatchPool(string poolId)
    {
        var id = Guid.TryParse(poolId, out var parsed) ? parsed : throw new HubException("poolId must be a pool's id (a GUID).");
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, PoolGroupName(id));
        relay.Unwatch(Context.ConnectionId, id);
    }

    public async Task Unwatch(string campaignId)
    {
        var id = Parse(campaignId);
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, GroupName(id));
        relay.Unwatch(Context.ConnectionId, id);
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        relay.Forget(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }

    private static Guid Parse(string campaignId) =>
        Guid.TryParse(campaignId, out var id) ? id : throw new HubException("campaignId must be a campaign's id (a GUID).");
}
