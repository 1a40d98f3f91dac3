using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Matching;
using Fundraising.Web.Matching;
using Fundraising.Web.Campaigns;
using Fundraising.Web.Http;
using Fundraising.Web.Leaderboards;
using Fundraising.Web.Teams;
using Fundraising.Contracts.Leaderboards;
using Fundraising.Persistence.Leaderboards;
using Fundraising.Persistence.Teams;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Fundraising.Web.Progress;

/// <summary>
/// <c>/hubs/progress</c>: clients invoke <c>Watch(campaignId)</c> and <c>Unwatch(campaignId)</c> and
/// receive <c>progress</c> messages, the first at once and then at most about four a second; <c>WatchPool</c> for pools;
/// <c>WatchLeaderboard</c>, <c>WatchLeaderboardEntry</c> and <c>WatchTeam</c> for an event's boards (about one a second).
/// </summary>
public sealed class ProgressHub(
    ProgressRelay relay, BoardRelay boards, IGrainFactory grains, IOptions<ProgressOptions> options, HubCallLimiter limiter,
    CampaignDirectory directory, BoardStore boardStore, TeamStore teams) : Hub
{
    public const string ProgressMethod = "progress";

    public const string PoolMethod = "pool";

    public static string GroupName(Guid campaignId) => $"campaign:{campaignId:N}";

    public static string PoolGroupName(Guid poolId) => $"pool:{poolId:N}";

    public const string FeedMethod = "feed";

    public static string FeedGroupName(Guid campaignId) => $"feed:{campaignId:N}";

    /// <summary>
    /// A project's live feed: <c>feed</c> messages with its new gifts (anonymous donors as 匿名爱心人士), updates and
    /// milestones, at most about four a second; the history is <c>GET /api/campaigns/{id}/feed</c>. It shares the
    /// campaign's subscription with <see cref="Watch"/> (one per front end), and counts toward the same per-connection limit.
    /// </summary>
    public async Task WatchFeed(string campaignId)
    {
        Limit();
        var id = Parse(campaignId);
        if (!await directory.ExistsAsync(id) || DraftVisibility.IsHidden(await grains.GetGrain<ICampaignGrain>(id).GetSummaryAsync(), Context.User ?? new()))
        {
            throw new HubException($"There is no campaign with id {id}.");
        }
        if (!await relay.WatchAsync(Context.ConnectionId, id))
        {
            throw new HubException(
                $"A connection may watch at most {options.Value.MaxWatchesPerConnection} campaigns at once; unwatch one first.");
        }
        await Groups.AddToGroupAsync(Context.ConnectionId, FeedGroupName(id));
    }

    /// <summary>Stops the feed; the campaign stays subscribed while this connection also watches its progress.</summary>
    public Task UnwatchFeed(string campaignId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, FeedGroupName(Parse(campaignId)));

    public async Task Watch(string campaignId)
    {
        Limit();
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
        Limit();
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

    /// <summary>Sends the board's top 10 (<c>leaderboard</c>, the REST body) at once, then on change, about once a second at most.</summary>
    public async Task WatchLeaderboard(string eventId, string board, string by)
    {
        var (id, kind, order) = await BoardOfAsync(eventId, board, by);
        var key = BoardWatchKey.OfBoard(id, kind, order);
        await WatchBoardsAsync(key);
        if (await grains.GetGrain<IEventBoardGrain>(id).GetBoardAsync(kind, order, BoardWords.DefaultTop, null) is { } view)
        {
            await Clients.Caller.SendAsync(BoardRelay.LeaderboardMethod, LeaderboardResponse.From(view));
        }
    }

    public async Task UnwatchLeaderboard(string eventId, string board, string by)
    {
        var (id, kind, order) = Parse(eventId, board, by);
        await UnwatchBoardsAsync(BoardWatchKey.OfBoard(id, kind, order));
    }

    /// <summary>Sends one entry with its rank on both orders (<c>leaderboardEntry</c>) at once, then on change.</summary>
    public async Task WatchLeaderboardEntry(string eventId, string board, string key)
    {
        var (id, kind, _) = await BoardOfAsync(eventId, board, null);
        if (string.IsNullOrEmpty(key) || key.Length > BoardWords.MaxKeyLength
            || await grains.GetGrain<IEventBoardGrain>(id).GetEntryAsync(kind, key) is not { } entry)
        {
            throw new HubException($"The {board} board of event {id} has no entry with that key.");
        }
        await WatchBoardsAsync(BoardWatchKey.OfEntry(id, kind, entry.Key));
        await Clients.Caller.SendAsync(BoardRelay.EntryMethod, LeaderboardEntryMessage.From(entry));
    }

    public async Task UnwatchLeaderboardEntry(string eventId, string board, string key)
    {
        var (id, kind, _) = Parse(eventId, board, null);
        var canonical = kind is BoardKind.Campaigns or BoardKind.Villages or BoardKind.Teams && Guid.TryParse(key, out var parsed) ? parsed.ToString() : key;
        await UnwatchBoardsAsync(BoardWatchKey.OfEntry(id, kind, canonical));
    }

    /// <summary>Sends the team (<c>team</c>, the body of GET /api/teams/{id}) at once and whenever its gifts move.</summary>
    public async Task WatchTeam(string teamId)
    {
        Limit();
        var id = Guid.TryParse(teamId, out var parsed) ? parsed : throw new HubException("teamId must be a team's id (a GUID).");
        if (await TeamEndpoints.SnapshotAsync(id, teams, grains, Context.ConnectionAborted) is not { } snapshot)
        {
            throw new HubException($"There is no team with id {id}.");
        }
        await WatchBoardsAsync(BoardWatchKey.OfTeam(snapshot.Team.EventId, id), limited: false);
        await Clients.Caller.SendAsync(BoardRelay.TeamMethod, TeamResponse.From(snapshot));
    }

    public async Task UnwatchTeam(string teamId)
    {
        var id = Guid.TryParse(teamId, out var parsed) ? parsed : throw new HubException("teamId must be a team's id (a GUID).");
        if (await teams.FindAsync(id, Context.ConnectionAborted) is { } team)
        {
            await UnwatchBoardsAsync(BoardWatchKey.OfTeam(team.EventId, id));
        }
    }

    // Join first, then read: a push that races the first message is newer (its asOf is later).
    private async Task WatchBoardsAsync(BoardWatchKey key, bool limited = true)
    {
        if (limited)
        {
            Limit();
        }
        if (!await boards.WatchAsync(Context.ConnectionId, key))
        {
            throw new HubException($"A connection may watch at most {options.Value.MaxWatchesPerConnection} boards, entries and teams at once; unwatch one first.");
        }
        await Groups.AddToGroupAsync(Context.ConnectionId, BoardRelay.GroupName(key));
    }

    private async Task UnwatchBoardsAsync(BoardWatchKey key)
    {
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, BoardRelay.GroupName(key));
        boards.Unwatch(Context.ConnectionId, key);
    }

    private async Task<(Guid Id, BoardKind Board, BoardOrder By)> BoardOfAsync(string eventId, string board, string? by)
    {
        var parsed = Parse(eventId, board, by);
        if (!await boardStore.EventExistsAsync(parsed.Id, Context.ConnectionAborted))
        {
            throw new HubException($"There is no event with id {parsed.Id}.");
        }
        return parsed;
    }

    private static (Guid Id, BoardKind Board, BoardOrder By) Parse(string eventId, string board, string? by)
    {
        var id = Guid.TryParse(eventId, out var parsed) ? parsed : throw new HubException("eventId must be an event's id (a GUID).");
        var v = new Validation();
        var (kind, order, _) = LeaderboardEndpoints.Parse(v, board, by, null);
        return v.IsValid ? (id, kind, order) : throw new HubException(string.Join(" ", v.Errors.SelectMany(e => e.Value)));
    }

    private void Limit()
    {
        if (!limiter.TryWatch(Context.GetHttpContext() is { } http ? ClientAddress.Of(http) : Context.ConnectionId, out var retryAfter))
        {
            throw new HubException($"Too many Watch calls from your address; retry after {Math.Ceiling(retryAfter.TotalSeconds)} seconds.");
        }
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        relay.Forget(Context.ConnectionId);
        boards.Forget(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
    private static Guid Parse(string campaignId) =>
        Guid.TryParse(campaignId, out var id) ? id : throw new HubException("campaignId must be a campaign's id (a GUID).");
}
