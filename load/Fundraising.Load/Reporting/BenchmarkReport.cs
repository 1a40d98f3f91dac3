using System.Globalization;
using System.Text;
using System.Text.Json;
using Fundraising.Load.Capacity;
using Fundraising.Load.Api;
using Fundraising.Load.Scenarios;

namespace Fundraising.Load.Reporting;

/// <summary>
/// Turns one benchmark run's raw JSON results into the table with ratios, the targets verdict, a
/// markdown summary with the machine's description, and the SVG chart.
/// </summary>
public static class BenchmarkReport
{
    public static readonly JsonSerializerOptions Json = new(PlatformApi.Json) { WriteIndented = true };

    private static readonly string[] Order = ["ceiling", "baseline", "platform", "platform-half", "watchers", "spread", "opening-baseline", "opening-noboards", "opening", "opening-half"];

    public sealed record Target(string What, string Goal, string Measured, bool Met);

    public static string Write(string directory)
    {
        directory = Path.TrimEndingDirectorySeparator(directory);
        var runs = new List<ScenarioResult>();
        CapacityResult? capacity = null;
        foreach (var file in Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            var text = File.ReadAllText(file);
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.TryGetProperty("scenario", out _))
            {
                runs.Add(JsonSerializer.Deserialize<ScenarioResult>(text, Json)!);
            }
            else if (document.RootElement.TryGetProperty("residentBytesAfter", out _))
            {
                capacity = JsonSerializer.Deserialize<CapacityResult>(text, Json)!;
            }
        }
        runs.Sort((a, b) => Rank(a.Name).CompareTo(Rank(b.Name)));
        var byName = runs.ToDictionary(r => r.Name);
        var table = Table(runs);
        var targets = Targets(byName, capacity);
        var ratios = Ratios(byName);

