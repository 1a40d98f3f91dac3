using System.Diagnostics;
using System.Net;
using Fundraising.Load.Measurement;
using Fundraising.Load.Api;

namespace Fundraising.Load.Donors;

/// <summary>What a donor load measured, and what it saw acknowledged (for reconciliation).</summary>
public sealed record DonorLoadResult(
    double MeasuredSeconds,
    long SucceededMeasured,
    double DonationsPerSecond,
    long RequestsMeasured,
    double RequestsPerSecond,
    long SucceededTotal,
    long RequestsTotal,
    long ReplaysChecked,
    long Unresolved,
    LatencySummary Request,
    LatencySummary Create,
    LatencySummary Confirm,
    LatencySummary Replay,
    LatencySummary Donation,
    IReadOnlyDictionary<string, long> Errors,
    CpuShares Cpu,
    IReadOnlyList<Totals> Acknowledged,
    OpeningSplit? Opening = null,
    IReadOnlyList<long[]>? ErrorsPerSecond = null)
{
    public long ErrorCount => Errors.Values.Sum();
}

/// <summary>The measured window split at the pool's opening: donations acknowledged and request latency before and after.</summary>
public sealed record OpeningSplit(
    double OpensAfterSeconds,
    long SucceededBefore,
    double BeforePerSecond,
    long SucceededAfter,
    double AfterPerSecond,
    LatencySummary RequestBefore,
    LatencySummary RequestAfter);

/// <summary>
/// Runs a fixed number of donor loops (<see cref="DonorWorker"/>) against one server for a fixed
/// time, shows progress, then settles every donation left in doubt, so that what it reports as
/// acknowledged is exactly what the server must hold.
/// </summary>
public sealed class DonorLoad : IDisposable
{
    private readonly DonorWorker[] _workers;
    private readonly HttpClient _http;
    private readonly CpuSampler _cpu;
    internal int LoggedRejections;

    // Failed requests (timeouts, connection failures, 5xx) per second of the run, from the first second on: when the
    // donors saw errors, second by second (the chaos run reads each fault's window off it).
    private readonly long[] _errorsBySecond;
    private readonly long _startUnixSeconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    private readonly long _startTimestamp = Stopwatch.GetTimestamp();

    public DonorLoad(DonorLoadOptions options, CpuSampler? cpu = null)
    {
        if (options.Campaigns.Count == 0)
        {
            throw new ArgumentException("At least one campaign is needed.", nameof(options));
        }
        Options = options;
        Campaigns = options.Campaigns;
        Picker = new CampaignPicker(options.Campaigns.Count, options.ZipfExponent);
        DonationUris = [.. options.Campaigns.Select(id => new Uri(options.Target, $"/api/campaigns/{id}/donations"))];
        _cpu = cpu ?? new CpuSampler(null, null);
        _http = new HttpClient(new SocketsHttpHandler
        {
            // One connection per worker: each loop has at most one request in flight, as a browser tab would.
            MaxConnectionsPerServer = options.Workers,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        })
        {
            Timeout = options.RequestTimeout,
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        var expected = (int)Math.Clamp((long)((options.Rate ?? 40_000) * (options.Duration.TotalSeconds + options.Warmup.TotalSeconds + 30)), 10_000, 20_000_000);
        if (options.TrackHotCampaign)
        {
            HotAcks = new AckTimeline(expected);
        }
        if (options.TrackAllCampaigns)
        {
            AllAcks = new AckTimeline(expected);
        }
        _errorsBySecond = new long[(int)(options.Warmup + options.Duration).TotalSeconds + 3_600];
        var runId = Guid.NewGuid().ToString("N")[..8];
        _workers = new DonorWorker[options.Workers];
        for (var i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new DonorWorker(this, _http, i, runId);
        }
    }

    public DonorLoadOptions Options { get; }

    /// <summary>Counts one failed request in the second it failed.</summary>
    internal void CountFailure()
    {
        var second = (Stopwatch.GetTimestamp() - _startTimestamp) / Stopwatch.Frequency;
        if (second < _errorsBySecond.Length)
        {
            Interlocked.Increment(ref _errorsBySecond[second]);
        }
    }

    /// <summary>[unix second, failed requests] for each second with failures.</summary>
    private List<long[]> FailuresPerSecond()
    {
        var seconds = new List<long[]>();
        for (var i = 0; i < _errorsBySecond.Length; i++)
        {
            if (Volatile.Read(ref _errorsBySecond[i]) is var n and > 0)
            {
                seconds.Add([_startUnixSeconds + i, n]);
            }
        }
        return seconds;
    }

    internal IReadOnlyList<Guid> Campaigns { get; }

    internal CampaignPicker Picker { get; }

    internal Uri[] DonationUris { get; }

    /// <summary>Acknowledgement times of the hot campaign, when <see cref="DonorLoadOptions.TrackHotCampaign"/> is on.</summary>
    public AckTimeline? HotAcks { get; }

    /// <summary>Acknowledgement times of every campaign's gifts, when <see cref="DonorLoadOptions.TrackAllCampaigns"/> is on.</summary>
    public AckTimeline? AllAcks { get; }

    internal long MeasureFrom { get; private set; } = long.MaxValue;

    internal long Deadline { get; private set; } = long.MaxValue;

    /// <summary>When the pool opens (Stopwatch timestamp), with <see cref="DonorLoadOptions.OpensAfter"/>; otherwise never.</summary>
    internal long OpensAt { get; private set; } = long.MaxValue;

    internal volatile bool Stopping;

    /// <summary>Donations acknowledged so far, across workers (for progress and watchers).</summary>
    public long SucceededSoFar
    {
        get
        {
            long total = 0;
            foreach (var worker in _workers)
            {
                total += Volatile.Read(ref worker.Succeeded);
            }
            return total;
        }
    }

    public async Task<DonorLoadResult> RunAsync(CancellationToken cancellationToken = default)
    {
        var log = Options.Log ?? (_ => { });
        var start = Stopwatch.GetTimestamp();
        MeasureFrom = start + (long)(Options.Warmup.TotalSeconds * Stopwatch.Frequency);
        Deadline = start + (long)((Options.Warmup + Options.Duration).TotalSeconds * Stopwatch.Frequency);
        Options.Roster?.Start(start);
        if (Options.OpensAfter is { } opensAfter)
        {
            OpensAt = MeasureFrom + (long)(opensAfter.TotalSeconds * Stopwatch.Frequency);
        }
        using var stop = cancellationToken.Register(() => Stopping = true);

        CpuSampler.Snapshot? cpuStart = null;
        var measureTask = Task.Run(async () =>
        {
            var wait = MeasureFrom - Stopwatch.GetTimestamp();
            if (wait > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency), CancellationToken.None);
            }
            cpuStart = _cpu.Take();
        }, CancellationToken.None);

