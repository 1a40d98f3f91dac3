using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Fundraising.Web.Tests.Payments;

/// <summary>Card gifts when Stripe hangs, and when its webhooks race the donor's own create calls.</summary>
public sealed class StripeRaceAndTimeoutTests(StripePlatform platform) : IClassFixture<StripePlatform>, IAsyncLifetime
{
    public Task InitializeAsync() => platform.SetChaosAsync(StripePlatform.Calm);

    public Task DisposeAsync() => platform.SetChaosAsync(StripePlatform.Calm);

    [Fact]
    public async Task WhenStripeHangsTheDonorGetsAClearErrorAfterTheTimeoutAndNothingCountsUntilTheRetryIsPaid()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        await platform.SetChaosAsync(new { apiFault = "timeout", apiFaultCount = 1 });

        var started = DateTimeOffset.UtcNow;
        var failed = await ApiCalls.PostDonationAsync(platform.Web.Client, campaign, "card-hang", new { amount = 1_200, currency = "CNY", displayName = "刷卡捐赠人" });
        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        Assert.Equal("application/problem+json", failed.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Idempotency-Key", (await ApiCalls.ProblemAsync(failed)).GetProperty("detail").GetString());
        // The platform gives up after Payments:Stripe:Timeout (10 s by default), well before the fake lets go (300 s).
        Assert.InRange(DateTimeOffset.UtcNow - started, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60));

        // Nothing counts, and at most the pending gift is recorded: no payment link, no money.
        Assert.Equal(0, (await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign)).GetProperty("raisedAmount").GetInt64());
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM donations WHERE campaign_id = $1 AND status <> 'pending'", campaign));

        await platform.SetChaosAsync(StripePlatform.Calm);
        var (id, sessionId) = await platform.StartCardDonationAsync(campaign, 1_200, "card-hang");
        Assert.Equal(1L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM donations WHERE campaign_id = $1", campaign));
        await platform.PayAsync(sessionId);
        var paid = await platform.WaitForCampaignAsync(campaign, c => c.GetProperty("raisedAmount").GetInt64() == 1_200);
        Assert.Equal(1, paid.GetProperty("donationCount").GetInt64());
        Assert.Equal("succeeded", await platform.Database.ScalarAsync<string>("SELECT status FROM donations WHERE id = $1", id));
    }

    [Fact]
    public async Task WebhooksRacingTheDonorsRepeatedCreateCallsCountTheGiftOnceAndKeepItsPaymentLinked()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var (id, sessionId) = await platform.StartCardDonationAsync(campaign, 3_300, "card-race");

        // The donor's browser retries the create (same key) while Stripe's webhooks for the payment arrive:
        // each replay calls Stripe again and links the session again, concurrently with the webhooks' links and confirmation.
        var replays = Enumerable.Range(0, 8).Select(_ => platform.StartCardDonationAsync(campaign, 3_300, "card-race")).ToList();
        var pay = platform.PayAsync(sessionId);
        await Task.WhenAll(replays);
        await pay;
        Assert.All(replays, r => Assert.Equal((id, sessionId), r.Result));

        var paid = await platform.WaitForCampaignAsync(campaign, c => c.GetProperty("raisedAmount").GetInt64() == 3_300);
        await Task.Delay(1_000); // late webhook deliveries and replays must change nothing
        var settled = await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign);
        Assert.Equal(3_300, settled.GetProperty("raisedAmount").GetInt64());
        Assert.Equal(1, settled.GetProperty("donationCount").GetInt64());
        Assert.Equal(1, paid.GetProperty("donationCount").GetInt64());
        Assert.Equal("succeeded", await platform.Database.ScalarAsync<string>("SELECT status FROM donations WHERE id = $1", id));
        // The payment intent stays linked whichever path wrote first, so an admin refund can reach Stripe.
        Assert.Equal(sessionId, await platform.Database.ScalarAsync<string>("SELECT checkout_session_id FROM stripe_payments WHERE donation_id = $1", id));
        Assert.StartsWith("pi_", await platform.Database.ScalarAsync<string>("SELECT payment_intent_id FROM stripe_payments WHERE donation_id = $1", id));
        Assert.True((await platform.Web.Admin.GetFromJsonAsync<JsonElement>("/api/admin/reconciliation")).GetProperty("allAgree").GetBoolean());
    }

    [Fact]
    public async Task WithEveryDeliverySwitchOnButDropsTheLedgerAgreesWithStripesPaidSessions()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        await platform.SetChaosAsync(new { duplicateRate = 0.5, reorderWindowMs = 300, delayMs = 400 });
        var gifts = new List<(Guid Id, string SessionId, long Amount)>();
        for (var i = 1; i <= 8; i++)
        {
            var (id, sessionId) = await platform.StartCardDonationAsync(campaign, 100 * i);
            gifts.Add((id, sessionId, 100 * i));
        }
        var declined = gifts[^1];
        await Task.WhenAll(gifts.Select(g => platform.PayAsync(g.SessionId, g == declined ? "decline" : "succeed")));

        var expected = gifts.Where(g => g != declined).Sum(g => g.Amount);
        await platform.WaitForCampaignAsync(campaign, c => c.GetProperty("raisedAmount").GetInt64() == expected);
        await Task.Delay(1_500); // delayed duplicates still arriving must change nothing
        var settled = await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign);
        Assert.Equal(expected, settled.GetProperty("raisedAmount").GetInt64());
        Assert.Equal(gifts.Count - 1, settled.GetProperty("donationCount").GetInt64());
        foreach (var gift in gifts)
        {
            var session = await platform.StripeGetAsync($"/v1/checkout/sessions/{gift.SessionId}");
            var stripePaid = session.GetProperty("payment_status").GetString() == "paid";
            Assert.Equal(gift != declined, stripePaid);
            Assert.Equal(stripePaid ? "succeeded" : "pending", await platform.Database.ScalarAsync<string>("SELECT status FROM donations WHERE id = $1", gift.Id));
        }
        Assert.True((await platform.Web.Admin.GetFromJsonAsync<JsonElement>("/api/admin/reconciliation")).GetProperty("allAgree").GetBoolean());
    }
}
