using Fundraising.Persistence.Payments;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Stripe;

namespace Fundraising.Payments.Stripe;

/// <summary>Bound from <c>Payments:Stripe:Reconciliation</c>.</summary>
public sealed class StripeReconciliationOptions
{
    /// <summary>Run the job in the background (the admin endpoint works either way).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Time between background runs.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How far back to look, for undelivered events and for pending gifts. Stripe keeps events for 30 days;
    /// a few days covers any outage of ours that Stripe's own retries (about three days) did not.
    /// </summary>
    public TimeSpan LookBack { get; set; } = TimeSpan.FromDays(3);

    /// <summary>A pending Stripe gift younger than this is left alone: its donor may still be on the checkout page.</summary>
    public TimeSpan PendingAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Most pending gifts asked about in one run (one Stripe call each).</summary>
    public int MaxPendingPerRun { get; set; } = 500;
}

/// <summary>What one reconciliation run did.</summary>
public sealed record StripeReconciliationReport(
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    int PendingChecked,
    int PendingConfirmed,
    int PendingFailed,
    int EventsListed,
    int EventsApplied,
    int EventsAlreadyApplied,
    int EventsIgnored,
    int EventsFailed,
    int RefundsApplied);

/// <summary>
/// Settles what webhooks did not: asks Stripe about gifts still pending after a while (confirming those
/// whose Checkout Session or PaymentIntent is paid), then lists events whose delivery has not succeeded
/// and applies each through <see cref="StripeEventProcessor"/>, the webhook's own code, and last applies the refunds
/// kept until their payment was linked to a gift. Dedupe by event id
/// and idempotent effects make a second run, or a run racing a late webhook, change nothing.
/// </summary>
public sealed partial class StripeReconciler(
    StripeCalls stripe, StripeRecords records, StripeEventProcessor processor, IOptions<StripeReconciliationOptions> options,
    TimeProvider time, ILogger<StripeReconciler> logger)
{
    private const int MaxEventPages = 100;

    // One run at a time in this process (the background timer and the admin endpoint); runs in other
    // front ends may overlap, which costs duplicate Stripe calls but never a duplicate effect.
    private readonly SemaphoreSlim _running = new(1, 1);

    public async Task<StripeReconciliationReport> RunAsync(CancellationToken cancellationToken)
    {
        await _running.WaitAsync(cancellationToken);
        try
        {
            var started = time.GetUtcNow();
            var since = started - options.Value.LookBack;
            var (checkedCount, confirmed, pendingFailed) = await SettlePendingAsync(since, started - options.Value.PendingAfter, cancellationToken);
            var (listed, applied, duplicates, ignored, failed) = await ApplyUndeliveredEventsAsync(since, cancellationToken);
            // Refunds kept because no gift was linked to their payment yet: applied once the link has appeared.
            var refundsApplied = await processor.ApplyPendingRefundsAsync(cancellationToken);
            var report = new StripeReconciliationReport(
                started, time.GetUtcNow(), checkedCount, confirmed, pendingFailed, listed, applied, duplicates, ignored, failed, refundsApplied);
            LogRun(report.PendingChecked, report.PendingConfirmed, report.EventsListed, report.EventsApplied, report.EventsFailed);
            return report;
        }
        finally
        {
            _running.Release();
        }
    }

    private async Task<(int Checked, int Confirmed, int Failed)> SettlePendingAsync(DateTimeOffset since, DateTimeOffset before, CancellationToken cancellationToken)
    {
        var pending = await records.PendingDonationsAsync(since, before, options.Value.MaxPendingPerRun, cancellationToken);
        int confirmed = 0, failed = 0;
        foreach (var donation in pending)
        {
            try
            {
                IHasObject? paidBy = donation switch
                {
                    { CheckoutSessionId: { } sessionId } => await stripe.CallAsync((c, t) => c.V1.Checkout.Sessions.GetAsync(sessionId, null, null, t), cancellationToken),
                    { PaymentIntentId: { } intentId } => await stripe.CallAsync((c, t) => c.V1.PaymentIntents.GetAsync(intentId, null, null, t), cancellationToken),
                    _ => null,
                };
                if (paidBy is not null && await processor.ApplyAsync(paidBy, cancellationToken))
                {
                    confirmed++;
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // One gift Stripe cannot tell us about now must not hold up the others; the next run asks again.
                failed++;
                LogPendingFailed(exception, donation.DonationId);
            }
        }
        return (pending.Count, confirmed, failed);
    }

    private async Task<(int Listed, int Applied, int Duplicates, int Ignored, int Failed)> ApplyUndeliveredEventsAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        // Stripe lists newest first; collect every page, then apply oldest first, as they happened.
        var undelivered = new List<Event>();
        string? startingAfter = null;
        for (var page = 0; page < MaxEventPages; page++)
        {
            var list = await stripe.CallAsync((c, t) => c.V1.Events.ListAsync(new EventListOptions
            {
                DeliverySuccess = false,
                Created = new DateRangeOptions { GreaterThanOrEqual = since.UtcDateTime },
                Limit = 100,
                StartingAfter = startingAfter,
            }, null, t), cancellationToken);
            undelivered.AddRange(list.Data);
            if (!list.HasMore || list.Data.Count == 0)
            {
                break;
            }
            startingAfter = list.Data[^1].Id;
        }
        int applied = 0, duplicates = 0, ignored = 0, failed = 0;
        foreach (var stripeEvent in Enumerable.Reverse(undelivered))
        {
            try
            {
                switch (await processor.ProcessAsync(stripeEvent, cancellationToken))
                {
                    case StripeEventOutcome.Applied:
                        applied++;
                        break;
                    case StripeEventOutcome.Duplicate:
                        duplicates++;
                        break;
                    case StripeEventOutcome.Ignored:
                        ignored++;
                        break;
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // One event that cannot be applied yet must not hold up the others; it stays unprocessed for the next run.
                failed++;
                LogEventFailed(exception, stripeEvent.Id, stripeEvent.Type);
            }
        }
        return (undelivered.Count, applied, duplicates, ignored, failed);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stripe reconciliation: {PendingChecked} pending gifts checked, {PendingConfirmed} confirmed; {EventsListed} undelivered events, {EventsApplied} applied, {EventsFailed} failed")]
    private partial void LogRun(int pendingChecked, int pendingConfirmed, int eventsListed, int eventsApplied, int eventsFailed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pending Stripe gift {DonationId} could not be checked; the next run tries again")]
    private partial void LogPendingFailed(Exception exception, Guid donationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stripe event {EventId} ({EventType}) could not be applied; the next run tries again")]
    private partial void LogEventFailed(Exception exception, string eventId, string eventType);
}

/// <summary>Runs <see cref="StripeReconciler"/> every <see cref="StripeReconciliationOptions.Interval"/>.</summary>
public sealed partial class StripeReconciliationService(
    StripeReconciler reconciler, IOptions<StripeReconciliationOptions> options, TimeProvider time, ILogger<StripeReconciliationService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await reconciler.RunAsync(stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // Stripe or the database is down: the next tick tries again; nothing was half-applied.
                LogRunFailed(exception);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stripe reconciliation run failed; retrying at the next interval")]
    private partial void LogRunFailed(Exception exception);
}
