using Fundraising.Contracts.Leaderboards;
using Fundraising.Contracts.Progress;
using Fundraising.Web.Progress;
using Fundraising.Web.Teams;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Fundraising.Web.Leaderboards;

/// <summary>
/// This front end's single observer of event boards. It subscribes to an event's board grain while at least one of its
/// SignalR connections watches one of that event's boards, entries or teams (telling the grain which entries and teams),
/// renews those subscriptions, and fans each push out to the SignalR groups. A board therefore sends one message per
/// front end per interval, not one per browser.
/// </summary>
public sealed class BoardRelay(
    IGrainFactory grains, IHubContext<ProgressHub> hub, IOptions<ProgressOptions> options, ILogger<BoardRelay> logger)
    : ObserverRelay<IBoardObserver, BoardWatchKey>(grains, options.Value.MaxWatchesPerConnection, logger), IBoardObserver
{
    public const string LeaderboardMethod = "leaderboard";
    public const string EntryMethod = "leaderboardEntry";
    public const string TeamMethod = "team";

    public static string GroupName(BoardWatchKey key) => key.Kind switch
    {
        WatchKind.Board => $"board:{key.EventId:N}:{BoardWords.Of(key.Board)}:{BoardWords.Of(key.By)}",
        WatchKind.Entry => $"entry:{key.EventId:N}:{BoardWords.Of(key.Board)}:{key.Key}",
        _ => $"team:{key.Team:N}",
    };

    /// <summary>
    /// Adds the watch and (re)subscribes to its event's board when it is new here; false, and nothing changed, when the
    /// connection already has <see cref="ProgressOptions.MaxWatchesPerConnection"/> other board watches.
    /// </summary>
    public async Task<bool> WatchAsync(string connectionId, BoardWatchKey key)
    {
        bool? first;
        lock (Gate)
        {
            first = AddWatch(connectionId, key);
        }
        if (first is null)
        {
            return false;
        }
        if (first.Value)
        {
            await SubscribeAsync(key.EventId);
        }
        return true;
    }

    public async Task OnBoardsAsync(BoardPush push)
    {
        List<(string Group, string Method, object Message)> sends = [];
        lock (Gate)
        {
            foreach (var board in push.Boards)
            {
                var key = BoardWatchKey.OfBoard(push.EventId, board.Board, board.By);
                if (IsWatched(key))
                {
                    sends.Add((GroupName(key), LeaderboardMethod, LeaderboardResponse.From(board)));
                }
            }
            foreach (var entry in push.Entries)
            {
                var key = BoardWatchKey.OfEntry(push.EventId, entry.Board, entry.Key);
                if (IsWatched(key))
                {
                    sends.Add((GroupName(key), EntryMethod, LeaderboardEntryMessage.From(entry)));
                }
            }
            foreach (var team in push.Teams)
            {
                var key = BoardWatchKey.OfTeam(push.EventId, team.Team.Id);
                if (IsWatched(key))
                {
                    sends.Add((GroupName(key), TeamMethod, TeamResponse.From(team)));
                }
            }
        }
        await Task.WhenAll(sends.Select(s => hub.Clients.Group(s.Group).SendAsync(s.Method, s.Message)));
    }

    // One subscription per event, telling its board what this front end watches of it (entries and teams; the top of
    // every board that changed is pushed anyway).
    protected override IEnumerable<(object What, Func<Task> Renew)> Renewals(IReadOnlyList<BoardWatchKey> watched) =>
        watched.Select(k => k.EventId).Distinct().Select(eventId => ((object)eventId, (Func<Task>)(() => SubscribeAsync(eventId))));

    private Task SubscribeAsync(Guid eventId)
    {
        BoardWatch watch;
        lock (Gate)
        {
            var keys = Watched.Where(k => k.EventId == eventId).ToList();
            watch = new BoardWatch(
                [.. keys.Where(k => k.Kind == WatchKind.Entry).Select(k => new BoardEntryKey(k.Board, k.Key!))],
                [.. keys.Where(k => k.Kind == WatchKind.Team).Select(k => k.Team)]);
        }
        return Grains.GetGrain<IEventBoardGrain>(eventId).SubscribeAsync(Reference, watch);
    }
}

public enum WatchKind
{
    Board,
    Entry,
    Team,
}

/// <summary>One thing a connection watches: a board's top on one order, one entry of a board, or a team (of an event).</summary>
public sealed record BoardWatchKey(WatchKind Kind, Guid EventId, BoardKind Board, BoardOrder By, string? Key, Guid Team)
{
    public static BoardWatchKey OfBoard(Guid eventId, BoardKind board, BoardOrder by) => new(WatchKind.Board, eventId, board, by, null, Guid.Empty);

    public static BoardWatchKey OfEntry(Guid eventId, BoardKind board, string key) => new(WatchKind.Entry, eventId, board, default, key, Guid.Empty);

    public static BoardWatchKey OfTeam(Guid eventId, Guid teamId) => new(WatchKind.Team, eventId, BoardKind.Teams, default, null, teamId);
}

public static class LeaderboardHostingExtensions
{
    /// <summary>The front end's board relay (one observer of every event board this host's connections watch).</summary>
    public static WebApplicationBuilder AddLiveLeaderboards(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<BoardRelay>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BoardRelay>());
        return builder;
    }
}
