using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Fundraising.Web.Tests.Payments;

/// <summary>What Stripe's events are checked against: the paid amount, currency and mode of the gift, and a refund's link to a gift.</summary>
public sealed class StripeMismatchAndRefundTests(StripePlatform platform) : IClassFixture<StripePlatform>, IAsyncLifetime
{
    public Task InitializeAsync() => platform.SetChaosAsync(StripePlatform.Calm);

    public Task DisposeAsync() => platform.SetChaosAsync(StripePlatform.Calm);

    private Task<string> StatusAsync(Guid donation) => platform.Database.ScalarAsync<string>("SELECT status FROM donations WHERE id = $1", donation);

    [Fact]
    public async Task APaymentThatDoesNotMatchItsGiftIsHeldForAnAdminAndNeverCounted()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var (id, sessionId) = await platform.StartCardDonationAsync(campaign, 50_000);
        var metadata = new { donation_id = id.ToString(), campaign_id = campaign.ToString() };

        // A correctly signed checkout.session.completed whose session paid 1 fen for a ¥500 gift.
        var oneFen = await platform.PostSignedEventAsync("checkout.session.completed", new
        {
            id = sessionId, @object = "checkout.session", mode = "payment", status = "complete", payment_status = "paid",
            amount_total = 1, currency = "cny", livemode = false, payment_intent = "pi_test_one_fen", metadata,
        });
        Assert.Equal(HttpStatusCode.OK, oneFen.StatusCode); // acknowledged, so Stripe stops retrying
        // The full amount, but in another currency, or in live mode while the platform is in test mode.
        foreach (var (intent, currency, live) in new[] { ("pi_test_dollars", "usd", false), ("pi_test_live", "cny", true) })
        {
            var response = await platform.PostSignedEventAsync("payment_intent.succeeded", new
            {
                id = intent, @object = "payment_intent", status = "succeeded", amount = 50_000, amount_received = 50_000, currency, livemode = live, metadata,
            });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal("pending", await StatusAsync(id));
        Assert.Equal(0, (await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign)).GetProperty("raisedAmount").GetInt64());

        var holds = (await platform.Web.Admin.GetFromJsonAsync<JsonElement>("/api/admin/payments/holds?pageSize=100")).GetProperty("items")
            .EnumerateArray().Where(h => h.GetProperty("donationId").GetGuid() == id).ToList();
        Assert.Equal(3, holds.Count);
        var held = Assert.Single(holds, h => h.GetProperty("stripeObjectId").GetString() == sessionId);
        Assert.Equal(1, held.GetProperty("paidAmount").GetInt64());
        Assert.Equal(50_000, held.GetProperty("expectedAmount").GetInt64());
        Assert.Contains(holds, h => h.GetProperty("paidCurrency").GetString() == "USD" && h.GetProperty("reason").GetString()!.Contains("USD"));
        Assert.Contains(holds, h => h.GetProperty("livemode").GetBoolean());
        Assert.Equal(HttpStatusCode.Unauthorized, (await platform.Web.Client.GetAsync("/api/admin/payments/holds")).StatusCode);

        // Redelivered, the hold is not doubled; the real payment of the whole amount still counts it, once.
        Assert.Equal(HttpStatusCode.OK, (await platform.PostSignedEventAsync("checkout.session.completed", new
        {
            id = sessionId, @object = "checkout.session", mode = "payment", status = "complete", payment_status = "paid",
            amount_total = 1, currency = "cny", livemode = false, payment_intent = "pi_test_one_fen", metadata,
        })).StatusCode);
        Assert.Equal(3L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM stripe_payment_holds WHERE donation_id = $1", id));
        await platform.PayAsync(sessionId);
        var paid = await platform.WaitForCampaignAsync(campaign, c => c.GetProperty("raisedAmount").GetInt64() == 50_000);
        Assert.Equal(50_000, paid.GetProperty("raisedAmount").GetInt64());
        Assert.Equal(1, paid.GetProperty("donationCount").GetInt64());
    }

    [Fact]
    public async Task ARefundOfAPaymentNotYetLinkedToItsGiftIsKeptAndAppliedOnceTheLinkAppears()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var (id, sessionId) = await platform.StartCardDonationAsync(campaign, 10_000);
        await platform.PayAsync(sessionId);
        await platform.WaitForCampaignAsync(campaign, c => c.GetProperty("raisedAmount").GetInt64() == 10_000);
        // The gift has no payment intent linked (as a monthly invoice can be recorded with none) when Stripe reports a refund of it.
        var intent = await platform.Database.ScalarAsync<string>("SELECT payment_intent_id FROM stripe_payments WHERE donation_id = $1", id);
        await platform.Database.ScalarAsync<int>("UPDATE stripe_payments SET payment_intent_id = NULL WHERE donation_id = $1 RETURNING 1", id);
        var refund = new { id = "re_test_" + Guid.NewGuid().ToString("N"), @object = "refund", amount = 3_000, currency = "cny", payment_intent = intent, status = "succeeded" };
        Assert.Equal(HttpStatusCode.OK, (await platform.PostSignedEventAsync("refund.created", refund)).StatusCode);
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM refunds WHERE donation_id = $1", id));
        Assert.Equal(10_000, (await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign)).GetProperty("raisedAmount").GetInt64());

        // The link appears; the reconciliation job applies the kept refund, once, however often it runs or the event comes back.
        await platform.Database.ScalarAsync<int>("UPDATE stripe_payments SET payment_intent_id = $2 WHERE donation_id = $1 RETURNING 1", id, intent);
        var first = await (await platform.Web.Admin.PostAsync("/api/admin/payments/stripe/reconcile", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM refunds WHERE donation_id = $1", id));
        Assert.Equal(1, first.GetProperty("refundsApplied").GetInt32());
        var second = await (await platform.Web.Admin.PostAsync("/api/admin/payments/stripe/reconcile", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, second.GetProperty("refundsApplied").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await platform.PostSignedEventAsync("refund.updated", refund)).StatusCode);
        Assert.Equal(1L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM refunds WHERE donation_id = $1", id));
        Assert.Equal(7_000, (await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign)).GetProperty("raisedAmount").GetInt64());
        var report = await platform.Web.Admin.GetFromJsonAsync<JsonElement>("/api/admin/reconciliation");
        Assert.True(report.GetProperty("allAgree").GetBoolean());
    }
}
