using System.Diagnostics;
using System.Text.Json;
using Microsoft.Playwright;
using static Fundraising.Web.Tests.Leaderboards.BoardCalls;
using static Fundraising.Web.Tests.Pages.BoardPageActions;
using static Microsoft.Playwright.Assertions;

namespace Fundraising.Web.Tests.Pages;

/// <summary>
/// The boards (排行榜) on the event home and the big screen, in Chromium against a real front end: live within 2 s of a
/// gift, by amount and by 人次, and anonymous donors never named. Each test makes its own event, campaigns and regions.
/// Rate limits are off: every page watches six boards at once and a class opens many pages from one address.
/// </summary>
public sealed class LeaderboardPageTests(UnlimitedPlatform platform, BrowserFixture browser) : IClassFixture<UnlimitedPlatform>, IClassFixture<BrowserFixture>
{
    private readonly WebFrontEnd _web = platform.Web;

    private const float WithinTwoSeconds = 2_000;

    [Fact]
    public async Task ANewEventsBoardsSayThereIsNoBoardYetAndTheTabsAndRankingSwitch()
    {
        var campaign = await CampaignAsync(_web, Unique("市"), Unique("县"), title: Unique("还没有人捐的项目"));
        var eventId = await NamedEventAsync(_web, Unique("空榜公益日"), campaign);
        await using var context = await browser.NewContextAsync(_web, new() { Width = 390, Height = 844 });
        var page = await OpenLiveAsync(context, $"event.html?id={eventId}");

        // Nobody gave and nobody opened a team: those boards say so, in words.
        foreach (var board in new[] { "teams", "donors" })
        {
            await Expect(page.Locator($"#board-{board} .board-empty")).ToContainTextAsync("暂无排行");
        }
        await Expect(page.Locator("#tab-campaigns")).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(page.Locator("#board-campaigns")).ToBeVisibleAsync();
        await Expect(page.Locator("#board-donors")).ToBeHiddenAsync();

        await page.Locator("#tab-donors").ClickAsync();
        await Expect(page.Locator("#tab-donors")).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(page.Locator("#board-donors")).ToBeVisibleAsync();
        await Expect(page.Locator("#board-campaigns")).ToBeHiddenAsync();
        await page.Locator("#tab-donors").PressAsync("ArrowLeft"); // the tabs follow the arrow keys
        await Expect(page.Locator("#tab-teams")).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(page.Locator("#tab-teams")).ToBeFocusedAsync();

        await page.Locator(".board-by [data-by='count']").ClickAsync();
        await Expect(page.Locator(".board-by [data-by='count']")).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(page.Locator(".board-by [data-by='amount']")).ToHaveAttributeAsync("aria-pressed", "false");
        await Expect(page.Locator("#big-screen-link")).ToHaveAttributeAsync("href", $"/board.html?event={eventId}");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "event-boards-empty-mobile.png"), FullPage = true });
        Assert.Empty(PageActions.ScriptErrors(page));
        Assert.Empty(browser.CspViolations);
    }

    [Fact]
    public async Task AGiftOnOnePageMovesTheCampaignCountyCityTeamAndDonorBoardsOfAnotherWithinTwoSeconds()
    {
        var (cityA, countyA, cityB, countyB) = (Unique("甲市"), Unique("甲县"), Unique("乙市"), Unique("乙县"));
        var townA = Unique("甲镇");
        var a = await CampaignAsync(_web, cityA, countyA, town: townA, title: Unique("甲项目"));
        var b = await CampaignAsync(_web, cityB, countyB, title: Unique("乙项目"));
        var eventId = await NamedEventAsync(_web, Unique("排行联动公益日"), a, b);
        var (zhang, li) = (Unique("张三"), Unique("李四"));
        var (zhangToken, liToken) = (await VerifiedDonorAsync(_web), await VerifiedDonorAsync(_web));
        var teamName = Unique("老乡团");
        var team = (await TeamAsync(_web.Client, a, zhangToken, teamName, goalAmount: 100_000)).GetProperty("id").GetGuid();
        // Before anyone watches: B has ¥50.00 in two gifts (it leads by 人次 from here on).
        await GiveAsync(_web.Client, b, 3_000, liToken, li);
        await GiveAsync(_web.Client, b, 2_000, liToken, li);

        await using var watcherContext = await browser.NewContextAsync(_web);
        var watcher = await OpenLiveAsync(watcherContext, $"event.html?id={eventId}");
        await Expect(Row(watcher, "#board-campaigns", b.ToString())).ToHaveAttributeAsync("data-rank", "1");

        // A donor follows the team's share link and gives ¥100 on the campaign page.
        await using var donorContext = await browser.NewContextAsync(_web);
        await VerifiedTabAsync(donorContext, zhangToken);
        var donor = await OpenCampaignWatchingAsync(donorContext, $"campaign.html?id={a}&team={team}");
        await Expect(donor.Locator("#team-banner-name")).ToHaveTextAsync(teamName);
        await PageActions.DonateAsync(donor, "100", zhang);
        var acknowledged = Stopwatch.StartNew();

        await AllWithinAsync(WithinTwoSeconds,
            t => Expect(Row(watcher, "#board-campaigns", a.ToString())).ToHaveAttributeAsync("data-rank", "1", new() { Timeout = t }),
            t => Expect(Row(watcher, "#board-campaigns", a.ToString())).ToContainTextAsync("¥100.00", new() { Timeout = t }),
            t => Expect(Row(watcher, "#board-campaigns", b.ToString())).ToHaveAttributeAsync("data-rank", "2", new() { Timeout = t }),
            t => Expect(Row(watcher, "#board-counties", $"{cityA}/{countyA}")).ToHaveAttributeAsync("data-rank", "1", new() { Timeout = t }),
            t => Expect(Row(watcher, "#board-towns", $"{cityA}/{countyA}/{townA}")).ToContainTextAsync("¥100.00", new() { Timeout = t }),
            t => Expect(Row(watcher, "#board-cities", cityA)).ToContainTextAsync("¥100.00", new() { Timeout = t }),
            t => Expect(Row(watcher, "#board-cities", cityA)).ToHaveAttributeAsync("data-rank", "1", new() { Timeout = t }),
            t => Expect(Row(watcher, "#board-teams", team.ToString())).ToContainTextAsync("¥100.00", new() { Timeout = t }),
            t => Expect(RowNamed(watcher, "#board-donors", zhang)).ToContainTextAsync("¥100.00", new() { Timeout = t }));
        Assert.True(acknowledged.ElapsedMilliseconds <= WithinTwoSeconds + 250, $"the boards took {acknowledged.ElapsedMilliseconds} ms");
        await Expect(Row(watcher, "#board-teams", team.ToString()).Locator(".board-name")).ToHaveTextAsync(teamName);
        await Expect(Row(watcher, "#board-teams", team.ToString()).Locator("a.board-name")).ToHaveAttributeAsync("href", $"team.html?id={team}");
        await Expect(Row(watcher, "#board-campaigns", a.ToString()).Locator("a.board-name")).ToHaveAttributeAsync("href", $"campaign.html?id={a}");

        // By 人次, B (two gifts) is ahead of A (one); the totals line sums the whole board.
        await watcher.Locator(".board-by [data-by='count']").ClickAsync();
        await Expect(Row(watcher, "#board-campaigns", b.ToString())).ToHaveAttributeAsync("data-rank", "1");
        await Expect(Row(watcher, "#board-campaigns", a.ToString())).ToHaveAttributeAsync("data-rank", "2");
        await Expect(Row(watcher, "#board-campaigns", b.ToString()).Locator(".board-primary")).ToHaveTextAsync("2 人次");
        await Expect(watcher.Locator("#board-campaigns .board-totals")).ToHaveTextAsync("合计 ¥150.00 · 3 人次");
        await watcher.Locator(".board-by [data-by='amount']").ClickAsync();
        await Expect(Row(watcher, "#board-campaigns", a.ToString())).ToHaveAttributeAsync("data-rank", "1");

        // A gift through the API (not through the team) takes B back to the top of every board it is on, live.
        await GiveAsync(_web.Client, b, 20_000, liToken, li);
        acknowledged.Restart();
        await AllWithinAsync(WithinTwoSeconds,
            t => Expect(Row(watcher, "#board-campaigns", b.ToString())).ToHaveAttributeAsync("data-rank", "1", new() { Timeout = t }),
            t => Expect(Row(watcher, "#board-campaigns", b.ToString())).ToContainTextAsync("¥250.00", new() { Timeout = t }),
            t => Expect(Row(watcher, "#board-counties", $"{cityB}/{countyB}")).ToHaveAttributeAsync("data-rank", "1", new() { Timeout = t }),
            t => Expect(Row(watcher, "#board-cities", cityB)).ToHaveAttributeAsync("data-rank", "1", new() { Timeout = t }),
            t => Expect(Row(watcher, "#board-cities", cityA)).ToHaveAttributeAsync("data-rank", "2", new() { Timeout = t }),
            t => Expect(RowNamed(watcher, "#board-donors", li)).ToContainTextAsync("¥250.00", new() { Timeout = t }));
        Assert.True(acknowledged.ElapsedMilliseconds <= WithinTwoSeconds + 250, $"the boards took {acknowledged.ElapsedMilliseconds} ms");
        // The team's board did not move: that gift was not through the team.
        await Expect(Row(watcher, "#board-teams", team.ToString())).ToContainTextAsync("¥100.00");
        await Expect(Row(watcher, "#board-teams", team.ToString())).ToContainTextAsync("1 人次");

        // A reader clicks through the tabs: each board is there.
        foreach (var board in new[] { "towns", "cities", "counties", "teams", "donors" })
        {
            await watcher.Locator($"#tab-{board}").ClickAsync();
            await Expect(watcher.Locator($"#board-{board} li.board-row").First).ToBeVisibleAsync();
        }
        await watcher.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "event-boards.png"), FullPage = true });
        Assert.Empty(PageActions.ScriptErrors(watcher));
        Assert.Empty(PageActions.ScriptErrors(donor));
        Assert.Empty(browser.CspViolations);
    }

    [Fact]
    public async Task TheBigScreensTilesLayoutShowsEveryBoardOnOneScreenWithoutScrollingAndUpdatesLive()
    {
        var (city, county) = (Unique("大屏市"), Unique("大屏县"));
        var village = await CampaignAsync(_web, city, county, village: true, title: Unique("大屏幸福家园"));
        var appeal = await CampaignAsync(_web, city, county, title: Unique("大屏项目"));
        var eventId = await NamedEventAsync(_web, Unique("大屏公益日"), village, appeal);
        var token = await VerifiedDonorAsync(_web);
        var donorName = Unique("王五");
        var team = (await TeamAsync(_web.Client, village, token, Unique("大屏团"), goalAmount: 50_000)).GetProperty("id").GetGuid();
        await GiveAsync(_web.Client, appeal, 1_000, token, donorName);

        await using var context = await browser.NewContextAsync(_web, new() { Width = 1920, Height = 1080 });
        var screen = await OpenLiveAsync(context, $"board.html?event={eventId}&layout=tiles");
        await Expect(screen.Locator("#screen-raised")).ToHaveTextAsync("¥10.00");
        await Expect(screen.Locator("#screen-count")).ToHaveTextAsync("1");
        foreach (var board in new[] { "campaigns", "villages", "cities", "counties", "teams", "donors" })
        {
            await Expect(screen.Locator($"#screen-{board}")).ToBeInViewportAsync(new() { Ratio = 1 });
        }
        await AssertNoScrollingAsync(screen);

        await GiveAsync(_web.Client, village, 12_345, token, donorName, teamId: team);
        var acknowledged = Stopwatch.StartNew();
        await AllWithinAsync(WithinTwoSeconds,
            // The figure the totals tick towards (the text runs up to it in under a second, after).
            t => Expect(screen.Locator("#screen-raised")).ToHaveAttributeAsync("data-value", "13345", new() { Timeout = t }),
            t => Expect(screen.Locator("#screen-count")).ToHaveAttributeAsync("data-value", "2", new() { Timeout = t }),
            t => Expect(Row(screen, "#screen-campaigns", village.ToString())).ToHaveAttributeAsync("data-rank", "1", new() { Timeout = t }),
            t => Expect(Row(screen, "#screen-villages", village.ToString())).ToContainTextAsync("¥123.45", new() { Timeout = t }),
            t => Expect(Row(screen, "#screen-teams", team.ToString())).ToContainTextAsync("¥123.45", new() { Timeout = t }),
            t => Expect(Row(screen, "#screen-cities", city)).ToContainTextAsync("¥133.45", new() { Timeout = t }),
            t => Expect(RowNamed(screen, "#screen-donors", donorName)).ToContainTextAsync("¥133.45", new() { Timeout = t }));
        Assert.True(acknowledged.ElapsedMilliseconds <= WithinTwoSeconds + 250, $"the big screen took {acknowledged.ElapsedMilliseconds} ms");
        await Expect(screen.Locator("#screen-raised")).ToHaveTextAsync("¥133.45");
        await Expect(screen.Locator("#screen-count")).ToHaveTextAsync("2");
        await Expect(screen.Locator("#screen-matched")).ToHaveTextAsync("¥0.00");
        await screen.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "big-screen-1080p.png") });

        // A smaller projector: the same stage, still nothing to scroll.
        await screen.SetViewportSizeAsync(1280, 720);
        await AssertNoScrollingAsync(screen);
        await screen.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "big-screen-720p.png") });
        Assert.Empty(PageActions.ScriptErrors(screen));
        Assert.Empty(browser.CspViolations);
    }

    private static async Task AssertNoScrollingAsync(IPage page)
    {
        var overflow = await page.EvaluateAsync<JsonElement>("""
            () => ({ x: document.documentElement.scrollWidth - innerWidth, y: document.documentElement.scrollHeight - innerHeight,
                     clipped: [...document.querySelectorAll('.screen-board')].filter(t => t.getBoundingClientRect().bottom > innerHeight + 1).length })
            """);
        Assert.True(overflow.GetProperty("x").GetInt32() <= 0 && overflow.GetProperty("y").GetInt32() <= 0, $"the big screen scrolls: {overflow}");
        Assert.Equal(0, overflow.GetProperty("clipped").GetInt32());
    }

    [Fact]
    public async Task MatchedMoneyShowsBesideTheAmountOnTheBoardsAndIsNeverAddedIn()
    {
        var (city, county) = (Unique("配捐市"), Unique("配捐县"));
        var campaign = await CampaignAsync(_web, city, county, title: Unique("配捐排行项目"));
        var eventId = await NamedEventAsync(_web, Unique("配捐排行公益日"), campaign);
        await Matching.MatchingCalls.CreatePoolAsync(_web.Admin, eventId, budget: 100_000, maxPerGift: 3_000, maxPerDonorPerDay: 10_000);
        var token = await VerifiedDonorAsync(_web);

        await using var context = await browser.NewContextAsync(_web, new() { Width = 390, Height = 844 });
        var home = await OpenLiveAsync(context, $"event.html?id={eventId}");
        var given = await GiveAsync(_web.Client, campaign, 10_000, token, Unique("配捐的捐赠人"));
        Assert.Equal(3_000, Matching.MatchingCalls.MatchAmount(given)); // capped per gift

        var row = Row(home, "#board-campaigns", campaign.ToString());
        await Expect(row.Locator(".board-amount")).ToHaveTextAsync("¥100.00");
        await Expect(row.Locator(".board-matched")).ToHaveTextAsync("配捐 ¥30.00");
        await Expect(Row(home, "#board-cities", city).Locator(".board-matched")).ToHaveTextAsync("配捐 ¥30.00");
        await Expect(home.Locator("#board-campaigns .board-totals")).ToHaveTextAsync("合计 ¥100.00 · 1 人次 · 配捐 ¥30.00");
        await Expect(home.Locator("#event-raised")).ToHaveTextAsync("¥100.00");
        await Expect(home.Locator("#event-matched")).ToHaveTextAsync("¥30.00");
        Assert.Empty(PageActions.ScriptErrors(home));
    }

    [Fact]
    public async Task AnAnonymousGiftNeverShowsItsDonorsNameOnAnyPage()
    {
        var (city, county) = (Unique("匿名市"), Unique("匿名县"));
        var campaign = await CampaignAsync(_web, city, county, title: Unique("匿名捐赠项目"));
        var eventId = await NamedEventAsync(_web, Unique("匿名公益日"), campaign);
        var token = await VerifiedDonorAsync(_web);
        var secret = Unique("不该出现的名字");
        var team = (await TeamAsync(_web.Client, campaign, await VerifiedDonorAsync(_web), Unique("匿名团"), goalAmount: 10_000)).GetProperty("id").GetGuid();
        // The same verified donor gives anonymously twice, once through the team.
        await GiveAsync(_web.Client, campaign, 600, token, secret, anonymous: true);
        await GiveAsync(_web.Client, campaign, 400, token, secret, anonymous: true, teamId: team);

        await using var context = await browser.NewContextAsync(_web);
        var home = await OpenLiveAsync(context, $"event.html?id={eventId}");
        await Expect(RowNamed(home, "#board-donors", "匿名爱心人士")).ToContainTextAsync("¥10.00");
        var screen = await OpenLiveAsync(context, $"board.html?event={eventId}&layout=tiles");
        await Expect(RowNamed(screen, "#screen-donors", "匿名爱心人士")).ToContainTextAsync("¥10.00");
        var teamPage = await OpenLiveAsync(context, $"team.html?id={team}");
        await Expect(teamPage.Locator("#team-gifts")).ToContainTextAsync("匿名爱心人士");
        var campaignPage = await OpenCampaignWatchingAsync(context, $"campaign.html?id={campaign}&team={team}");
        await Expect(campaignPage.Locator("#recent-donors")).ToContainTextAsync("匿名爱心人士");

        foreach (var page in new[] { home, screen, teamPage, campaignPage })
        {
            // Everything in the document, shown or not (hidden tabs too), and its title.
            var text = await page.EvaluateAsync<string>("() => document.title + document.documentElement.textContent");
            Assert.DoesNotContain(secret, text);
            Assert.Empty(PageActions.ScriptErrors(page));
        }
        foreach (var board in new[] { "donors", "teams", "campaigns" })
        {
            var json = await _web.Client.GetStringAsync($"/api/events/{eventId}/leaderboards/{board}");
            Assert.DoesNotContain(secret, json);
        }
    }
}
