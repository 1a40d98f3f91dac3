using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Fundraising.Web.Tests.Pages.AdminPageActions;
using static Microsoft.Playwright.Assertions;

namespace Fundraising.Web.Tests.Pages;

/// <summary>admin/index.html in a real Chromium against a real co-hosted front end and PostgreSQL.</summary>
public sealed class AdminPageTests(CoHostedPlatform platform, BrowserFixture browser) : IClassFixture<CoHostedPlatform>, IClassFixture<BrowserFixture>
{
    private readonly WebFrontEnd _web = platform.Web;

    private static string Unique(string title) => $"{title} {Guid.NewGuid().ToString()[..8]}";

    /// <summary>Everything this origin keeps in web storage, as one string.</summary>
    private static Task<string> WebStorageAsync(IPage page) =>
        page.EvaluateAsync<string>("() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } })");

    [Fact]
    public async Task SignInRejectsAWrongPasswordAndAcceptsTheRightOneAndSignOutEndsTheSession()
    {
        var title = Unique("登录后可见的项目");
        await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign(title));
        var userName = await CreateAccountAsync(_web);
        await using var context = await browser.NewContextAsync(_web);
        var page = await OpenSignedOutAsync(context);

        await TypeCredentialsAsync(page, userName, "not the password at all");
        await Expect(page.Locator("#signin-form .form-error")).ToContainTextAsync("用户名或密码不正确");
        await Expect(page.Locator("#admin-app")).ToBeHiddenAsync();