        var slotTicks = Options.Rate is { } rate ? (long)(Stopwatch.Frequency * Options.Workers / rate) : 0;
        var loops = new Task[_workers.Length];
        for (var i = 0; i < _workers.Length; i++)
        {
            var worker = _workers[i];
            // Spread paced workers' first slots over one period so that they do not fire together.
            var first = slotTicks > 0 ? start + slotTicks * i / _workers.Length : start;
            loops[i] = Task.Run(() => worker.RunAsync(first, slotTicks), CancellationToken.None);
        }

        using var progress = Options.ProgressInterval > TimeSpan.Zero
            ? new Timer(_ => ShowProgress(log, start), null, Options.ProgressInterval, Options.ProgressInterval)
            : null;
        // The CPU window closes at the deadline, before the loops finish their last donations.
        var cpuEnd = Task.Run(async () =>
        {
            var wait = Deadline - Stopwatch.GetTimestamp();
            if (wait > 0 && !Stopping)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency), cancellationToken);
                }
                catch (OperationCanceledException)
                {
                }
            }
            return _cpu.Take();
        }, CancellationToken.None);

        await Task.WhenAll(loops);
        await measureTask;
        var cpuSnapshot = await cpuEnd;
        var end = Math.Min(Stopwatch.GetTimestamp(), Deadline);
        progress?.Dispose();

        var unresolved = await ResolveInDoubtAsync(log);
        return Collect(end, cpuStart is { } s ? CpuSampler.Between(s, cpuSnapshot) : new CpuShares(0, 0, 0, 0, 0, Environment.ProcessorCount), unresolved);
    }

    private long _lastProgressSucceeded;
    private long _lastProgressRequests;
    private long _lastProgressAt;

    private void ShowProgress(Action<string> log, long start)
    {
        var now = Stopwatch.GetTimestamp();
        long succeeded = 0, requests = 0, errors = 0, inDoubt = 0;
        foreach (var worker in _workers)
        {
            succeeded += Volatile.Read(ref worker.Succeeded);
            requests += Volatile.Read(ref worker.Requests);
            foreach (var e in worker.Errors)
            {
                errors += e;
            }
            inDoubt += worker.InDoubt.Count;
        }
        var since = _lastProgressAt == 0 ? start : _lastProgressAt;
        var seconds = (now - since) / (double)Stopwatch.Frequency;
        var elapsed = (now - start) / (double)Stopwatch.Frequency;
        var phase = now < MeasureFrom ? "warm-up" : now < Deadline ? "measure" : "drain";
        log($"[{elapsed,5:F0}s {phase}] {(succeeded - _lastProgressSucceeded) / seconds,8:N0} donations/s {(requests - _lastProgressRequests) / seconds,8:N0} req/s  total {succeeded:N0}  errors {errors:N0}  in doubt {inDoubt:N0}");
        _lastProgressSucceeded = succeeded;
        _lastProgressRequests = requests;
        _lastProgressAt = now;
    }

    /// <summary>
    /// Donations left in doubt (a timeout or a 5xx left it unknown whether the server did the work)
    /// are settled the way a client must: the same create again with the same key, then confirm,
    /// until the server gives a definite answer. Only then is the count exact.
    /// </summary>
    private async Task<long> ResolveInDoubtAsync(Action<string> log)
    {
        long unresolved = 0;
        var pending = 0;
        foreach (var worker in _workers)
        {
            pending += worker.InDoubt.Count;
        }
        if (pending == 0)
        {
            return 0;
        }
        log($"Settling {pending} donations left in doubt...");
        var scratch = Latency.NewHistogram();
        foreach (var worker in _workers)
        {
            foreach (var doubt in worker.InDoubt)
            {
                var confirmUri = doubt.ConfirmUri;
                if (confirmUri is null)
                {
                    var created = await worker.CreateAsync(doubt.Campaign, doubt.Key, doubt.Gift, doubt.Donor, Stopwatch.GetTimestamp(), scratch, maxAttempts: 20);
                    if (created.Outcome == DonorWorker.Outcome.Refused)
                    {
                        continue;
                    }
                    if (created.Outcome != DonorWorker.Outcome.Ok)
                    {
                        unresolved++;
                        continue;
                    }
                    confirmUri = created.ConfirmUri!;
                }
                var confirmed = await worker.ConfirmAsync(confirmUri, scratch, maxAttempts: 20);
                if (confirmed == DonorWorker.Outcome.Ok)
                {
                    worker.Acknowledge(doubt.Campaign, doubt.Gift, doubt.Donor, Stopwatch.GetTimestamp());
                }
                else if (confirmed == DonorWorker.Outcome.InDoubt)
                {
                    unresolved++;
                }
            }
            worker.InDoubt.Clear();
        }
        log(unresolved == 0 ? "All settled." : $"{unresolved} donations are still in doubt.");
        return unresolved;
    }

    private DonorLoadResult Collect(long end, CpuShares cpu, long unresolved)
    {
        var seconds = Math.Max(0.001, (end - MeasureFrom) / (double)Stopwatch.Frequency);
        var create = Latency.NewHistogram();
        var confirm = Latency.NewHistogram();
        var replay = Latency.NewHistogram();
        var donation = Latency.NewHistogram();
        var request = Latency.NewHistogram();
        long succeededMeasured = 0, succeeded = 0, requestsMeasured = 0, requests = 0, replays = 0;
        var errors = new long[Enum.GetValues<ErrorKind>().Length];
        var acknowledged = new Totals[Campaigns.Count];
        foreach (var worker in _workers)
        {
            create.Add(worker.Create);
            confirm.Add(worker.Confirm);
            replay.Add(worker.Replay);
            donation.Add(worker.Donation);
            succeededMeasured += worker.SucceededMeasured;
            succeeded += worker.Succeeded;
            requestsMeasured += worker.RequestsMeasured;
            requests += worker.Requests;
            replays += worker.ReplaysChecked;
            for (var e = 0; e < errors.Length; e++)
            {
                errors[e] += worker.Errors[e];
            }
            for (var c = 0; c < acknowledged.Length; c++)
            {
                acknowledged[c] = new Totals(acknowledged[c].Count + worker.AckCount[c], acknowledged[c].Amount + worker.AckAmount[c]);
            }
        }
        request.Add(create);
        request.Add(confirm);
        request.Add(replay);
        var errorCounts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var kind in Enum.GetValues<ErrorKind>())
        {
            if (errors[(int)kind] > 0)
            {
                errorCounts[kind.ToString()] = errors[(int)kind];
            }
        }
        return new DonorLoadResult(
            Math.Round(seconds, 3), succeededMeasured, Math.Round(succeededMeasured / seconds, 1), requestsMeasured, Math.Round(requestsMeasured / seconds, 1),
            succeeded, requests, replays, unresolved,
            Latency.Summarize(request), Latency.Summarize(create), Latency.Summarize(confirm), Latency.Summarize(replay), Latency.Summarize(donation),
            errorCounts, cpu, acknowledged, Split(end), FailuresPerSecond());
    }

    private OpeningSplit? Split(long end)
    {
        if (OpensAt == long.MaxValue)
        {
            return null;
        }
        var before = Latency.NewHistogram();
        var after = Latency.NewHistogram();
        long succeededBefore = 0, succeededAfter = 0;
        foreach (var worker in _workers)
        {
            before.Add(worker.RequestBefore!);
            after.Add(worker.RequestAfter!);
            succeededBefore += worker.SucceededBefore;
            succeededAfter += worker.SucceededMeasured - worker.SucceededBefore;
        }
        var opensAt = Math.Min(OpensAt, end);
        var beforeSeconds = Math.Max(0.001, (opensAt - MeasureFrom) / (double)Stopwatch.Frequency);
        var afterSeconds = Math.Max(0.001, (end - opensAt) / (double)Stopwatch.Frequency);
        return new OpeningSplit(Math.Round((OpensAt - MeasureFrom) / (double)Stopwatch.Frequency, 3),
            succeededBefore, Math.Round(succeededBefore / beforeSeconds, 1), succeededAfter, Math.Round(succeededAfter / afterSeconds, 1),
            Latency.Summarize(before), Latency.Summarize(after));
    }

    public void Dispose() => _http.Dispose();
}
