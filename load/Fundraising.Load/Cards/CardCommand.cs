using System.Globalization;
using System.Text;
using System.Text.Json;
using Fundraising.Load.Reporting;

namespace Fundraising.Load.Cards;

/// <summary>
/// <c>run --scenario card</c> (the card path through the fake Stripe) and <c>card-report --results DIR</c> (its row,
/// for the benchmark's table).
/// </summary>
public static class CardCommand
{
    public static async Task<int> RunAsync(CommandLine options, Action<string> log, CancellationToken cancellationToken)
    {
        var settings = new CardSettings
        {
            Name = options.Get("name", "card"),
            Target = new Uri(options.Require("target")),
            AdminKey = options.Require("admin-key"),
            Stripe = new Uri(options.Require("stripe")),
            StripeKey = options.Require("stripe-key"),
            Workers = options.Int("workers", 64),
            Campaigns = options.Int("campaigns", 1),
            Duration = TimeSpan.FromSeconds(options.Double("duration", 30)),
            Warmup = TimeSpan.FromSeconds(options.Double("warmup", 5)),
            Rate = options.Has("rate") ? options.Double("rate", 0) : null,
            MaxBacklog = options.Has("max-backlog") ? options.Int("max-backlog", 0) : null,
            DeclineShare = options.Double("decline-share", 0.1),
            RetryShare = options.Double("retry-share", 0.1),
            Chaos = new CardChaos(options.Double("duplicate-rate", 0.2), options.Int("reorder-ms", 200), options.Int("delay-ms", 0), options.Int("chaos-seed", 42),
                options.Double("drop-rate", 0)),
            SettleTimeout = TimeSpan.FromSeconds(options.Double("settle-timeout", 60)),
            ReconcileTimeout = TimeSpan.FromSeconds(options.Double("reconcile-timeout", 120)),
            ServerPid = options.Has("server-pid") ? options.Int("server-pid", 0) : null,
            PostgresPid = options.Has("postgres-pid") ? options.Int("postgres-pid", 0) : null,
            StripePid = options.Has("stripe-pid") ? options.Int("stripe-pid", 0) : null,
        };
        var result = await CardRun.RunAsync(settings, log, cancellationToken);
        log($"{result.Name}: {Describe(result)}");
        if (options.Has("out"))
        {
            await File.WriteAllTextAsync(options.Get("out", ""), JsonSerializer.Serialize(result, BenchmarkReport.Json), cancellationToken);
        }
        foreach (var failure in result.Failures)
        {
            log("FAILED: " + failure);
        }
        return result.Passed ? 0 : 1;
    }

    public static string Describe(CardResult r) =>
        $"{r.SucceededPerSecond:N0} card donations/s succeeded end to end ({r.PaidPerSecond:N0}/s paid), {r.WebhookDeliveriesPerSecond:N0} webhook deliveries/s " +
        $"({r.WebhookEventsPerSecond:N0} events/s); create p50 {r.Create.P50} ms, p99 {r.Create.P99} ms; pay → succeeded p50 {r.PayToSucceeded.P50} ms, " +
        $"p99 {r.PayToSucceeded.P99} ms; {r.Declined:N0} declined; errors {r.ErrorCount:N0}; {r.PendingAtDeadline:N0} webhook events waiting at the end of the window, " +
        $"{(r.Chaos.Drops ? "none waiting" : "all delivered")} {r.SettleSeconds:N1} s after the last payment; " +
        (r.StripeReconcile is { } job ? job.Describe() + "; " : "") +
        $"CPU generator {r.Cpu.Generator:P0}, platform {r.Cpu.Server:P0}, PostgreSQL {r.Cpu.Postgres:P0}, fake Stripe {r.Cpu.Stripe:P0}, other {r.Cpu.Other:P0}";

    /// <summary>The card run of a results folder (<c>card*.json</c>) as a markdown table; empty when there is none.</summary>
    public static string Report(string directory)
    {
        var files = Directory.GetFiles(directory, "card*.json").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            return "";
        }
        var sb = new StringBuilder();
        sb.AppendLine("Card path: the platform with Stripe through the fake Stripe; webhooks duplicated, reordered and (when \"drop\" is shown) dropped, " +
            "dropped ones settled after the run by the platform's reconcile job. Donations/s counts gifts that succeeded " +
            "(webhook applied) within the window, Paid/s the payments the fake answered as paid; Webhooks/s counts delivery attempts (duplicates " +
            "included); Backlog is the webhook events still waiting at the end of the window; latencies in ms; \"pay → ok\" runs from the donor's payment to the ledger's succeeded_at.");
        sb.AppendLine();
        sb.AppendLine("| Run | Donors | Chaos | Donations/s | Paid/s | Webhooks/s | Backlog | create p50 / p99 | pay p50 / p99 | pay → ok p50 / p99 | Declined | Errors | CPU gen / server / pg / stripe / other | Reconciled |");
        sb.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
        var notes = new List<string>();
        foreach (var file in files)
        {
            var r = JsonSerializer.Deserialize<CardResult>(File.ReadAllText(file), BenchmarkReport.Json)!;
            if (r.StripeReconcile is { } job)
            {
                notes.Add($"{r.Name}: {job.Describe()}.");
            }
            var drops = r.Chaos.Drops ? $", drop {Pct(r.Chaos.DropRate)}" : "";
            var errors = r.Errors.Count == 0 ? "0" : string.Join(", ", r.Errors.Select(e => $"{e.Key} {e.Value:N0}"));
            static string Pct(double share) => share.ToString("P0", CultureInfo.InvariantCulture).Replace(" ", "", StringComparison.Ordinal);
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Name} | {r.Workers}{(r.Rate is { } rate ? $" @{rate:N0}/s" : "")}{(r.MaxBacklog is { } max ? $", backlog ≤ {max:N0}" : "")} | dup {Pct(r.Chaos.DuplicateRate)}, reorder {r.Chaos.ReorderWindowMs} ms{drops} | {r.SucceededPerSecond:N0} | {r.PaidPerSecond:N0} | " +
                $"{r.WebhookDeliveriesPerSecond:N0} | {r.PendingAtDeadline:N0} | " +
                $"{r.Create.P50:N1} / {r.Create.P99:N1} | {r.Pay.P50:N1} / {r.Pay.P99:N1} | {r.PayToSucceeded.P50:N1} / {r.PayToSucceeded.P99:N1} | {r.Declined:N0} | {errors} | " +
                $"{Pct(r.Cpu.Generator)} / {Pct(r.Cpu.Server)} / {Pct(r.Cpu.Postgres)} / {Pct(r.Cpu.Stripe)} / {Pct(r.Cpu.Other)} | " +
                $"{(r.Reconciliation.Exact ? "exact" : "**NO**")} ({r.Reconciliation.Stripe.Count:N0}) |");
        }
        if (notes.Count > 0)
        {
            sb.AppendLine();
            foreach (var note in notes)
            {
                sb.AppendLine(note);
            }
        }
        return sb.ToString();
    }
}
