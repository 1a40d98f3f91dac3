using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Fundraising.Web.Tests.Pages;

/// <summary>The Orleans Dashboard in a real browser, under the app's Content-Security-Policy, for a signed-in admin.</summary>
public sealed class OrleansDashboardPageTests(CoHostedPlatform platform, BrowserFixture browser) : IClassFixture<CoHostedPlatform>, IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task AnAdminSignedInOnTheAdminPageSeesTheLiveGrainsWithoutACspViolation()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        await ApiCalls.DonateAsync(platform.Web.Client, campaign, 1_000);
        await using var context = await browser.NewContextAsync(platform.Web);
        await AdminPageActions.SignInAsync(context, platform.Web);

        var page = await PageActions.NewPageAsync(context);
        await page.GotoAsync("orleans-dashboard/");
        await Expect(page.GetByText("Total Activations")).ToBeVisibleAsync(new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.GetByText("Active Silos")).ToBeVisibleAsync();
        // The grains page lists the platform's grains once the counters have been taken (every second).
        await page.GotoAsync("orleans-dashboard/#/grains");
        await Expect(page.GetByText("CampaignGrain").First).ToBeVisibleAsync(new() { Timeout = PageActions.ServerTimeoutMs });
        await page.WaitForTimeoutAsync(1_500);
        Assert.Empty(PageActions.ScriptErrors(page));
        Assert.True(browser.CspViolations.Count == 0, string.Join("\n", browser.CspViolations));
    }

    [Fact]
    public async Task ABrowserNotSignedInGetsNoDashboard()
    {
        await using var context = await browser.NewContextAsync(platform.Web);
        var page = await PageActions.NewPageAsync(context);
        var response = await page.GotoAsync("orleans-dashboard/");
        Assert.Equal(401, response!.Status);
        await Expect(page.GetByText("Total Activations")).Not.ToBeVisibleAsync();
    }
}
