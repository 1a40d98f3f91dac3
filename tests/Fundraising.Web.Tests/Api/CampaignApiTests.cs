using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Fundraising.Web.Tests.Api;

public sealed class CampaignApiTests(CoHostedPlatform platform) : IClassFixture<CoHostedPlatform>
{
    private readonly HttpClient _admin = platform.Web.Admin;
    private readonly HttpClient _public = platform.Web.Client;

    [Fact]
    public async Task HealthzSaysOnlyOkAndTheSiloIsForAdminsOnly()
    {
        var response = await _public.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, (await _public.GetAsync("/api/admin/health")).StatusCode);
        var detail = await _admin.GetFromJsonAsync<JsonElement>("/api/admin/health");
        Assert.Equal("ok", detail.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(detail.GetProperty("silo").GetString()));
    }

    [Fact]
    public async Task CreatedCampaignStartsAsDraftAndCanBeOpenedAndClosed()
    {
        var created = await _admin.PostAsJsonAsync("/api/campaigns", ApiCalls.NewCampaign("慈善幸福家园 · 石门村", "village", 5_000_000, "洛南县", "石门镇石门村"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("id").GetGuid();
        Assert.Equal($"/api/campaigns/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal("draft", body.GetProperty("status").GetString());
        Assert.Equal("village", body.GetProperty("kind").GetString());
        Assert.Equal("石门镇石门村", body.GetProperty("region").GetProperty("village").GetString());
        Assert.Equal(5_000_000, body.GetProperty("goalAmount").GetInt64());
        Assert.Equal(0, body.GetProperty("raisedAmount").GetInt64());

        var draftDonation = await ApiCalls.PostDonationAsync(_public, id, "draft-1", new { amount = 100, currency = "CNY" });
        Assert.Equal(HttpStatusCode.Conflict, draftDonation.StatusCode);

        var opened = await _admin.PostAsync($"/api/campaigns/{id}/open", null);
        Assert.Equal("live", (await opened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        var closed = await _admin.PostAsync($"/api/campaigns/{id}/close", null);
        Assert.Equal("closed", (await closed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());

        var reopened = await _admin.PostAsync($"/api/campaigns/{id}/open", null);
        Assert.Equal(HttpStatusCode.Conflict, reopened.StatusCode);
        var afterClose = await ApiCalls.PostDonationAsync(_public, id, "closed-1", new { amount = 100, currency = "CNY" });
        Assert.Equal(HttpStatusCode.Conflict, afterClose.StatusCode);
        Assert.Equal("closed", (await ApiCalls.GetCampaignAsync(_public, id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task ListFiltersByKindStatusAndCountyAndPages()
    {
        var county = "县" + Guid.NewGuid().ToString("N")[..6];
        var village1 = await ApiCalls.CreateLiveCampaignAsync(platform.Web, ApiCalls.NewCampaign("村项目一", "village", county: county, village: "一村"));
        var village2 = await ApiCalls.CreateLiveCampaignAsync(platform.Web, ApiCalls.NewCampaign("村项目二", "village", county: county, village: "二村"));
        var appeal = await ApiCalls.CreateLiveCampaignAsync(platform.Web, ApiCalls.NewCampaign("县募捐", "appeal", county: county));
        await _admin.PostAsJsonAsync("/api/campaigns", ApiCalls.NewCampaign("草稿", "appeal", county: county));

        var villages = await _public.GetFromJsonAsync<JsonElement>($"/api/campaigns?kind=village&county={Uri.EscapeDataString(county)}");
        var ids = villages.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToList();
        Assert.Equal([village2, village1], ids);
        Assert.Equal(2, villages.GetProperty("total").GetInt64());

        var live = await _public.GetFromJsonAsync<JsonElement>($"/api/campaigns?status=live&county={Uri.EscapeDataString(county)}&pageSize=2&page=2");
        Assert.Equal(3, live.GetProperty("total").GetInt64());
        Assert.Equal([village1], live.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()));
        Assert.DoesNotContain(appeal, ids);
    }

    [Fact]
    public async Task DraftsAreListedForAdminsOnly()
    {
        var county = "县" + Guid.NewGuid().ToString("N")[..6];
        var live = await ApiCalls.CreateLiveCampaignAsync(platform.Web, ApiCalls.NewCampaign("已上线", "appeal", county: county));
        var created = await _admin.PostAsJsonAsync("/api/campaigns", ApiCalls.NewCampaign("尚未公开的草稿", "appeal", county: county));
        var draft = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var query = $"/api/campaigns?county={Uri.EscapeDataString(county)}";

        static List<Guid> Ids(JsonElement page) => [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid())];
        Assert.Equal([live], Ids(await _public.GetFromJsonAsync<JsonElement>(query)));
        Assert.Empty(Ids(await _public.GetFromJsonAsync<JsonElement>(query + "&status=draft")));
        Assert.Equal([draft, live], Ids(await _admin.GetFromJsonAsync<JsonElement>(query)));
        Assert.Equal([draft], Ids(await _admin.GetFromJsonAsync<JsonElement>(query + "&status=draft")));
    }

    [Fact]
    public async Task UnknownCampaignIsNotFoundProblem()
    {
        var response = await _public.GetAsync($"/api/campaigns/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await ApiCalls.ProblemAsync(response);
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.PostAsync($"/api/campaigns/{Guid.NewGuid()}/open", null)).StatusCode);
    }

    [Fact]
    public async Task AdminEndpointsRefuseMissingOrWrongKeys()
    {
        using var anonymous = new HttpClient { BaseAddress = platform.Web.BaseAddress };
        var noKey = await anonymous.PostAsJsonAsync("/api/campaigns", ApiCalls.NewCampaign());
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        await ApiCalls.ProblemAsync(noKey);

        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/admin/reconciliation");
        wrong.Headers.Authorization = new("Bearer", "not-the-admin-key-but-long-enough");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(wrong)).StatusCode);

        var before = await platform.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync($"/api/campaigns/{Guid.NewGuid()}/close", null)).StatusCode);
        Assert.Equal(before, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns"));
        Assert.DoesNotContain(Fundraising.TestSupport.Platform.AdminKey, platform.Web.Output);
    }
}
