using System.Text.RegularExpressions;
using static Microsoft.Playwright.Assertions;

namespace Fundraising.Web.Tests.Pages;

/// <summary>index.html, the campaign list, in a real Chromium against a real co-hosted front end.</summary>
public sealed class CampaignListPageTests(CoHostedPlatform platform, BrowserFixture browser) : IClassFixture<CoHostedPlatform>, IClassFixture<BrowserFixture>
{
    private readonly WebFrontEnd _web = platform.Web;

    [Fact]
    public async Task ListShowsCreatedCampaignsAndTheKindFilterWorks()
    {
        // A county of its own, so that campaigns other tests create never show up here.
        var county = "测试县" + Guid.NewGuid().ToString("N")[..6];
        var flood = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign("夏季洪灾救助", "appeal", 6_000_000_00, county));
        var students = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign("慈善助学", "appeal", 2_000_000_00, county));
        var village = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign("慈善幸福家园 · 万湾村", "village", 180_000_00, county, "棣花镇万湾村"));
        await ApiCalls.DonateAsync(_web.Client, village, 4_500_000);
        await ApiCalls.DonateAsync(_web.Client, village, 1_234);
        await using var context = await browser.NewContextAsync(_web);
        var page = await PageActions.NewPageAsync(context);

        await page.GotoAsync($"/?county={Uri.EscapeDataString(county)}");

        var cards = page.Locator("#campaigns > li");
        await Expect(cards).ToHaveCountAsync(3, new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#result-summary")).ToHaveTextAsync("共 3 个项目");
        await Expect(page.Locator("#county")).ToHaveValueAsync(county);
        await Expect(cards.Filter(new() { HasText = "夏季洪灾救助" })).ToContainTextAsync("公益项目");
        await Expect(cards.Filter(new() { HasText = "慈善助学" })).ToContainTextAsync("¥0.00");
        var villageCard = cards.Filter(new() { HasText = "慈善幸福家园 · 万湾村" });
        await Expect(villageCard).ToContainTextAsync("幸福家园");
        await Expect(villageCard).ToContainTextAsync("棣花镇万湾村");
        await Expect(villageCard.Locator(".card-raised")).ToHaveTextAsync("¥45,012.34");
        await Expect(villageCard).ToContainTextAsync("目标 ¥180,000.00");
        await Expect(villageCard).ToContainTextAsync("2 人次");
        await Expect(villageCard.Locator("[role=progressbar]")).ToHaveAttributeAsync("aria-valuenow", "25");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "list-page.png"), FullPage = true });

        await page.Locator("#kind").SelectOptionAsync("village");

        await Expect(cards).ToHaveCountAsync(1);
        await Expect(cards).ToContainTextAsync("慈善幸福家园 · 万湾村");
        await Expect(page).ToHaveURLAsync(new Regex("kind=village"));

        await page.Locator("#kind").SelectOptionAsync("appeal");

        await Expect(cards).ToHaveCountAsync(2);
        await Expect(cards.Filter(new() { HasText = "万湾村" })).ToHaveCountAsync(0);
        Assert.Equal(
            new[] { students, flood }.Select(id => $"campaign.html?id={id}"),
            await cards.Locator("a.card-link").EvaluateAllAsync<string[]>("links => links.map(a => a.getAttribute('href'))"));

        // A card leads to its campaign page.
        await page.Locator("#kind").SelectOptionAsync("");
        await villageCard.Locator("a.card-link").ClickAsync();
        // A village project opens on its village page (sub-plans, photos, live feed).
        await Expect(page).ToHaveURLAsync(new Regex($"village\\.html\\?id={village}$"));
        await Expect(page.Locator("#title")).ToHaveTextAsync("慈善幸福家园 · 万湾村");
        await Expect(page.Locator("#raised")).ToHaveTextAsync("¥45,012.34");
        Assert.Empty(PageActions.ScriptErrors(page));
    }

    [Fact]
    public async Task ListPagesThroughManyCampaignsAndShowsMarkupInTitlesAsText()
    {
        var county = "分页县" + Guid.NewGuid().ToString("N")[..6];
        const string markup = "<img src=x onerror=window.__xss=1>";
        for (var i = 1; i <= 13; i++)
        {
            await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign(i == 1 ? markup : $"项目{i:D2}", county: county));
        }
        await using var context = await browser.NewContextAsync(_web);
        var page = await PageActions.NewPageAsync(context);

        await page.GotoAsync($"/?county={Uri.EscapeDataString(county)}");

        var cards = page.Locator("#campaigns > li");
        await Expect(cards).ToHaveCountAsync(12, new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#page-info")).ToHaveTextAsync("第 1 / 2 页");
        await Expect(page.Locator("#prev-page")).ToBeDisabledAsync();
        await page.Locator("#next-page").ClickAsync();
        await Expect(cards).ToHaveCountAsync(1);
        await Expect(page.Locator("#page-info")).ToHaveTextAsync("第 2 / 2 页");
        await Expect(page).ToHaveURLAsync(new Regex("page=2"));
        // The oldest campaign is last: its title is markup, shown as text.
        await Expect(cards.Locator(".card-title")).ToHaveTextAsync(markup);
        Assert.Equal(0, await page.Locator("#campaigns img").CountAsync());
        await page.WaitForTimeoutAsync(300);
        Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined"), "a campaign title ran as script");

        await page.GoBackAsync();
        await Expect(cards).ToHaveCountAsync(12);
        await Expect(page.Locator("#page-info")).ToHaveTextAsync("第 1 / 2 页");
        Assert.Empty(PageActions.ScriptErrors(page));
    }
}
