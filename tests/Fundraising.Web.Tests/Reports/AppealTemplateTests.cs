using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fundraising.Web.Tests.Accounts;
using Fundraising.Web.Tests.Pages;
using static Microsoft.Playwright.Assertions;

namespace Fundraising.Web.Tests.Reports;

/// <summary>Disaster appeals opened from a template in one step: live at once, their story and programme, who may, bad input, pinned on the home page while live.</summary>
public sealed class AppealTemplateTests(UnlimitedPlatform platform, BrowserFixture browser) : IClassFixture<UnlimitedPlatform>, IClassFixture<BrowserFixture>
{
    private static object Appeal(string county = "丹凤县", string title = "丹凤县暴雨灾害紧急救助", long goalAmount = 50_000_000, string template = "disaster") =>
        new { template, county, title, goalAmount };

    [Fact]
    public async Task AnAdminOpensADisasterAppealThatIsLiveAtOnceWithItsStoryAndProgramme()
    {
        var response = await platform.Web.Admin.PostAsJsonAsync("/api/campaigns/from-template", Appeal());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var appeal = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = appeal.GetProperty("id").GetGuid();
        Assert.Equal($"/api/campaigns/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("live", appeal.GetProperty("status").GetString());
        Assert.Equal("disaster_relief", appeal.GetProperty("programme").GetString());
        Assert.Equal("disaster", appeal.GetProperty("template").GetString());
        Assert.Equal("appeal", appeal.GetProperty("kind").GetString());
        Assert.Equal(("陕西省", "商洛市", "丹凤县"), (appeal.GetProperty("region").GetProperty("province").GetString(),
            appeal.GetProperty("region").GetProperty("city").GetString(), appeal.GetProperty("region").GetProperty("county").GetString()));
        var story = appeal.GetProperty("description").GetString()!;
        Assert.StartsWith("丹凤县遭受灾害", story);
        Assert.Contains("丹凤县暴雨灾害紧急救助", story);
        Assert.Equal(50_000_000, appeal.GetProperty("goalAmount").GetInt64());

        // It takes gifts at once, and it is pinned while live.
        await ApiCalls.DonateAsync(platform.Web.Client, id, 8_800);
        var pinned = await platform.Web.Client.GetFromJsonAsync<JsonElement>("/api/campaigns/pinned");
        var entry = pinned.GetProperty("items").EnumerateArray().Single(c => c.GetProperty("id").GetGuid() == id);
        Assert.Equal(8_800, entry.GetProperty("raisedAmount").GetInt64());
        // An ordinary appeal is never pinned, whatever its programme.
        var ordinary = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        Assert.DoesNotContain(ordinary, (await platform.Web.Client.GetFromJsonAsync<JsonElement>("/api/campaigns/pinned")).GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()));
    }

    [Fact]
    public async Task ACountyAssociationOpensAppealsInItsCountyOnlyAndOtherRolesNone()
    {
        var web = platform.Web;
        var county = await StaffClients.CreateAsync(web, "association", new { county = "山阳县" });
        Assert.Equal(HttpStatusCode.Created, (await county.Bearer.PostAsJsonAsync("/api/campaigns/from-template", Appeal("山阳县", "山阳县山洪救助"))).StatusCode);
        var before = await PinnedCountAsync();
        var elsewhere = await county.Bearer.PostAsJsonAsync("/api/campaigns/from-template", Appeal("丹凤县", "越权的救助"));
        Assert.Equal(HttpStatusCode.Forbidden, elsewhere.StatusCode);
        Assert.Equal(403, (await ApiCalls.ProblemAsync(elsewhere)).GetProperty("status").GetInt32());
        var viewer = await StaffClients.CreateAsync(web, "viewer");
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.Bearer.PostAsJsonAsync("/api/campaigns/from-template", Appeal())).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await web.Client.PostAsJsonAsync("/api/campaigns/from-template", Appeal())).StatusCode);
        Assert.Equal(before, await PinnedCountAsync());
    }

    [Fact]
    public async Task BadTemplatesCountiesAndGoalsAreRefusedWithAProblemAndNothingOpens()
    {
        var before = await PinnedCountAsync();
        foreach (var (body, field) in new (object, string)[]
        {
            (Appeal(template: "earthquake"), "template"),
            (new { county = "丹凤县", title = "无模板", goalAmount = 100 }, "template"),
            (Appeal(county: "西安市"), "county"),
            (Appeal(county: ""), "county"),
            (Appeal(goalAmount: 0), "goalAmount"),
            (Appeal(goalAmount: -100), "goalAmount"),
            (Appeal(goalAmount: 1_000_000_000_001), "goalAmount"),
            (Appeal(title: ""), "title"),
            (Appeal(title: new string('灾', 121)), "title"),
        })
        {
            var bad = await platform.Web.Admin.PostAsJsonAsync("/api/campaigns/from-template", body);
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.True((await ApiCalls.ProblemAsync(bad)).GetProperty("errors").TryGetProperty(field, out _), field);
        }
        Assert.Equal(before, await PinnedCountAsync());
    }

    [Fact]
    public async Task ThePinnedAppealIsOnTheHomePageWhileLiveAndLeavesItWhenClosed()
    {
        var created = await platform.Web.Admin.PostAsJsonAsync("/api/campaigns/from-template", Appeal("镇安县", "镇安县泥石流紧急救助"));
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await using var context = await browser.NewContextAsync(platform.Web, new() { Width = 390, Height = 900 });
        var page = await PageActions.NewPageAsync(context);
        await page.GotoAsync("/");
        var card = page.Locator($"#pinned-list li[data-campaign-id='{id}']");
        await Expect(page.Locator("#pinned")).ToBeVisibleAsync(new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(card).ToContainTextAsync("镇安县泥石流紧急救助");
        await Expect(card.Locator("a")).ToHaveAttributeAsync("href", $"/campaign.html?id={id}");
        // Above the filters and the list: the first thing on the page under the intro.
        Assert.True(await page.Locator("main > *").First.GetAttributeAsync("id") == "pinned");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "home-pinned-appeal.png"), FullPage = true });

        Assert.Equal(HttpStatusCode.OK, (await platform.Web.Admin.PostAsync($"/api/campaigns/{id}/close", null)).StatusCode);
        await page.ReloadAsync();
        await Expect(page.Locator("#pinned")).ToHaveAttributeAsync("data-loaded", "true", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(card).ToHaveCountAsync(0);
        Assert.Empty(browser.CspViolations);
    }

    [Fact]
    public async Task AnAppealWhoseWindowHasEndedIsNoLongerPinnedThoughNobodyClosedIt()
    {
        var created = await platform.Web.Admin.PostAsJsonAsync("/api/campaigns/from-template", Appeal("柞水县", "柞水县冰雹灾害救助"));
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Contains(id, await PinnedIdsAsync());
        // Its 90 days are over (the status stays live: the campaign just takes no more gifts).
        await platform.Database.ScalarAsync<int>("UPDATE campaigns SET ends_at = now() - interval '1 minute' WHERE id = $1 RETURNING 1", id);
        Assert.DoesNotContain(id, await PinnedIdsAsync());
    }

    private async Task<List<Guid>> PinnedIdsAsync() =>
        [.. (await platform.Web.Client.GetFromJsonAsync<JsonElement>("/api/campaigns/pinned")).GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid())];

    private async Task<long> PinnedCountAsync() =>
        (await platform.Web.Client.GetFromJsonAsync<JsonElement>("/api/campaigns/pinned")).GetProperty("total").GetInt64();
}
