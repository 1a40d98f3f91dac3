using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Fundraising.Web.Tests.Payments;

/// <summary><c>GET /api/admin/campaigns/{id}/monthly-gifts</c>: what the admin page lists of a campaign's monthly gifts.</summary>
public sealed class AdminMonthlyGiftListTests(StripePlatform platform) : IClassFixture<StripePlatform>, IAsyncLifetime
{
    public Task InitializeAsync() => platform.SetChaosAsync(StripePlatform.Calm);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task AdminsSeeEachMonthlyGiftWithItsDonorMonthsAndTotalButNeverItsToken()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var named = await platform.StartMonthlyGiftAsync(campaign, 3_000, name: "每月的李四");
        var anonymous = await platform.StartMonthlyGiftAsync(campaign, 1_000, name: "不愿具名的王五", anonymous: true);

        var subscription = await platform.PaySubscriptionAsync(named);
        await platform.WaitForCampaignAsync(campaign, c => c.GetProperty("raisedAmount").GetInt64() == 3_000);
        await platform.RenewAsync(subscription);
        await platform.WaitForCampaignAsync(campaign, c => c.GetProperty("raisedAmount").GetInt64() == 6_000);
        await platform.CancelMonthlyGiftAsync(named);

        var response = await platform.Web.Admin.GetAsync($"/api/admin/campaigns/{campaign}/monthly-gifts");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(named.CancelToken, text);
        Assert.DoesNotContain(anonymous.CancelToken, text);
        Assert.DoesNotContain("cancelToken", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("donor@example.com", text);

        var list = JsonSerializer.Deserialize<JsonElement>(text);
        Assert.Equal(2, list.GetProperty("total").GetInt64());
        var items = list.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([anonymous.Id, named.Id], items.Select(i => i.GetProperty("id").GetGuid()));

        var paid = items[1];
        Assert.Equal("每月的李四", paid.GetProperty("displayName").GetString());
        Assert.False(paid.GetProperty("anonymous").GetBoolean());
        Assert.Equal(3_000, paid.GetProperty("amount").GetInt64());
        Assert.Equal("cancelled", paid.GetProperty("status").GetString());
        Assert.Equal(2, paid.GetProperty("monthsPaid").GetInt32());
        Assert.Equal(6_000, paid.GetProperty("totalGiven").GetInt64());
        Assert.Equal(JsonValueKind.String, paid.GetProperty("cancelledAt").ValueKind);

        var unpaid = items[0];
        Assert.Equal("不愿具名的王五", unpaid.GetProperty("displayName").GetString());
        Assert.True(unpaid.GetProperty("anonymous").GetBoolean());
        Assert.Equal("pending", unpaid.GetProperty("status").GetString());
        Assert.Equal(0, unpaid.GetProperty("monthsPaid").GetInt32());
        Assert.Equal(0, unpaid.GetProperty("totalGiven").GetInt64());
        Assert.Equal(JsonValueKind.Null, unpaid.GetProperty("cancelledAt").ValueKind);

        var second = await platform.Web.Admin.GetFromJsonAsync<JsonElement>($"/api/admin/campaigns/{campaign}/monthly-gifts?page=2&pageSize=1");
        Assert.Equal(named.Id, second.GetProperty("items").EnumerateArray().Single().GetProperty("id").GetGuid());
        Assert.Equal(2, second.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task TheMonthlyGiftListNeedsTheAdminKeyAndRefusesBadPagingAndUnknownCampaigns()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        Assert.Equal(HttpStatusCode.Unauthorized, (await platform.Web.Client.GetAsync($"/api/admin/campaigns/{campaign}/monthly-gifts")).StatusCode);
        using var wrongKey = new HttpRequestMessage(HttpMethod.Get, $"/api/admin/campaigns/{campaign}/monthly-gifts");
        wrongKey.Headers.Authorization = new("Bearer", "not-the-admin-key-at-all-0123456789");
        Assert.Equal(HttpStatusCode.Unauthorized, (await platform.Web.Client.SendAsync(wrongKey)).StatusCode);

        var badPage = await platform.Web.Admin.GetAsync($"/api/admin/campaigns/{campaign}/monthly-gifts?pageSize=101");
        Assert.Equal(HttpStatusCode.BadRequest, badPage.StatusCode);
        Assert.True((await ApiCalls.ProblemAsync(badPage)).GetProperty("errors").TryGetProperty("pageSize", out _));

        var unknown = await platform.Web.Admin.GetAsync($"/api/admin/campaigns/{Guid.NewGuid()}/monthly-gifts");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        await ApiCalls.ProblemAsync(unknown);

        var empty = await platform.Web.Admin.GetFromJsonAsync<JsonElement>($"/api/admin/campaigns/{campaign}/monthly-gifts");
        Assert.Equal(0, empty.GetProperty("total").GetInt64());
        Assert.Empty(empty.GetProperty("items").EnumerateArray());
    }
}