        var machine = File.Exists(Path.Combine(directory, "machine.txt")) ? File.ReadAllText(Path.Combine(directory, "machine.txt")).TrimEnd() : "(not recorded)";
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Benchmark {Path.GetFileName(Path.GetFullPath(directory))}");
        md.AppendLine();
        md.AppendLine("Ceiling (no-work in-memory server), naive baseline (one PostgreSQL transaction per donation) and the platform (grain per campaign, group commit), measured one after another in one run on one machine with the same generator and settings. Every run reconciles exactly or fails.");
        md.AppendLine();
        md.AppendLine(table);
        md.AppendLine(ratios);
        md.AppendLine();
        md.AppendLine(CostTable(runs));
        var openingTable = OpeningTable(runs) + BoardsTable(runs);
        md.AppendLine(openingTable);
        md.AppendLine("## Targets");
        md.AppendLine();
        md.AppendLine("| Target | Goal | Measured | Met |");
        md.AppendLine("|---|---|---|---|");
        foreach (var t in targets)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {t.What} | {t.Goal} | {t.Measured} | {(t.Met ? "yes" : "**no**")} |");
        }
        md.AppendLine();
        if (byName.TryGetValue("watchers", out var w) && w.Watchers is { } wr)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"Watchers: {wr.Connected:N0} of {wr.Requested:N0} connected in {wr.SecondsToConnect:N1} s, {wr.SawFinalTotal:N0} saw the final total; {wr.Messages:N0} progress messages; lag of each new total p50 {wr.Lag.P50:N0} ms, p99 {wr.Lag.P99:N0} ms, max {wr.Lag.Max:N0} ms; final total seen p50 {wr.FinalLag.P50:N0} ms, p99 {wr.FinalLag.P99:N0} ms after its acknowledgement.");
            md.AppendLine();
        }
        if (capacity is { } c)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"Capacity: {c.Activated:N0} of {c.Campaigns:N0} campaigns activated in one silo in {c.Seconds:N1} s ({c.ActivationsPerSecond:N0}/s); resident set {Mib(c.ResidentBytesBefore)} before, {Mib(c.ResidentBytesAfter)} after, {Mib(c.ResidentBytesSettled)} 10 s later (limit 2,048 MiB).");
            md.AppendLine();
        }
        md.AppendLine("Columns: donations/s counts donations created and confirmed (two requests each, plus retries) within the measured window after warm-up; latencies are per request, from the moment it was due to the response (HdrHistogram); CPU columns are shares of all the machine's cores during the window; \"other\" is CPU used by processes outside the benchmark.");
        md.AppendLine();
        md.AppendLine("![chart](chart.svg)");
        md.AppendLine();
        md.AppendLine("## Machine");
        md.AppendLine();
        md.AppendLine("```");
        md.AppendLine(machine);
        md.AppendLine("```");
        md.AppendLine();
        md.AppendLine("## Reconciliation");
        md.AppendLine();
        foreach (var run in runs)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {run.Name}: {run.Reconciliation.Describe()}");
        }
        File.WriteAllText(Path.Combine(directory, "summary.md"), md.ToString());
        File.WriteAllText(Path.Combine(directory, "chart.svg"), Chart(runs, capacity, Path.GetFileName(Path.GetFullPath(directory))));

        var console = new StringBuilder();
        console.AppendLine(table);
        console.AppendLine(ratios);
        console.AppendLine();
        if (openingTable.Length > 0)
        {
            console.AppendLine(openingTable);
        }
        foreach (var t in targets)
        {
            console.AppendLine(CultureInfo.InvariantCulture, $"{(t.Met ? "MET    " : "NOT MET")}  {t.What}: {t.Measured} (goal {t.Goal})");
        }
        return console.ToString();
    }

    private static int Rank(string name)
    {
        var i = Array.IndexOf(Order, name);
        return i < 0 ? Order.Length : i;
    }

    private static string Table(IReadOnlyList<ScenarioResult> runs)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| Run | Scenario | Donors | Donations/s | Requests/s | p50 ms | p95 ms | p99 ms | max ms | Errors | CPU gen / server / pg / other | Reconciled |");
        sb.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|");
        foreach (var r in runs)
        {
            var l = r.Load;
            var errors = l.Errors.Count == 0 ? "0" : string.Join(", ", l.Errors.Select(e => $"{e.Key} {e.Value:N0}"));
            var scenario = r.Scenario + (r.Rate is { } rate ? $" @{rate:N0}/s" : "") + (r.Watchers is { } w ? $" + {w.Requested:N0} watchers" : "") +
                (r.Campaigns > 1 ? $" ({r.Campaigns:N0} campaigns)" : "");
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Name} | {scenario} | {r.Workers} | {l.DonationsPerSecond:N0} | {l.RequestsPerSecond:N0} | {l.Request.P50:N1} | {l.Request.P95:N1} | {l.Request.P99:N1} | {l.Request.Max:N0} | {errors} | {Pct(l.Cpu.Generator)} / {Pct(l.Cpu.Server)} / {Pct(l.Cpu.Postgres)} / {Pct(l.Cpu.Other)} | {(r.Reconciliation.Exact ? "exact" : "**NO**")} ({l.SucceededTotal:N0}) |");
        }
        return sb.ToString();
    }

    /// <summary>
    /// The 10:00 opening's own table: donations/s before and after the pool opened, when it ran out, and whether the
    /// matched money adds up (never above the budget, no donor above the cap, every view of the sums equal).
    /// </summary>
    /// <summary>The opening's leaderboards: how late their watchers saw the gifts, and each board's sums after the run.</summary>
    public static string BoardsTable(IReadOnlyList<ScenarioResult> runs)
    {
        var withBoards = runs.Where(r => r.Boards is not null).ToList();
        if (withBoards.Count == 0)
        {
            return "";
        }
        var sb = new StringBuilder();
        sb.AppendLine("Leaderboards during the opening: SignalR clients watching the event's campaigns, counties and cities boards (by amount and by count in turn); " +
            "a board shown n gifts at time t is late by t minus the n-th gift's acknowledgement. After the run every board is read through the API and compared with the acknowledged gifts.");
        sb.AppendLine();
        sb.AppendLine("| Run | Board watchers | Lag p50 / p99 / max ms | Final totals seen p99 ms | Messages | Boards (shown = acknowledged; entries right) | Matched shown / pool | Exact |");
        sb.AppendLine("|---|---:|---:|---:|---:|---|---:|---|");
        foreach (var r in withBoards)
        {
            var b = r.Boards!;
            var w = b.Watchers;
            var boards = string.Join("; ", b.Boards.Select(x => $"{x.Board} {x.Shown.Count:N0}/{x.Shown.Amount:N0}{(x.Shown == x.Expected ? "" : $" (want {x.Expected.Count:N0}/{x.Expected.Amount:N0})")} {x.EntriesChecked - x.EntriesWrong}/{x.EntriesChecked}"));
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Name} | {w.Connected:N0} of {w.Requested:N0} | {w.Lag.P50:N0} / {w.Lag.P99:N0} / {w.Lag.Max:N0} | {w.FinalLag.P99:N0} | {w.Messages:N0} | {boards} | {b.MatchedShown:N0} / {b.MatchedExpected:N0} | {(b.Exact ? "exact" : "**NO**")} |");
        }
        sb.AppendLine();
        return sb.ToString();
    }

    public static string OpeningTable(IReadOnlyList<ScenarioResult> runs)
    {
        var openings = runs.Where(r => r.Opening is not null).ToList();
        if (openings.Count == 0)
        {
            return "";
        }
        var sb = new StringBuilder();
        sb.AppendLine("The 10:00 opening (配捐): one pool over the event's campaigns opens during the measured window; each gift carries its verified donor's Donor-Token.");
        sb.AppendLine();
        sb.AppendLine("| Run | Donors (fast) | Verified in | Donations/s before / after / overall | After opening p50 / p99 ms | Opened / ran out, s after opening | Matched + held / budget, fen | Overdraw | Cap violations | Flagged | Reconciled |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in openings)
        {
            var o = r.Opening!;
            var g = o.Generator;
            var pace = r.Rate is { } rate ? $" @{rate:N0}/s" : "";
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Name}{pace} | {o.Donors:N0} ({o.FastDonors:N0}) | {o.VerifySeconds:N1} s | {o.BeforePerSecond:N0} / {o.AfterPerSecond:N0} / {r.Load.DonationsPerSecond:N0} | " +
                $"{o.AfterRequestP50:N1} / {o.AfterRequestP99:N1} | {Seconds(o.Timeline.OpenedAfterSeconds)} / {Seconds(o.Timeline.ExhaustedAfterSeconds)} | " +
                $"{g.MatchedAmount:N0} + {g.HeldAmount:N0} / {o.Budget:N0} | {o.Overdraw:N0} | {o.DonorCapViolations:N0} (server {o.Reconciliation.DonorCapViolations:N0}) | " +
                $"{o.FlaggedHeld:N0} | {(r.Reconciliation.Exact && o.MatchesExact ? "exact" : "**NO**")} ({r.Load.SucceededTotal:N0} gifts, {g.MatchedCount + g.HeldCount:N0} matches) |");
        }
        sb.AppendLine();
        sb.AppendLine("Matches reconcile when the acknowledged gifts' `match` amounts (matched, held) = the pool's matchedAmount, heldAmount = the server's rowsMatchedAmount = slicesUsedAmount. " +
            "Cap violations: (donor, local day) pairs matched above maxPerDonorPerDay, counted from the acknowledged gifts and by the server. Flagged: held gifts the server lists (velocity).");
        return sb.ToString();

        static string Seconds(double? s) => s is { } v ? v.ToString("N1", CultureInfo.InvariantCulture) : "-";
    }

    /// <summary>
    /// CPU time per succeeded donation, by process: robust to other work on a shared machine (which
    /// steals cores from the benchmark but is not counted here), and it shows where a donation's cost goes.
    /// </summary>
    private static string CostTable(IReadOnlyList<ScenarioResult> runs)
    {
        var sb = new StringBuilder();
        sb.AppendLine("CPU time per succeeded donation (microseconds of one core; the machine has " +
            $"{runs.FirstOrDefault()?.Load.Cpu.Cores ?? Environment.ProcessorCount} cores):");
        sb.AppendLine();
        sb.AppendLine("| Run | Generator | Server | PostgreSQL | Server + PostgreSQL | Upper bound from CPU alone, donations/s |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var r in runs)
        {
            var l = r.Load;
            if (l.DonationsPerSecond <= 0)
            {
                continue;
            }
            double Micros(double share) => share * l.Cpu.Cores * 1_000_000 / l.DonationsPerSecond;
            var generator = Micros(l.Cpu.Generator);
            var server = Micros(l.Cpu.Server);
            var postgres = Micros(l.Cpu.Postgres);
            var total = generator + server + postgres;
            var potential = total > 0 ? l.Cpu.Cores * 1_000_000 / total : 0;
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Name} | {generator:N0} | {server:N0} | {postgres:N0} | {server + postgres:N0} | {potential:N0} |");
        }
        return sb.ToString();
    }

    private static string Ratios(IReadOnlyDictionary<string, ScenarioResult> runs)
    {
        var parts = new List<string>();
        if (runs.TryGetValue("platform", out var p))
        {
            if (runs.TryGetValue("baseline", out var b) && b.Load.DonationsPerSecond > 0)
            {
                parts.Add($"platform / baseline = **{p.Load.DonationsPerSecond / b.Load.DonationsPerSecond:N1}x**");
            }
            if (runs.TryGetValue("ceiling", out var c) && c.Load.DonationsPerSecond > 0)
            {
                parts.Add($"platform / ceiling = **{p.Load.DonationsPerSecond / c.Load.DonationsPerSecond:P0}**");
            }
        }
        return parts.Count == 0 ? "" : "Ratios (succeeded donations per second): " + string.Join("; ", parts) + ".";
    }

    public static IReadOnlyList<Target> Targets(IReadOnlyDictionary<string, ScenarioResult> runs, CapacityResult? capacity)
    {
        var targets = new List<Target>();
        runs.TryGetValue("platform", out var p);
        if (p is not null && runs.TryGetValue("baseline", out var b) && b.Load.DonationsPerSecond > 0)
        {
            var ratio = p.Load.DonationsPerSecond / b.Load.DonationsPerSecond;
            targets.Add(new("Hot campaign vs naive baseline", ">= 10x", $"{ratio:N1}x ({p.Load.DonationsPerSecond:N0} vs {b.Load.DonationsPerSecond:N0}/s)", ratio >= 10));
        }
        if (p is not null && runs.TryGetValue("ceiling", out var c) && c.Load.DonationsPerSecond > 0)
        {
            var share = p.Load.DonationsPerSecond / c.Load.DonationsPerSecond;
            targets.Add(new("Hot campaign vs HTTP ceiling", ">= 60%", $"{share:P0} ({p.Load.DonationsPerSecond:N0} vs {c.Load.DonationsPerSecond:N0}/s)", share >= 0.6));
        }
        if (runs.TryGetValue("platform-half", out var h))
        {
            targets.Add(new("Ack latency p99 at half peak", "<= 100 ms",
                $"{h.Load.Request.P99:N1} ms at {h.Rate:N0}/s (achieved {h.Load.DonationsPerSecond:N0}/s)", h.Load.Request.P99 <= 100 && h.Passed));
        }
        if (runs.TryGetValue("watchers", out var w) && w.Watchers is { } wr)
        {
            var lag = Math.Max(wr.Lag.P99, wr.FinalLag.P99);
            targets.Add(new("Watchers see the final total, p99 lag", $"{wr.Requested:N0} of {wr.Requested:N0}, <= 1,000 ms",
                $"{wr.SawFinalTotal:N0} of {wr.Requested:N0}, p99 {wr.Lag.P99:N0} ms (final {wr.FinalLag.P99:N0} ms)",
                wr.Requested >= 5_000 && wr.SawFinalTotal == wr.Requested && lag <= 1_000));
        }
        if (capacity is { } cap)
        {
            var peak = Math.Max(cap.ResidentBytesAfter, cap.ResidentBytesSettled);
            targets.Add(new("Active campaigns in one silo", "100,000 within 2 GiB",
                $"{cap.Activated:N0} in {Mib(peak)}", cap.Activated >= 100_000 && cap.Passed));
        }
        if (runs.TryGetValue("opening", out var opening) && opening.Opening is { } o)
        {
            if (p is not null)
            {
                targets.Add(new("Opening rate vs hot campaign", ">= the hot campaign's rate",
                    $"{o.AfterPerSecond:N0} vs {p.Load.DonationsPerSecond:N0}/s", o.AfterPerSecond >= p.Load.DonationsPerSecond));
            }
            if (runs.TryGetValue("opening-baseline", out var ob) && ob.Opening is { AfterPerSecond: > 0 } nb)
            {
                var ratio = o.AfterPerSecond / nb.AfterPerSecond;
                targets.Add(new("Opening vs naive opening", ">= 10x", $"{ratio:N1}x ({o.AfterPerSecond:N0} vs {nb.AfterPerSecond:N0}/s after the opening)", ratio >= 10));
            }
        }
        if (runs.TryGetValue("opening", out var ob2) && ob2.Boards is { } boards)
        {
            targets.Add(new("Leaderboard lag p99 at the opening's peak", $"<= 2,000 ms, {boards.Watchers.Requested:N0} board watchers",
                $"p99 {boards.Watchers.Lag.P99:N0} ms (p50 {boards.Watchers.Lag.P50:N0}, max {boards.Watchers.Lag.Max:N0}), {boards.Watchers.SawFinalTotal:N0} saw the final totals",
                boards.Watchers.Lag.P99 <= 2_000 && boards.Watchers.SawFinalTotal == boards.Watchers.Requested));
            targets.Add(new("Boards reconcile exactly with the ledger", "every board", boards.Exact ? "exact" : string.Join(" ", boards.Failures), boards.Exact));
            if (runs.TryGetValue("opening-noboards", out var nb2) && nb2.Opening is { AfterPerSecond: > 0 } nbo && ob2.Opening is { } withB)
            {
                var share = withB.AfterPerSecond / nbo.AfterPerSecond;
                targets.Add(new("Opening rate with boards vs without", ">= 90%", $"{share:P0} ({withB.AfterPerSecond:N0} vs {nbo.AfterPerSecond:N0}/s after the opening)", share >= 0.9));
            }
        }
        if (runs.TryGetValue("opening-half", out var oh) && oh.Opening is { } ohr)
        {
            targets.Add(new("Opening ack latency p99 at half the opening rate", "<= 100 ms",
                $"{ohr.AfterRequestP99:N1} ms after the opening at {oh.Rate:N0}/s (achieved {ohr.AfterPerSecond:N0}/s)", ohr.AfterRequestP99 <= 100 && oh.Passed));
        }
        var openings = runs.Values.Where(r => r.Opening is not null).ToList();
        if (openings.Count > 0)
        {
            targets.Add(new("Opening pools never overdrawn", "0 fen", string.Join(", ", openings.Select(r => $"{r.Name} {r.Opening!.Overdraw:N0}")),
                openings.All(r => r.Opening!.Overdraw == 0)));
            targets.Add(new("Per-donor cap violations", "0", string.Join(", ", openings.Select(r => $"{r.Name} {r.Opening!.DonorCapViolations:N0}")),
                openings.All(r => r.Opening!.DonorCapViolations == 0 && r.Opening.Generator.GiftCapViolations == 0)));
            targets.Add(new("Opening gifts and matches reconcile exactly", "all",
                $"{openings.Count(r => r.Reconciliation.Exact && r.Opening!.MatchesExact)} of {openings.Count}",
                openings.All(r => r.Reconciliation.Exact && r.Opening!.MatchesExact)));
        }
        targets.Add(new("Every run reconciles exactly", "all", $"{runs.Values.Count(r => r.Reconciliation.Exact)} of {runs.Count}", runs.Values.All(r => r.Reconciliation.Exact)));
        return targets;
    }

    private static string Chart(IReadOnlyList<ScenarioResult> runs, CapacityResult? capacity, string title)
    {
        var chart = new SvgChart();
        var ceiling = runs.FirstOrDefault(r => r.Name == "ceiling")?.Load.DonationsPerSecond;
        chart.Panel($"Succeeded donations per second ({title})", "/s", ["donations/s"],
            [.. runs.Select(r => new SvgChart.Bar(r.Name, [r.Load.DonationsPerSecond], r.Reconciliation.Exact ? "reconciled" : "NOT RECONCILED"))],
            marker: ceiling * 0.6, markerLabel: ceiling is null ? null : "60% of ceiling");
        chart.Panel("Request latency (ms)", "ms", ["p50", "p95", "p99"],
            [.. runs.Select(r => new SvgChart.Bar(r.Name, [r.Load.Request.P50, r.Load.Request.P95, r.Load.Request.P99]))]);
        if (runs.FirstOrDefault(r => r.Watchers is not null) is { Watchers: { } wr })
        {
            chart.Panel($"Watcher lag, {wr.Requested:N0} SignalR clients (ms)", "ms", ["p50", "p99", "max"],
                [new SvgChart.Bar("each new total", [wr.Lag.P50, wr.Lag.P99, wr.Lag.Max]), new SvgChart.Bar("final total", [wr.FinalLag.P50, wr.FinalLag.P99, wr.FinalLag.Max])],
                marker: 1000, markerLabel: "1 s target");
        }
        if (capacity is { } c)
        {
            chart.Panel($"Resident memory with {c.Activated:N0} active campaigns (MiB)", "MiB", ["MiB"],
                [new SvgChart.Bar("one silo", [Math.Max(c.ResidentBytesAfter, c.ResidentBytesSettled) / 1048576.0])], marker: 2048, markerLabel: "2 GiB");
        }
        chart.Caption("Same machine, same generator, same run. Requests: create + confirm per donation, plus retries reusing Idempotency-Keys.");
        return chart.Render();
    }

    private static string Pct(double share) => share.ToString("P0", CultureInfo.InvariantCulture).Replace(" ", "", StringComparison.Ordinal);

    private static string Mib(long bytes) => $"{bytes / 1048576.0:N0} MiB";
}
