using System.Collections.Concurrent;
using Microsoft.Playwright;
using static Fundraising.Web.Tests.Pages.MatchingCalls;
using static Microsoft.Playwright.Assertions;

namespace Fundraising.Web.Tests.Pages;

/// <summary>
/// campaign.html and matching (配捐): the donate form's optional verification through the development outbox, the
/// Donor-Token it sends, the match a paid gift got, and matched money beside raised.
/// </summary>
public sealed class DonorMatchingPageTests(CoHostedPlatform platform, BrowserFixture browser) : IClassFixture<CoHostedPlatform>, IClassFixture<BrowserFixture>
{
    private readonly WebFrontEnd _web = platform.Web;

    /// <summary>The Donor-Token header of every donation the page starts ("" when it sent none).</summary>
    private static ConcurrentQueue<string> RecordDonorTokens(IPage page)
    {
        var sent = new ConcurrentQueue<string>();
        page.Request += (_, request) =>
        {
            if (request.Method == "POST" && request.Url.EndsWith("/donations", StringComparison.Ordinal))
            {
                sent.Enqueue(request.Headers.TryGetValue("donor-token", out var token) ? token : "");
            }
        };
        return sent;
    }

    private static Task<string?> StoredDonorTokenAsync(IPage page) =>
        page.EvaluateAsync<string?>("() => JSON.parse(sessionStorage.getItem('fundraising.donorToken') ?? 'null')?.token ?? null");

    /// <summary>Verifies on the donate form: e-mail, the code from the development outbox, confirm.</summary>
    private async Task VerifyOnTheFormAsync(IPage page, string email)
    {
        await page.Locator("#match-verify summary").ClickAsync();
        await page.Locator("#verify-email").FillAsync(email);
        await page.Locator("#verify-send").ClickAsync();
        await Expect(page.Locator("#verify-code-field")).ToBeVisibleAsync(new() { Timeout = PageActions.ServerTimeoutMs });
        var code = await OutboxCodeAsync(_web.Client, email);
        await page.Locator("#verify-code").FillAsync(code);
        await page.Locator("#verify-confirm").ClickAsync();
        await Expect(page.Locator("#verified")).ToBeVisibleAsync(new() { Timeout = PageActions.ServerTimeoutMs });
    }

    [Fact]
    public async Task ADonorVerifiesOnTheDonateFormThroughTheOutboxAndTheirGiftCarriesTheDonorToken()
    {
        var id = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign(Unique("验证邮箱的项目")));
        var email = $"form.{Guid.NewGuid():N}@example.org";
        await using var context = await browser.NewContextAsync(_web);
        var page = await PageActions.OpenCampaignAsync(context, id);
        var sent = RecordDonorTokens(page);

        // A wrong code is refused next to the code, and nothing is kept.
        await page.Locator("#match-verify summary").ClickAsync();
        await page.Locator("#verify-email").FillAsync(email);
        await page.Locator("#verify-email").PressAsync("Enter"); // sends the code; must not submit the gift
        await Expect(page.Locator("#verify-code-field")).ToBeVisibleAsync(new() { Timeout = PageActions.ServerTimeoutMs });
        var code = await OutboxCodeAsync(_web.Client, email);
        await page.Locator("#verify-code").FillAsync(code == "000000" ? "000001" : "000000");
        await page.Locator("#verify-confirm").ClickAsync();
        await Expect(page.Locator("#verify-code-error")).ToContainTextAsync("验证码不正确");
        Assert.Null(await StoredDonorTokenAsync(page));
        Assert.Empty(sent);

