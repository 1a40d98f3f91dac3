using Fundraising.Contracts.Health;
using Fundraising.Contracts.Matching;
using Fundraising.Persistence.Dashboard;
using Fundraising.Persistence.Events;
using Fundraising.Web.Matching;
using Microsoft.AspNetCore.SignalR;

namespace Fundraising.Web.Dashboard;

/// <summary>
/// This front end's one sampler per watched event. While at least one of its dashboard connections watches an event, a
/// timer samples it once a second (two statements, a call per pool, three cluster calls) and sends the sample to the
/// event's SignalR group: the cost is per event and second, not per browser. The REST read shares the same samples: a
/// sample less than a second old is answered as it is. Rates are the change between two samples over the time between.
/// </summary>
public sealed partial class DashboardSampler(
    EventStore events, DashboardQueries queries, IGrainFactory grains, IHubContext<DashboardHub> hub, TimeProvider time, ILogger<DashboardSampler> logger)
    : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>A sample younger than this is fresh enough to answer again (a little under the interval, so the timer always samples anew).</summary>
    private static readonly TimeSpan Fresh = Interval * 0.8;

    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, Feed> _feeds = [];
    private readonly Dictionary<string, HashSet<Guid>> _byConnection = [];
    private readonly CancellationTokenSource _stopping = new();

    private sealed class Feed
    {
        public HashSet<string> Watchers { get; } = [];

        public SemaphoreSlim Sampling { get; } = new(1, 1);

        public Task? Loop { get; set; }

        public DashboardMessage? Last { get; set; }
    }

    /// <summary>The event's latest sample, taken now unless one is less than a second old; null when there is no such event.</summary>
    public async Task<DashboardMessage?> CurrentAsync(Guid eventId, CancellationToken cancellationToken = default)
    {
        Feed feed;
        lock (_gate)
        {
            if (!_feeds.TryGetValue(eventId, out feed!))
            {
                _feeds[eventId] = feed = new Feed();
            }
        }
        if (IsFresh(feed.Last))
        {
            return feed.Last;
        }
        await feed.Sampling.WaitAsync(cancellationToken);
        try
        {
            if (IsFresh(feed.Last))
            {
                return feed.Last;
            }
            var sample = await SampleAsync(eventId, feed.Last, cancellationToken);
            if (sample is null)
            {
                lock (_gate)
                {
                    // No such event: keep nothing for it unless someone watches (they were told it does not exist).
                    if (feed.Watchers.Count == 0)
                    {
                        _feeds.Remove(eventId);
                    }
                }
                return null;
            }
            feed.Last = sample;
            return sample;
        }
        finally
        {
            feed.Sampling.Release();
        }
    }

    /// <summary>Adds a watcher and starts the event's timer if it is the first; false, and nothing changed, beyond the per-connection limit.</summary>
    public bool Watch(string connectionId, Guid eventId)
    {
        lock (_gate)
        {
            if (!_byConnection.TryGetValue(connectionId, out var watched))
            {
                _byConnection[connectionId] = watched = [];
            }
            if (!watched.Contains(eventId) && watched.Count >= DashboardHub.MaxEventsPerConnection)
            {
                return false;
            }
            watched.Add(eventId);
            if (!_feeds.TryGetValue(eventId, out var feed))
            {
                _feeds[eventId] = feed = new Feed();
            }
            feed.Watchers.Add(connectionId);
            feed.Loop ??= Task.Run(() => RunAsync(eventId, feed));
            return true;
        }
    }

    public void Unwatch(string connectionId, Guid eventId)
    {
        lock (_gate)
        {
            if (_byConnection.TryGetValue(connectionId, out var watched))
            {
                watched.Remove(eventId);
            }
            if (_feeds.TryGetValue(eventId, out var feed))
            {
                feed.Watchers.Remove(connectionId);
            }
        }
    }

    public void Forget(string connectionId)
    {
        lock (_gate)
        {
            if (_byConnection.Remove(connectionId, out var watched))
            {
                foreach (var eventId in watched)
                {
                    if (_feeds.TryGetValue(eventId, out var feed))
                    {
                        feed.Watchers.Remove(connectionId);
                    }
                }
            }
        }
    }

    /// <summary>Whether this front end's timer for the event is running (someone here watches it).</summary>
    public bool IsSampling(Guid eventId)
    {
        lock (_gate)
        {
            return _feeds.TryGetValue(eventId, out var feed) && feed.Loop is not null;
        }
    }

    // One loop per watched event; it ends at the first tick with nobody watching (decided under the lock that Watch
    // takes, so a watcher that arrives then starts a new loop).
    private async Task RunAsync(Guid eventId, Feed feed)
    {
        try
        {
            using var timer = new PeriodicTimer(Interval, time);
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                lock (_gate)
                {
                    if (feed.Watchers.Count == 0)
                    {
                        feed.Loop = null;
                        return;
                    }
                }
                try
                {
                    if (await CurrentAsync(eventId, _stopping.Token) is { } sample)
                    {
                        await hub.Clients.Group(DashboardHub.GroupName(eventId)).SendAsync(DashboardHub.DashboardMethod, sample, _stopping.Token);
                    }
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // A silo failing over, the database away for a moment: this second is skipped, the next one tries again.
                    LogSampleFailed(exception, eventId);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The host is stopping.
        }
    }

    private bool IsFresh(DashboardMessage? sample) => sample is not null && time.GetUtcNow() - sample.At < Fresh;

    private async Task<DashboardMessage?> SampleAsync(Guid eventId, DashboardMessage? previous, CancellationToken cancellationToken)
    {
        if (await events.FindAsync(eventId, cancellationToken) is not { } row)
        {
            return null;
        }
        var counts = await queries.CountsAsync(eventId, cancellationToken);
        var pools = await Task.WhenAll(counts.PoolIds.Select(id => grains.GetGrain<IMatchingPoolGrain>(id).GetAsync()));
        var management = grains.GetGrain<IManagementGrain>(0);
        var hosts = await management.GetHosts(onlyActive: false);
        var activations = await management.GetTotalActivationCount();
        var commits = await grains.GetGrain<IClusterHealthGrain>(0).GetCommitBatchesAsync();
        var at = time.GetUtcNow();
        var totals = new DashboardTotals(row.Totals.RaisedAmount, row.Totals.DonationCount, row.Totals.MatchedAmount);
        var elapsed = previous is null ? TimeSpan.Zero : at - previous.At;
        return new DashboardMessage(
            eventId, at, row.Currency, totals,
            PerSecond(totals.DonationCount, previous?.Totals.DonationCount, elapsed),
            PerSecond(totals.MatchedAmount, previous?.Totals.MatchedAmount, elapsed),
            [.. pools.OfType<PoolSnapshot>().Select(p => new DashboardPool(
                p.Id, p.Definition.SponsorName, PoolResponse.StatusText(p.Status), p.Definition.Budget, p.MatchedAmount, p.RemainingAmount))],
            counts.HeldGifts,
            new DashboardHealth(
                [.. hosts.Where(h => h.Value != SiloStatus.Dead).OrderBy(h => h.Key.ToParsableString(), StringComparer.Ordinal)
                    .Select(h => new DashboardSilo(h.Key.ToParsableString(), h.Value.ToString().ToLowerInvariant()))],
                activations,
                new DashboardCommitBatches(commits.Count, Math.Round(commits.MeanSize, 1), commits.MaxSize),
                counts.WebhookBacklog));
    }

    // The first sample has nothing to compare with: 0, not a guess.
    private static double PerSecond(long now, long? before, TimeSpan elapsed) =>
        before is null || elapsed <= TimeSpan.Zero ? 0 : Math.Round((now - before.Value) / elapsed.TotalSeconds, 2);

    // Only cancelled, never disposed: a loop may still be reading its token while the host stops.
    public void Dispose() => _stopping.Cancel();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sampling the dashboard of event {EventId} failed")]
    private partial void LogSampleFailed(Exception exception, Guid eventId);
}
