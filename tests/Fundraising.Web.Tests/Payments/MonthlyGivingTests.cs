using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Fundraising.Web.Tests.Payments;

/// <summary>Monthly giving (月捐) through Stripe subscriptions, against the real platform and our fake Stripe.</summary>
public sealed class MonthlyGivingTests(StripePlatform platform) : IClassFixture<StripePlatform>, IAsyncLifetime
{
    public Task InitializeAsync() => platform.SetChaosAsync(StripePlatform.Calm);

    public Task DisposeAsync() => platform.SetChaosAsync(StripePlatform.Calm);

    [Fact]
    public async Task EveryPaidMonthBecomesOneGiftUntilTheDonorCancels()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var gift = await platform.StartMonthlyGiftAsync(campaign, 3_000, key: "monthly-1");
        Assert.Equal("pending", gift.Body.GetProperty("status").GetString());
        Assert.Equal("month", gift.Body.GetProperty("interval").GetString());

        // A retry with the same key and body answers the same gift, session and token.
        var retry = await platform.PostMonthlyGiftAsync(campaign, "monthly-1", new { amount = 3_000, currency = "CNY", displayName = "月捐人", anonymous = false, email = "donor@example.com" });
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        var replayed = await retry.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(gift.Id, replayed.GetProperty("id").GetGuid());
        Assert.Equal(gift.CancelToken, replayed.GetProperty("cancelToken").GetString());
        Assert.Equal(gift.Body.GetProperty("checkoutUrl").GetString(), replayed.GetProperty("checkoutUrl").GetString());

        var subscription = await platform.PaySubscriptionAsync(gift);
        await platform.WaitForCampaignAsync(campaign, c => c.GetProperty("raisedAmount").GetInt64() == 3_000);
        await platform.RenewAsync(subscription);
        var renewed = await platform.WaitForCampaignAsync(campaign, c => c.GetProperty("raisedAmount").GetInt64() == 6_000);
        Assert.Equal(2, renewed.GetProperty("donationCount").GetInt64());

        var active = await platform.GetMonthlyGiftAsync(gift);
        Assert.Equal("active", active.GetProperty("status").GetString());
        Assert.Equal(6_000, active.GetProperty("totalGiven").GetInt64());
        Assert.Equal(2, active.GetProperty("gifts").GetArrayLength());

