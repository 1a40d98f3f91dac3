using Fundraising.Load.Cards;
using Fundraising.Load.Donors;
using Fundraising.TestSupport;
using Xunit.Abstractions;

namespace Fundraising.Load.Tests;

/// <summary>
/// The card path of the generator, in process, for a few seconds against the real platform with Stripe enabled and
/// the fake Stripe as a real process whose webhooks arrive twice and out of order. Correctness only, never speed.
/// </summary>
public sealed class CardSmokeTests(StripeCoHostedPlatform platform, ITestOutputHelper output) : IClassFixture<StripeCoHostedPlatform>
{
    [Fact]
    public async Task CardDonationsWithDuplicatedAndReorderedWebhooksReconcileExactly()
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
            Chaos = new CardChaos(DuplicateRate: 0.3, ReorderWindowMs: 200, Seed: 7),
            SettleTimeout = TimeSpan.FromSeconds(15),
            ProgressInterval = TimeSpan.Zero,
        }, output.WriteLine);

        Assert.True(result.Reconciliation.Exact, result.Reconciliation.Describe());
        Assert.True(result.Paid > 0, "No card donation was paid.");
        Assert.True(result.Declined > 0, "No card was declined, so nothing showed that failed payments count nowhere.");
        Assert.Equal(result.Paid, result.Reconciliation.Stripe.Count);
        Assert.Equal(result.Paid, result.Reconciliation.Platform.Ledger.Count);
        Assert.Equal(result.Declined, result.Reconciliation.DeclinedChecked);
        Assert.Equal(0, result.Reconciliation.DeclinedWithReceipt);
        Assert.Equal(0, result.Webhooks.Pending + result.Webhooks.Failed + result.Webhooks.Dropped);
        Assert.True(result.Webhooks.Attempts > result.Webhooks.Delivered, "No webhook was delivered twice: the duplicate switch did not bite.");
        Assert.True(result.ReplaysChecked > 0, "No create was retried with its key.");
        Assert.False(result.Errors.ContainsKey(nameof(ErrorKind.ReplayMismatch)), "A retried create got another donation or checkout.");
        Assert.False(result.Errors.ContainsKey(nameof(ErrorKind.Rejected)), "The platform or the fake refused a well-formed request.");
        Assert.True(result.PayToSucceeded.Count > 0, "No paid donation was timed to its success.");
        Assert.True(result.Passed, string.Join("; ", result.Failures));
    }
}