        await page.Locator("#verify-code").FillAsync(code);
        await page.Locator("#verify-code").PressAsync("Enter");
        await Expect(page.Locator("#verified")).ToBeVisibleAsync(new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#verified-text")).ToContainTextAsync(email);
        var token = await StoredDonorTokenAsync(page);
        Assert.Matches("^fdt_[A-Za-z0-9_-]{76}$", token);
        await page.Locator("#donate").ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "campaign-verified.png") });

        await PageActions.DonateAsync(page, "20", "验证过的人");
        Assert.Equal([token!], sent.ToArray());
        await Expect(page.Locator("#thank-match")).ToBeVisibleAsync();

        // The token lasts for the tab's session: after a reload the form still says so and the next gift carries it.
        await page.ReloadAsync();
        await Expect(page.Locator("#live-status")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#verified")).ToBeVisibleAsync();
        await PageActions.DonateAsync(page, "1", "验证过的人");
        Assert.Equal([token!, token!], sent.ToArray());

        // Forgetting it: the next gift goes without, and is said not to be matched.
        await page.Locator("#donate-again").ClickAsync();
        await page.Locator("#verify-forget").ClickAsync();
        await Expect(page.Locator("#verify-steps")).ToBeVisibleAsync();
        Assert.Null(await StoredDonorTokenAsync(page));
        await PageActions.DonateAsync(page, "1", "验证过的人");
        Assert.Equal([token!, token!, ""], sent.ToArray());
        await Expect(page.Locator("#thank-match")).ToHaveAttributeAsync("data-status", "unverified");
        Assert.Equal(2_200, (await ApiCalls.GetCampaignAsync(_web.Client, id)).GetProperty("raisedAmount").GetInt64());
        Assert.Empty(PageActions.ScriptErrors(page));
        Assert.Empty(browser.CspViolations);
    }

    [Fact]
    public async Task ADonorWhoDoesNotVerifyStillGivesAndIsToldTheGiftIsNotMatched()
    {
        var id = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign(Unique("不验证也能捐")));
        await using var context = await browser.NewContextAsync(_web);
        var page = await PageActions.OpenCampaignAsync(context, id);
        var sent = RecordDonorTokens(page);
        await Expect(page.Locator("#match-verify")).ToBeVisibleAsync();
        await Expect(page.Locator("#match-verify")).Not.ToHaveAttributeAsync("open", "");

        await PageActions.DonateAsync(page, "8.80", "没验证的人");

        Assert.Equal([""], sent.ToArray());
        await Expect(page.Locator("#thank-amount")).ToHaveTextAsync("¥8.80");
        await Expect(page.Locator("#thank-match")).ToHaveAttributeAsync("data-status", "unverified");
        await Expect(page.Locator("#thank-match")).ToContainTextAsync("不参与配捐");
        Assert.Equal(880, (await ApiCalls.GetCampaignAsync(_web.Client, id)).GetProperty("raisedAmount").GetInt64());
    }

    [Fact]
    public async Task TheCampaignPageShowsRaisedMatchedAndBothTogether()
    {
        var id = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign(Unique("善款与配捐")));
        await using var context = await browser.NewContextAsync(_web);
        var page = await PageActions.OpenCampaignAsync(context, id);
        await Expect(page.Locator("#matched")).ToHaveTextAsync("¥0.00");

        await ApiCalls.DonateAsync(_web.Client, id, 12_300);

        await Expect(page.Locator("#raised-only")).ToHaveTextAsync("¥123.00");
        await Expect(page.Locator("#matched")).ToHaveTextAsync("¥0.00");
        await Expect(page.Locator("#raised-and-matched")).ToHaveTextAsync("¥123.00");
    }

    [Fact]
    public async Task AVerifiedDonorsGiftShowsItsMatchAndEveryWatcherSeesMatchedBesideRaisedLive()
    {
        var id = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign(Unique("配捐到账的项目")));
        // Open since midnight, in a window that began two days ago: open now.
        var created = await CreateEventAsync(_web, Unique("配捐公益日"), DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(2), campaignIds: [id]);
        var pool = await CreatePoolAsync(_web, created.GetProperty("id").GetGuid(), NewPool(Unique("配捐企业"), budget: 1_000_000, "00:00", maxPerGift: 5_000));
        Assert.Equal("open", pool.GetProperty("status").GetString());
        await using var watcherContext = await browser.NewContextAsync(_web);
        await using var donorContext = await browser.NewContextAsync(_web, new() { Width = 390, Height = 844 });
        var watcher = await PageActions.OpenCampaignAsync(watcherContext, id);
        var donor = await PageActions.OpenCampaignAsync(donorContext, id);

        await VerifyOnTheFormAsync(donor, $"matched.{Guid.NewGuid():N}@example.org");
        await PageActions.DonateAsync(donor, "80", "被配捐的人");

        // ¥80 given, matched 1:1 up to ¥50 a gift.
        await Expect(donor.Locator("#thank-match")).ToHaveAttributeAsync("data-status", "matched");
        await Expect(donor.Locator("#thank-match")).ToContainTextAsync("已获配捐 ¥50.00");
        await donor.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "campaign-matched-mobile.png"), FullPage = true });
        foreach (var page in new[] { watcher, donor })
        {
            await Expect(page.Locator("#raised")).ToHaveTextAsync("¥80.00");
            await Expect(page.Locator("#raised-only")).ToHaveTextAsync("¥80.00");
            await Expect(page.Locator("#matched")).ToHaveTextAsync("¥50.00");
            await Expect(page.Locator("#raised-and-matched")).ToHaveTextAsync("¥130.00");
        }
        var campaign = await ApiCalls.GetCampaignAsync(_web.Client, id);
        Assert.Equal(8_000, campaign.GetProperty("raisedAmount").GetInt64());
        Assert.Equal(5_000, campaign.GetProperty("matchedAmount").GetInt64());
        Assert.Empty(PageActions.ScriptErrors(watcher));
        Assert.Empty(PageActions.ScriptErrors(donor));
    }

    [Fact]
    public async Task ADonorTokenTheServerNoLongerKnowsIsDroppedAndTheDonorStillGives()
    {
        var id = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign(Unique("失效的验证")));
        await using var context = await browser.NewContextAsync(_web);
        var page = await PageActions.OpenCampaignAsync(context, id);
        var stale = "fdt_" + new string('A', 43);
        await page.EvaluateAsync("token => sessionStorage.setItem('fundraising.donorToken', JSON.stringify({ token, email: 'old@example.org', expiresAt: '2999-01-01T00:00:00Z' }))", stale);
        await page.ReloadAsync();
        await Expect(page.Locator("#live-status")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#verified")).ToBeVisibleAsync();
        var sent = RecordDonorTokens(page);

        await PageActions.SubmitDonationAsync(page, "5", "旧验证的人");
        await Expect(page.Locator("#form-error")).ToContainTextAsync("邮箱验证已失效", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#thank-you")).ToBeHiddenAsync();
        Assert.Equal(0, (await ApiCalls.GetCampaignAsync(_web.Client, id)).GetProperty("donationCount").GetInt64());
        Assert.Null(await StoredDonorTokenAsync(page));
        await Expect(page.Locator("#verify-steps")).ToBeVisibleAsync();

        await page.Locator("#donate-button").ClickAsync();
        await Expect(page.Locator("#thank-you")).ToBeVisibleAsync(new() { Timeout = PageActions.ServerTimeoutMs });
        Assert.Equal([stale, ""], sent.ToArray());
        await Expect(page.Locator("#thank-match")).ToHaveAttributeAsync("data-status", "unverified");
        Assert.Equal(500, (await ApiCalls.GetCampaignAsync(_web.Client, id)).GetProperty("raisedAmount").GetInt64());
    }
}
