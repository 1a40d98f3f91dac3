using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fundraising.Contracts.Campaigns;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;

namespace Fundraising.Web.Tests.Api;

/// <summary>Random campaign ids are answered 404 without activating a campaign grain (limits off: this is a flood from one address).</summary>
public sealed class UnknownCampaignTests(UnlimitedPlatform platform) : IClassFixture<UnlimitedPlatform>
{
    private IGrainFactory Grains => platform.Web.Services!.GetRequiredService<IGrainFactory>();

    private async Task<int> CampaignActivationsAsync()
    {
        var statistics = await Grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        return statistics.Where(s => s.GrainType.Contains("CampaignGrain", StringComparison.Ordinal)).Sum(s => s.ActivationCount);
    }

    [Fact]
    public async Task RandomIdsAreNotFoundWithoutActivatingCampaignGrains()
    {
        var existing = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var before = await CampaignActivationsAsync();
        await using var watcher = await ProgressWatcher.ConnectAsync(platform.Web.BaseAddress);

        var answers = await Task.WhenAll(Enumerable.Range(0, 300).Select(async i =>
        {
            var id = Guid.NewGuid();
            return (i % 3) switch
            {
                0 => await platform.Web.Client.GetAsync($"/api/campaigns/{id}"),
                1 => await platform.Web.Client.GetAsync($"/api/campaigns/{id}/donations"),
                _ => await ApiCalls.PostDonationAsync(platform.Web.Client, id, Guid.NewGuid().ToString(), new { amount = 100, currency = "CNY" }),
            };
        }));
        for (var i = 0; i < 30; i++)
        {
            await Assert.ThrowsAsync<HubException>(() => watcher.WatchAsync(Guid.NewGuid()));
        }

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.NotFound, a.StatusCode));
        Assert.Equal(404, (await ApiCalls.ProblemAsync(answers[0])).GetProperty("status").GetInt32());
        Assert.Equal(before, await CampaignActivationsAsync());
        Assert.Equal(existing, (await ApiCalls.GetCampaignAsync(platform.Web.Client, existing)).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task ACampaignCreatedOutsideThisFrontEndIsFoundOnItsFirstLookup()
    {
        // Created straight through its grain, as another front end (or a silo elsewhere in the cluster) would:
        // this front end's directory has never heard of it.
        var id = Guid.CreateVersion7();
        var definition = new CampaignDefinition("别处创建的项目", "", CampaignKind.Appeal, new Region("陕西省", "商洛市", "丹凤县", null),
            "CNY", 1_000_000, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        var created = await Grains.GetGrain<ICampaignGrain>(id).CreateAsync(definition, "test");
        Assert.Equal(CampaignCommandError.None, created.Error);

        var answer = await platform.Web.Admin.GetFromJsonAsync<JsonElement>($"/api/campaigns/{id}");
        Assert.Equal("别处创建的项目", answer.GetProperty("title").GetString());
    }
}
