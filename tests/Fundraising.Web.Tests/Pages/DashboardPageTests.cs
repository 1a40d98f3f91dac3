using System.Net;
using Microsoft.Playwright;
using static Fundraising.Web.Tests.Pages.AdminPageActions;
using static Fundraising.Web.Tests.Pages.MatchingCalls;
using static Microsoft.Playwright.Assertions;
using PoolCalls = Fundraising.Web.Tests.Matching.MatchingCalls;

namespace Fundraising.Web.Tests.Pages;

/// <summary>admin/dashboard.html in a real Chromium: a viewer watches an event's totals and charts move live; nobody else gets in.</summary>
public sealed class DashboardPageTests(CoHostedPlatform platform, BrowserFixture browser) : IClassFixture<CoHostedPlatform>, IClassFixture<BrowserFixture>
{
    private readonly WebFrontEnd _web = platform.Web;

    private async Task<(Guid Event, Guid Campaign, Guid Pool)> EventAsync()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign(Unique("看板项目")));
        var created = await CreateEventAsync(_web, Unique("看板公益日"), DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1), campaignIds: [campaign]);
        var eventId = created.GetProperty("id").GetGuid();
        var pool = await PoolCalls.CreatePoolAsync(_web.Admin, eventId, budget: 500_000, maxPerGift: 1_000, maxPerDonorPerDay: 10_000);
        return (eventId, campaign, pool.GetProperty("id").GetGuid());
    }

    private static Task<int> ChartPointsAsync(IPage page, string canvas) =>
        page.EvaluateAsync<int>($"() => Chart.getChart('{canvas}').data.datasets[0].data.length");

    [Fact]
    public async Task AViewerWatchesTheTotalsAndChartsMoveAsGiftsArrive()
    {
        var (eventId, campaign, pool) = await EventAsync();
        var userName = await CreateAccountAsync(_web, "viewer");
        await using var context = await browser.NewContextAsync(_web, new ViewportSize { Width = 390, Height = 900 });
        var page = await OpenSignedOutAsync(context);
        var polled = new List<string>();
        page.Request += (_, request) =>
        {
            var path = new Uri(request.Url).AbsolutePath;
            if (path.Contains("/dashboard", StringComparison.Ordinal) && path.StartsWith("/api/", StringComparison.Ordinal))
            {
                lock (polled)
                {
                    polled.Add(path);
                }
            }
        };
        await TypeCredentialsAsync(page, userName, Accounts.StaffClients.Password);
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-loaded", "true", new() { Timeout = PageActions.ServerTimeoutMs });

        // Reached from the admin navigation; the event is chosen in the address (or the list on the page).
        await Expect(page.Locator("#dashboard-link")).ToHaveAttributeAsync("href", "/admin/dashboard.html");
        await page.GotoAsync($"admin/dashboard.html?event={eventId}");
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-live", "true", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#d-event")).ToHaveValueAsync(eventId.ToString());
        await Expect(page.Locator("#d-count")).ToHaveTextAsync("0");
        await Expect(page.Locator("#live-status")).ToHaveAttributeAsync("data-state", "connected");
        await Expect(page.Locator($"#d-pools li[data-pool-id='{pool}']")).ToContainTextAsync("¥5,000.00");
        await Expect(page.Locator("#d-silos li[data-status=active]").First).ToBeVisibleAsync();
        var pointsBefore = await ChartPointsAsync(page, "chart-donations");

        foreach (var amount in new long[] { 1_000, 2_500, 3_000 })
        {
            await ApiCalls.DonateAsync(_web.Client, campaign, amount);
        }
        await Expect(page.Locator("#d-count")).ToHaveTextAsync("3", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#d-raised")).ToHaveTextAsync("¥65.00");
        // The charts gained a point a second, and the donations chart saw gifts arrive.
        await Expect(page.Locator("#chart-donations")).Not.ToHaveAttributeAsync("data-points", pointsBefore.ToString());
        Assert.True(await ChartPointsAsync(page, "chart-donations") > pointsBefore);
        Assert.True(await ChartPointsAsync(page, "chart-matched") > pointsBefore);
        Assert.True(await page.EvaluateAsync<double>("() => Math.max(...Chart.getChart('chart-donations').data.datasets[0].data)") > 0);

        // The boards come from the public leaderboards; where this platform has none, the panel says so.
        var boards = await _web.Client.GetAsync($"/api/events/{eventId}/leaderboards/cities?top=5");
        if (boards.StatusCode == HttpStatusCode.NotFound)
        {
            await Expect(page.Locator("#boards-unavailable")).ToBeVisibleAsync();
            await Expect(page.Locator("#d-boards")).ToBeHiddenAsync();
        }
        else
        {
            await Expect(page.Locator("#d-boards")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = PageActions.ServerTimeoutMs });
        }

        // Everything after the first paint came over the hub: the page never asked the dashboard's REST address.
        Assert.Empty(polled);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "admin-dashboard-mobile.png"), FullPage = true });
        Assert.Empty(PageActions.ScriptErrors(page));
        Assert.Empty(browser.CspViolations);
    }

    [Fact]
    public async Task AnonymousVisitorsAndDonorsCannotOpenTheDashboard()
    {
        var (eventId, _, _) = await EventAsync();
        await using var context = await browser.NewContextAsync(_web);
        var page = await PageActions.NewPageAsync(context);
        var hubCalls = new List<string>();
        page.Request += (_, request) =>
        {
            if (new Uri(request.Url).AbsolutePath.StartsWith("/hubs/dashboard", StringComparison.Ordinal))
            {
                lock (hubCalls)
                {
                    hubCalls.Add(request.Url);
                }
            }
        };
        await page.GotoAsync($"admin/dashboard.html?event={eventId}");
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-state", "signed-out");
        await Expect(page.Locator("#signed-out")).ToBeVisibleAsync();
        await Expect(page.Locator("#dashboard")).ToBeHiddenAsync();
        Assert.Empty(hubCalls);

        // A donor is no staff member: a donor token opens neither the page's data nor its hub.
        var donor = await PoolCalls.VerifyAsync(_web.Client);
        Assert.Equal(401, await page.EvaluateAsync<int>(
            "async ([url, token]) => (await fetch(url, { headers: { 'Donor-Token': token } })).status", new[] { $"/api/admin/events/{eventId}/dashboard", donor }));
        Assert.Equal(401, await page.EvaluateAsync<int>(
            "async ([url, token]) => (await fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${token}` } })).status",
            new[] { "/hubs/dashboard/negotiate?negotiateVersion=1", donor }));
        Assert.Empty(PageActions.ScriptErrors(page));
    }
}