        await TypeCredentialsAsync(page, userName, Accounts.StaffClients.Password);
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-loaded", "true", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#signin")).ToBeHiddenAsync();
        await Expect(page.Locator("#campaign-rows")).ToContainTextAsync(title);
        await Expect(page.Locator("#whoami")).ToContainTextAsync(userName);
        // Nothing secret in the page's reach: no web storage, the password gone from the form, the session cookie HttpOnly.
        Assert.Equal("""{"local":{},"session":{}}""", await WebStorageAsync(page));
        Assert.Equal("", await page.Locator("#signin-password").InputValueAsync());
        Assert.Equal("", await page.EvaluateAsync<string>("() => document.cookie.split('; ').filter(c => c.startsWith('fundraising.session')).join()"));
        var session = (await context.CookiesAsync()).Single(c => c.Name == "fundraising.session");
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, session.SameSite);

        // A reload stays signed in (the cookie), and changes made from the page carry the antiforgery token.
        await page.ReloadAsync();
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-loaded", "true", new() { Timeout = PageActions.ServerTimeoutMs });

        await page.Locator("#sign-out").ClickAsync();
        await Expect(page.Locator("#signin")).ToBeVisibleAsync();
        await Expect(page.Locator("#admin-app")).ToBeHiddenAsync();
        Assert.DoesNotContain(title, await page.ContentAsync());
        // The session is over on the server, not only in this page: the old cookie, sent again, opens nothing.
        using var replay = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = _web.BaseAddress };
        replay.DefaultRequestHeaders.Add("Cookie", $"fundraising.session={session.Value}");
        Assert.Equal(HttpStatusCode.Unauthorized, (await replay.GetAsync("/api/auth/me")).StatusCode);
        await page.ReloadAsync();
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-state", "signed-out");
        Assert.Empty(PageActions.ScriptErrors(page));
    }

    [Fact]
    public async Task ACountysStaffSeeTheirCampaignsAndThePlatformWideReportIsNotShownAsAFailure()
    {
        var county = $"县{Guid.NewGuid():N}"[..8];
        var title = Unique("本县项目");
        await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign(title, county: county));
        var userName = await CreateAccountAsync(_web, "association", new { county });
        await using var context = await browser.NewContextAsync(_web);
        var page = await OpenSignedOutAsync(context);
        await TypeCredentialsAsync(page, userName, Accounts.StaffClients.Password);
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-loaded", "true", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-role", "association");
        await Expect(page.Locator("#campaign-rows")).ToContainTextAsync(title);
        await Expect(page.Locator("#notice")).ToBeHiddenAsync();
        Assert.Empty(PageActions.ScriptErrors(page));
    }

    [Fact]
    public async Task SignedOutThePageShowsNoDataAndTheStaffApiAnswers401()
    {
        var title = Unique("未登录不可见");
        var campaign = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign(title));
        await using var context = await browser.NewContextAsync(_web);
        var apiCalls = new List<string>();
        context.Request += (_, request) =>
        {
            if (request.Url.Contains("/api/", StringComparison.Ordinal))
            {
                apiCalls.Add(new Uri(request.Url).AbsolutePath);
            }
        };
        var page = await OpenSignedOutAsync(context);
        await Expect(page.Locator("#signin")).ToBeVisibleAsync();
        await Expect(page.Locator("#admin-app")).ToBeHiddenAsync();
        Assert.DoesNotContain(title, await page.ContentAsync());
        Assert.Equal(0, await page.Locator("#campaign-rows tr, #audit-rows tr, #reconciliation-rows tr").CountAsync());
        // The only call is the page asking whether this browser is signed in.
        Assert.Equal(["/api/auth/me"], apiCalls);

        foreach (var url in new[] { "/api/admin/audit", "/api/admin/reconciliation", $"/api/admin/campaigns/{campaign}/donations", $"/api/campaigns/{campaign}/pledges" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await _web.Client.GetAsync(url)).StatusCode);
            using var wrong = new HttpRequestMessage(HttpMethod.Get, url);
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-admin-key-0123456789-abcdef");
            Assert.Equal(HttpStatusCode.Unauthorized, (await _web.Client.SendAsync(wrong)).StatusCode);
        }
    }

    [Fact]
    public async Task AnAdminCreatesAndOpensACampaignOnThePageAndItAppearsOnThePublicList()
    {
        var title = Unique("网页创建的项目");
        await using var context = await browser.NewContextAsync(_web);
        var page = await SignInAsync(context, _web);
        await page.Locator("#create-campaign summary").ClickAsync();

        // Refused in the page (a third decimal) and by the server (no title): each names its field.
        await SubmitAsync(page, "campaign-form", ("goalAmount", "12.345"));
        await Expect(page.Locator("#campaign-form .form-error")).ToContainTextAsync("goalAmount");
        await Expect(page.Locator("#campaign-form .form-error")).ToContainTextAsync("两位小数");
        await SubmitAsync(page, "campaign-form", ("title", ""), ("goalAmount", "1234.56"), ("region.county", "丹凤县"));
        await Expect(page.Locator("#campaign-form .form-error")).ToContainTextAsync("（title）");
        await Expect(page.Locator("#c-title")).ToHaveAttributeAsync("aria-invalid", "true");

        await SubmitAndExpectDoneAsync(page, "campaign-form", ("title", title), ("goalAmount", "1,234.56"), ("region.county", "丹凤县"));
        var list = await _web.Admin.GetFromJsonAsync<JsonElement>("/api/campaigns?pageSize=100"); // drafts are listed for admins only
        var created = list.GetProperty("items").EnumerateArray().Single(c => c.GetProperty("title").GetString() == title);
        Assert.Equal(123_456, created.GetProperty("goalAmount").GetInt64());
        Assert.Equal("draft", created.GetProperty("status").GetString());
        var id = created.GetProperty("id").GetGuid();
        var row = CampaignRow(page, id);
        await Expect(row).ToContainTextAsync("未开始");
        await Expect(row).ToContainTextAsync("¥1,234.56");

        await row.Locator("button[data-action=open]").ClickAsync();
        await Expect(row).ToContainTextAsync("募捐中");
        Assert.Equal("live", (await CampaignAsync(_web, id)).GetProperty("status").GetString());

        var publicPage = await PageActions.NewPageAsync(context);
        await publicPage.GotoAsync("/");
        await Expect(publicPage.Locator("#campaigns")).ToContainTextAsync(title, new() { Timeout = PageActions.ServerTimeoutMs });

        await row.Locator("button[data-action=close]").ClickAsync();
        await Expect(row).ToContainTextAsync("已结束");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "admin-campaigns.png"), FullPage = true });
        Assert.Empty(PageActions.ScriptErrors(page));
    }

    [Fact]
    public async Task OfflineAndGoodsGiftsMoveTheMoneyGoodsAndCombinedTotalsAndTheApiAgrees()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign(Unique("款物合计")));
        await ApiCalls.DonateAsync(_web.Client, campaign, 10_000, name: "线上捐赠人");
        await using var context = await browser.NewContextAsync(_web);
        var page = await SignInAsync(context, _web);
        await SelectCampaignAsync(page, campaign);
        await Expect(page.Locator("#total-online")).ToHaveTextAsync("¥100.00");
        await Expect(page.Locator("#total-all")).ToHaveTextAsync("¥100.00");

        await SubmitAndExpectDoneAsync(page, "offline-form",
            ("donorName", "商洛某商会"), ("amount", "500"), ("method", "bank_transfer"), ("reference", Unique("BANK")));
        await Expect(page.Locator("#total-money")).ToHaveTextAsync("¥600.00");
        await Expect(page.Locator("#total-offline")).ToHaveTextAsync("¥500.00");
        await Expect(page.Locator("#total-all")).ToHaveTextAsync("¥600.00");
        await Expect(page.Locator("#total-count")).ToHaveTextAsync("2");

        await SubmitAndExpectDoneAsync(page, "goods-form",
            ("donorName", "爱心企业"), ("item", "太阳能热水器"), ("quantity", "12"), ("amount", "18000.50"), ("reference", Unique("GOODS")));
        await Expect(page.Locator("#total-goods")).ToHaveTextAsync("¥18,000.50");
        await Expect(page.Locator("#total-money")).ToHaveTextAsync("¥600.00");
        await Expect(page.Locator("#total-all")).ToHaveTextAsync("¥18,600.50");
        await Expect(page.Locator("#total-online")).ToHaveTextAsync("¥100.00");
        await Expect(page.Locator("#total-offline")).ToHaveTextAsync("¥500.00");
        await Expect(page.Locator("#total-count")).ToHaveTextAsync("3");
        await Expect(page.Locator("#donation-rows")).ToContainTextAsync("物资：太阳能热水器 × 12");

        var api = await CampaignAsync(_web, campaign);
        Assert.Equal(1_860_050, api.GetProperty("raisedAmount").GetInt64());
        Assert.Equal(60_000, api.GetProperty("moneyAmount").GetInt64());
        Assert.Equal(1_800_050, api.GetProperty("goodsAmount").GetInt64());
        Assert.Equal(10_000, api.GetProperty("onlineAmount").GetInt64());
        Assert.Equal(50_000, api.GetProperty("offlineAmount").GetInt64());
        Assert.Equal(3, api.GetProperty("donationCount").GetInt64());

        // The reports follow: reconciliation agrees, the audit log says who recorded what.
        await Expect(page.Locator($"#reconciliation-rows tr[data-campaign-id='{campaign}']")).ToContainTextAsync("✓ 一致");
        await Expect(page.Locator($"#reconciliation-rows tr[data-campaign-id='{campaign}']")).ToContainTextAsync("¥18,600.50");
        // The entry names the signed-in account (SignInAsync's "admin-…"), not the bootstrap key.
        var userName = Regex.Match(await page.Locator("#whoami").InnerTextAsync(), "admin-[0-9a-f]+").Value;
        Assert.NotEmpty(userName);
        await Expect(page.Locator("#audit-rows tr[data-action=record_goods]").First).ToContainTextAsync(userName);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "admin-totals.png"), FullPage = true });
        Assert.Empty(PageActions.ScriptErrors(page));
    }

    [Fact]
    public async Task APledgeCountsOnlyAsItsPaymentsArriveAndNeverBeyondWhatWasPledged()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign(Unique("现场认捐")));
        await using var context = await browser.NewContextAsync(_web);
        var page = await SignInAsync(context, _web);
        await SelectCampaignAsync(page, campaign);

        await SubmitAndExpectDoneAsync(page, "pledge-form", ("donorName", "某建设集团"), ("amount", "1000"), ("note", "理事会现场认捐"));
        await Expect(page.Locator("#pledge-rows")).ToContainTextAsync("某建设集团");
        await Expect(page.Locator("#total-all")).ToHaveTextAsync("¥0.00");

        var pledge = await page.Locator("#pay-pledge option[data-donor='某建设集团']").GetAttributeAsync("value");
        await SubmitAndExpectDoneAsync(page, "payment-form", ("pledgeId", pledge!), ("amount", "400"), ("reference", Unique("PAY")));
        await Expect(page.Locator("#total-offline")).ToHaveTextAsync("¥400.00");
        await Expect(page.Locator("#pledge-summary")).ToContainTextAsync("待到账 ¥600.00");

        await SubmitAsync(page, "payment-form", ("pledgeId", pledge!), ("amount", "600.01"), ("reference", Unique("PAY")));
        await Expect(page.Locator("#payment-form .form-error")).ToContainTextAsync("more than the pledge has left");
        await Expect(page.Locator("#total-offline")).ToHaveTextAsync("¥400.00");
        Assert.Equal(40_000, (await CampaignAsync(_web, campaign)).GetProperty("raisedAmount").GetInt64());
    }

    [Fact]
    public async Task ARefundOverTheLimitShowsTheErrorAndChangesNothingWhileAPartialRefundLowersTheTotal()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign(Unique("退款")));
        var gift = (await ApiCalls.DonateAsync(_web.Client, campaign, 10_000, name: "要退款的人")).GetProperty("id").GetGuid();
        await using var context = await browser.NewContextAsync(_web);
        var page = await SignInAsync(context, _web);
        await SelectCampaignAsync(page, campaign);
        await Expect(page.Locator("#total-all")).ToHaveTextAsync("¥100.00");

        await page.Locator($"#donation-rows tr[data-donation-id='{gift}'] button[data-refund]").ClickAsync();
        await Expect(page.Locator("#refund-target")).ToContainTextAsync("可退 ¥100.00");
        await SubmitAsync(page, "refund-form", ("amount", "100.01"), ("reason", "超额退款"));
        var error = page.Locator("#refund-form .form-error");
        await Expect(error).ToContainTextAsync("（amount）");
        await Expect(error).ToContainTextAsync("10000 fen still refundable");
        await Expect(page.Locator("#r-amount")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#total-all")).ToHaveTextAsync("¥100.00");
        Assert.Equal(10_000, (await CampaignAsync(_web, campaign)).GetProperty("raisedAmount").GetInt64());

        await SubmitAsync(page, "refund-form", ("amount", "40"), ("reason", "部分退款"));
        await Expect(page.Locator("#refund-done")).ToContainTextAsync("已退款 ¥40.00");
        await Expect(page.Locator("#total-all")).ToHaveTextAsync("¥60.00");
        await Expect(page.Locator($"#donation-rows tr[data-donation-id='{gift}']")).ToContainTextAsync("¥40.00");
        Assert.Equal(6_000, (await CampaignAsync(_web, campaign)).GetProperty("raisedAmount").GetInt64());
        await Expect(page.Locator("#audit-rows tr[data-action=refund]").First).ToContainTextAsync("部分退款");
        Assert.Empty(PageActions.ScriptErrors(page));
    }

    [Fact]
    public async Task MarkupTypedInAFieldIsShownAsTextAndNeverRuns()
    {
        const string name = "<img src=x onerror=window.__xss=1><b>粗体</b>";
        var title = Unique("<b>粗体</b>项目<img src=x onerror=window.__xss=2>");
        await using var context = await browser.NewContextAsync(_web);
        var page = await SignInAsync(context, _web);
        await page.Locator("#create-campaign summary").ClickAsync();
        await SubmitAndExpectDoneAsync(page, "campaign-form", ("title", title), ("goalAmount", "100"), ("region.county", "商州区"));
        var row = page.Locator("#campaign-rows tr").Filter(new() { HasText = title });
        await Expect(row).ToHaveCountAsync(1);
        await row.Locator("button[data-action=open]").ClickAsync();
        await Expect(row).ToContainTextAsync("募捐中");
        await row.Locator("button[data-action=select]").ClickAsync();
        await Expect(page.Locator("#selected-title")).ToHaveTextAsync(title);

        await SubmitAndExpectDoneAsync(page, "offline-form", ("donorName", name), ("amount", "8.88"), ("reference", Unique("<i>REF</i>")));
        await Expect(page.Locator("#donation-rows .donor-name")).ToHaveTextAsync(name);
        await Expect(page.Locator("#offline-form .form-done")).ToContainTextAsync(name);

        Assert.Equal(0, await page.Locator("main img, main b, main i").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined"), "markup typed by an admin ran as script");
        Assert.Empty(PageActions.ScriptErrors(page));
    }

    [Fact]
    public async Task TheYearlyStatementListsADonorsReceiptsAndTotal()
    {
        var donor = Unique("年度捐赠人");
        var campaign = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign(Unique("年度汇总")));
        var first = await _web.Admin.PostAsJsonAsync($"/api/campaigns/{campaign}/offline-donations",
            new { amount = 30_000, currency = "CNY", donorName = donor, reference = Unique("S1"), method = "cash" });
        var second = await _web.Admin.PostAsJsonAsync($"/api/campaigns/{campaign}/offline-donations",
            new { amount = 12_345, currency = "CNY", donorName = donor, reference = Unique("S2"), method = "cash" });
        foreach (var created in new[] { first, second })
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            await WaitForReceiptAsync((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        }
        await using var context = await browser.NewContextAsync(_web);
        var page = await SignInAsync(context, _web);

        await SubmitAsync(page, "statement-form", ("donorName", donor));
        await Expect(page.Locator("#statement-total")).ToHaveTextAsync("¥423.45");
        await Expect(page.Locator("#statement-count")).ToHaveTextAsync("2");
        await Expect(page.Locator("#statement-rows a")).ToHaveCountAsync(2);
        await Expect(page.Locator("#statement-rows a").First).ToHaveTextAsync(new Regex(@"^\d{4}-\d{8}$"));

        await SubmitAsync(page, "statement-form", ("donorName", ""));
        await Expect(page.Locator("#statement-form .form-error")).ToContainTextAsync("（donorName）");
    }

    private async Task WaitForReceiptAsync(Guid donationId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var receipt = await _web.Client.GetFromJsonAsync<JsonElement>($"/api/donations/{donationId}/receipt");
            if (receipt.GetProperty("issued").GetBoolean())
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, "the receipt was not numbered within 20 s");
            await Task.Delay(200);
        }
    }
}
