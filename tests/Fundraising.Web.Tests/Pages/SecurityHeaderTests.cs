using System.Net;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Fundraising.Web.Tests.Pages;

/// <summary>Security headers on pages and API answers, and every page working under the CSP in a real browser.</summary>
public sealed class SecurityHeaderTests(CoHostedPlatform platform, BrowserFixture browser) : IClassFixture<CoHostedPlatform>, IClassFixture<BrowserFixture>
{
    public static TheoryData<string> Addresses => new()
    {
        "/", "/campaign.html", "/monthly.html", "/receipt.html", "/event.html", "/team.html", "/board.html", "/admin/", "/js/api.js",
        "/api/campaigns", $"/api/campaigns/{Guid.NewGuid()}", "/api/admin/health", "/healthz", "/health/live", "/health/ready", "/openapi/v1.json", "/scalar",
    };

    [Theory]
    [MemberData(nameof(Addresses))]
    public async Task EveryResponseCarriesTheSecurityHeaders(string address)
    {
        using var response = await platform.Web.Client.GetAsync(address);
        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.NotFound, HttpStatusCode.Unauthorized });
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        // Plain HTTP here: HSTS is only for HTTPS requests, and never for Development's localhost.
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task EveryPageWorksUnderTheCspWithoutAViolation()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var (gift, token) = await ApiCalls.DonateWithReceiptTokenAsync(platform.Web.Client, campaign, 12_345);
        await using var context = await browser.NewContextAsync(platform.Web);

        var list = await PageActions.NewPageAsync(context);
        await list.GotoAsync("/");
        await Expect(list.Locator($"[data-campaign-id='{campaign}']").First).ToBeVisibleAsync(new() { Timeout = PageActions.ServerTimeoutMs });

        // The campaign page runs the SignalR client: connected and watching means it works under the CSP.
        var page = await PageActions.OpenCampaignAsync(context, campaign);
        await PageActions.DonateAsync(page, "1");

        var receipt = await PageActions.NewPageAsync(context);
        await receipt.GotoAsync($"/receipt.html#donation={gift.GetProperty("id").GetGuid()}&token={Uri.EscapeDataString(token)}");
        await Expect(receipt.Locator("#receipt-amount")).ToHaveTextAsync("¥123.45", new() { Timeout = PageActions.ServerTimeoutMs });
        // The receipt's own stylesheet (it used to be an inline <style>) applies.
        Assert.Equal("grid", await receipt.Locator(".receipt dl").EvaluateAsync<string>("e => getComputedStyle(e).display"));

        var monthly = await PageActions.NewPageAsync(context);
        await monthly.GotoAsync($"/monthly.html?id={Guid.NewGuid()}");
        await monthly.WaitForLoadStateAsync(LoadState.NetworkIdle);

        await AdminPageActions.SignInAsync(context, platform.Web);

        var violations = browser.CspViolations.ToList();
        Assert.True(violations.Count == 0, string.Join("\n", violations));
        foreach (var seen in new[] { list, page, receipt, monthly })
        {
            Assert.Empty(PageActions.ScriptErrors(seen));
        }
    }

    [Fact]
    public async Task AnInlineScriptIsRefusedAndTheRefusalIsSeen()
    {
        // What the CSP exists to stop; a context of its own, so that the wanted refusal is not counted against the pages.
        await using var context = await browser.Browser.NewContextAsync(new() { BaseURL = platform.Web.BaseAddress.ToString() });
        var messages = new List<string>();
        context.Console += (_, message) => messages.Add(message.Text);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.EvaluateAsync("() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1'; document.head.append(s); }");
        await page.WaitForTimeoutAsync(500);
        Assert.Null(await page.EvaluateAsync<int?>("() => window.ran ?? null"));
        Assert.Contains(messages, m => m.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));
    }
}
