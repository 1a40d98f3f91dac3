using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Fundraising.Web.Tests.Api;

public sealed class DonationApiTests(CoHostedPlatform platform) : IClassFixture<CoHostedPlatform>
{
    private readonly HttpClient _public = platform.Web.Client;

    [Fact]
    public async Task DonationCountsOnlyAfterTheProviderConfirmsIt()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var created = await ApiCalls.PostDonationAsync(_public, campaign, "gift-1", new { amount = 5_000, currency = "CNY", displayName = "王五", message = "加油" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var donation = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("pending", donation.GetProperty("status").GetString());
        Assert.Equal("sandbox", donation.GetProperty("payment").GetProperty("provider").GetString());
        Assert.Equal(0, (await ApiCalls.GetCampaignAsync(_public, campaign)).GetProperty("raisedAmount").GetInt64());

        var confirmUrl = donation.GetProperty("payment").GetProperty("confirmUrl").GetString();
        var confirmed = await _public.PostAsync(confirmUrl, null);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Equal("succeeded", (await confirmed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());

        // Confirming again is idempotent: still one gift.
        Assert.Equal(HttpStatusCode.OK, (await _public.PostAsync(confirmUrl, null)).StatusCode);
        var after = await ApiCalls.GetCampaignAsync(_public, campaign);
        Assert.Equal(5_000, after.GetProperty("raisedAmount").GetInt64());
        Assert.Equal(1, after.GetProperty("donationCount").GetInt64());
    }

    [Fact]
    public async Task TheSandboxRefusesToConfirmAGiftAnotherProviderTakes()
    {
        // A card gift left from when Stripe was on: the sandbox, now the donors' provider, must not pay for it.
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var created = await ApiCalls.PostDonationAsync(_public, campaign, "card-left-over", new { amount = 99_900, currency = "CNY" });
        var donation = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = donation.GetProperty("id").GetGuid();
        Assert.Equal(1, await platform.Database.ScalarAsync<int>("UPDATE donations SET provider = 'stripe' WHERE id = $1 RETURNING 1", id));

        var refused = await _public.PostAsync(donation.GetProperty("payment").GetProperty("confirmUrl").GetString(), null);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal(409, (await ApiCalls.ProblemAsync(refused)).GetProperty("status").GetInt32());
        Assert.Equal("pending", await platform.Database.ScalarAsync<string>("SELECT status FROM donations WHERE id = $1", id));
        Assert.Equal(0, (await ApiCalls.GetCampaignAsync(_public, campaign)).GetProperty("raisedAmount").GetInt64());
    }

    [Fact]
    public async Task RetryWithSameKeyReturnsTheOriginalAndNeverCountsTwice()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var body = new { amount = 1_234, currency = "CNY", displayName = "李四" };
        var first = await ApiCalls.PostDonationAsync(_public, campaign, "retry-key", body);
        var second = await ApiCalls.PostDonationAsync(_public, campaign, "retry-key", body);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        var firstId = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var secondId = (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal(firstId, secondId);

        await _public.PostAsync($"/api/payments/sandbox/campaigns/{campaign}/donations/{firstId}/confirm", null);
        await _public.PostAsync($"/api/payments/sandbox/campaigns/{campaign}/donations/{secondId}/confirm", null);
        Assert.Equal(1_234, (await ApiCalls.GetCampaignAsync(_public, campaign)).GetProperty("raisedAmount").GetInt64());
        Assert.Equal(1L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM donations WHERE campaign_id = $1", campaign));
    }

    [Fact]
    public async Task SameKeyWithADifferentBodyIsRefusedAndChangesNothing()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        await ApiCalls.PostDonationAsync(_public, campaign, "reused", new { amount = 100, currency = "CNY" });
        var misuse = await ApiCalls.PostDonationAsync(_public, campaign, "reused", new { amount = 999, currency = "CNY" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, misuse.StatusCode);
        Assert.Contains("Idempotency-Key", (await ApiCalls.ProblemAsync(misuse)).GetProperty("title").GetString());
        Assert.Equal(100L, await platform.Database.ScalarAsync<long>("SELECT sum(amount)::bigint FROM donations WHERE campaign_id = $1", campaign));
    }

    [Fact]
    public async Task AnonymousDonorsHaveNoNameInTheListOrInProgress()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        await ApiCalls.DonateAsync(_public, campaign, 800, name: "不想留名的人", anonymous: true, message: "匿名支持");
        await ApiCalls.DonateAsync(_public, campaign, 900, name: "赵六");

        var list = await _public.GetFromJsonAsync<JsonElement>($"/api/campaigns/{campaign}/donations");
        var items = list.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, items.Count);
        Assert.Equal("赵六", items[0].GetProperty("displayName").GetString());
        Assert.Equal(JsonValueKind.Null, items[1].GetProperty("displayName").ValueKind);
        Assert.True(items[1].GetProperty("anonymous").GetBoolean());
        Assert.DoesNotContain("不想留名的人", list.GetRawText());
    }

    [Fact]
    public async Task AdminRecordsOfflineGiftsThatSucceedAtOnceAndAreIdempotentByReference()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var gift = new { amount = 1_000_000, currency = "CNY", donorName = "商洛某企业", reference = "BANK-2026-0001", method = "bank_transfer" };
        var first = await platform.Web.Admin.PostAsJsonAsync($"/api/campaigns/{campaign}/offline-donations", gift);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var body = await first.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("succeeded", body.GetProperty("status").GetString());
        Assert.Equal("offline", body.GetProperty("channel").GetString());

        var again = await platform.Web.Admin.PostAsJsonAsync($"/api/campaigns/{campaign}/offline-donations", gift);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(1_000_000, (await ApiCalls.GetCampaignAsync(_public, campaign)).GetProperty("raisedAmount").GetInt64());

        var byDonor = await _public.PostAsJsonAsync($"/api/campaigns/{campaign}/offline-donations", gift);
        Assert.Equal(HttpStatusCode.Unauthorized, byDonor.StatusCode);
    }

    [Fact]
    public async Task ReconciliationReportsGrainCatalogueAndLedgerInAgreement()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        await Task.WhenAll(Enumerable.Range(1, 20).Select(i => ApiCalls.DonateAsync(_public, campaign, i * 100)));
        var report = await platform.Web.Admin.GetFromJsonAsync<JsonElement>("/api/admin/reconciliation");
        Assert.True(report.GetProperty("allAgree").GetBoolean());
        var row = report.GetProperty("campaigns").EnumerateArray().Single(c => c.GetProperty("campaignId").GetGuid() == campaign);
        Assert.Equal(21_000, row.GetProperty("grain").GetProperty("raisedAmount").GetInt64());
        Assert.Equal(21_000, row.GetProperty("ledger").GetProperty("raisedAmount").GetInt64());
        Assert.Equal(20, row.GetProperty("ledger").GetProperty("donationCount").GetInt64());

        // Tamper with the ledger behind the platform's back: the report must notice.
        await platform.Database.ScalarAsync<int>("WITH t AS (UPDATE donations SET amount = amount + 1 WHERE id = (SELECT id FROM donations WHERE campaign_id = $1 LIMIT 1) RETURNING 1) SELECT count(*)::int FROM t", campaign);
        var tampered = await platform.Web.Admin.GetFromJsonAsync<JsonElement>("/api/admin/reconciliation");
        Assert.False(tampered.GetProperty("allAgree").GetBoolean());
    }
}
