using System.Collections.Concurrent;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Fundraising.Web.Tests.Pages;

/// <summary>The API's try-it page (Scalar) in a real Chromium, under its own Content-Security-Policy.</summary>
public sealed class ApiTryItPageTests(CoHostedPlatform platform, BrowserFixture browser) : IClassFixture<CoHostedPlatform>, IClassFixture<BrowserFixture>
{
    /// <summary>
    /// Scalar's bundle carries Zod, which probes once whether it may compile validators (<c>try { Function('') }</c>) and,
    /// refused by the policy (no 'unsafe-eval'), validates without compiling. That refusal is the only report allowed.
    /// </summary>
    private static bool IsZodsEvalProbe(string violation) =>
        violation.Contains("script-src blocked eval in ", StringComparison.Ordinal) && violation.Contains("/scalar/scalar.js:", StringComparison.Ordinal);

    [Fact]
    public async Task AnAdminSeesTheDocumentsOperationsOnTheTryItPageWithoutACspViolation()
    {
        // A context of our own (not the fixture's, which fails on any report) that records every policy report.
        var violations = new ConcurrentQueue<string>();
        await using var context = await browser.Browser.NewContextAsync(new() { BaseURL = platform.Web.BaseAddress.ToString(), Locale = "zh-CN" });
        await context.AddInitScriptAsync("""
            document.addEventListener('securitypolicyviolation', e =>
              console.error(`Content Security Policy violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} in ${e.sourceFile}:${e.lineNumber}`));
            """);
        context.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                violations.Enqueue(message.Text);
            }
        };
        var page = await AdminPageActions.SignInAsync(context, platform.Web);
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);

        await page.GotoAsync("scalar");
        // The features' tags are listed; opening one shows its operations by their summaries.
        await Expect(page.GetByText("Fundraising API", new() { Exact = false }).First).ToBeVisibleAsync(new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.GetByText("Liveness: the process answers", new() { Exact = false }).First).ToBeVisibleAsync();
        var donations = page.GetByRole(AriaRole.Link, new() { Name = "Donations", Exact = true });
        await Expect(donations).ToBeVisibleAsync();
        await donations.ClickAsync();
        await Expect(page.GetByText("A donor's online gift", new() { Exact = false }).First).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Refunds", Exact = true })).ToBeVisibleAsync();
        Assert.Empty(errors);
        Assert.All(violations, v => Assert.True(IsZodsEvalProbe(v), v));
    }
}
