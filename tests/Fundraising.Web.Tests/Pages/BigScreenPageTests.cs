using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using static Fundraising.Web.Tests.Leaderboards.BoardCalls;
using static Fundraising.Web.Tests.Pages.BoardPageActions;
using static Microsoft.Playwright.Assertions;

namespace Fundraising.Web.Tests.Pages;

/// <summary>
/// The big screen (board.html) showing one board at a time in turn, and the event home's "我的排名 My rank", in Chromium
/// against a real front end: boards in turn within their interval, the rows the API gives, a gift on screen within 2 s,
/// anonymous donors only as 匿名爱心人士. Rate limits are off: each page watches a dozen boards.
/// </summary>
public sealed class BigScreenPageTests(UnlimitedPlatform platform, BrowserFixture browser) : IClassFixture<UnlimitedPlatform>, IClassFixture<BrowserFixture>
{
    private readonly WebFrontEnd _web = platform.Web;

    private const float WithinTwoSeconds = 2_000;

    [Fact]
    public async Task TheBigScreenShowsOneBoardAtATimeAsTheApiRanksItAndTurnsToTheNextWithinItsInterval()
    {
        var (cityA, cityB) = (Unique("甲市"), Unique("乙市"));
        var a = await CampaignAsync(_web, cityA, Unique("甲县"), title: Unique("大屏甲项目"));
        var b = await CampaignAsync(_web, cityB, Unique("乙县"), title: Unique("大屏乙项目"));
        var eventId = await NamedEventAsync(_web, Unique("轮播公益日"), a, b);
        var (first, second) = (await VerifiedDonorAsync(_web), await VerifiedDonorAsync(_web));
        var team = (await TeamAsync(_web.Client, a, first, Unique("轮播团"), goalAmount: 100_000)).GetProperty("id").GetGuid();
        await GiveAsync(_web.Client, a, 3_000, first, Unique("张"), teamId: team);
        await GiveAsync(_web.Client, b, 1_000, second, Unique("李"));
        await GiveAsync(_web.Client, b, 1_500, second, Unique("李"));
        await BoardWhenAsync(_web.Client, eventId, "donors", board => TotalAmount(board) == 5_500);

        const int cycleSeconds = 5;
        await using var context = await browser.NewContextAsync(_web, new() { Width = 1920, Height = 1080 });
        // No campaign names a town: the towns board is listed in turn but skipped while it is empty.
        var screen = await OpenLiveAsync(context, $"board.html?event={eventId}&boards=cities,towns,teams,donors&cycle={cycleSeconds}");
        var cycle = screen.Locator("#screen-cycle");
        await Expect(cycle).ToHaveAttributeAsync("data-board", "cities");
        var shown = Stopwatch.StartNew();
        await Expect(screen.Locator("#cycle-steps li")).ToHaveCountAsync(4);
        await Expect(cycle).ToHaveAttributeAsync("data-next", "teams");
        await ExpectRowsAsync(screen, eventId, "cities");
        await Expect(screen.Locator("#cycle-name")).ToHaveTextAsync("城市");
        await Expect(screen.Locator("#cycle-steps [aria-current='step']")).ToHaveAttributeAsync("data-slide", "cities:amount");
        await Expect(screen.Locator("#cycle-steps .is-next")).ToHaveAttributeAsync("data-slide", "teams:amount");
        await Expect(screen.Locator("#cycle-next")).ToContainTextAsync("一起捐");
        // The totals are always on screen, matched apart.
        await Expect(screen.Locator("#screen-raised")).ToHaveTextAsync("¥55.00");
        await Expect(screen.Locator("#screen-count")).ToHaveTextAsync("3");
        await Expect(screen.Locator("#screen-matched")).ToHaveTextAsync("¥0.00");
        await screen.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "big-screen-cycle-1080p.png") });

        // The next board comes in turn within its interval (and not at once), then the one after.
        await Expect(cycle).ToHaveAttributeAsync("data-board", "teams", new() { Timeout = cycleSeconds * 1000 + 1_500 });
        Assert.InRange(shown.ElapsedMilliseconds, 1_000, cycleSeconds * 1000 + 1_500);
        await Expect(cycle).ToHaveAttributeAsync("data-next", "donors");
        await Expect(screen.Locator("#cycle-name")).ToHaveTextAsync("一起捐");
        await ExpectRowsAsync(screen, eventId, "teams");
        await Expect(cycle).ToHaveAttributeAsync("data-board", "donors", new() { Timeout = cycleSeconds * 1000 + 1_500 });
        await ExpectRowsAsync(screen, eventId, "donors");
        await Expect(cycle).ToHaveAttributeAsync("data-board", "cities", new() { Timeout = cycleSeconds * 1000 + 1_500 });

        // Nothing scrolls and nothing is cut off, on a smaller projector too.
        await AssertFitsAsync(screen);
        await screen.SetViewportSizeAsync(1280, 720);
        await AssertFitsAsync(screen);
        await screen.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "big-screen-cycle-720p.png") });
        Assert.Empty(PageActions.ScriptErrors(screen));

        // By 人次, and each board both ways in turn with &by=both.
        var counted = await OpenLiveAsync(context, $"board.html?event={eventId}&boards=cities&by=both&cycle=4");
        await Expect(counted.Locator("#screen-cycle")).ToHaveAttributeAsync("data-by", "count", new() { Timeout = 5_500 });
        await ExpectRowsAsync(counted, eventId, "cities", "count");
        await Expect(BoardPageActions.Row(counted, "#cycle-list", cityB).Locator(".board-primary")).ToHaveTextAsync("2 人次");
        await Expect(counted.Locator("#screen-cycle")).ToHaveAttributeAsync("data-by", "amount", new() { Timeout = 5_500 });
        Assert.Empty(PageActions.ScriptErrors(counted));
        Assert.Empty(browser.CspViolations);
    }

    [Fact]
    public async Task AGiftShowsOnTheBoardOnScreenWithinTwoSecondsAndAnAnonymousDonorIsOnlyTheAnonymousName()
    {
        var (city, county) = (Unique("现场市"), Unique("现场县"));
        var campaign = await CampaignAsync(_web, city, county, title: Unique("现场项目"));
        var other = await CampaignAsync(_web, Unique("邻市"), Unique("邻县"), title: Unique("邻市项目"));
        var eventId = await NamedEventAsync(_web, Unique("现场公益日"), campaign, other);
        var (named, hidden) = (await VerifiedDonorAsync(_web), await VerifiedDonorAsync(_web));
        var name = Unique("公开的捐赠人");
        var secret = Unique("不该出现的名字");
        await GiveAsync(_web.Client, other, 2_000, named, name);
        await BoardWhenAsync(_web.Client, eventId, "donors", board => TotalAmount(board) == 2_000);

        await using var context = await browser.NewContextAsync(_web, new() { Width = 1920, Height = 1080 });
        var screen = await OpenLiveAsync(context, $"board.html?event={eventId}&boards=donors,cities&cycle=60");
        await Expect(screen.Locator("#screen-cycle")).ToHaveAttributeAsync("data-board", "donors");
        await Expect(RowNamed(screen, "#cycle-list", name)).ToHaveAttributeAsync("data-rank", "1");

        // An anonymous gift during the show: on the board on screen, and the totals, within 2 s.
        await GiveAsync(_web.Client, campaign, 50_000, hidden, secret, anonymous: true);
        var acknowledged = Stopwatch.StartNew();
        await AllWithinAsync(WithinTwoSeconds,
            t => Expect(RowNamed(screen, "#cycle-list", "匿名爱心人士")).ToHaveAttributeAsync("data-rank", "1", new() { Timeout = t }),
            t => Expect(RowNamed(screen, "#cycle-list", "匿名爱心人士")).ToContainTextAsync("¥500.00", new() { Timeout = t }),
            t => Expect(RowNamed(screen, "#cycle-list", name)).ToHaveAttributeAsync("data-rank", "2", new() { Timeout = t }),
            t => Expect(screen.Locator("#screen-raised")).ToHaveAttributeAsync("data-value", "52000", new() { Timeout = t }),
            t => Expect(screen.Locator("#screen-count")).ToHaveAttributeAsync("data-value", "2", new() { Timeout = t }));
        Assert.True(acknowledged.ElapsedMilliseconds <= WithinTwoSeconds + 250, $"the big screen took {acknowledged.ElapsedMilliseconds} ms");
        await ExpectRowsAsync(screen, eventId, "donors");

        var text = await screen.EvaluateAsync<string>("() => document.title + document.documentElement.textContent");
        Assert.DoesNotContain(secret, text);
        Assert.DoesNotContain(secret, await _web.Client.GetStringAsync($"/api/events/{eventId}/leaderboards/donors"));
        Assert.Empty(PageActions.ScriptErrors(screen));
        Assert.Empty(browser.CspViolations);
    }

    [Fact]
    public async Task TheEventHomeShowsTheTabsDonorTheirOwnRankLiveAndNeverTheirNameWhenTheyGaveAnonymously()
    {
        var campaign = await CampaignAsync(_web, Unique("排名市"), Unique("排名县"), title: Unique("我的排名项目"));
        var eventId = await NamedEventAsync(_web, Unique("我的排名公益日"), campaign);
        var (leader, me, later) = (await VerifiedDonorAsync(_web), await VerifiedDonorAsync(_web), await VerifiedDonorAsync(_web));
        var secret = Unique("匿名者的真名");
        await GiveAsync(_web.Client, campaign, 5_000, leader, Unique("领先者"));
        await GiveAsync(_web.Client, campaign, 1_000, me, secret, anonymous: true);
        await BoardWhenAsync(_web.Client, eventId, "donors", board => TotalAmount(board) == 6_000);

        await using var context = await browser.NewContextAsync(_web, new() { Width = 390, Height = 844 });
        await VerifiedTabAsync(context, me);
        var page = await OpenLiveAsync(context, $"event.html?id={eventId}");
        var mine = page.Locator("#my-rank");
        await Expect(mine).ToBeVisibleAsync();
        await Expect(mine).ToContainTextAsync("我的排名");
        await Expect(page.Locator("#my-rank-place")).ToHaveTextAsync("爱心榜第 2 名");
        await Expect(mine).ToContainTextAsync("¥10.00 · 1 人次");
        await Expect(mine).ToContainTextAsync("匿名爱心人士");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "event-my-rank-mobile.png"), FullPage = true });

        // The donor gives again: their rank moves live, within 2 s.
        await GiveAsync(_web.Client, campaign, 9_000, me, secret, anonymous: true);
        await Expect(page.Locator("#my-rank-place")).ToHaveTextAsync("爱心榜第 1 名", new() { Timeout = WithinTwoSeconds });
        await Expect(mine).ToContainTextAsync("¥100.00 · 2 人次");
        var text = await page.EvaluateAsync<string>("() => document.title + document.documentElement.textContent");
        Assert.DoesNotContain(secret, text);
        Assert.Empty(PageActions.ScriptErrors(page));

        // A donor with no gift here yet is told so, and sees their place once they give; a tab without a token shows nothing.
        await using var laterContext = await browser.NewContextAsync(_web, new() { Width = 390, Height = 844 });
        await VerifiedTabAsync(laterContext, later);
        var laterPage = await OpenLiveAsync(laterContext, $"event.html?id={eventId}");
        await Expect(laterPage.Locator("#my-rank")).ToHaveAttributeAsync("data-state", "none");
        await Expect(laterPage.Locator("#my-rank")).ToContainTextAsync("还没有捐赠");
        await GiveAsync(_web.Client, campaign, 7_000, later, Unique("后来者"));
        await Expect(laterPage.Locator("#my-rank-place")).ToHaveTextAsync("爱心榜第 2 名", new() { Timeout = WithinTwoSeconds + 1_000 });
        await using var plainContext = await browser.NewContextAsync(_web);
        var plain = await OpenLiveAsync(plainContext, $"event.html?id={eventId}");
        await Expect(plain.Locator("#my-rank")).ToBeHiddenAsync();
        Assert.Empty(PageActions.ScriptErrors(laterPage));
        Assert.Empty(browser.CspViolations);
    }

    /// <summary>The board on screen has exactly the API's top 10 of that board, in its order, with its names and figures.</summary>
    private async Task ExpectRowsAsync(IPage page, Guid eventId, string board, string by = "amount")
    {
        var api = await BoardAsync(_web.Client, eventId, board, by, top: 10);
        var entries = api.GetProperty("entries").EnumerateArray().ToList();
        Assert.NotEmpty(entries);
        var rows = page.Locator("#cycle-list li.board-row");
        await Expect(rows).ToHaveCountAsync(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            var (entry, row) = (entries[i], rows.Nth(i));
            await Expect(row).ToHaveAttributeAsync("data-key", entry.GetProperty("key").GetString()!);
            await Expect(row).ToHaveAttributeAsync("data-rank", entry.GetProperty("rank").GetInt32().ToString(CultureInfo.InvariantCulture));
            await Expect(row.Locator(".board-name")).ToHaveTextAsync(entry.GetProperty("name").GetString()!);
            await Expect(row.Locator(".board-amount")).ToHaveTextAsync(Yuan(entry.GetProperty("amount").GetInt64()));
            await Expect(row.Locator(".board-count")).ToHaveTextAsync($"{entry.GetProperty("count").GetInt64()} 人次");
        }
    }

    private static string Yuan(long fen) => "¥" + (fen / 100m).ToString("N2", CultureInfo.InvariantCulture);

    private static async Task AssertFitsAsync(IPage page)
    {
        var overflow = await page.EvaluateAsync<JsonElement>("""
            () => ({ x: document.documentElement.scrollWidth - innerWidth, y: document.documentElement.scrollHeight - innerHeight,
                     clipped: [...document.querySelectorAll('#screen-cycle, #cycle-list li, .screen-total')]
                       .filter(e => e.getBoundingClientRect().bottom > innerHeight + 1).length })
            """);
        Assert.True(overflow.GetProperty("x").GetInt32() <= 0 && overflow.GetProperty("y").GetInt32() <= 0, $"the big screen scrolls: {overflow}");
        Assert.Equal(0, overflow.GetProperty("clipped").GetInt32());
    }
}
