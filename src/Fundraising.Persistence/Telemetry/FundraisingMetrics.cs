using System.Diagnostics;
using System.Diagnostics.Metrics;
using Fundraising.Contracts.Donations;
using Fundraising.Persistence.Ledger;

namespace Fundraising.Persistence.Telemetry;

/// <summary>
/// The platform's own meter, <c>Fundraising</c>, and every instrument on it (README "Metrics and traces"). Each is
/// recorded where its event happens: the group commit's writer (a transaction committed), the Stripe event processor, the
/// board feed. On the hot path each costs one <c>Add</c> or <c>Record</c> per ledger transaction or per board delivery,
/// never one per gift, and no tag is allocated: the only tag values are strings that already exist.
/// </summary>
/// <remarks>
/// Static, like the framework's own meters: one process may host several silos or front ends (tests do), and they then
/// share the instruments, which an exporter reads by the meter's name whichever host made it.
/// </remarks>
public static class FundraisingMetrics
{
    public const string MeterName = "Fundraising";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Gifts that became durable as succeeded (inserted so, or confirmed) in a committed ledger transaction: their donors are answered then.</summary>
    public static readonly Counter<long> DonationsAcknowledged = Meter.CreateCounter<long>(
        "fundraising.donations.acknowledged", "{donation}", "Gifts durable as succeeded in a committed ledger transaction (inserted succeeded or confirmed)");

    /// <summary>Rows (gifts, confirmations, refunds) in one committed ledger transaction: how well the group commit coalesces.</summary>
    public static readonly Histogram<int> CommitBatchSize = Meter.CreateHistogram<int>(
        "fundraising.commit.batch_size", "{row}", "Rows (gifts, confirmations, refunds) in one committed ledger transaction");

    /// <summary>How long one ledger transaction took, from its first statement to its COMMIT answered.</summary>
    public static readonly Histogram<double> CommitDuration = Meter.CreateHistogram<double>(
        "fundraising.commit.duration", "ms", "Time of one ledger transaction, first statement to COMMIT answered");

    /// <summary>Matched money (配捐) granted inside gifts' commits (not held ones), in minor units (fen for CNY), by currency.</summary>
    public static readonly Counter<long> MatchedAmount = Meter.CreateCounter<long>(
        "fundraising.matched.amount", "{minor_unit}", "Matched money granted to gifts in committed ledger transactions, in minor units (fen), by currency");

    /// <summary>Stripe events processed (from the webhook or the reconciliation job), by event type and outcome.</summary>
    public static readonly Counter<long> WebhookEvents = Meter.CreateCounter<long>(
        "fundraising.webhook.events", "{event}", "Stripe events processed (webhook or reconciliation), by type and outcome");

    /// <summary>How long a committed batch's board delta waited on its silo's feed until its event's board had applied it.</summary>
    public static readonly Histogram<double> LeaderboardLag = Meter.CreateHistogram<double>(
        "fundraising.leaderboard.lag", "ms", "From a committed batch's delta queued on the silo's board feed to the event's board having applied it (oldest delta of each delivery)");

    /// <summary>
    /// One committed ledger transaction: its size and time, the gifts it acknowledged and the matched money it granted.
    /// A few loops over the transaction's own lists (no LINQ, no allocation) and one instrument call each.
    /// </summary>
    public static void Committed(IReadOnlyList<LedgerBatchOutcome> outcomes, int rows, long startedAt)
    {
        CommitDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds);
        CommitBatchSize.Record(rows);
        long acknowledged = 0;
        for (var i = 0; i < outcomes.Count; i++)
        {
            var outcome = outcomes[i];
            acknowledged += outcome.Confirmed.Count;
            for (var j = 0; j < outcome.Inserted.Count; j++)
            {
                if (outcome.Inserted[j].Status == DonationStatus.Succeeded)
                {
                    acknowledged++;
                }
            }
            if (outcome.Matching is { Granted: > 0 } matching && CurrencyOf(outcome) is { } currency)
            {
                MatchedAmount.Add(matching.Granted, new KeyValuePair<string, object?>("currency", currency));
            }
        }
        if (acknowledged > 0)
        {
            DonationsAcknowledged.Add(acknowledged);
        }
    }

    // A campaign has one currency: any gift of the batch names it (a batch that granted a match has a succeeded gift).
    private static string? CurrencyOf(LedgerBatchOutcome outcome) =>
        outcome.Inserted.Count > 0 ? outcome.Inserted[0].Currency : outcome.Confirmed.Count > 0 ? outcome.Confirmed[0].Currency : null;
}
