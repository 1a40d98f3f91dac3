using System.Globalization;
using System.Text.Json;
using Fundraising.Load;
using Fundraising.Load.Capacity;
using Fundraising.Load.Cards;
using Fundraising.Load.Reporting;
using Fundraising.Load.Scenarios;

// The giving-day load generator. Commands:
//   run      --name N --scenario burst|spread --target URL --admin-key K [--workers 256] [--duration 60] [--warmup 5]
//            [--retry-share 0.1] [--rate R | --rate-from FILE --rate-factor 0.5] [--campaigns 2000] [--zipf 1.0] [--watchers 0] [--board-watchers 0] [--server-pid P] [--postgres-pid P] --out FILE
//   run      --scenario opening [--campaigns 200] [--donors 20000] [--fast-donors 50] [--human-gap 16-24] [--fast-gap 2-8] [--opens-after 20]
//            [--pool-budget FEN | --pool-rate R | --pool-rate-from FILE] [--pool-drain 15] [--max-per-gift 5000] [--max-per-donor-per-day 10000] [--verify-parallel 64]
//            (verified donors and a matching pool that opens during the measured window; see Opening/OpeningScenario.cs)
//   run      --scenario card --stripe URL --stripe-key K [--rate R] [--max-backlog N] [--decline-share 0.1] [--duplicate-rate 0.2] [--reorder-ms 200] [--stripe-pid P] ...
//            (card donations through the fake Stripe and its webhooks; see Cards/CardRun.cs)
//   card-report --results DIR
//   create-campaigns --target URL --admin-key K --count 100000 --ids-file FILE
//   capacity --target URL --admin-key K --ids-file FILE --server-pid P --out FILE
//   report   --results DIR
// Exit code 0 only when the run reconciled exactly (and every watcher saw the final total).
var options = CommandLine.Parse(args);
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
void Log(string line) => Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}");

switch (options.Command)
{
    case "run" when options.Get("scenario", "burst") == "card":
        return await CardCommand.RunAsync(options, Log, cancel.Token);
    case "card-report":
        Console.WriteLine(CardCommand.Report(options.Require("results")));
        return 0;
    case "run":
    {
        var scenario = options.Get("scenario", "burst");
        var settings = new ScenarioSettings
        {
            Name = options.Get("name", "run"),
            Scenario = scenario,
            Target = new Uri(options.Require("target")),
            AdminKey = options.Require("admin-key"),
            Workers = options.Int("workers", 256),
            Duration = TimeSpan.FromSeconds(options.Double("duration", 60)),
            Warmup = TimeSpan.FromSeconds(options.Double("warmup", 5)),
            RetryShare = options.Double("retry-share", 0.1),
            Rate = options.Has("rate") ? options.Double("rate", 0) : await RateFromAsync(options),
            Campaigns = options.Int("campaigns", scenario == "opening" ? 200 : 2_000),
            ZipfExponent = options.Double("zipf", 1.0),
            Watchers = options.Int("watchers", 0),
            BoardWatchers = options.Int("board-watchers", 0),
            ServerPid = options.Has("server-pid") ? options.Int("server-pid", 0) : null,
            PostgresPid = options.Has("postgres-pid") ? options.Int("postgres-pid", 0) : null,
            Opening = await OpeningFromAsync(options),
        };
        var result = await ScenarioRunner.RunAsync(settings, Log, cancel.Token);
        var l = result.Load;
        Log($"{result.Name}: {l.DonationsPerSecond:N0} donations/s, {l.RequestsPerSecond:N0} requests/s; request latency p50 {l.Request.P50} ms, p95 {l.Request.P95} ms, p99 {l.Request.P99} ms, max {l.Request.Max} ms; " +
            $"errors {l.ErrorCount:N0}; CPU generator {l.Cpu.Generator:P0}, server {l.Cpu.Server:P0}, PostgreSQL {l.Cpu.Postgres:P0}, other {l.Cpu.Other:P0}");
        if (result.Opening is { } o && l.Opening is { } split)
        {
            Log($"{result.Name}: before the opening {split.BeforePerSecond:N0} donations/s, after {split.AfterPerSecond:N0}/s (request p50 {split.RequestAfter.P50} ms, p99 {split.RequestAfter.P99} ms); " +
                $"{o.Donors:N0} donors verified in {o.VerifySeconds:N1} s; flagged {o.FlaggedHeld:N0}; overdraw {o.Overdraw:N0}; cap violations {o.DonorCapViolations:N0}");
        }
        if (result.Watchers is { } w)
        {
            Log($"{result.Name}: {w.SawFinalTotal:N0} of {w.Requested:N0} watchers saw the final total; lag p50 {w.Lag.P50} ms, p99 {w.Lag.P99} ms, max {w.Lag.Max} ms; final p99 {w.FinalLag.P99} ms");
        }
        if (result.Boards is { } b)
        {
            Log($"{result.Name}: {b.Describe()}");
        }
        if (options.Has("out"))
        {
            await File.WriteAllTextAsync(options.Get("out", ""), JsonSerializer.Serialize(result, BenchmarkReport.Json));
        }
        foreach (var failure in result.Failures)
        {
            Log("FAILED: " + failure);
        }
        return result.Passed ? 0 : 1;
    }
    case "create-campaigns":
        await CapacityScenario.CreateAsync(new Uri(options.Require("target")), options.Require("admin-key"), options.Int("count", 100_000),
            options.Require("ids-file"), Log, cancel.Token);
        return 0;
    case "capacity":
    {
        var result = await CapacityScenario.ActivateAsync(new Uri(options.Require("target")), options.Require("admin-key"), options.Require("ids-file"),
            options.Int("server-pid", 0), Log, cancel.Token);
        if (options.Has("out"))
        {
            await File.WriteAllTextAsync(options.Get("out", ""), JsonSerializer.Serialize(result, BenchmarkReport.Json));
        }
        return result.Activated == result.Campaigns ? 0 : 1;
    }
    case "report":
        Console.WriteLine(BenchmarkReport.Write(options.Require("results")));
        return 0;
    default:
        Console.Error.WriteLine("Usage: Fundraising.Load run|create-campaigns|capacity|report --option value ... (see load/README.md)");
        return 2;
}

