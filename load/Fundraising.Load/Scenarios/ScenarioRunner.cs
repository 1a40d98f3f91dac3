using Fundraising.Load.Donors;
using Fundraising.Load.Measurement;
using Fundraising.Load.Api;
using Fundraising.Load.Opening;
using Fundraising.Load.Watchers;

namespace Fundraising.Load.Scenarios;

/// <summary>One run's settings: which scenario, against which server, how hard.</summary>
public sealed record ScenarioSettings
{
    /// <summary>Label in reports: ceiling, baseline, platform, platform-half, watchers, spread.</summary>
    public required string Name { get; init; }

    /// <summary><c>burst</c> (one hot campaign), <c>spread</c> (many campaigns, Zipf popularity) or <c>opening</c> (spread with verified donors and a matching pool that opens during the run).</summary>
    public required string Scenario { get; init; }

    public required Uri Target { get; init; }

    public required string AdminKey { get; init; }

    public int Workers { get; init; } = 256;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    public double RetryShare { get; init; } = 0.1;

    public double? Rate { get; init; }

    /// <summary>Campaigns for <c>spread</c>; <c>burst</c> always uses one.</summary>
    public int Campaigns { get; init; } = 2_000;

    public double ZipfExponent { get; init; } = 1.0;

    /// <summary>SignalR watchers on the hot campaign during the run (platform only).</summary>
    public int Watchers { get; init; }

    /// <summary>SignalR watchers of the event's leaderboards during an <c>opening</c> (platform only); with any, the boards are checked after the run.</summary>
    public int BoardWatchers { get; init; }

    public int? ServerPid { get; init; }

    public int? PostgresPid { get; init; }

    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The pool and donors of <c>opening</c>.</summary>
    public OpeningSettings Opening { get; init; } = new();
}

/// <summary>Everything one run measured and whether it passed (reconciled exactly; every watcher saw the final total).</summary>
public sealed record ScenarioResult(
    string Name,
    string Scenario,
    string Target,
    DateTimeOffset StartedAt,
    int Workers,
    double DurationSeconds,
    double WarmupSeconds,
    double RetryShare,
    double? Rate,
    int Campaigns,
    double ZipfExponent,
    double SetupSeconds,
    DonorLoadResult Load,
    WatcherResult? Watchers,
    ReconciliationReport Reconciliation,
    bool Passed,
    IReadOnlyList<string> Failures,
    OpeningReport? Opening = null,
    BoardsReport? Boards = null);

