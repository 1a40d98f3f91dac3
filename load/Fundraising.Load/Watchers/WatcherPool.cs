using System.Diagnostics;
using Fundraising.Load.Donors;
using Fundraising.Load.Measurement;
using Fundraising.Load.Api;
using HdrHistogram;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fundraising.Load.Watchers;

/// <summary>The fields of a <c>progress</c> message that a watcher checks.</summary>
public sealed record ProgressProbe(Guid Id, long RaisedAmount, long DonationCount, long Version);

/// <summary>The fields of a <c>leaderboard</c> message that a board watcher checks: which board, and its totals over every entry.</summary>
public sealed record BoardProbe(string Board, string By, BoardTotalsProbe Totals);

public sealed record BoardTotalsProbe(long Amount, long Count);

/// <summary>What the watchers saw: how many connected, how many saw the final total, and how late.</summary>
public sealed record WatcherResult(
    int Requested,
    int Connected,
    int SawFinalTotal,
    long Messages,
    double SecondsToConnect,
    LatencySummary Lag,
    LatencySummary FinalLag,
    IReadOnlyDictionary<string, long> Errors,
    long Reconnects = 0);

/// <summary>
/// Thousands of SignalR clients watching one campaign, as the browsers of a giving-day audience do.
/// Each message that shows a higher total is timed against the generator's own acknowledgements
/// (<see cref="AckTimeline"/>): a watcher shown n donations at time t is late by t minus the time
/// the n-th donation was acknowledged to its donor.
/// </summary>
public sealed class WatcherPool : IAsyncDisposable
{
    private readonly List<Watcher> _watchers = [];
    private readonly LongHistogram _lag = Latency.NewHistogram();
    private readonly Lock _lagGate = new();
    private readonly AckTimeline? _acks;
    private readonly Dictionary<string, long> _errors = [];
    private readonly int _requested;
    private double _secondsToConnect;
    private long _reconnects;
    private volatile bool _closing;

    private WatcherPool(AckTimeline? acks, int requested)
    {
        _acks = acks;
        _requested = requested;
    }

    public int Connected => _watchers.Count;

    /// <summary>Connections that closed under a watcher (its front end stopped or died) and were opened again.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Opens <paramref name="count"/> WebSocket connections, <paramref name="parallel"/> at a time, each watching <paramref name="campaignId"/>.</summary>
    public static Task<WatcherPool> ConnectAsync(Uri target, Guid campaignId, int count, AckTimeline? acks,
        int parallel = 64, Action<string>? log = null, CancellationToken cancellationToken = default) =>
        ConnectAsync(target, count, acks, parallel, log, "watchers",
            (connection, watcher, _) => connection.On<ProgressProbe>("progress", p => watcher.OnTotals(p.DonationCount, p.RaisedAmount)),
            (connection, _, ct) => connection.InvokeAsync("Watch", campaignId.ToString(), ct),
            cancellationToken);

    /// <summary>
    /// Opens <paramref name="count"/> connections, each watching one of <paramref name="boards"/> of the event (in turn, and
    /// in turn by amount and by count), as the giving day's audience watches its boards. A board's totals sum every
    /// campaign of the event, so with <paramref name="acks"/> of every campaign a board shown n gifts at time t is late by t
    /// minus the n-th acknowledgement's time.
    /// </summary>
    public static Task<WatcherPool> ConnectToBoardsAsync(Uri target, Guid eventId, IReadOnlyList<string> boards, int count, AckTimeline? acks,
        int parallel = 64, Action<string>? log = null, CancellationToken cancellationToken = default) =>
        ConnectAsync(target, count, acks, parallel, log, "board watchers",
            (connection, watcher, i) => connection.On<BoardProbe>("leaderboard", b =>
            {
                if (b.Board == boards[i % boards.Count])
                {
                    watcher.OnTotals(b.Totals.Count, b.Totals.Amount);
                }
            }),
            (connection, i, ct) => connection.InvokeAsync("WatchLeaderboard", eventId.ToString(), boards[i % boards.Count],
                i / boards.Count % 2 == 0 ? "amount" : "count", ct),
            cancellationToken);

