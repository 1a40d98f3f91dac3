using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Fundraising.Web.Tests.Pages;

/// <summary>campaign.html in a real Chromium against a real co-hosted front end: live progress, the donate form, safety of donor text.</summary>
public sealed class CampaignPageTests(CoHostedPlatform platform, BrowserFixture browser) : IClassFixture<CoHostedPlatform>, IClassFixture<BrowserFixture>
{
    private readonly WebFrontEnd _web = platform.Web;

    [Fact]
    public async Task DonatingThroughTheFormMovesTheBarOfAnotherBrowserWatchingTheSameCampaign()
    {
        var id = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign("网页捐赠联动", goalAmount: 100_000));
        await using var watcherContext = await browser.NewContextAsync(_web);
        await using var donorContext = await browser.NewContextAsync(_web);
        var watcher = await PageActions.OpenCampaignAsync(watcherContext, id);
        var donor = await PageActions.OpenCampaignAsync(donorContext, id);
        await Expect(watcher.Locator("#raised")).ToHaveTextAsync("¥0.00");

        await PageActions.DonateAsync(donor, "123.45", "李明", "加油！");

        await Expect(donor.Locator("#thank-amount")).ToHaveTextAsync("¥123.45");
        // The receipt link carries the donor's token in its fragment, which no server sees.
        await Expect(donor.Locator("#thank-receipt-link")).ToHaveAttributeAsync("href", new Regex(@"^/receipt\.html#donation=[0-9a-f-]{36}&token=[A-Za-z0-9_-]{43}$"));
        await Expect(watcher.Locator("#raised")).ToHaveTextAsync("¥123.45");
        await Expect(watcher.Locator("#progress-bar")).ToHaveAttributeAsync("aria-valuenow", "12");
        await Expect(watcher.Locator("#donation-count")).ToHaveTextAsync("1");
        await Expect(watcher.Locator("#recent-donors")).ToContainTextAsync("李明");
        await Expect(watcher.Locator("#recent-donors")).ToContainTextAsync("加油！");
        await Expect(donor.Locator("#raised")).ToHaveTextAsync("¥123.45");
        await donor.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "campaign-thank-you.png") });
        Assert.Empty(PageActions.ScriptErrors(watcher));
        Assert.Empty(PageActions.ScriptErrors(donor));
    }

    [Fact]
    public async Task DonationMadeThroughTheApiMovesTheBarOfAnOpenPage()
    {
        var id = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign("接口捐赠联动", goalAmount: 200_000));
        await using var context = await browser.NewContextAsync(_web);
        var page = await PageActions.OpenCampaignAsync(context, id);
        await Expect(page.Locator("#progress-bar")).ToHaveAttributeAsync("aria-valuenow", "0");

        await ApiCalls.DonateAsync(_web.Client, id, 50_000, name: "王芳");

        await Expect(page.Locator("#raised")).ToHaveTextAsync("¥500.00");
        await Expect(page.Locator("#progress-bar")).ToHaveAttributeAsync("aria-valuenow", "25");
        await Expect(page.Locator("#donation-count")).ToHaveTextAsync("1");
        await Expect(page.Locator("#recent-donors")).ToContainTextAsync("王芳");

        await ApiCalls.DonateAsync(_web.Client, id, 1, name: "不会公开的名字", anonymous: true);

        await Expect(page.Locator("#raised")).ToHaveTextAsync("¥500.01");
        await Expect(page.Locator("#donation-count")).ToHaveTextAsync("2");
        await Expect(page.Locator("#recent-donors")).ToContainTextAsync("匿名爱心人士");
        await Expect(page.Locator("#recent-donors")).Not.ToContainTextAsync("不会公开的名字");
        Assert.Empty(PageActions.ScriptErrors(page));
    }

    [Fact]
    public async Task MarkupInTitlesNamesAndMessagesIsShownAsTextAndNeverRuns()
    {
        const string title = "<b>粗体</b>项目<img src=x onerror=window.__xss=1>";
        const string name = "<img src=x onerror=window.__xss=1>";
        const string message = "<b>粗体</b>";
        var id = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign(title));
        await ApiCalls.DonateAsync(_web.Client, id, 100, name: name, message: "<script>window.__xss=2</script>");
        await using var context = await browser.NewContextAsync(_web);
        var page = await PageActions.OpenCampaignAsync(context, id);

        // Through the form: the thank-you and the live push both carry the donor's text.
        await PageActions.DonateAsync(page, "8.88", name, message);
        await Expect(page.Locator("#thank-name")).ToHaveTextAsync(name);
        await Expect(page.Locator("#donation-count")).ToHaveTextAsync("2");
        await AssertShownAsTextAsync(page);

        // And after a reload, when the donors come from the REST API instead.
        await page.ReloadAsync();
        await Expect(page.Locator("#live-status")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = PageActions.ServerTimeoutMs });
        await AssertShownAsTextAsync(page);

        async Task AssertShownAsTextAsync(IPage p)
        {
            await Expect(p.Locator("#title")).ToHaveTextAsync(title);
            await Expect(p.Locator("#recent-donors .donor-name").First).ToHaveTextAsync(name);
            await Expect(p.Locator("#recent-donors .donor-message").First).ToHaveTextAsync(message);
            await Expect(p.Locator("#recent-donors")).ToContainTextAsync("<script>window.__xss=2</script>");
            await Expect(p.GetByText(message, new() { Exact = true })).ToBeVisibleAsync();
            Assert.Equal(0, await p.Locator("main img, main b, main script").CountAsync());
            // Give a broken <img> the time its error handler would need to fire.
            await p.WaitForTimeoutAsync(300);
            Assert.True(await p.EvaluateAsync<bool>("() => window.__xss === undefined"), "markup from a donor ran as script");
        }
        Assert.Empty(PageActions.ScriptErrors(page));
    }

    [Fact]
    public async Task ChineseTextRendersWithACjkFontNotBoxes()
    {
        const string title = "慈善幸福家园 · 石门镇石门村";
        var id = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign(title, "village", 5_000_000, "洛南县", "石门镇石门村"));
        await ApiCalls.DonateAsync(_web.Client, id, 1_234_567, name: "在外乡贤（西安商会）", message: "家乡的桥，我们一起修。");
        await ApiCalls.DonateAsync(_web.Client, id, 20_000, anonymous: true, message: "一点心意");
        await using var context = await browser.NewContextAsync(_web);
        var page = await PageActions.OpenCampaignAsync(context, id);
        await Expect(page.Locator("#raised")).ToHaveTextAsync("¥12,545.67");

        var screenshot = Path.Combine(BrowserFixture.ScreenshotDirectory, "campaign-page.png");
        await page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
        Assert.True(new FileInfo(screenshot).Length > 10_000, $"screenshot {screenshot} is missing or empty");

        await Expect(page.Locator("#title")).ToHaveTextAsync(title);
        await Expect(page).ToHaveTitleAsync(new Regex("^" + Regex.Escape(title)));
        var glyphs = await CjkGlyphProbe.RunAsync(page, "#title");
        Assert.True(glyphs.RendersCjk, $"Chinese text is drawn as boxes (no CJK font?): {glyphs}");

        // Phone width: the same page, one column.
        await page.SetViewportSizeAsync(390, 844);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "campaign-page-mobile.png"), FullPage = true });
        Assert.Empty(PageActions.ScriptErrors(page));
    }

    [Fact]
    public async Task TheCjkGlyphProbeSeesBoxesWhenNoCjkFontIsAvailable()
    {
        // The probe above must be able to fail: give a second Chromium a font configuration without CJK fonts.
        var fontConfigDirectory = Directory.CreateTempSubdirectory("fundraising-fonts-");
        try
        {
            var fontConfig = Path.Combine(fontConfigDirectory.FullName, "fonts.conf");
            await File.WriteAllTextAsync(fontConfig, $"""
                <?xml version="1.0"?>
                <!DOCTYPE fontconfig SYSTEM "fonts.dtd">
                <fontconfig>
                  <dir>/usr/share/fonts/truetype/dejavu</dir>
                  <cachedir>{fontConfigDirectory.FullName}/cache</cachedir>
                </fontconfig>
                """);
            var environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
                .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "");
            environment["FONTCONFIG_FILE"] = fontConfig;
            await using var withoutCjk = await BrowserFixture.LaunchAsync(browser.Playwright, environment);
            var id = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign("慈善幸福家园 · 没有中文字体"));
            var context = await withoutCjk.NewContextAsync(new() { BaseURL = _web.BaseAddress.ToString() });
            var page = await context.NewPageAsync();
            await page.GotoAsync($"campaign.html?id={id}");
            await Expect(page.Locator("body")).ToHaveAttributeAsync("data-loaded", "true", new() { Timeout = PageActions.ServerTimeoutMs });

            var glyphs = await CjkGlyphProbe.RunAsync(page, "#title");

            Assert.False(glyphs.RendersCjk, $"without a CJK font the probe should see boxes: {glyphs}");
        }
        finally
        {
            fontConfigDirectory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task DonateFormShowsTheServersValidationProblemNextToTheField()
    {
        var id = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign("表单校验"));
        await using var context = await browser.NewContextAsync(_web);
        var page = await PageActions.OpenCampaignAsync(context, id);

        // The page itself refuses an amount of zero, next to the amount.
        await PageActions.SubmitDonationAsync(page, "0");
        await Expect(page.Locator("#amount-error")).ToBeVisibleAsync();
        await Expect(page.Locator("#amount-error")).ToContainTextAsync("大于 0");
        await Expect(page.Locator("#amount")).ToHaveAttributeAsync("aria-invalid", "true");

        // maxlength stops a typist, not a script: the server's problem shows next to the message.
        await page.Locator("#amount").FillAsync("10");
        await page.EvaluateAsync("() => { document.querySelector('#message').value = '爱'.repeat(281); }");
        await page.Locator("#donate-button").ClickAsync();
        await Expect(page.Locator("#message-error")).ToBeVisibleAsync(new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#message-error")).ToContainTextAsync("at most 280 characters");
        await Expect(page.Locator("#message")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#amount-error")).ToBeHiddenAsync();
        await page.Locator("#donate").ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "campaign-validation.png") });
        await Expect(page.Locator("#thank-you")).ToBeHiddenAsync();
        Assert.Equal(0, (await ApiCalls.GetCampaignAsync(_web.Client, id)).GetProperty("donationCount").GetInt64());

        // Fixing the message lets the same form go through.
        await page.Locator("#message").FillAsync(new string('爱', 280));
        await page.Locator("#donate-button").ClickAsync();
        await Expect(page.Locator("#thank-you")).ToBeVisibleAsync(new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#raised")).ToHaveTextAsync("¥10.00");
        Assert.Empty(PageActions.ScriptErrors(page));
    }

    [Fact]
    public async Task CardPaymentSendsTheDonorToTheProvidersPageAndThanksThemOnReturn()
    {
        var id = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign("银行卡支付"));
        await using var context = await browser.NewContextAsync(_web);
        var page = await PageActions.OpenCampaignAsync(context, id);
        var donationId = Guid.NewGuid();
        // Stands in for a card provider: the API answers with a hosted payment page instead of a confirm URL,
        // and the "payment page" sends the donor straight back, as the provider does once they have paid.
        var returnUrl = new Uri(_web.BaseAddress, $"campaign.html?id={id}&donation={donationId}&paid=1").ToString();
        await page.RouteAsync("**/api/campaigns/*/donations", route => route.Request.Method == "POST"
            ? route.FulfillAsync(new()
            {
                Status = 201,
                ContentType = "application/json",
                Body = JsonSerializer.Serialize(new
                {
                    id = donationId,
                    amount = 5000,
                    currency = "CNY",
                    status = "pending",
                    payment = new { provider = "card", confirmUrl = (string?)null, redirectUrl = returnUrl },
                    receiptToken = "the-donors-receipt-token",
                }),
            })
            : route.ContinueAsync());

        await PageActions.SubmitDonationAsync(page, "50", "刷卡的人");

        await Expect(page.Locator("#thank-you")).ToBeVisibleAsync(new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#thank-returned")).ToBeVisibleAsync();
        await Expect(page.Locator("#thank-summary")).ToBeHiddenAsync();
        // The token waited in this tab while the donor paid: the return address (given to the provider) has only the id.
        Assert.DoesNotContain("token", returnUrl);
        await Expect(page.Locator("#thank-receipt-link")).ToHaveAttributeAsync("href", $"/receipt.html#donation={donationId}&token=the-donors-receipt-token");
        // The address is tidied, so a reload does not thank the donor again.
        await Expect(page).ToHaveURLAsync(new Regex($"campaign\\.html\\?id={id}$"));

        await page.GotoAsync($"campaign.html?id={id}&donation={donationId}&cancelled=1");
        await Expect(page.Locator("#form-notice")).ToContainTextAsync("支付已取消");
        await Expect(page.Locator("#donate-form")).ToBeVisibleAsync();
        Assert.Empty(PageActions.ScriptErrors(page));
    }

    [Fact]
    public async Task RetryAfterALostResponseReusesTheIdempotencyKeyAndCountsTheGiftOnce()
    {
        var id = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign("断网重试"));
        await using var context = await browser.NewContextAsync(_web);
        var page = await PageActions.OpenCampaignAsync(context, id);
        var keys = new List<string>();
        await page.RouteAsync("**/api/campaigns/*/donations", async route =>
        {
            if (route.Request.Method != "POST")
            {
                await route.ContinueAsync();
                return;
            }
            keys.Add(await route.Request.HeaderValueAsync("idempotency-key") ?? "");
            if (keys.Count == 1)
            {
                // The server takes the donation, but its answer never reaches the browser.
                await route.FetchAsync();
                await route.AbortAsync("connectionreset");
                return;
            }
            await route.ContinueAsync();
        });

        await PageActions.SubmitDonationAsync(page, "66.60", "重试的人");
        await Expect(page.Locator("#form-error")).ToBeVisibleAsync(new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#thank-you")).ToBeHiddenAsync();
        await page.Locator("#donate-button").ClickAsync();
        await Expect(page.Locator("#thank-you")).ToBeVisibleAsync(new() { Timeout = PageActions.ServerTimeoutMs });

        Assert.Equal(2, keys.Count);
        Assert.True(Guid.TryParse(keys[0], out _), $"the Idempotency-Key should be a UUID, was '{keys[0]}'");
        Assert.Equal(keys[0], keys[1]);
        await Expect(page.Locator("#raised")).ToHaveTextAsync("¥66.60");
        var campaign = await ApiCalls.GetCampaignAsync(_web.Client, id);
        Assert.Equal(1, campaign.GetProperty("donationCount").GetInt64());
        Assert.Equal(6_660, campaign.GetProperty("raisedAmount").GetInt64());

        // A new gift after a success gets a new key.
        await page.Locator("#donate-again").ClickAsync();
        await PageActions.DonateAsync(page, "1", "重试的人");
        Assert.Equal(3, keys.Count);
        Assert.NotEqual(keys[0], keys[2]);
        await Expect(page.Locator("#raised")).ToHaveTextAsync("¥67.60");
    }
}
