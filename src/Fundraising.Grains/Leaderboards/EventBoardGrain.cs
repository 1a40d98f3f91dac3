using Fundraising.Contracts.Leaderboards;
using Fundraising.Contracts.Progress;
using Fundraising.Contracts.Teams;
using Fundraising.Persistence.Leaderboards;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fundraising.Grains.Leaderboards;

/// <summary>
/// One event's leaderboards (<see cref="EventBoards"/>): rebuilt from the ledger and catalogue when it activates (one
/// snapshot, a GROUP BY over the event's gifts), moved by the silos' feeds, re-reading a campaign whose delta is
/// missing, reconciling every campaign's totals version on a timer, and pushing what changed to the front ends that
/// watch it at most once per <see cref="LeaderboardOptions.PushInterval"/>.
/// </summary>
/// <remarks>Not reentrant: a feed's call, a read and a timer's re-read take turns, so the aggregates are never seen half moved.</remarks>
public sealed partial class EventBoardGrain(
    BoardStore store, DonorKeys keys, IOptions<LeaderboardOptions> options, TimeProvider time, ILogger<EventBoardGrain> logger) : Grain, IEventBoardGrain
{
    private const int PushedTop = 10;

    private readonly Dictionary<IBoardObserver, (BoardWatch Watch, DateTimeOffset Renewed)> _observers = [];
    private EventBoards? _boards;
    private DateTimeOffset _reconciledAt;
    // Campaigns a reconciliation found behind their durable version, with that version: re-read only if still behind
    // after SettleTime (see MaintainAsync).
    private Dictionary<Guid, long>? _suspects;
    private DateTimeOffset _suspectedAt;

    private Guid Id => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (await store.ReadAsync(Id, null, cancellationToken) is not { } snapshot)
        {
            return;
        }
        _boards = new EventBoards(Id, snapshot.Event, keys.For(Id));
        _boards.Load(snapshot, null, time.GetUtcNow());
        _boards.ClearChanges();
        _reconciledAt = time.GetUtcNow();
        var settings = options.Value;
        this.RegisterGrainTimer(MaintainAsync, new GrainTimerCreationOptions { DueTime = settings.FeedInterval, Period = settings.FeedInterval });
        this.RegisterGrainTimer(PushAsync, new GrainTimerCreationOptions { DueTime = settings.PushInterval, Period = settings.PushInterval });
    }

    public Task ApplyAsync(IReadOnlyList<CampaignBoardDelta> deltas)
    {
        if (_boards is { } boards)
        {
            var now = time.GetUtcNow();
            foreach (var delta in deltas)
            {
                boards.Apply(delta, now);
            }
        }
        return Task.CompletedTask;
    }

    public Task<BoardView?> GetBoardAsync(BoardKind board, BoardOrder by, int top, string? key) =>
        Task.FromResult(_boards?.View(board, by, top, key, time.GetUtcNow()));

    public Task<BoardEntryView?> GetEntryAsync(BoardKind board, string key) => Task.FromResult(_boards?.Entry(board, key, time.GetUtcNow()));

    public Task<DonorStanding?> GetDonorStandingAsync(Guid donorId)
    {
        if (_boards is not { } boards)
        {
            return Task.FromResult<DonorStanding?>(null);
        }
        var (keyOf, now) = (keys.For(Id), time.GetUtcNow());
        return Task.FromResult<DonorStanding?>(new DonorStanding(
            boards.Entry(BoardKind.Donors, keyOf(donorId, false), now), boards.Entry(BoardKind.Donors, keyOf(donorId, true), now)));
    }

    public async Task<TeamSnapshot?> GetTeamAsync(Guid teamId)
    {
        if (_boards is not { } boards)
        {
            return null;
        }
        if (boards.Team(teamId, time.GetUtcNow()) is null && await store.CampaignOfTeamAsync(Id, teamId) is { } campaignId
            && await store.ReadAsync(Id, [campaignId]) is { } snapshot)
        {
            // A team of this event the board has not heard of (its notice was lost): the ledger knows it and its gifts.
            boards.Load(snapshot, [campaignId], time.GetUtcNow());
        }
        return boards.Team(teamId, time.GetUtcNow());
    }

    public Task TeamCreatedAsync(TeamRecord team)
    {
        _boards?.AddTeam(team);
        return Task.CompletedTask;
    }

    public Task SubscribeAsync(IBoardObserver observer, BoardWatch watch)
    {
        _observers[observer] = (watch, time.GetUtcNow());
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(IBoardObserver observer)
    {
        _observers.Remove(observer);
        return Task.CompletedTask;
    }

    // Re-reads the campaigns a delta is missing for (or that asked for it), and every ReconcileEvery the ones whose durable
    // totals version is not the one applied: how a delta lost with a killed silo, or never sent, is recovered. At a
    // giving day's peak nearly every campaign has a delta on its way when the versions are read (queued at a silo's feed
    // for up to an interval), so a campaign found behind is re-read only if it is still behind a little later (SettleTime): otherwise
    // each reconciliation would re-read almost the whole event (a GROUP BY over its gifts and donors) for nothing.
    private async Task MaintainAsync(CancellationToken cancellationToken)
    {
        if (_boards is not { } boards)
        {
            return;
        }
        var now = time.GetUtcNow();
        var reread = boards.NeedingReread(now, options.Value.GapWait).ToHashSet();
        if (now - _reconciledAt >= options.Value.ReconcileEvery)
        {
            _reconciledAt = now;
            var versions = await store.VersionsAsync(Id, cancellationToken);
            _suspects = [];
            foreach (var campaignId in boards.Behind(versions))
            {
                if (versions.TryGetValue(campaignId, out var version))
                {
                    _suspects[campaignId] = version;
                }
                else
                {
                    // No longer in the event: it leaves the boards now.
                    reread.Add(campaignId);
                }
            }
            _suspectedAt = now;
        }
        else if (_suspects is { Count: > 0 } suspects && now - _suspectedAt >= SettleTime(options.Value))
        {
            reread.UnionWith(boards.StillBehind(suspects));
            _suspects = null;
        }
        if (reread.Count == 0)
        {
            return;
        }
        if (await store.ReadAsync(Id, reread, cancellationToken) is { } snapshot)
        {
            LogReread(Id, reread.Count);
            boards.Load(snapshot, reread, time.GetUtcNow());
        }
    }

    // How long a delta may take to arrive: a feed interval at the silo, one in this grain's timer, or the gap wait if longer.
    private static TimeSpan SettleTime(LeaderboardOptions settings) =>
        settings.GapWait > 2 * settings.FeedInterval ? settings.GapWait : 2 * settings.FeedInterval;

    // What changed since the last push, to each front end that watches: every changed board's top on both orders (all
    // front ends get the same lists), and the changed entries and teams that front end asked for.
    private async Task PushAsync(CancellationToken cancellationToken)
    {
        if (_boards is not { HasChanges: true } boards)
        {
            return;
        }
        var now = time.GetUtcNow();
        foreach (var lapsed in _observers.Where(o => now - o.Value.Renewed > ProgressSubscription.Lifetime).Select(o => o.Key).ToList())
        {
            _observers.Remove(lapsed);
        }
        if (_observers.Count == 0)
        {
            boards.ClearChanges();
            return;
        }
        List<BoardView> lists = [.. boards.DirtyBoards.SelectMany(board => Enum.GetValues<BoardOrder>().Select(by => boards.View(board, by, PushedTop, null, now)))];
        var pushes = _observers.Select(o => (Observer: o.Key, Push: new BoardPush(Id, lists,
            [.. o.Value.Watch.Entries.Where(e => boards.DirtyBoards.Contains(e.Board)).Select(e => boards.Entry(e.Board, e.Key, now)).OfType<BoardEntryView>()],
            [.. o.Value.Watch.Teams.Where(boards.DirtyTeams.Contains).Select(t => boards.Team(t, now)).OfType<TeamSnapshot>()]))).ToList();
        boards.ClearChanges();
        // One-way calls: a slow or dead front end holds up no one.
        await Task.WhenAll(pushes.Select(p => p.Observer.OnBoardsAsync(p.Push)));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Event {EventId}: re-read {Count} campaigns from the ledger for the boards")]
    private partial void LogReread(Guid eventId, int count);
}