    private static async Task<WatcherPool> ConnectAsync(Uri target, int count, AckTimeline? acks, int parallel, Action<string>? log, string what,
        Action<HubConnection, Watcher, int> listen, Func<HubConnection, int, CancellationToken, Task> subscribe, CancellationToken cancellationToken)
    {
        var pool = new WatcherPool(acks, count);
        var hub = new Uri(target, "/hubs/progress");
        var started = Stopwatch.GetTimestamp();
        var connected = 0;
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var watcher = new Watcher(pool);
            var connection = new HubConnectionBuilder()
                .WithUrl(hub, options =>
                {
                    // Straight to WebSockets, as browsers that support them end up anyway.
                    options.SkipNegotiation = true;
                    options.Transports = HttpTransportType.WebSockets;
                })
                .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Critical))
                .Build();
            // The default 30 s would declare a busy generator's connections dead during a CPU-bound burst.
            connection.ServerTimeout = TimeSpan.FromMinutes(2);
            listen(connection, watcher, i);
            watcher.Connection = connection;
            // As a browser's page does: a connection that closes (its front end stopped or died) is opened again, through
            // the load balancer to a front end that runs, and watches again; the first message then brings it up to date.
            connection.Closed += _ => pool.ReconnectAsync(connection, ct => subscribe(connection, i, ct));
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await connection.StartAsync(ct);
                    await subscribe(connection, i, ct);
                    break;
                }
                catch (Exception e) when (e is not OperationCanceledException && attempt < 5)
                {
                    pool.CountError(e.GetType().Name);
                    await connection.StopAsync(CancellationToken.None);
                    await Task.Delay(200 * attempt, ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    pool.CountError(e.GetType().Name);
                    await connection.DisposeAsync();
                    return;
                }
            }
            lock (pool._watchers)
            {
                pool._watchers.Add(watcher);
            }
            var n = Interlocked.Increment(ref connected);
            if (n % 1000 == 0)
            {
                log?.Invoke($"{n:N0} {what} connected");
            }
        });
        pool._secondsToConnect = Stopwatch.GetElapsedTime(started).TotalSeconds;
        log?.Invoke($"{pool.Connected:N0} of {count:N0} {what} connected in {pool._secondsToConnect:F1} s");
        return pool;
    }

    /// <summary>
    /// Waits (up to <paramref name="timeout"/>) until every watcher has been shown <paramref name="final"/>, then
    /// reports how late each saw it after <paramref name="lastAcknowledged"/> (a Stopwatch timestamp).
    /// </summary>
    public async Task<WatcherResult> FinishAsync(Totals final, long lastAcknowledged, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline && _watchers.Any(w => !w.HasSeen(final)))
        {
            await Task.Delay(100);
        }
        var finalLag = Latency.NewHistogram();
        var saw = 0;
        long messages = 0;
        foreach (var watcher in _watchers)
        {
            messages += Volatile.Read(ref watcher.Messages);
            if (watcher.HasSeen(final))
            {
                saw++;
                var micros = (watcher.MaxSeenAt - lastAcknowledged) * 1_000_000 / Stopwatch.Frequency;
                Latency.RecordMicros(finalLag, Math.Max(0, micros));
            }
        }
        LatencySummary lag;
        lock (_lagGate)
        {
            lag = Latency.Summarize(_lag);
        }
        Dictionary<string, long> errors;
        lock (_errors)
        {
            errors = new Dictionary<string, long>(_errors);
        }
        return new WatcherResult(_requested, _watchers.Count, saw, messages, Math.Round(_secondsToConnect, 1), lag, Latency.Summarize(finalLag), errors, Reconnects);
    }

    private async Task ReconnectAsync(HubConnection connection, Func<CancellationToken, Task> subscribe)
    {
        for (var attempt = 1; !_closing; attempt++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5_000, 250 * attempt)));
            if (_closing)
            {
                return;
            }
            try
            {
                await connection.StartAsync();
                await subscribe(CancellationToken.None);
                Interlocked.Increment(ref _reconnects);
                return;
            }
            catch (Exception e) when (e is not ObjectDisposedException)
            {
                CountError("reconnect " + e.GetType().Name);
                if (connection.State != HubConnectionState.Disconnected)
                {
                    await connection.StopAsync();
                }
            }
        }
    }

    private void CountError(string kind)
    {
        lock (_errors)
        {
            _errors[kind] = _errors.GetValueOrDefault(kind) + 1;
        }
    }

    private void RecordLag(long count, long seenAt)
    {
        if (_acks is null || count == 0)
        {
            return;
        }
        var micros = _acks.LagMicros(count, seenAt);
        lock (_lagGate)
        {
            Latency.RecordMicros(_lag, micros);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _closing = true;
        await Parallel.ForEachAsync(_watchers, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (w, _) =>
        {
            try
            {
                await w.Connection.DisposeAsync();
            }
            catch (Exception)
            {
                // Closing is best effort: the server may already be gone.
            }
        });
        _watchers.Clear();
    }

    private sealed class Watcher(WatcherPool pool)
    {
        public HubConnection Connection = null!;
        public long Messages;
        public long MaxCount = -1;
        public long MaxAmount;
        public long MaxSeenAt;

        // SignalR calls a connection's handlers one at a time, so the fields need no lock of their own.
        public void OnTotals(long count, long amount)
        {
            var now = Stopwatch.GetTimestamp();
            Interlocked.Increment(ref Messages);
            if (count > Volatile.Read(ref MaxCount))
            {
                MaxAmount = amount;
                MaxSeenAt = now;
                Volatile.Write(ref MaxCount, count);
                pool.RecordLag(count, now);
            }
        }

        public bool HasSeen(Totals final) => Volatile.Read(ref MaxCount) >= final.Count && MaxAmount == final.Amount;
    }
}
