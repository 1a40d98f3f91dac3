using Fundraising.Load.Api;
using Fundraising.Load.Measurement;

namespace Fundraising.Load.Cards;

/// <summary>Shares of the machine's CPU during the measured window; the fake Stripe is counted apart from "other".</summary>
public sealed record CardCpuShares(double Generator, double Server, double Postgres, double Stripe, double Other, int Cores);

/// <summary>
/// A card run's reconciliation: the payments the donors were told succeeded, the payments Stripe's event list says
/// succeeded, and the platform's public API, ledger, grains and catalogue must all hold the same count and sum.
/// </summary>
public sealed record CardReconciliation(
    bool Exact,
    Totals Donors,
    Totals Stripe,
    long PaidButNotInStripe,
    long InStripeButNotPaid,
    long DeclinedWithReceipt,
    long DeclinedChecked,
    ReconciliationReport Platform)
{
    public string Describe() => Exact
        ? $"Reconciled exactly over {Platform.Campaigns:N0} campaign(s): donors = Stripe = API = ledger = grains = catalogue = {Stripe}; " +
          $"{DeclinedChecked:N0} declined payments checked, none counted."
        : $"NOT reconciled: donors {Donors}, Stripe {Stripe} ({PaidButNotInStripe} paid but not in Stripe's events, {InStripeButNotPaid} in Stripe's events but not paid); " +
          $"{DeclinedWithReceipt} of {DeclinedChecked} declined payments counted; platform: {Platform.Describe()}";
}

/// <summary>
/// With drops on: what the platform's Stripe reconciliation job settled after the webhooks drained. <see cref="GiftsSettled"/>
/// is what the public API's totals grew by across the job's runs, i.e. the paid gifts no delivered webhook had confirmed.
/// </summary>
public sealed record CardStripeReconcile(
    long EventsDropped,
    int Runs,
    bool Finished,
    double Seconds,
    Totals GiftsSettled,
    int PendingConfirmed,
    int EventsApplied,
    StripeReconcileRunDto? LastRun)
{
    public string Describe() =>
        $"{EventsDropped:N0} webhook events dropped; the reconcile job settled {GiftsSettled} in {Seconds:N1} s over {Runs} run(s) " +
        $"({PendingConfirmed:N0} pending gifts confirmed from Stripe, {EventsApplied:N0} undelivered events applied)" + (Finished ? "" : ", NOT finished");
}

/// <summary>Everything one card run measured, and whether it passed.</summary>
public sealed record CardResult(
    string Name,
    string Kind,
    string Target,
    string Stripe,
    DateTimeOffset StartedAt,
    int Workers,
    int Campaigns,
    double DurationSeconds,
    double WarmupSeconds,
    double? Rate,
    int? MaxBacklog,
    double DeclineShare,
    double RetryShare,
    CardChaos Chaos,
    double MeasuredSeconds,
    long Payments,
    long Paid,
    long Declined,
    long ReplaysChecked,
    long Unresolved,
    double PaidPerSecond,
    double SucceededPerSecond,
    long SucceededInWindow,
    double WebhookEventsPerSecond,
    double WebhookDeliveriesPerSecond,
    double RequestsPerSecond,
    int PendingAtDeadline,
    double SettleSeconds,
    WebhookCounts Webhooks,
    long WebhooksRedelivered,
    LatencySummary Create,
    LatencySummary Pay,
    LatencySummary Replay,
    LatencySummary PayToSucceeded,
    long PayToSucceededSampled,
    IReadOnlyDictionary<string, long> Errors,
    CardCpuShares Cpu,
    CardReconciliation Reconciliation,
    bool Passed,
    IReadOnlyList<string> Failures,
    CardStripeReconcile? StripeReconcile = null)
{
    public long ErrorCount => Errors.Values.Sum();
}
