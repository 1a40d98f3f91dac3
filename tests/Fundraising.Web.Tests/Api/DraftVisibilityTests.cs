using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;

namespace Fundraising.Web.Tests.Api;

/// <summary>A draft is an admin's work in progress: to everyone else it does not exist, by id, by Watch or in the list.</summary>
public sealed class DraftVisibilityTests(CoHostedPlatform platform) : IClassFixture<CoHostedPlatform>
{
    private async Task<Guid> CreateDraftAsync(string county)
    {
        var created = await platform.Web.Admin.PostAsJsonAsync("/api/campaigns", ApiCalls.NewCampaign("尚未公开的草稿", county: county));
        created.EnsureSuccessStatusCode();
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task ADraftIsNotFoundByIdForThePublicButAdminsReadIt()
    {
        var draft = await CreateDraftAsync("草稿县");

        var response = await platform.Web.Client.GetAsync($"/api/campaigns/{draft}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(404, (await ApiCalls.ProblemAsync(response)).GetProperty("status").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await platform.Web.Client.GetAsync($"/api/campaigns/{draft}/donations")).StatusCode);

        var asAdmin = await platform.Web.Admin.GetFromJsonAsync<JsonElement>($"/api/campaigns/{draft}");
        Assert.Equal("draft", asAdmin.GetProperty("status").GetString());
    }

    [Fact]
    public async Task WatchingADraftIsRefusedLikeAnUnknownIdExceptForAdmins()
    {
        var draft = await CreateDraftAsync("草稿县");
        await using var watcher = await ProgressWatcher.ConnectAsync(platform.Web.BaseAddress);
        var refused = await Assert.ThrowsAsync<HubException>(() => watcher.WatchAsync(draft));
        var unknown = Guid.NewGuid();
        var refusedUnknown = await Assert.ThrowsAsync<HubException>(() => watcher.WatchAsync(unknown));
        Assert.Equal(refusedUnknown.Message.Replace(unknown.ToString(), "ID"), refused.Message.Replace(draft.ToString(), "ID"));

        await using var admin = await ProgressWatcher.ConnectAsync(platform.Web.BaseAddress, Platform.AdminKey);
        await admin.WatchAsync(draft);
        var snapshot = await admin.WaitForAsync(m => m.GetProperty("id").GetGuid() == draft, TimeSpan.FromSeconds(10));
        Assert.Equal("draft", snapshot.GetProperty("status").GetString());
    }

    [Fact]
    public async Task TheListNeverCountsDraftsForThePublic()
    {
        var county = "县" + Guid.NewGuid().ToString("N")[..6];
        await CreateDraftAsync(county);
        await CreateDraftAsync(county);
        var query = $"/api/campaigns?county={Uri.EscapeDataString(county)}&status=draft";

        foreach (var page in new[] { query, query + "&pageSize=1&page=2" })
        {
            var list = await platform.Web.Client.GetFromJsonAsync<JsonElement>(page);
            Assert.Empty(list.GetProperty("items").EnumerateArray());
            Assert.Equal(0, list.GetProperty("total").GetInt64());
        }
        Assert.Equal(2, (await platform.Web.Admin.GetFromJsonAsync<JsonElement>(query)).GetProperty("total").GetInt64());
    }
}
