using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Fundraising.Web.Tests.Payments;

/// <summary>
/// The shared Stripe platform (see <see cref="Fundraising.TestSupport.StripeCoHostedPlatform"/>) with the
/// helpers the payment tests use.
/// </summary>
public sealed partial class StripePlatform : Fundraising.TestSupport.StripeCoHostedPlatform
{
    /// <summary>
    /// The monthly-giving suites start dozens of monthly gifts a minute from one address, beyond the default limit
    /// of 10 (which a person never reaches); every other limit stays at its default.
    /// </summary>
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["RateLimits__MonthlyGifts__PermitLimit"] = "10000",
    };

    /// <summary>Every chaos switch off.</summary>
    public static readonly object Calm = new { duplicateRate = 0.0, reorderWindowMs = 0, delayMs = 0, dropRate = 0.0, apiFault = (string?)null, apiFaultCount = 0 };

    /// <summary>A Stripe-Signature header for <paramref name="payload"/>, as Stripe makes it.</summary>
    public static string Sign(string payload, string secret, long timestamp)
    {
        using var hmac = new System.Security.Cryptography.HMACSHA256(Encoding.UTF8.GetBytes(secret));
        var signature = Convert.ToHexStringLower(hmac.ComputeHash(Encoding.UTF8.GetBytes($"{timestamp}.{payload}")));
        return $"t={timestamp},v1={signature}";
    }

    /// <summary>
    /// Posts an event to the platform's webhook, signed with the webhook secret exactly as Stripe signs it: what a
    /// correctly signed event with any payload does (Stripe's word on what was paid, not the fake's).
    /// </summary>
    public Task<HttpResponseMessage> PostSignedEventAsync(string type, object dataObject, string? eventId = null)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = JsonSerializer.Serialize(new
        {
            id = eventId ?? "evt_test_" + Guid.NewGuid().ToString("N"), @object = "event", api_version = "2026-10-28.endive", created = now,
            livemode = false, type, data = new { @object = dataObject },
        });
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/payments/stripe/webhook") { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Stripe-Signature", Sign(payload, WebhookSecret, now));
        return Web.Client.SendAsync(request);
    }

    /// <summary>A call to the fake's Stripe API, authenticated with the platform's secret key.</summary>
    public async Task<JsonElement> StripeGetAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", SecretKey);
        var response = await StripeControl.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<(Guid Id, string SessionId)> StartCardDonationAsync(Guid campaign, long amount, string? key = null)
    {
        var created = await ApiCalls.PostDonationAsync(Web.Client, campaign, key ?? Guid.NewGuid().ToString(), new { amount, currency = "CNY", displayName = "刷卡捐赠人" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("stripe", body.GetProperty("payment").GetProperty("provider").GetString());
        var redirect = body.GetProperty("payment").GetProperty("redirectUrl").GetString()!;
        return (body.GetProperty("id").GetGuid(), SessionId().Match(redirect).Value);
    }

    /// <summary>Pays (or declines) a Checkout Session on the fake's hosted page; returns the session as it stands.</summary>
    public async Task<JsonElement> PayAsync(string sessionId, string outcome = "succeed")
    {
        var response = await StripeControl.PostAsJsonAsync($"/_fake/checkout/{sessionId}/pay", new { outcome });
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<JsonElement> WaitForCampaignAsync(Guid campaign, Func<JsonElement, bool> done)
    {
        for (var attempt = 0; attempt < 150; attempt++)
        {
            var current = await ApiCalls.GetCampaignAsync(Web.Client, campaign);
            if (done(current))
            {
                return current;
            }
            await Task.Delay(100);
        }
        return await ApiCalls.GetCampaignAsync(Web.Client, campaign);
    }

    [GeneratedRegex("cs_[A-Za-z0-9_]+")]
    public static partial Regex SessionId();

}

public sealed class StripePaymentTests(StripePlatform platform) : IClassFixture<StripePlatform>, IAsyncLifetime
{
    public Task InitializeAsync() => platform.SetChaosAsync(StripePlatform.Calm);

    public Task DisposeAsync() => platform.SetChaosAsync(StripePlatform.Calm);

    [Fact]
    public async Task ACardGiftCountsOnlyOnceStripeSaysItIsPaid()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var (_, sessionId) = await platform.StartCardDonationAsync(campaign, 8_800);
        await Task.Delay(300);
        Assert.Equal(0, (await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign)).GetProperty("raisedAmount").GetInt64());

        await platform.PayAsync(sessionId);
        var paid = await platform.WaitForCampaignAsync(campaign, c => c.GetProperty("raisedAmount").GetInt64() == 8_800);
        Assert.Equal(8_800, paid.GetProperty("raisedAmount").GetInt64());
        Assert.Equal(1, paid.GetProperty("donationCount").GetInt64());
    }

    [Fact]
    public async Task BesideStripeTheSandboxConfirmAddressDoesNotExistAndConfirmsNothing()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var (id, _) = await platform.StartCardDonationAsync(campaign, 99_900);
        var response = await platform.Web.Client.PostAsync($"/api/payments/sandbox/campaigns/{campaign}/donations/{id}/confirm", null);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("pending", await platform.Database.ScalarAsync<string>("SELECT status FROM donations WHERE id = $1", id));
        Assert.Equal(0, (await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign)).GetProperty("raisedAmount").GetInt64());
    }

    [Fact]
    public async Task ADeclinedCardCountsForNothing()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var (id, sessionId) = await platform.StartCardDonationAsync(campaign, 500);
        await platform.PayAsync(sessionId, "decline");
        await Task.Delay(1_000);
        Assert.Equal(0, (await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign)).GetProperty("raisedAmount").GetInt64());
        Assert.Equal("pending", await platform.Database.ScalarAsync<string>("SELECT status FROM donations WHERE id = $1", id));
    }

    [Fact]
    public async Task DuplicatedAndReorderedWebhooksStillCountEveryGiftExactlyOnce()
    {
        await platform.SetChaosAsync(new { duplicateRate = 0.5, reorderWindowMs = 300, delayMs = 0, dropRate = 0.0, apiFault = (string?)null, apiFaultCount = 0 });
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var amounts = Enumerable.Range(1, 20).Select(i => 100L * i).ToList();
        foreach (var amount in amounts)
        {
            var (_, sessionId) = await platform.StartCardDonationAsync(campaign, amount);
            await platform.PayAsync(sessionId);
        }
        var expected = amounts.Sum();
        var settled = await platform.WaitForCampaignAsync(campaign, c => c.GetProperty("donationCount").GetInt64() == amounts.Count);
        await Task.Delay(1_500); // let late duplicates arrive: they must change nothing
        settled = await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign);
        Assert.Equal(expected, settled.GetProperty("raisedAmount").GetInt64());
        Assert.Equal(amounts.Count, settled.GetProperty("donationCount").GetInt64());
        var report = await platform.Web.Admin.GetFromJsonAsync<JsonElement>("/api/admin/reconciliation");
        Assert.True(report.GetProperty("allAgree").GetBoolean());
    }

    [Fact]
    public async Task StripeEventsAreCountedInTheMetricsByTypeAndOutcome()
    {
        const string metric = "fundraising_webhook_events_total";
        var scrape = await Operations.ObservabilityCalls.ScrapeAsync(platform.Web.Admin);
        var ignoredBefore = Operations.ObservabilityCalls.Sum(scrape, metric, "type=\"charge.succeeded\"", "outcome=\"ignored\"");
        var appliedBefore = Operations.ObservabilityCalls.Sum(scrape, metric, "type=\"checkout.session.completed\"", "outcome=\"applied\"");

        // Nothing in a charge.succeeded concerns the platform; a paid Checkout session does.
        var ignored = await platform.PostSignedEventAsync("charge.succeeded", new { id = "ch_" + Guid.NewGuid().ToString("N"), @object = "charge", amount = 100, currency = "cny" });
        Assert.True(ignored.IsSuccessStatusCode, await ignored.Content.ReadAsStringAsync());
        scrape = await Operations.ObservabilityCalls.ScrapeAsync(platform.Web.Admin);
        Assert.Equal(ignoredBefore + 1, Operations.ObservabilityCalls.Sum(scrape, metric, "type=\"charge.succeeded\"", "outcome=\"ignored\""));
        // (The card gift below brings a charge.succeeded of its own from the fake Stripe, so the ignored count is read first.)
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var (_, sessionId) = await platform.StartCardDonationAsync(campaign, 6_600);
        await platform.PayAsync(sessionId);
        await platform.WaitForCampaignAsync(campaign, c => c.GetProperty("raisedAmount").GetInt64() == 6_600);

        scrape = await Operations.ObservabilityCalls.ScrapeAsync(platform.Web.Admin);
        Assert.Equal(appliedBefore + 1, Operations.ObservabilityCalls.Sum(scrape, metric, "type=\"checkout.session.completed\"", "outcome=\"applied\""));
    }

    [Fact]
    public async Task AWebhookWithABadMissingOrStaleSignatureIsRefusedAndChangesNothing()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var (id, _) = await platform.StartCardDonationAsync(campaign, 1_000);
        var forged = JsonSerializer.Serialize(new
        {
            id = "evt_forged_1", @object = "event", api_version = "2026-10-28.endive", created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), type = "payment_intent.succeeded",
            data = new { @object = new { id = "pi_forged", @object = "payment_intent", status = "succeeded", amount = 1_000, amount_received = 1_000, currency = "cny", livemode = false, metadata = new { donation_id = id.ToString(), campaign_id = campaign.ToString() } } },
        });
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        foreach (var header in new[] { null, $"t={now},v1={new string('0', 64)}", StripePlatform.Sign(forged, "whsec_wrong", now), StripePlatform.Sign(forged, StripePlatform.WebhookSecret, now - 3_600) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/payments/stripe/webhook") { Content = new StringContent(forged, Encoding.UTF8, "application/json") };
            if (header is not null)
            {
                request.Headers.TryAddWithoutValidation("Stripe-Signature", header);
            }
            var response = await platform.Web.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        Assert.Equal("pending", await platform.Database.ScalarAsync<string>("SELECT status FROM donations WHERE id = $1", id));

        // Correctly signed (with the older of two rotated secrets) it is accepted: the check is the signature, not the sender.
        using var signed = new HttpRequestMessage(HttpMethod.Post, "/api/payments/stripe/webhook") { Content = new StringContent(forged, Encoding.UTF8, "application/json") };
        signed.Headers.TryAddWithoutValidation("Stripe-Signature", StripePlatform.Sign(forged, "whsec_an_older_secret_still_accepted", now));
        Assert.Equal(HttpStatusCode.OK, (await platform.Web.Client.SendAsync(signed)).StatusCode);
        Assert.Equal("succeeded", await platform.Database.ScalarAsync<string>("SELECT status FROM donations WHERE id = $1", id));
    }

    [Fact]
    public async Task RefundsGoBackThroughStripeAndCountOnceDespiteTheWebhook()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var (id, sessionId) = await platform.StartCardDonationAsync(campaign, 10_000);
        await platform.PayAsync(sessionId);
        await platform.WaitForCampaignAsync(campaign, c => c.GetProperty("raisedAmount").GetInt64() == 10_000);

        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/donations/{id}/refunds") { Content = JsonContent.Create(new { amount = 4_000, reason = "捐赠人要求部分退款" }) };
        request.Headers.Add("Idempotency-Key", "card-refund-1");
        var refund = await platform.Web.Admin.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, refund.StatusCode);
        await Task.Delay(1_500); // the refund.created webhook arrives: it must not refund again
        Assert.Equal(6_000, (await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign)).GetProperty("raisedAmount").GetInt64());
        Assert.Equal(1L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM refunds WHERE donation_id = $1", id));

        var over = new HttpRequestMessage(HttpMethod.Post, $"/api/donations/{id}/refunds") { Content = JsonContent.Create(new { amount = 6_001, reason = "超额" }) };
        over.Headers.Add("Idempotency-Key", "card-refund-2");
        Assert.Equal(HttpStatusCode.BadRequest, (await platform.Web.Admin.SendAsync(over)).StatusCode);
    }

    [Fact]
    public async Task WhenStripeFailsTheDonorGetsAClearErrorAndTheRetryResumes()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        await platform.SetChaosAsync(new { duplicateRate = 0.0, reorderWindowMs = 0, delayMs = 0, dropRate = 0.0, apiFault = "500", apiFaultCount = 1 });
        var failed = await ApiCalls.PostDonationAsync(platform.Web.Client, campaign, "card-retry", new { amount = 700, currency = "CNY", displayName = "刷卡捐赠人" });
        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        Assert.Contains("Idempotency-Key", (await ApiCalls.ProblemAsync(failed)).GetProperty("detail").GetString());

        var (retryId, sessionId) = await platform.StartCardDonationAsync(campaign, 700, "card-retry");
        Assert.Equal(1L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM donations WHERE campaign_id = $1", campaign));
        await platform.PayAsync(sessionId);
        await platform.WaitForCampaignAsync(campaign, c => c.GetProperty("raisedAmount").GetInt64() == 700);
        Assert.Equal("succeeded", await platform.Database.ScalarAsync<string>("SELECT status FROM donations WHERE id = $1", retryId));
    }
}
