using System.Net.Http.Json;
using System.Text.Json;

namespace Fundraising.Web.Tests.Payments;

/// <summary>The reconciliation job: what webhooks never delivered is settled from Stripe's own records.</summary>
public sealed class StripeReconciliationTests(StripePlatform platform) : IClassFixture<StripePlatform>, IAsyncLifetime
{
    public Task InitializeAsync() => platform.SetChaosAsync(StripePlatform.Calm);

    public Task DisposeAsync() => platform.SetChaosAsync(StripePlatform.Calm);

    /// <summary>
    /// The endpoints only a Stripe-enabled platform maps, outside the sandbox platform's access matrix
    /// (<see cref="Accounts.AccessMatrixTests"/>): every one is checked here.
    /// </summary>
    [Fact]
    public async Task OnlyAdminsMayRunTheStripeReconciliationAndTheMatrixCoversEveryOtherPrivilegedEndpoint()
    {
        const string reconcile = "/api/admin/payments/stripe/reconcile";
        var stripeOnly = Accounts.AccessMatrixTests.PrivilegedEndpoints(platform.Web).Except(Accounts.AccessMatrixTests.Covered).ToList();
        Assert.Equal(["POST " + reconcile], stripeOnly);

        using var anonymous = new HttpClient { BaseAddress = platform.Web.BaseAddress };
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await anonymous.PostAsync(reconcile, null)).StatusCode);
        foreach (var (role, scope) in new (string, object?)[] { ("association", null), ("viewer", null), ("coordinator", new { campaignIds = new[] { await ApiCalls.CreateLiveCampaignAsync(platform.Web) } }) })
        {
            var member = await Accounts.StaffClients.CreateAsync(platform.Web, role, scope);
            var refused = await member.Bearer.PostAsync(reconcile, null);
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.StatusCode);
            await ApiCalls.ProblemAsync(refused);
        }
        var admin = await Accounts.StaffClients.CreateAsync(platform.Web, "admin");
        Assert.Equal(System.Net.HttpStatusCode.OK, (await admin.Bearer.PostAsync(reconcile, null)).StatusCode);
    }

    [Fact]
    public async Task WithEveryWebhookDroppedACardGiftAndAMonthlyRenewalSucceedAfterReconcileAndASecondRunChangesNothing()
    {
        await platform.SetChaosAsync(new { dropRate = 1.0 });
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var (card, sessionId) = await platform.StartCardDonationAsync(campaign, 8_800);
        await platform.PayAsync(sessionId);
        var gift = await platform.StartMonthlyGiftAsync(campaign, 3_000);
        var subscription = await platform.PaySubscriptionAsync(gift);
        await platform.RenewAsync(subscription);
        await Task.Delay(500);
        Assert.Equal(0, (await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign)).GetProperty("raisedAmount").GetInt64());

        var first = await platform.ReconcileAsync();
        Assert.True(first.GetProperty("pendingConfirmed").GetInt32() >= 1);
        Assert.True(first.GetProperty("eventsApplied").GetInt32() > 0);
        Assert.Equal(0, first.GetProperty("eventsFailed").GetInt32());
        Assert.Equal(0, first.GetProperty("pendingFailed").GetInt32());
        var settled = await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign);
        Assert.Equal(8_800 + 2 * 3_000, settled.GetProperty("raisedAmount").GetInt64());
        Assert.Equal(3, settled.GetProperty("donationCount").GetInt64());
        Assert.Equal("succeeded", await platform.Database.ScalarAsync<string>("SELECT status FROM donations WHERE id = $1", card));
        Assert.Equal("active", (await platform.GetMonthlyGiftAsync(gift)).GetProperty("status").GetString());

        var second = await platform.ReconcileAsync();
        Assert.Equal(0, second.GetProperty("eventsApplied").GetInt32());
        Assert.Equal(0, second.GetProperty("pendingConfirmed").GetInt32());
        // Every event listed again is either already applied or one with nothing for the platform (charge.succeeded, ...).
        Assert.Equal(first.GetProperty("eventsApplied").GetInt32(), second.GetProperty("eventsAlreadyApplied").GetInt32());
        Assert.Equal(first.GetProperty("eventsIgnored").GetInt32(), second.GetProperty("eventsIgnored").GetInt32());
        Assert.Equal(second.GetProperty("eventsListed").GetInt32(),
            second.GetProperty("eventsAlreadyApplied").GetInt32() + second.GetProperty("eventsIgnored").GetInt32());
        var again = await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign);
        Assert.Equal(settled.GetProperty("raisedAmount").GetInt64(), again.GetProperty("raisedAmount").GetInt64());
        Assert.Equal(3, again.GetProperty("donationCount").GetInt64());
        Assert.True((await platform.Web.Admin.GetFromJsonAsync<JsonElement>("/api/admin/reconciliation")).GetProperty("allAgree").GetBoolean());
    }

    [Fact]
    public async Task ARenewalBilledBeforeTheDonorCancelledIsRecordedEvenWhenItsEventArrivesAfter()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var gift = await platform.StartMonthlyGiftAsync(campaign, 2_000);
        var subscription = await platform.PaySubscriptionAsync(gift);
        await platform.WaitForCampaignAsync(campaign, c => c.GetProperty("raisedAmount").GetInt64() == 2_000);

        await platform.SetChaosAsync(new { dropRate = 1.0 });
        await platform.RenewAsync(subscription);
        await platform.SetChaosAsync(StripePlatform.Calm);
        Assert.Equal("cancelled", (await platform.CancelMonthlyGiftAsync(gift)).GetProperty("status").GetString());

        // Stripe took the second month's money before the cancellation: it is recorded, and the gift stays cancelled.
        await platform.ReconcileAsync();
        var after = await platform.GetMonthlyGiftAsync(gift);
        Assert.Equal("cancelled", after.GetProperty("status").GetString());
        Assert.Equal(4_000, after.GetProperty("totalGiven").GetInt64());
        Assert.Equal(4_000, (await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign)).GetProperty("raisedAmount").GetInt64());
    }

    [Fact]
    public async Task WithDuplicatedAndReorderedWebhooksTheLedgerAndStripesRecordsAgreeExactly()
    {
        await platform.SetChaosAsync(new { duplicateRate = 0.5, reorderWindowMs = 300 });
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        for (var i = 1; i <= 5; i++)
        {
            var (_, sessionId) = await platform.StartCardDonationAsync(campaign, 1_000 * i);
            await platform.PayAsync(sessionId);
        }
        for (var i = 1; i <= 3; i++)
        {
            var subscription = await platform.PaySubscriptionAsync(await platform.StartMonthlyGiftAsync(campaign, 700 * i));
            await platform.RenewAsync(subscription);
            await platform.RenewAsync(subscription);
        }
        const int gifts = 5 + 3 * 3;
        await platform.WaitForCampaignAsync(campaign, c => c.GetProperty("donationCount").GetInt64() == gifts);
        await Task.Delay(1_500); // late duplicates arrive: they must change nothing
        await platform.ReconcileAsync();

        var stripeCard = (await platform.StripeEventsAsync("checkout.session.completed"))
            .Select(e => e.GetProperty("data").GetProperty("object"))
            .Where(s => s.GetProperty("mode").GetString() == "payment" && CampaignOf(s.GetProperty("metadata")) == campaign)
            .Select(s => s.GetProperty("amount_total").GetInt64()).ToList();
        var stripeInvoices = (await platform.StripeEventsAsync("invoice.paid"))
            .Select(e => e.GetProperty("data").GetProperty("object"))
            .Where(i => CampaignOf(i.GetProperty("parent").GetProperty("subscription_details").GetProperty("metadata")) == campaign)
            .Select(i => i.GetProperty("amount_paid").GetInt64()).ToList();
        Assert.Equal(5, stripeCard.Count);
        Assert.Equal(9, stripeInvoices.Count);
        var stripeTotal = stripeCard.Sum() + stripeInvoices.Sum();

        var totals = await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign);
        Assert.Equal(stripeTotal, totals.GetProperty("raisedAmount").GetInt64());
        Assert.Equal(gifts, totals.GetProperty("donationCount").GetInt64());
        Assert.Equal(stripeTotal, await platform.Database.ScalarAsync<long>(
            "SELECT coalesce(sum(amount), 0)::bigint FROM donations WHERE campaign_id = $1 AND status = 'succeeded'", campaign));
        Assert.True((await platform.Web.Admin.GetFromJsonAsync<JsonElement>("/api/admin/reconciliation")).GetProperty("allAgree").GetBoolean());
    }

    [Fact]
    public async Task WhileStripeIsDownAReconcileRunAnswers502AndTheNextRunSettlesEverything()
    {
        await platform.SetChaosAsync(new { dropRate = 1.0 });
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var (card, sessionId) = await platform.StartCardDonationAsync(campaign, 5_500);
        await platform.PayAsync(sessionId);

        await platform.SetChaosAsync(new { dropRate = 1.0, apiFault = "500", apiFaultCount = -1 });
        var failed = await platform.Web.Admin.PostAsync("/api/admin/payments/stripe/reconcile", null);
        Assert.Equal(System.Net.HttpStatusCode.BadGateway, failed.StatusCode);
        Assert.Equal("pending", await platform.Database.ScalarAsync<string>("SELECT status FROM donations WHERE id = $1", card));

        await platform.SetChaosAsync(new { dropRate = 1.0 });
        await platform.ReconcileAsync();
        Assert.Equal("succeeded", await platform.Database.ScalarAsync<string>("SELECT status FROM donations WHERE id = $1", card));
        Assert.Equal(5_500, (await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign)).GetProperty("raisedAmount").GetInt64());
    }

    private static Guid? CampaignOf(JsonElement metadata) =>
        metadata.TryGetProperty("campaign_id", out var id) && Guid.TryParse(id.GetString(), out var campaign) ? campaign : null;
}
