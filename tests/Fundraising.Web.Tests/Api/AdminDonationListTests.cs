using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Fundraising.Web.Tests.Api;

/// <summary><c>GET /api/admin/campaigns/{id}/donations</c>: what the admin pages list and refund from.</summary>
public sealed class AdminDonationListTests(CoHostedPlatform platform) : IClassFixture<CoHostedPlatform>
{
    private HttpClient Admin => platform.Web.Admin;

    [Fact]
    public async Task AdminsSeeEveryCountedGiftWithItsIdAndNameWhileThePublicListKeepsAnonymity()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var online = await ApiCalls.DonateAsync(platform.Web.Client, campaign, 5_000, name: "匿名的张三", anonymous: true);
        var offline = await Admin.PostAsJsonAsync($"/api/campaigns/{campaign}/offline-donations",
            new { amount = 20_000, currency = "CNY", donorName = "商洛某公司", reference = "BANK-ADMIN-LIST-1", method = "bank_transfer" });
        Assert.Equal(HttpStatusCode.Created, offline.StatusCode);
        var offlineId = (await offline.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var refund = new HttpRequestMessage(HttpMethod.Post, $"/api/donations/{offlineId}/refunds") { Content = JsonContent.Create(new { reason = "录入错误" }) };
        refund.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Created, (await Admin.SendAsync(refund)).StatusCode);

        var list = await Admin.GetFromJsonAsync<JsonElement>($"/api/admin/campaigns/{campaign}/donations?pageSize=50");
        var items = list.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, items.Count);
        var anonymous = items.Single(i => i.GetProperty("id").GetGuid() == online.GetProperty("id").GetGuid());
        Assert.Equal("匿名的张三", anonymous.GetProperty("displayName").GetString());
        Assert.True(anonymous.GetProperty("anonymous").GetBoolean());
        var refunded = items.Single(i => i.GetProperty("id").GetGuid() == offlineId);
        Assert.Equal("refunded", refunded.GetProperty("status").GetString());
        Assert.Equal(20_000, refunded.GetProperty("refundedAmount").GetInt64());
        Assert.Equal("offline", refunded.GetProperty("channel").GetString());

        var publicList = await platform.Web.Client.GetStringAsync($"/api/campaigns/{campaign}/donations");
        Assert.DoesNotContain("匿名的张三", publicList);
        Assert.DoesNotContain(online.GetProperty("id").GetGuid().ToString(), publicList);
    }

    [Fact]
    public async Task TheAdminListNeedsTheAdminKeyAndRefusesBadPagingAndUnknownCampaigns()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        Assert.Equal(HttpStatusCode.Unauthorized, (await platform.Web.Client.GetAsync($"/api/admin/campaigns/{campaign}/donations")).StatusCode);

        var badPage = await Admin.GetAsync($"/api/admin/campaigns/{campaign}/donations?pageSize=0");
        Assert.Equal(HttpStatusCode.BadRequest, badPage.StatusCode);
        Assert.True((await ApiCalls.ProblemAsync(badPage)).GetProperty("errors").TryGetProperty("pageSize", out _));

        var unknown = await Admin.GetAsync($"/api/admin/campaigns/{Guid.NewGuid()}/donations");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        await ApiCalls.ProblemAsync(unknown);
    }
}