public static class ScenarioRunner
{
    public static async Task<ScenarioResult> RunAsync(ScenarioSettings settings, Action<string> log, CancellationToken cancellationToken = default)
    {
        var startedAt = DateTimeOffset.UtcNow;
        using var api = new PlatformApi(settings.Target, settings.AdminKey);

        var setup = System.Diagnostics.Stopwatch.StartNew();
        var opening = settings.Scenario == "opening";
        var specs = settings.Scenario is "spread" or "opening"
            ? PlatformApi.SpreadCampaigns(settings.Campaigns)
            : [PlatformApi.HotCampaign(settings.Name)];
        log($"{settings.Name}: creating and opening {specs.Count:N0} campaign(s) on {settings.Target}...");
        var campaigns = await api.CreateCampaignsAsync(specs, open: true, progress: n => log($"  {n:N0} campaigns ready"), cancellationToken: cancellationToken);
        OpeningPlan? plan = null;
        if (opening)
        {
            plan = await OpeningScenario.PlanAsync(api, settings.Target, campaigns, settings.Opening, settings.Warmup, settings.Name, log, cancellationToken);
        }
        setup.Stop();

        using var load = new DonorLoad(new DonorLoadOptions
        {
            Target = settings.Target,
            Campaigns = campaigns,
            ZipfExponent = settings.ZipfExponent,
            Workers = settings.Workers,
            Duration = settings.Duration,
            Warmup = settings.Warmup,
            RetryShare = settings.RetryShare,
            Rate = settings.Rate,
            TrackHotCampaign = settings.Watchers > 0,
            TrackAllCampaigns = plan is not null && settings.BoardWatchers > 0,
            ProgressInterval = settings.ProgressInterval,
            Log = log,
            Roster = plan?.Roster,
            Matches = plan?.Matches,
            OpensAfter = plan is null ? null : settings.Opening.OpensAfter,
        }, new CpuSampler(settings.ServerPid, settings.PostgresPid));

        WatcherPool? watchers = null;
        if (settings.Watchers > 0)
        {
            log($"{settings.Name}: connecting {settings.Watchers:N0} SignalR watchers to the hot campaign...");
            watchers = await WatcherPool.ConnectAsync(settings.Target, campaigns[0], settings.Watchers, load.HotAcks, log: log, cancellationToken: cancellationToken);
        }

        WatcherPool? boardWatchers = null;
        if (plan is not null && settings.BoardWatchers > 0)
        {
            log($"{settings.Name}: connecting {settings.BoardWatchers:N0} SignalR watchers to the event's boards ({string.Join(", ", BoardCheck.WatchedBoards)})...");
            boardWatchers = await WatcherPool.ConnectToBoardsAsync(settings.Target, plan.EventId, BoardCheck.WatchedBoards, settings.BoardWatchers, load.AllAcks,
                log: log, cancellationToken: cancellationToken);
        }

        var rate = settings.Rate is { } r ? $" at {r:N0} donations/s" : " flat out";
        log($"{settings.Name}: {settings.Scenario} with {settings.Workers} donors{rate}, {settings.Warmup.TotalSeconds:N0} s warm-up + {settings.Duration.TotalSeconds:N0} s, {settings.RetryShare:P0} retries reusing keys");
        Task<PoolTimeline>? timeline = null;
        using var stopWatching = new CancellationTokenSource();
        if (plan is not null)
        {
            await OpeningScenario.WaitForStartAsync(plan, cancellationToken);
            timeline = OpeningScenario.WatchPoolAsync(api, plan, stopWatching.Token);
        }
        var result = await load.RunAsync(cancellationToken);
        await stopWatching.CancelAsync();

        WatcherResult? watcherResult = null;
        if (watchers is not null)
        {
            log($"{settings.Name}: waiting for every watcher to see the final total {result.Acknowledged[0]}...");
            watcherResult = await watchers.FinishAsync(result.Acknowledged[0], load.HotAcks!.LastTimestamp, TimeSpan.FromSeconds(30));
            await watchers.DisposeAsync();
        }

        WatcherResult? boardWatcherResult = null;
        if (boardWatchers is not null)
        {
            var final = result.Acknowledged.Aggregate(default(Totals), (t, a) => new Totals(t.Count + a.Count, t.Amount + a.Amount));
            log($"{settings.Name}: waiting for every board watcher to see the final totals {final}...");
            boardWatcherResult = await boardWatchers.FinishAsync(final, load.AllAcks!.LastTimestamp, TimeSpan.FromSeconds(30));
            await boardWatchers.DisposeAsync();
        }

        log($"{settings.Name}: reconciling...");
        var reconciliation = await Reconciler.CheckAsync(api, campaigns, result.Acknowledged, result.Unresolved, cancellationToken);
        log(reconciliation.Describe());

        var failures = new List<string>();
        if (!reconciliation.Exact)
        {
            failures.Add(reconciliation.Describe());
        }
        if (result.SucceededTotal == 0)
        {
            failures.Add("No donation succeeded.");
        }
        if (watcherResult is { } w && (w.Connected != w.Requested || w.SawFinalTotal != w.Connected))
        {
            failures.Add($"{w.SawFinalTotal:N0} of {w.Requested:N0} watchers saw the final total ({w.Connected:N0} connected).");
        }
        OpeningReport? openingReport = null;
        if (plan is not null)
        {
            openingReport = await OpeningScenario.CheckAsync(api, plan, settings.Opening, result, await timeline!, cancellationToken);
            log($"{settings.Name}: {openingReport.Describe()}");
            failures.AddRange(openingReport.Failures);
        }
        BoardsReport? boards = null;
        if (plan is not null && boardWatcherResult is not null)
        {
            boards = await BoardCheck.CheckAsync(api, plan.EventId, campaigns, specs, result.Acknowledged, openingReport!.Pool.MatchedAmount, boardWatcherResult,
                cancellationToken);
            log($"{settings.Name}: {boards.Describe()}");
            failures.AddRange(boards.Failures);
        }
        return new ScenarioResult(settings.Name, settings.Scenario, settings.Target.ToString(), startedAt, settings.Workers,
            settings.Duration.TotalSeconds, settings.Warmup.TotalSeconds, settings.RetryShare, settings.Rate, campaigns.Length, settings.ZipfExponent,
            Math.Round(setup.Elapsed.TotalSeconds, 1), result, watcherResult, reconciliation, failures.Count == 0, failures, openingReport, boards);
    }
}
