using System.Diagnostics;
using Fundraising.Contracts.Leaderboards;
using Fundraising.Persistence.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fundraising.Grains.Leaderboards;

/// <summary>
/// This silo's one feed of the event boards. Campaign grains hand it the delta of each committed batch (a method call in
/// memory, no grain call); every <see cref="LeaderboardOptions.FeedInterval"/> it makes one call per event with
/// everything that queued for that event meanwhile. So a board costs one call per silo per interval, however many gifts
/// and campaigns there are.
/// </summary>
/// <remarks>
/// A call that fails (the board's silo is down) keeps its deltas for the next interval; a board drops those it already
/// has, so a delivery twice is harmless. Deltas lost with this silo are found by the boards' reconciliation.
/// </remarks>
public sealed partial class BoardFeed(IGrainFactory grains, IOptions<LeaderboardOptions> options, ILogger<BoardFeed> logger) : BackgroundService
{
    // Beyond this many waiting deltas for one event (its board unreachable for a long while) the oldest are dropped:
    // the board re-reads what it misses when it reconciles.
    private const int MaxWaitingPerEvent = 200_000;

    private readonly Lock _gate = new();
    private Dictionary<Guid, List<CampaignBoardDelta>> _waiting = [];
    // When each event's oldest waiting delta was queued (Stopwatch ticks): the board lag, one number per event and interval.
    private Dictionary<Guid, long> _since = [];

    public bool Enabled => options.Value.Enabled;

    /// <summary>Queues a campaign's delta for each event it takes part in.</summary>
    public void Add(IReadOnlyList<Guid> events, CampaignBoardDelta delta)
    {
        if (!Enabled || events.Count == 0)
        {
            return;
        }
        lock (_gate)
        {
            foreach (var eventId in events)
            {
                if (!_waiting.TryGetValue(eventId, out var deltas))
                {
                    _waiting[eventId] = deltas = [];
                    _since[eventId] = Stopwatch.GetTimestamp();
                }
                deltas.Add(delta);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.FeedInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Hands every waiting delta to its event's board: one call per event.</summary>
    public async Task FlushAsync()
    {
        Dictionary<Guid, List<CampaignBoardDelta>> batch;
        Dictionary<Guid, long> since;
        lock (_gate)
        {
            if (_waiting.Count == 0)
            {
                return;
            }
            (batch, _waiting) = (_waiting, []);
            (since, _since) = (_since, []);
        }
        await Task.WhenAll(batch.Select(async pair =>
        {
            var queuedAt = since[pair.Key];
            try
            {
                await grains.GetGrain<IEventBoardGrain>(pair.Key).ApplyAsync(pair.Value);
                FundraisingMetrics.LeaderboardLag.Record(Stopwatch.GetElapsedTime(queuedAt).TotalMilliseconds);
            }
            catch (Exception exception)
            {
                LogFeedFailed(exception, pair.Key, pair.Value.Count);
                Requeue(pair.Key, pair.Value, queuedAt);
            }
        }));
    }

    private void Requeue(Guid eventId, List<CampaignBoardDelta> deltas, long queuedAt)
    {
        lock (_gate)
        {
            // The requeued deltas are older than any queued since: the lag runs from theirs.
            _since[eventId] = queuedAt;
            if (_waiting.TryGetValue(eventId, out var newer))
            {
                deltas.AddRange(newer);
            }
            if (deltas.Count > MaxWaitingPerEvent)
            {
                deltas.RemoveRange(0, deltas.Count - MaxWaitingPerEvent);
            }
            _waiting[eventId] = deltas;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handing {Count} deltas to the boards of event {EventId} failed; they wait for the next interval")]
    private partial void LogFeedFailed(Exception exception, Guid eventId, int count);
}