        var cancelled = await platform.CancelMonthlyGiftAsync(gift);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Equal("canceled", (await platform.StripeGetAsync($"/v1/subscriptions/{subscription}")).GetProperty("status").GetString());
        // Cancelling again is done already (Stripe answers 404 for a cancelled subscription).
        Assert.Equal("cancelled", (await platform.CancelMonthlyGiftAsync(gift)).GetProperty("status").GetString());
        await Task.Delay(500);
        Assert.Equal(6_000, (await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign)).GetProperty("raisedAmount").GetInt64());
    }

    [Fact]
    public async Task AnInvoicePaidBeforeItsCheckoutCompletedIsAttributedByItsMetadataAndCountsOnce()
    {
        await platform.SetChaosAsync(new { dropRate = 1.0 });
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var gift = await platform.StartMonthlyGiftAsync(campaign, 2_500);
        var subscription = await platform.PaySubscriptionAsync(gift);
        var invoicePaid = (await platform.StripeEventsAsync("invoice.paid"))
            .Single(e => e.GetProperty("data").GetProperty("object").GetProperty("parent").GetProperty("subscription_details").GetProperty("subscription").GetString() == subscription);
        var completed = (await platform.StripeEventsAsync("checkout.session.completed"))
            .Single(e => e.GetProperty("data").GetProperty("object").GetProperty("id").GetString() == gift.SessionId);

        Assert.Equal(HttpStatusCode.OK, await platform.DeliverAsync(invoicePaid));
        var afterInvoice = await platform.GetMonthlyGiftAsync(gift);
        Assert.Equal("active", afterInvoice.GetProperty("status").GetString());
        Assert.Equal(2_500, afterInvoice.GetProperty("totalGiven").GetInt64());

        Assert.Equal(HttpStatusCode.OK, await platform.DeliverAsync(completed));
        Assert.Equal(HttpStatusCode.OK, await platform.DeliverAsync(invoicePaid));
        var campaignNow = await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign);
        Assert.Equal(2_500, campaignNow.GetProperty("raisedAmount").GetInt64());
        Assert.Equal(1, campaignNow.GetProperty("donationCount").GetInt64());
        Assert.Equal(1L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM monthly_gift_invoices WHERE monthly_gift_id = $1", gift.Id));
    }

    [Fact]
    public async Task AnAnonymousMonthlyDonorsNameNeverAppearsPublicly()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var gift = await platform.StartMonthlyGiftAsync(campaign, 1_200, name: "秘密月捐人", anonymous: true);
        await platform.PaySubscriptionAsync(gift);
        await platform.WaitForCampaignAsync(campaign, c => c.GetProperty("donationCount").GetInt64() == 1);

        var list = await platform.Web.Client.GetStringAsync($"/api/campaigns/{campaign}/donations");
        Assert.DoesNotContain("秘密月捐人", list, StringComparison.Ordinal);
        var donation = JsonDocument.Parse(list).RootElement.GetProperty("items").EnumerateArray().Single();
        Assert.Equal(JsonValueKind.Null, donation.GetProperty("displayName").ValueKind);
        Assert.Equal(1_200, donation.GetProperty("amount").GetInt64());
    }

    [Fact]
    public async Task AMonthsGiftCanBeRefundedByAnAdminThroughStripe()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var gift = await platform.StartMonthlyGiftAsync(campaign, 4_000);
        await platform.PaySubscriptionAsync(gift);
        await platform.WaitForCampaignAsync(campaign, c => c.GetProperty("raisedAmount").GetInt64() == 4_000);
        var donationId = (await platform.GetMonthlyGiftAsync(gift)).GetProperty("gifts")[0].GetProperty("donationId").GetGuid();

        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/donations/{donationId}/refunds") { Content = JsonContent.Create(new { reason = "月捐人要求退款" }) };
        request.Headers.Add("Idempotency-Key", "monthly-refund-1");
        Assert.Equal(HttpStatusCode.Created, (await platform.Web.Admin.SendAsync(request)).StatusCode);
        await Task.Delay(1_000); // the refund.created webhook arrives: it must not refund again
        Assert.Equal(0, (await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign)).GetProperty("raisedAmount").GetInt64());
        var refunds = await platform.StripeGetAsync($"/v1/refunds?payment_intent={await platform.Database.ScalarAsync<string>("SELECT payment_intent_id FROM stripe_payments WHERE donation_id = $1", donationId)}");
        Assert.Equal(4_000, refunds.GetProperty("data")[0].GetProperty("amount").GetInt64());
    }

    [Fact]
    public async Task BadMonthlyGiftRequestsAreRefusedWithProblemsAndChangeNothing()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var valid = new { amount = 1_000, currency = "CNY", displayName = "月捐人", anonymous = false, email = "donor@example.com" };
        var cases = new (string? Key, object Body, HttpStatusCode Status)[]
        {
            (null, valid, HttpStatusCode.BadRequest),
            ("k-amount", valid with { amount = 0 }, HttpStatusCode.BadRequest),
            ("k-currency", valid with { currency = "cny" }, HttpStatusCode.BadRequest),
            ("k-other-currency", valid with { currency = "USD" }, HttpStatusCode.BadRequest),
            ("k-email", valid with { email = "not an email" }, HttpStatusCode.BadRequest),
            ("k-name", valid with { displayName = new string('名', 65) }, HttpStatusCode.BadRequest),
        };
        foreach (var (key, body, status) in cases)
        {
            var response = await platform.PostMonthlyGiftAsync(campaign, key, body);
            Assert.Equal(status, response.StatusCode);
            await ApiCalls.ProblemAsync(response);
        }
        var unknown = await platform.PostMonthlyGiftAsync(Guid.NewGuid(), "k-unknown", valid);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM monthly_gifts WHERE campaign_id = $1", campaign));

        // The same key with another body is a misuse, not a retry.
        var gift = await platform.StartMonthlyGiftAsync(campaign, 1_000, key: "k-reused");
        var reused = await platform.PostMonthlyGiftAsync(campaign, "k-reused", valid with { amount = 2_000 });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.StatusCode);

        // Without the donor's token a gift can be neither seen nor cancelled.
        foreach (var token in new[] { null, "wrong-token", gift.CancelToken[..^2] + "xx" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await platform.SendWithTokenAsync(HttpMethod.Get, $"/api/monthly-gifts/{gift.Id}", token)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await platform.SendWithTokenAsync(HttpMethod.Post, $"/api/monthly-gifts/{gift.Id}/cancel", token)).StatusCode);
        }
        Assert.Equal("pending", await platform.Database.ScalarAsync<string>("SELECT status FROM monthly_gifts WHERE id = $1", gift.Id));
        Assert.Equal(1L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM monthly_gifts WHERE campaign_id = $1", campaign));
    }

    [Fact]
    public async Task WhenStripeFailsStartingAMonthlyGiftAnswers502AndRecordsNothingUntilTheRetry()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        await platform.SetChaosAsync(new { apiFault = "500", apiFaultCount = 1 });
        var failed = await platform.PostMonthlyGiftAsync(campaign, "monthly-retry", new { amount = 900, currency = "CNY" });
        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        await ApiCalls.ProblemAsync(failed);
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM monthly_gifts WHERE campaign_id = $1", campaign));

        var retried = await platform.PostMonthlyGiftAsync(campaign, "monthly-retry", new { amount = 900, currency = "CNY" });
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        Assert.Equal(1L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM monthly_gifts WHERE campaign_id = $1", campaign));
    }

    [Fact]
    public async Task CancellingBeforeTheCheckoutIsPaidExpiresTheSession()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var gift = await platform.StartMonthlyGiftAsync(campaign, 1_500);
        Assert.Equal("cancelled", (await platform.CancelMonthlyGiftAsync(gift)).GetProperty("status").GetString());
        Assert.Equal("expired", (await platform.StripeGetAsync($"/v1/checkout/sessions/{gift.SessionId}")).GetProperty("status").GetString());
        Assert.Equal(0, (await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign)).GetProperty("raisedAmount").GetInt64());
    }

    [Fact]
    public async Task WhenStripeFailsACancellationAnswers502AndTheGiftStaysActiveUntilTheRetry()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var gift = await platform.StartMonthlyGiftAsync(campaign, 1_800);
        var subscription = await platform.PaySubscriptionAsync(gift);
        await platform.WaitForCampaignAsync(campaign, c => c.GetProperty("raisedAmount").GetInt64() == 1_800);

        await platform.SetChaosAsync(new { apiFault = "500", apiFaultCount = 1 });
        var failed = await platform.SendWithTokenAsync(HttpMethod.Post, $"/api/monthly-gifts/{gift.Id}/cancel", gift.CancelToken);
        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        await ApiCalls.ProblemAsync(failed);
        Assert.Equal("active", (await platform.GetMonthlyGiftAsync(gift)).GetProperty("status").GetString());
        Assert.Equal("active", (await platform.StripeGetAsync($"/v1/subscriptions/{subscription}")).GetProperty("status").GetString());

        Assert.Equal("cancelled", (await platform.CancelMonthlyGiftAsync(gift)).GetProperty("status").GetString());
        Assert.Equal("canceled", (await platform.StripeGetAsync($"/v1/subscriptions/{subscription}")).GetProperty("status").GetString());
    }
}
