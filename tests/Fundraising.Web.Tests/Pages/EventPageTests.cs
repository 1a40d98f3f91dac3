using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Fundraising.Web.Tests.Pages.MatchingCalls;
using PoolCalls = Fundraising.Web.Tests.Matching.MatchingCalls;
using static Microsoft.Playwright.Assertions;

namespace Fundraising.Web.Tests.Pages;

/// <summary>event.html (a giving day's home) and the home page's link to it, in Chromium against a real front end.</summary>
public sealed class EventPageTests(CoHostedPlatform platform, BrowserFixture browser) : IClassFixture<CoHostedPlatform>, IClassFixture<BrowserFixture>
{
    private readonly WebFrontEnd _web = platform.Web;

    private static string NewCounty() => "县" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Opens an event's home and waits until its data is in and its hub connection is up.</summary>
    private static async Task<IPage> OpenEventAsync(IBrowserContext context, Guid eventId)
    {
        var page = await PageActions.NewPageAsync(context);
        await page.GotoAsync($"event.html?id={eventId}");
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-loaded", "true", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#live-status")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = PageActions.ServerTimeoutMs });
        return page;
    }

    /// <summary>How the page writes an instant in a zone: "2026年12月1日 04:05".</summary>
    private static string InZone(DateTimeOffset instant, string timeZone) =>
        TimeZoneInfo.ConvertTime(instant, TimeZoneInfo.FindSystemTimeZoneById(timeZone)).ToString("yyyy年M月d日 HH:mm", CultureInfo.InvariantCulture);

    [Fact]
    public async Task TheEventHomeShowsItsWindowInTheEventsZoneAndItsTotalsTickLiveWithoutAddingMatchedToRaised()
    {
        var county = NewCounty();
        var listedTitle = Unique("点名参与的项目");
        var countyTitle = Unique("区县参与的项目");
        var listed = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign(listedTitle, county: NewCounty()));
        var inCounty = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign(countyTitle, county: county));
        // The event is announced in New York time while the browser is in Shanghai: the page must show New York's clock.
        const string zone = "America/New_York";
        var startsAt = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-1).AddHours(13).AddMinutes(5), TimeSpan.Zero);
        var endsAt = startsAt.AddDays(3);
        var name = Unique("纽约乡贤公益日");
        var created = await CreateEventAsync(_web, name, startsAt, endsAt, zone, [listed], [county]);
        var eventId = created.GetProperty("id").GetGuid();
        await ApiCalls.DonateAsync(_web.Client, listed, 10_000);

        await using var context = await browser.NewContextAsync(_web, new() { Width = 390, Height = 844 });
        var page = await OpenEventAsync(context, eventId);

        await Expect(page.Locator("#event-name")).ToHaveTextAsync(name);
        await Expect(page).ToHaveTitleAsync(new Regex("^" + Regex.Escape(name)));
        await Expect(page.Locator("#event-window")).ToHaveTextAsync($"{InZone(startsAt, zone)} 至 {InZone(endsAt, zone)}（{zone} 时间）");
        Assert.NotEqual(InZone(startsAt, zone), InZone(startsAt, "Asia/Shanghai")); // the zone is not the browser's
        await Expect(page.Locator("#event-badges")).ToContainTextAsync("进行中");
        await Expect(page.Locator("#event-raised")).ToHaveTextAsync("¥100.00");
        await Expect(page.Locator("#event-count")).ToHaveTextAsync("1");
        await Expect(page.Locator("#event-matched")).ToHaveTextAsync("¥0.00");
        // Both ways of taking part are listed and linked: by id, and by county.
        await Expect(page.Locator($"#event-campaigns a[href='campaign.html?id={listed}']")).ToHaveTextAsync(listedTitle);
        await Expect(page.Locator($"#event-campaigns a[href='campaign.html?id={inCounty}']")).ToHaveTextAsync(countyTitle);
        await Expect(page.Locator("#pools-empty")).ToBeVisibleAsync();

        // Gifts to either campaign move the totals on the open page, with no reload.
        await ApiCalls.DonateAsync(_web.Client, inCounty, 2_345);
        await Expect(page.Locator("#event-raised")).ToHaveTextAsync("¥123.45");
        await Expect(page.Locator("#event-count")).ToHaveTextAsync("2");
        await ApiCalls.DonateAsync(_web.Client, listed, 55);
        await Expect(page.Locator("#event-raised")).ToHaveTextAsync("¥124.00");
        await Expect(page.Locator("#event-count")).ToHaveTextAsync("3");
        await Expect(page.Locator($"#event-campaigns li[data-campaign-id='{listed}'] .event-campaign-raised")).ToHaveTextAsync("¥100.55");
        await Expect(page.Locator("#event-matched")).ToHaveTextAsync("¥0.00");

        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "event-home-mobile.png"), FullPage = true });
        Assert.Empty(PageActions.ScriptErrors(page));
        Assert.Empty(browser.CspViolations);
    }

    [Fact]
    public async Task TheHomePageLinksToTheGivingDayNowOn()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign(Unique("首页活动项目")));
        var over = Unique("已结束的公益日");
        await CreateEventAsync(_web, over, DateTimeOffset.UtcNow.AddDays(-3), DateTimeOffset.UtcNow.AddDays(-2), campaignIds: [campaign]);
        // Of the events on now, the one ending soonest is the one to go to.
        var name = Unique("正在进行的公益日");
        var now = await CreateEventAsync(_web, name, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddMinutes(3), campaignIds: [campaign]);
        var eventId = now.GetProperty("id").GetGuid();

        await using var context = await browser.NewContextAsync(_web);
        var page = await PageActions.NewPageAsync(context);
        await page.GotoAsync("/");

        var banner = page.Locator("#event-banner");
        await Expect(banner).ToBeVisibleAsync(new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(banner).ToContainTextAsync(name);
        await Expect(banner).ToContainTextAsync("正在进行");
        await Expect(banner).Not.ToContainTextAsync(over);
        await page.Locator("#event-banner-link").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/event\\.html\\?id={eventId}$"));
        await Expect(page.Locator("#event-name")).ToHaveTextAsync(name, new() { Timeout = PageActions.ServerTimeoutMs });
        Assert.Empty(PageActions.ScriptErrors(page));
    }

    [Fact]
    public async Task AnUnknownEventSaysSo()
    {
        await using var context = await browser.NewContextAsync(_web);
        var page = await PageActions.NewPageAsync(context);
        await page.GotoAsync($"event.html?id={Guid.CreateVersion7()}");
        await Expect(page.Locator("#missing")).ToBeVisibleAsync(new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#missing")).ToContainTextAsync("未找到该活动");
        await Expect(page.Locator("#event")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task TheMatchMeterCountsDownToThePoolsOpeningThenFallsLiveAsVerifiedDonorsGiftsAreMatched()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign(Unique("配捐倒计时项目")));
        var created = await CreateEventAsync(_web, Unique("配捐倒计时公益日"), DateTimeOffset.UtcNow.AddHours(-2), DateTimeOffset.UtcNow.AddDays(2),
            campaignIds: [campaign]);
        var eventId = created.GetProperty("id").GetGuid();
        // Donors verify first (each from an address of its own: the code limits are per address).
        var donors = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            donors.Add(await VerifiedDonorAsync(_web, $"meter.{Guid.NewGuid():N}@example.org", $"127.0.5.{i + 1}"));
        }
        var sponsor = Unique("商洛爱心企业");
        var (opensAt, opensAtInstant) = await OpeningSecondsAheadAsync("Asia/Shanghai");
        var pool = await CreatePoolAsync(_web, eventId, NewPool(sponsor, budget: 100_000, opensAt, maxPerGift: 30_000, maxPerDonorPerDay: 50_000));
        var poolId = pool.GetProperty("id").GetGuid();
        Assert.Equal("scheduled", pool.GetProperty("status").GetString());

        await using var context = await browser.NewContextAsync(_web, new() { Width = 390, Height = 844 });
        var page = await OpenEventAsync(context, eventId);
        var item = page.Locator($"#pool-list li[data-pool-id='{poolId}']");
        await Expect(item.Locator(".pool-sponsor")).ToHaveTextAsync(sponsor);
        await Expect(item).ToHaveAttributeAsync("data-status", "scheduled");
        // The rules, in words.
        await Expect(item.Locator(".pool-rules")).ToContainTextAsync("1:1 配捐");
        await Expect(item.Locator(".pool-rules")).ToContainTextAsync("每笔捐赠最多配 ¥300.00");
        await Expect(item.Locator(".pool-rules")).ToContainTextAsync("每人每天最多配 ¥500.00");
        await Expect(item.Locator(".pool-rules")).ToContainTextAsync($"每天 {opensAt} 开始");
        // The countdown ticks by the second.
        var clock = item.Locator(".pool-clock");
        await Expect(clock).ToHaveTextAsync(new Regex(@"^00:00:(0[0-9]|1[0-5])$"));
        var first = await clock.TextContentAsync();
        await Expect(clock).Not.ToHaveTextAsync(first!, new() { Timeout = 2_500 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "event-countdown-mobile.png"), FullPage = true });

        // It opens while the page is open, and shows what is left.
        var untilOpen = opensAtInstant - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(15);
        await Expect(item).ToHaveAttributeAsync("data-status", "open", new() { Timeout = (float)untilOpen.TotalMilliseconds });
        await Expect(item.Locator(".pool-remaining")).ToHaveTextAsync("¥1,000.00");
        await Expect(item.Locator(".pool-bar")).ToHaveAttributeAsync("aria-valuenow", "100");

        // Verified donors' gifts are matched, and the meter falls live, no reload.
        var matched = await PoolCalls.GiveAsync(_web.Client, campaign, 20_000, donors[0]);
        Assert.Equal("matched", matched.GetProperty("match").GetProperty("status").GetString());
        await Expect(item.Locator(".pool-remaining")).ToHaveTextAsync("¥800.00");
        await Expect(item.Locator(".pool-bar")).ToHaveAttributeAsync("aria-valuenow", "80");
        await Expect(page.Locator("#event-matched")).ToHaveTextAsync("¥200.00");
        await Expect(page.Locator("#event-raised")).ToHaveTextAsync("¥200.00"); // matched money is never added to raised
        await PoolCalls.GiveAsync(_web.Client, campaign, 50_000, donors[1]); // capped at ¥300 per gift
        await Expect(item.Locator(".pool-remaining")).ToHaveTextAsync("¥500.00");
        await Expect(page.Locator("#event-matched")).ToHaveTextAsync("¥500.00");
        await Expect(page.Locator("#event-raised")).ToHaveTextAsync("¥700.00");
        await Expect(page.Locator("#event-count")).ToHaveTextAsync("2");

        // Paused by the organisers: said plainly, live.
        (await _web.Admin.PostAsync($"/api/pools/{poolId}/pause", null)).EnsureSuccessStatusCode();
        await Expect(item).ToHaveAttributeAsync("data-status", "paused");
        await Expect(item.Locator(".pool-status")).ToHaveTextAsync("已暂停 Paused");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "event-pool-paused-mobile.png"), FullPage = true });
        Assert.Empty(PageActions.ScriptErrors(page));
        Assert.Empty(browser.CspViolations);
    }
}
