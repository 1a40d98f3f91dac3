using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Fundraising.Web.Tests.Leaderboards.BoardCalls;
using static Fundraising.Web.Tests.Pages.BoardPageActions;
using static Microsoft.Playwright.Assertions;

namespace Fundraising.Web.Tests.Pages;

/// <summary>
/// campaign.html's rank on its giving day's boards and its teams (一起捐): starting one, a share link's banner and the
/// teamId its gifts carry, and team.html live, in Chromium against a real front end.
/// </summary>
public sealed class TeamPageTests(UnlimitedPlatform platform, BrowserFixture browser) : IClassFixture<UnlimitedPlatform>, IClassFixture<BrowserFixture>
{
    private readonly WebFrontEnd _web = platform.Web;

    /// <summary>The JSON body of every donation the page starts.</summary>
    private static ConcurrentQueue<JsonElement> RecordDonations(IPage page)
    {
        var sent = new ConcurrentQueue<JsonElement>();
        page.Request += (_, request) =>
        {
            if (request.Method == "POST" && request.Url.EndsWith("/donations", StringComparison.Ordinal) && request.PostData is { } body)
            {
                sent.Enqueue(JsonDocument.Parse(body).RootElement.Clone());
            }
        };
        return sent;
    }

    [Fact]
    public async Task TheCampaignPageShowsItsRankOnTheEventsBoardsAndItChangesLive()
    {
        var (city, county) = (Unique("名次市"), Unique("名次县"));
        var village = await CampaignAsync(_web, city, county, village: true, title: Unique("名次幸福家园"));
        var rival = await CampaignAsync(_web, city, county, title: Unique("对手项目"));
        var name = Unique("名次公益日");
        var eventId = await NamedEventAsync(_web, name, village, rival);
        var token = await VerifiedDonorAsync(_web);
        await GiveAsync(_web.Client, rival, 5_000, token, "对手的捐赠人");
        await GiveAsync(_web.Client, village, 1_000, token, "村里的捐赠人");

        await using var context = await browser.NewContextAsync(_web, new() { Width = 390, Height = 844 });
        var page = await OpenCampaignWatchingAsync(context, $"campaign.html?id={village}");
        var ranks = page.Locator("#campaign-ranks");
        await Expect(ranks).ToBeVisibleAsync();
        await Expect(ranks.Locator("a")).ToHaveTextAsync(name);
        await Expect(ranks.Locator("a")).ToHaveAttributeAsync("href", $"/event.html?id={eventId}");
        await Expect(page.Locator("#rank-campaigns strong")).ToHaveTextAsync("第 2 名");
        // The only village project of the event leads the villages board.
        await Expect(page.Locator("#rank-villages strong")).ToHaveTextAsync("第 1 名");

        // Gifts elsewhere move it, live: overtaking the rival, then overtaken again.
        await GiveAsync(_web.Client, village, 10_000, token, "村里的捐赠人");
        await Expect(page.Locator("#rank-campaigns strong")).ToHaveTextAsync("第 1 名");
        await Expect(page.Locator("#rank-campaigns")).ToHaveAttributeAsync("data-rank", "1");
        await GiveAsync(_web.Client, rival, 10_000, token, "对手的捐赠人");
        await Expect(page.Locator("#rank-campaigns strong")).ToHaveTextAsync("第 2 名");
        await Expect(page.Locator("#rank-villages strong")).ToHaveTextAsync("第 1 名");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "campaign-rank-mobile.png") });
        Assert.Empty(PageActions.ScriptErrors(page));
    }

    [Fact]
    public async Task AVerifiedDonorStartsATeamOnTheCampaignPageAndGiftsThroughItsShareLinkMoveTheTeamPageLive()
    {
        var campaign = await CampaignAsync(_web, Unique("团市"), Unique("团县"), title: Unique("一起捐项目"));
        await NamedEventAsync(_web, Unique("一起捐公益日"), campaign);
        var founderToken = await VerifiedDonorAsync(_web);

        // Not verified: the page asks for the e-mail first and offers no form.
        await using var strangerContext = await browser.NewContextAsync(_web);
        var stranger = await OpenLiveAsync(strangerContext, $"campaign.html?id={campaign}");
        await Expect(stranger.Locator("#start-team-unverified")).ToBeVisibleAsync();
        await Expect(stranger.Locator("#new-team-form")).ToBeHiddenAsync();
        await stranger.Locator("#start-team-verify").ClickAsync();
        await Expect(stranger.Locator("#match-verify")).ToHaveAttributeAsync("open", "");
        await Expect(stranger.Locator("#verify-email")).ToBeFocusedAsync();

        // Verified: the form; its problems are shown next to each field.
        await using var founderContext = await browser.NewContextAsync(_web, new() { Width = 390, Height = 844 });
        await VerifiedTabAsync(founderContext, founderToken);
        var founder = await OpenLiveAsync(founderContext, $"campaign.html?id={campaign}");
        await Expect(founder.Locator("#new-team-form")).ToBeVisibleAsync();
        await founder.Locator("#new-team-goal").FillAsync("0");
        await founder.Locator("#new-team-create").ClickAsync();
        await Expect(founder.Locator("#new-team-name-error")).ToBeVisibleAsync();
        await Expect(founder.Locator("#new-team-goal-error")).ToContainTextAsync("大于 0");
        // maxlength stops a typist, not a script: the page counts the name's characters itself.
        await founder.EvaluateAsync("() => { document.querySelector('#new-team-name').value = '团'.repeat(41); }");
        await founder.Locator("#new-team-goal").FillAsync("500");
        await founder.Locator("#new-team-create").ClickAsync();
        await Expect(founder.Locator("#new-team-name-error")).ToContainTextAsync("40");

        var teamName = Unique("商洛老乡一起捐");
        await founder.Locator("#new-team-name").FillAsync(teamName);
        await founder.Locator("#new-team-goal").FillAsync("500");
        await founder.Locator("#new-team-story").FillAsync("家乡的桥，我们一起修。");
        await founder.Locator("#new-team-create").ClickAsync();
        await Expect(founder.Locator("#new-team-created")).ToBeVisibleAsync(new() { Timeout = PageActions.ServerTimeoutMs });
        var shareUrl = await founder.Locator("#new-team-share-url").InputValueAsync();
        var match = Regex.Match(shareUrl, $@"^{Regex.Escape(_web.BaseAddress.ToString().TrimEnd('/'))}/campaign\.html\?id={campaign}&team=(?<team>[0-9a-f-]{{36}})$");
        Assert.True(match.Success, $"not a share link: {shareUrl}");
        var team = Guid.Parse(match.Groups["team"].Value);
        await Expect(founder.Locator("#new-team-page")).ToHaveAttributeAsync("href", $"/team.html?id={team}");
        await founder.Locator("#new-team-created").ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "campaign-team-created-mobile.png") });

        // The team's page, open in another browser.
        await using var teamContext = await browser.NewContextAsync(_web, new() { Width = 390, Height = 844 });
        var teamPage = await OpenLiveAsync(teamContext, $"team.html?id={team}");
        await Expect(teamPage.Locator("#team-name")).ToHaveTextAsync(teamName);
        await Expect(teamPage.Locator("#team-story")).ToHaveTextAsync("家乡的桥，我们一起修。");
        await Expect(teamPage.Locator("#team-goal")).ToHaveTextAsync("¥500.00");
        await Expect(teamPage.Locator("#team-raised")).ToHaveTextAsync("¥0.00");
        await Expect(teamPage.Locator("#team-donate")).ToHaveAttributeAsync("href", $"/campaign.html?id={campaign}&team={team}");

        // A friend follows the share link: the banner names the team, and the gift carries it.
        await using var friendContext = await browser.NewContextAsync(_web);
        var friend = await OpenCampaignWatchingAsync(friendContext, shareUrl);
        var sent = RecordDonations(friend);
        await Expect(friend.Locator("#team-banner-name")).ToHaveTextAsync(teamName);
        await Expect(friend.Locator("#donate-team")).ToContainTextAsync(teamName);
        await PageActions.DonateAsync(friend, "125.50", "赵六");
        Assert.Equal(team, Assert.Single(sent).GetProperty("teamId").GetGuid());

        await Expect(teamPage.Locator("#team-raised")).ToHaveTextAsync("¥125.50");
        await Expect(teamPage.Locator("#team-count")).ToHaveTextAsync("1");
        await Expect(teamPage.Locator("#team-percent")).ToHaveTextAsync("25%");
        await Expect(teamPage.Locator("#team-progress")).ToHaveAttributeAsync("aria-valuenow", "25");
        await Expect(teamPage.Locator("#team-gifts")).ToContainTextAsync("赵六");
        await Expect(friend.Locator("#team-banner-raised")).ToHaveTextAsync("¥125.50");

        // An anonymous gift through the team: counted, never named.
        await friend.Locator("#donate-again").ClickAsync();
        await PageActions.DonateAsync(friend, "24.50", "不会公开的名字", anonymous: true);
        await Expect(teamPage.Locator("#team-raised")).ToHaveTextAsync("¥150.00");
        await Expect(teamPage.Locator("#team-count")).ToHaveTextAsync("2");
        await Expect(teamPage.Locator("#team-gifts .donor-name").First).ToHaveTextAsync("匿名爱心人士");
        await Expect(teamPage.Locator("#team-gifts")).Not.ToContainTextAsync("不会公开的名字");
        // Both gifts count for the campaign too.
        Assert.Equal(15_000, (await ApiCalls.GetCampaignAsync(_web.Client, campaign)).GetProperty("raisedAmount").GetInt64());
        await teamPage.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "team-page-mobile.png"), FullPage = true });
        foreach (var page in new[] { stranger, founder, teamPage, friend })
        {
            Assert.Empty(PageActions.ScriptErrors(page));
        }
        Assert.Empty(browser.CspViolations);
    }

    [Fact]
    public async Task AShareLinkOfAnUnknownTeamGivesToTheCampaignAloneAndAnUnknownTeamPageSaysSo()
    {
        var campaign = await CampaignAsync(_web, Unique("市"), Unique("县"), title: Unique("没有这个团队"));
        await using var context = await browser.NewContextAsync(_web);
        var page = await OpenLiveAsync(context, $"campaign.html?id={campaign}&team={Guid.CreateVersion7()}");
        var sent = RecordDonations(page);
        await PageActions.DonateAsync(page, "5", "路人");
        await Expect(page.Locator("#team-banner")).ToBeHiddenAsync();
        Assert.False(Assert.Single(sent).TryGetProperty("teamId", out _));

        var missing = await PageActions.NewPageAsync(context);
        await missing.GotoAsync($"team.html?id={Guid.CreateVersion7()}");
        await Expect(missing.Locator("#missing")).ToBeVisibleAsync(new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(missing.Locator("#missing")).ToContainTextAsync("未找到");
        await Expect(missing.Locator("#team")).ToBeHiddenAsync();
        Assert.Empty(PageActions.ScriptErrors(page));
        Assert.Empty(PageActions.ScriptErrors(missing));
    }
}
