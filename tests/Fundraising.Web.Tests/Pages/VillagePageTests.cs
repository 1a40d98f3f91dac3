using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Fundraising.Web.Tests.Pages.BoardPageActions;
using static Fundraising.Web.Tests.Villages.VillageCalls;
using static Microsoft.Playwright.Assertions;

namespace Fundraising.Web.Tests.Pages;

/// <summary>
/// village.html and feed.html in Chromium against a real front end: a gift made through the API appears live in the
/// village page's feed and moves its sub-plan, and so does a disbursement; a photo uploaded on its own joins the photo
/// strip live; the donate form names a sub-plan; the follow page shows a followed project's new update live.
/// </summary>
public sealed class VillagePageTests(UnlimitedPlatform platform, BrowserFixture browser) : IClassFixture<UnlimitedPlatform>, IClassFixture<BrowserFixture>
{
    private readonly WebFrontEnd _web = platform.Web;

    [Fact]
    public async Task AGiftAppearsLiveInTheVillageFeedAndMovesItsSubPlan()
    {
        var project = await ProjectAsync(_web);
        var canteen = (await SubPlanAsync(_web.Admin, project, "老年食堂", 1_000_000)).GetProperty("id").GetGuid();
        await SubPlanAsync(_web.Admin, project, "儿童之家", 2_000_000);
        var photo = await PhotoAsync(_web.Admin, project);
        await _web.Admin.PostAsJsonAsync($"/api/campaigns/{project}/updates", new { title = "食堂选好了地方", body = "在村委会旁边", photoIds = new[] { photo } });

        await using var context = await browser.NewContextAsync(_web, new() { Width = 390, Height = 844 });
        var page = await OpenCampaignWatchingAsync(context, $"village.html?id={project}");
        await Expect(page.Locator("#description")).ToHaveTextAsync("村里的老人需要一个食堂，孩子们需要一座桥。");
        await Expect(page.Locator("#photos img")).ToHaveCountAsync(1);
        await Expect(page.Locator("#feed .feed-update .feed-title")).ToHaveTextAsync("食堂选好了地方");
        var canteenRow = page.Locator($"#subplans li[data-subplan-id='{canteen}']");
        await Expect(canteenRow.Locator(".subplan-raised")).ToHaveTextAsync("¥0.00");

        // A gift made elsewhere (the API), anonymous, for the canteen: live in the feed, and the canteen moves.
        await GiveAsync(_web.Client, project, 25_000, canteen, name: "不该出现的名字", anonymous: true);
        var gift = page.Locator("#feed .feed-gift").First;
        await Expect(gift).ToContainTextAsync("匿名爱心人士", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(gift).ToContainTextAsync("¥250.00");
        await Expect(gift).ToContainTextAsync("老年食堂");
        await Expect(canteenRow.Locator(".subplan-raised")).ToHaveTextAsync("¥250.00");
        await Expect(canteenRow.Locator(".subplan-count")).ToHaveTextAsync("1");
        await Expect(page.Locator("#raised")).ToHaveTextAsync("¥250.00");
        await Expect(page.Locator("#feed")).Not.ToContainTextAsync("不该出现的名字");

        // Money going out, recorded by staff elsewhere: live in the same feed, with its purpose, amount and payee.
        (await Disbursements.DisbursementCalls.DisburseAsync(_web.Admin, project,
            Disbursements.DisbursementCalls.Disbursement(10_000, "食堂购置米面油", "棣花镇供销社"))).EnsureSuccessStatusCode();
        var disbursement = page.Locator("#feed .feed-disbursement").First;
        await Expect(disbursement).ToContainTextAsync("食堂购置米面油 ¥100.00", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(disbursement).ToContainTextAsync("棣花镇供销社");

        // The donate form (the campaign page's) names the sub-plan chosen here.
        var sent = new ConcurrentQueue<JsonElement>();
        page.Request += (_, request) =>
        {
            if (request.Method == "POST" && request.Url.EndsWith("/donations", StringComparison.Ordinal) && request.PostData is { } body)
            {
                sent.Enqueue(JsonDocument.Parse(body).RootElement.Clone());
            }
        };
        await Expect(page.Locator("#subplan-field")).ToBeVisibleAsync();
        await page.Locator("#donate-subplan").SelectOptionAsync(canteen.ToString());
        await PageActions.DonateAsync(page, "10", "王大妈");
        Assert.Equal(canteen, Assert.Single(sent).GetProperty("subPlanId").GetGuid());
        await Expect(canteenRow.Locator(".subplan-raised")).ToHaveTextAsync("¥260.00", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#feed .feed-gift").First).ToContainTextAsync("王大妈");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "village-mobile.png"), FullPage = true });
        Assert.Empty(PageActions.ScriptErrors(page));
        Assert.Empty(browser.CspViolations);
    }

    [Fact]
    public async Task APhotoUploadedOnItsOwnJoinsThePhotoStripLiveAndOnlyOnce()
    {
        var project = await ProjectAsync(_web);
        var first = await PhotoAsync(_web.Admin, project, "村口的老槐树");
        await using var context = await browser.NewContextAsync(_web);
        var page = await OpenCampaignWatchingAsync(context, $"village.html?id={project}");
        var strip = page.Locator("#photos figure");
        await Expect(strip).ToHaveCountAsync(1);

        // Uploaded elsewhere (the coordinator's form or the API), with no update: it joins the strip without a reload,
        // after the one already there, with its caption, and the picture loads; the feed gets no entry for it.
        var photo = await PhotoAsync(_web.Admin, project, "食堂的新灶台");
        var shown = page.Locator($"#photos figure[data-photo-id='{photo}']");
        await Expect(shown).ToBeVisibleAsync(new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(shown.Locator(".photo-caption")).ToHaveTextAsync("食堂的新灶台");
        await Expect(shown.Locator("img")).ToHaveAttributeAsync("alt", "食堂的新灶台");
        await Expect(strip.Nth(0)).ToHaveAttributeAsync("data-photo-id", first.ToString());
        await Expect(strip).ToHaveCountAsync(2);
        Assert.True(await shown.Locator("img").EvaluateAsync<bool>("img => img.decode().then(() => img.naturalWidth === 64, () => false)"));
        await Expect(page.Locator("#feed")).Not.ToContainTextAsync("食堂的新灶台");

        // A reload shows the same two photos, once each, in the same order.
        await page.ReloadAsync();
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-watching", "true", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(strip).ToHaveCountAsync(2);
        await Expect(strip.Nth(1)).ToHaveAttributeAsync("data-photo-id", photo.ToString());
        Assert.Empty(PageActions.ScriptErrors(page));
    }

    [Fact]
    public async Task TheFollowPageShowsAFollowedProjectsNewUpdateLive()
    {
        var followedProject = await ProjectAsync(_web);
        var other = await ProjectAsync(_web);
        await using var context = await browser.NewContextAsync(_web);
        var village = await OpenCampaignWatchingAsync(context, $"village.html?id={followedProject}");
        await village.Locator("#follow").ClickAsync();
        await Expect(village.Locator("#follow")).ToHaveAttributeAsync("aria-pressed", "true");

        var page = await PageActions.NewPageAsync(context);
        await page.GotoAsync("feed.html");
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-watching", "true", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#followed li a")).ToHaveTextAsync("棣花村幸福家园");

        await _web.Admin.PostAsJsonAsync($"/api/campaigns/{other}/updates", new { title = "别的村的消息", body = "不在关注里" });
        await _web.Admin.PostAsJsonAsync($"/api/campaigns/{followedProject}/updates", new { title = "便民桥开工", body = "今天第一根桥桩" });
        var update = page.Locator("#feed .feed-update").First;
        await Expect(update.Locator(".feed-title")).ToHaveTextAsync("便民桥开工", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(update.Locator(".feed-project")).ToHaveTextAsync("棣花村幸福家园");
        await Expect(page.Locator("#feed")).Not.ToContainTextAsync("别的村的消息");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "feed-followed.png") });
        Assert.Empty(PageActions.ScriptErrors(page));
    }
}
