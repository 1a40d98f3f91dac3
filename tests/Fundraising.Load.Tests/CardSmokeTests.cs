using Fundraising.Load.Cards;
using Fundraising.Load.Donors;
using Fundraising.TestSupport;
using Xunit.Abstractions;

namespace Fundraising.Load.Tests;

/// <summary>
/// The card path of the generator, in process, for a few seconds against the real platform with Stripe enabled and
/// the fake Stripe as a real process whose webhooks arrive twice, out of order, or never (dropped events are settled
/// by the platform's Stripe reconciliation job after the run). Correctness only, never speed.
/// </summary>
public sealed class CardSmokeTests(UnlimitedStripePlatform platform, ITestOutputHelper output) : IClassFixture<UnlimitedStripePlatform>
{
    [Fact]
    public async Task CardDonationsWithDuplicatedReorderedAndDroppedWebhooksReconcileExactlyAfterTheReconcileJob()
    {
        var result = await CardRun.RunAsync(new CardSettings
        {
            Name = "smoke-card",
            Target = platform.Web.BaseAddress,
            AdminKey = Platform.AdminKey,
            Stripe = platform.StripeControl.BaseAddress!,
            StripeKey = StripeCoHostedPlatform.SecretKey,
            Workers = 8,
            MaxBacklog = 64,
            Duration = TimeSpan.FromSeconds(4),
            Warmup = TimeSpan.Zero,
            DeclineShare = 0.2,
            RetryShare = 0.25,
            // A gift stays pending after the webhooks only when both of its confirming events are dropped (9% of paid gifts
            // at 0.3), so even the ~40 gifts of a run on a busy machine leave some for the reconcile job to settle (98%;
            // at 0.2 and 4% a gift, a busy run of 42 gifts once left none).
            Chaos = new CardChaos(DuplicateRate: 0.3, ReorderWindowMs: 200, Seed: 7, DropRate: 0.3),
            SettleTimeout = TimeSpan.FromSeconds(15),
            ReconcileTimeout = TimeSpan.FromSeconds(20),
            ProgressInterval = TimeSpan.Zero,
        }, output.WriteLine);

        Assert.True(result.Reconciliation.Exact, result.Reconciliation.Describe());
        Assert.True(result.Paid > 0, "No card donation was paid.");
        Assert.True(result.Declined > 0, "No card was declined, so nothing showed that failed payments count nowhere.");
        Assert.Equal(result.Paid, result.Reconciliation.Stripe.Count);
        Assert.Equal(result.Paid, result.Reconciliation.Platform.Ledger.Count);
        Assert.Equal(result.Declined, result.Reconciliation.DeclinedChecked);
        Assert.Equal(0, result.Reconciliation.DeclinedWithReceipt);
        Assert.Equal(0, result.Webhooks.Pending + result.Webhooks.Failed);
        Assert.Equal(0, result.WebhooksRedelivered);
        Assert.True(result.Webhooks.Attempts > result.Webhooks.Delivered, "No webhook was delivered twice: the duplicate switch did not bite.");

        // Drops: some events never reached the platform; the reconcile job applied each of them once and settled the gifts
        // no delivered event had confirmed, and its last run found nothing left to do.
        Assert.True(result.Webhooks.Dropped > 0, "No webhook event was dropped: the drop switch did not bite.");
        var job = Assert.IsType<CardStripeReconcile>(result.StripeReconcile);
        Assert.True(job.Finished, job.Describe());
        Assert.True(job.LastRun!.NothingLeft, job.Describe());
        Assert.Equal(result.Webhooks.Dropped, job.EventsDropped);
        // Every dropped event is listed again by the last run: applied by an earlier run, or one with nothing for the platform (charge.succeeded, ...).
        Assert.Equal(result.Webhooks.Dropped, job.LastRun.EventsAlreadyApplied + job.LastRun.EventsIgnored);
        Assert.Equal(job.EventsApplied, job.LastRun.EventsAlreadyApplied);
        Assert.True(job.EventsApplied > 0, job.Describe());
        Assert.True(job.GiftsSettled.Count > 0, "No paid gift was left for the reconcile job: nothing showed that it settles a dropped confirmation. " + job.Describe());
        Assert.True(job.GiftsSettled.Count <= result.Paid, job.Describe());

        Assert.True(result.ReplaysChecked > 0, "No create was retried with its key.");
        Assert.False(result.Errors.ContainsKey(nameof(ErrorKind.ReplayMismatch)), "A retried create got another donation or checkout.");
        Assert.False(result.Errors.ContainsKey(nameof(ErrorKind.Rejected)), "The platform or the fake refused a well-formed request.");
        Assert.True(result.PayToSucceeded.Count > 0, "No paid donation was timed to its success.");
        Assert.True(result.Passed, string.Join("; ", result.Failures));
    }
}