// The opening's pool and donors; the budget from --pool-budget, or sized for --pool-drain seconds at --pool-rate (or an earlier run's rate).
static async Task<Fundraising.Load.Opening.OpeningSettings> OpeningFromAsync(CommandLine options)
{
    static (double, double) Range(string text)
    {
        var parts = text.Split('-');
        return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[^1], CultureInfo.InvariantCulture));
    }
    var (humanMin, humanMax) = Range(options.Get("human-gap", "16-24"));
    var (fastMin, fastMax) = Range(options.Get("fast-gap", "2-8"));
    var poolRate = options.Double("pool-rate", 1_000);
    if (options.Has("pool-rate-from"))
    {
        using var earlier = JsonDocument.Parse(await File.ReadAllTextAsync(options.Require("pool-rate-from")));
        poolRate = earlier.RootElement.GetProperty("load").GetProperty("donationsPerSecond").GetDouble();
    }
    return new Fundraising.Load.Opening.OpeningSettings
    {
        Pace = new Fundraising.Load.Opening.DonorPace(options.Int("donors", 20_000), options.Int("fast-donors", 50), humanMin, humanMax, fastMin, fastMax),
        VerifyParallel = options.Int("verify-parallel", 64),
        OpensAfter = TimeSpan.FromSeconds(options.Double("opens-after", 20)),
        PoolBudget = options.Has("pool-budget") ? long.Parse(options.Require("pool-budget"), CultureInfo.InvariantCulture) : null,
        PoolRate = poolRate,
        PoolDrain = TimeSpan.FromSeconds(options.Double("pool-drain", 15)),
        MaxPerGift = options.Int("max-per-gift", 5_000),
        MaxPerDonorPerDay = options.Int("max-per-donor-per-day", 10_000),
        TimeZone = options.Get("time-zone", "Asia/Shanghai"),
    };
}

// --rate-from FILE --rate-factor 0.5: pace at a share of the throughput an earlier run measured (half of the platform's peak).
static async Task<double?> RateFromAsync(CommandLine options)
{
    if (!options.Has("rate-from"))
    {
        return null;
    }
    // From an opening run, its rate after the pool opened; from any other, its whole window's.
    using var earlier = JsonDocument.Parse(await File.ReadAllTextAsync(options.Require("rate-from")));
    var peak = earlier.RootElement.TryGetProperty("opening", out var opening) && opening.ValueKind == JsonValueKind.Object
        ? opening.GetProperty("afterPerSecond").GetDouble()
        : earlier.RootElement.GetProperty("load").GetProperty("donationsPerSecond").GetDouble();
    return Math.Round(peak * options.Double("rate-factor", 0.5));
}
