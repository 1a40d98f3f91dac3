using System.Text.RegularExpressions;
using Fundraising.Web.Tests.Payments;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Fundraising.Web.Tests.Pages;

/// <summary>
/// Monthly giving (月捐) from the pages, in a real Chromium against the platform with Stripe enabled and the fake
/// Stripe process (its hosted checkout page and its renewals).
/// </summary>
public sealed partial class MonthlyGivingPageTests(StripePlatform platform, BrowserFixture browser) : IClassFixture<StripePlatform>, IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task ADonorStartsPaysRenewsAndCancelsAMonthlyGiftAndTheAdminPageListsIt()
    {
        await platform.SetChaosAsync(StripePlatform.Calm);
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        await using var context = await browser.NewContextAsync(platform.Web);
        var page = await PageActions.OpenCampaignAsync(context, campaign);
        // Playwright raises Request on its own thread while the page keeps loading: a concurrent queue, read as a snapshot.
        var requests = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.Request += (_, request) => requests.Enqueue(request.Url);

        // 一次性 / 每月 is offered because Stripe takes the donors' payments.
        await Expect(page.Locator("#frequency")).ToBeVisibleAsync();
        await page.Locator("label[for=frequency-monthly]").ClickAsync();
        await Expect(page.Locator("#email-field")).ToBeVisibleAsync();
        await Expect(page.Locator("#message-field")).ToBeHiddenAsync();
        await page.Locator("#amount").FillAsync("30");
        await page.Locator("#display-name").FillAsync("每月的张三");
        await page.Locator("#email").FillAsync("zhangsan@example.com");
        await page.Locator("#donate-button").ClickAsync();

        // The fake's hosted checkout page, in subscription mode.
        await page.WaitForURLAsync(new Regex("/checkout/cs_"), new() { Timeout = PageActions.ServerTimeoutMs });
        var sessionId = StripePlatform.SessionId().Match(page.Url).Value;
        await Expect(page.Locator("#amount")).ToContainTextAsync("30.00");
        await page.Locator("#succeed").ClickAsync();

        // Back on the manage page: the token has moved into the fragment, and no server ever saw it.
        // The fragment is set with history.replaceState, which is no navigation: wait for the address itself.
        await Expect(page).ToHaveURLAsync(new Regex(@"/monthly\.html#id=[0-9a-f-]{36}&token="), new() { Timeout = PageActions.ServerTimeoutMs });
        var token = Uri.UnescapeDataString(TokenInFragment().Match(page.Url).Groups[1].Value);
        Assert.NotEmpty(token);
        Assert.DoesNotContain(requests.ToArray(), url => url.Contains(token, StringComparison.Ordinal));
        var session = await platform.StripeGetAsync($"/v1/checkout/sessions/{sessionId}");
        Assert.DoesNotContain(token, session.GetRawText(), StringComparison.Ordinal);
        Assert.Contains("/monthly.html?id=", session.GetProperty("success_url").GetString(), StringComparison.Ordinal);

        await Expect(page.Locator("#bookmark")).ToBeVisibleAsync();
        await Expect(page.Locator("#bookmark")).ToContainTextAsync("请收藏本页");
        await Expect(page.Locator("#gift")).ToHaveAttributeAsync("data-status", "active", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#gift-months")).ToHaveTextAsync("1", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#gift-status")).ToHaveTextAsync("进行中");
        await Expect(page.Locator("#gift-amount")).ToContainTextAsync("¥30.00");
        await Expect(page.Locator("#gift-total")).ToHaveTextAsync("¥30.00");
        await Expect(page.Locator("#gift-donor")).ToHaveTextAsync("每月的张三");
        var campaignNow = await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign);
        Assert.Equal(3_000, campaignNow.GetProperty("raisedAmount").GetInt64());

        // Stripe bills the second month; the bookmarked address still opens the gift.
        await platform.RenewAsync(session.GetProperty("subscription").GetString()!);
        await platform.WaitForCampaignAsync(campaign, c => c.GetProperty("raisedAmount").GetInt64() == 6_000);
        await page.ReloadAsync();
        await Expect(page.Locator("#gift-months")).ToHaveTextAsync("2", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#gift-total")).ToHaveTextAsync("¥60.00");
        await Expect(page.Locator("#gift-months-list li")).ToHaveCountAsync(2);
        await Expect(page.Locator("#paid-notice")).ToBeHiddenAsync();

        // Cancelling asks first; "暂不取消" changes nothing.
        await page.Locator("#cancel").ClickAsync();
        await Expect(page.Locator("#cancel-confirm")).ToBeVisibleAsync();
        await page.Locator("#keep").ClickAsync();
        await Expect(page.Locator("#cancel-confirm")).ToBeHiddenAsync();
        await Expect(page.Locator("#gift")).ToHaveAttributeAsync("data-status", "active");
        await page.Locator("#cancel").ClickAsync();
        await page.Locator("#confirm-cancel").ClickAsync();
        await Expect(page.Locator("#gift")).ToHaveAttributeAsync("data-status", "cancelled", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#gift-status")).ToHaveTextAsync("已取消");
        await Expect(page.Locator("#cancel")).ToBeHiddenAsync();
        await Expect(page.Locator("#gift-cancelled-row")).ToBeVisibleAsync();
        await Expect(page.Locator("#gift-months")).ToHaveTextAsync("2");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "monthly-cancelled.png"), FullPage = true });
        Assert.Empty(PageActions.ScriptErrors(page));

        // The admin page lists the gift with its months; never its token.
        await using var adminContext = await browser.NewContextAsync(platform.Web);
        var admin = await AdminPageActions.SignInAsync(adminContext, platform.Web);
        await AdminPageActions.SelectCampaignAsync(admin, campaign);
        var row = admin.Locator("#monthly-rows tr[data-monthly-gift-id]");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToContainTextAsync("每月的张三");
        await Expect(row.Locator("td").Nth(2)).ToHaveTextAsync("¥30.00");
        await Expect(row.Locator("td").Nth(3)).ToHaveTextAsync("已取消");
        await Expect(row.Locator("td").Nth(4)).ToHaveTextAsync("2");
        await Expect(row.Locator("td").Nth(5)).ToHaveTextAsync("¥60.00");
        Assert.DoesNotContain(token, await admin.ContentAsync(), StringComparison.Ordinal);
        Assert.Empty(PageActions.ScriptErrors(admin));
    }

    [Fact]
    public async Task AMonthlyGiftStartedOnAVillagePageCountsEveryMonthForTheChosenSubPlan()
    {
        await platform.SetChaosAsync(StripePlatform.Calm);
        var project = await Villages.VillageCalls.ProjectAsync(platform.Web);
        var canteen = (await Villages.VillageCalls.SubPlanAsync(platform.Web.Admin, project, "老年食堂", 1_000_000)).GetProperty("id").GetGuid();
        await using var context = await browser.NewContextAsync(platform.Web);
        var page = await BoardPageActions.OpenCampaignWatchingAsync(context, $"village.html?id={project}");

        await Expect(page.Locator("#subplan-field")).ToBeVisibleAsync();
        await page.Locator("#donate-subplan").SelectOptionAsync(canteen.ToString());
        await page.Locator("label[for=frequency-monthly]").ClickAsync();
        await page.Locator("#amount").FillAsync("20");
        await page.Locator("#display-name").FillAsync("每月捐食堂的李四");
        await page.Locator("#email").FillAsync("lisi@example.com");
        await page.Locator("#donate-button").ClickAsync();
        await page.WaitForURLAsync(new Regex("/checkout/cs_"), new() { Timeout = PageActions.ServerTimeoutMs });
        await page.Locator("#succeed").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"/monthly\.html#id=[0-9a-f-]{36}&token="), new() { Timeout = PageActions.ServerTimeoutMs });

        // The gift names the sub-plan, and its first month moved it.
        Assert.Equal(canteen, await platform.Database.ScalarAsync<Guid>("SELECT sub_plan_id FROM monthly_gifts WHERE campaign_id = $1", project));
        await platform.WaitForCampaignAsync(project, c => c.GetProperty("raisedAmount").GetInt64() == 2_000);
        var plan = Villages.VillageCalls.SubPlanOf(await Villages.VillageCalls.SubPlansAsync(platform.Web.Client, project), canteen);
        Assert.Equal((2_000L, 1L), (plan.GetProperty("raisedAmount").GetInt64(), plan.GetProperty("donationCount").GetInt64()));
        Assert.Empty(PageActions.ScriptErrors(page));
    }

    [Fact]
    public async Task AnAnonymousMonthlyDonorStaysAnonymousInPublicAndAManageLinkWithoutItsTokenShowsAReadableMessage()
    {
        await platform.SetChaosAsync(StripePlatform.Calm);
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        await using var context = await browser.NewContextAsync(platform.Web);
        var page = await PageActions.OpenCampaignAsync(context, campaign);
        await page.Locator("label[for=frequency-monthly]").ClickAsync();
        await page.Locator("#amount").FillAsync("12.5");
        await page.Locator("#display-name").FillAsync("匿名的赵六");
        await page.Locator("#anonymous").CheckAsync();
        await page.Locator("#donate-button").ClickAsync();
        await page.WaitForURLAsync(new Regex("/checkout/cs_"), new() { Timeout = PageActions.ServerTimeoutMs });
        await page.Locator("#succeed").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"/monthly\.html#id="), new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#gift-months")).ToHaveTextAsync("1", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#gift-donor")).ToContainTextAsync("匿名");

        var watcher = await PageActions.OpenCampaignAsync(context, campaign);
        await Expect(watcher.Locator("#recent-donors")).ToContainTextAsync("匿名爱心人士");
        await Expect(watcher.Locator("#recent-donors")).Not.ToContainTextAsync("赵六");
        Assert.DoesNotContain("赵六", await platform.Web.Client.GetStringAsync($"/api/campaigns/{campaign}/donations"));

        // The address Stripe returns to, opened elsewhere (no token in this tab): a message, no call that could fail silently.
        var id = IdInFragment().Match(page.Url).Groups[1].Value;
        await using var other = await browser.NewContextAsync(platform.Web);
        var stranger = await PageActions.NewPageAsync(other);
        await stranger.GotoAsync($"monthly.html?id={id}&paid=1");
        await Expect(stranger.Locator("#monthly-error")).ToContainTextAsync("管理凭证");
        await Expect(stranger.Locator("#gift")).ToBeHiddenAsync();

        // A wrong token reads as "not found", in words.
        await stranger.GotoAsync($"monthly.html#id={id}&token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        await stranger.ReloadAsync();
        await Expect(stranger.Locator("#monthly-error")).ToContainTextAsync("未找到该月捐");
        Assert.Empty(PageActions.ScriptErrors(page));
    }

    [GeneratedRegex("[#&]token=([^&]+)")]
    private static partial Regex TokenInFragment();

    [GeneratedRegex("#id=([0-9a-f-]{36})")]
    private static partial Regex IdInFragment();
}
