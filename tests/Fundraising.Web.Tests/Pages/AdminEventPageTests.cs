using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Fundraising.Web.Tests.Pages.AdminPageActions;
using static Fundraising.Web.Tests.Pages.MatchingCalls;
using PoolCalls = Fundraising.Web.Tests.Matching.MatchingCalls;
using static Microsoft.Playwright.Assertions;

namespace Fundraising.Web.Tests.Pages;

/// <summary>
/// The admin page's giving days and matching (配捐), signed in with an account (cookie and antiforgery token): events,
/// pools (create, pause, resume) and the gifts held by the velocity rule (release, reject).
/// </summary>
public sealed class AdminEventPageTests(CoHostedPlatform platform, BrowserFixture browser) : IClassFixture<CoHostedPlatform>, IClassFixture<BrowserFixture>
{
    private readonly WebFrontEnd _web = platform.Web;

    /// <summary>The X-CSRF-Token of every change the page makes under /api/events, /api/pools and /api/admin/flagged-gifts.</summary>
    private static List<(string Url, string? Token)> RecordChanges(IPage page)
    {
        var changes = new List<(string, string?)>();
        page.Request += (_, request) =>
        {
            var path = new Uri(request.Url).AbsolutePath;
            if (request.Method == "POST" && (path.StartsWith("/api/events", StringComparison.Ordinal) || path.StartsWith("/api/pools", StringComparison.Ordinal)
                || path.StartsWith("/api/admin/flagged-gifts", StringComparison.Ordinal)))
            {
                lock (changes)
                {
                    changes.Add((path, request.Headers.TryGetValue("x-csrf-token", out var token) ? token : null));
                }
            }
        };
        return changes;
    }

    private static ILocator EventRow(IPage page, Guid id) => page.Locator($"#event-rows tr[data-event-id='{id}']");

    private static ILocator PoolRow(IPage page, Guid id) => page.Locator($"#pool-rows tr[data-pool-id='{id}']");

    private async Task<JsonElement> EventNamedAsync(string name) =>
        (await _web.Client.GetFromJsonAsync<JsonElement>("/api/events")).GetProperty("items").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);

    [Fact]
    public async Task AnAdminCreatesAnEventOnThePageInItsOwnTimeZoneAndItIsListed()
    {
        var title = Unique("活动项目");
        var campaign = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign(title));
        var county = "县" + Guid.NewGuid().ToString("N")[..8];
        await using var context = await browser.NewContextAsync(_web);
        var page = await SignInAsync(context, _web);
        var changes = RecordChanges(page);
        await page.Locator("#create-event summary").ClickAsync();

        // Refused by the page (an unknown zone) and by the server (no name): each names its field.
        await SubmitAsync(page, "event-form", ("name", "x"), ("timeZone", "Mars/Olympus"));
        await Expect(page.Locator("#event-form .form-error")).ToContainTextAsync("（timeZone）");
        await SubmitAsync(page, "event-form", ("name", ""), ("timeZone", "Asia/Shanghai"), ("startsAt", "2026-09-07T00:00"), ("endsAt", "2026-09-09T23:59"),
            ("regions", county));
        await Expect(page.Locator("#event-form .form-error")).ToContainTextAsync("（name）", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#e-name")).ToHaveAttributeAsync("aria-invalid", "true");

        // The times typed are the event zone's clock: 9·9 in Shanghai starts at 16:00 UTC the day before.
        var name = Unique("九九公益日");
        await page.Locator("#e-campaigns").SelectOptionAsync([campaign.ToString()]);
        await SubmitAndExpectDoneAsync(page, "event-form", ("name", name), ("timeZone", "Asia/Shanghai"), ("startsAt", "2026-09-07T00:00"),
            ("endsAt", "2026-09-09T23:59"), ("regions", $"{county}，洛南县"));
        var created = await EventNamedAsync(name);
        Assert.Equal(new DateTimeOffset(2026, 9, 6, 16, 0, 0, TimeSpan.Zero), created.GetProperty("startsAt").GetDateTimeOffset());
        Assert.Equal(new DateTimeOffset(2026, 9, 9, 15, 59, 0, TimeSpan.Zero), created.GetProperty("endsAt").GetDateTimeOffset());
        Assert.Equal("Asia/Shanghai", created.GetProperty("timeZone").GetString());
        Assert.Equal([campaign], created.GetProperty("campaignIds").EnumerateArray().Select(e => e.GetGuid()));
        Assert.Equal([county, "洛南县"], created.GetProperty("regions").EnumerateArray().Select(e => e.GetString()));

        // Another zone: the same wall clock is another instant.
        var london = Unique("伦敦乡贤公益日");
        await SubmitAndExpectDoneAsync(page, "event-form", ("name", london), ("timeZone", "Europe/London"), ("startsAt", "2026-07-01T10:00"),
            ("endsAt", "2026-07-02T10:00"), ("regions", county));
        Assert.Equal(new DateTimeOffset(2026, 7, 1, 9, 0, 0, TimeSpan.Zero), (await EventNamedAsync(london)).GetProperty("startsAt").GetDateTimeOffset());

        var id = created.GetProperty("id").GetGuid();
        await Expect(EventRow(page, id)).ToContainTextAsync(name);
        await Expect(EventRow(page, id)).ToContainTextAsync("2026年9月7日 00:00");
        await Expect(EventRow(page, id).Locator($"a[href='/event.html?id={id}']")).ToBeVisibleAsync();
        // Every change went with the antiforgery token, and the session keeps nothing in web storage.
        Assert.NotEmpty(changes);
        Assert.All(changes, c => Assert.False(string.IsNullOrEmpty(c.Token), $"{c.Url} was sent without X-CSRF-Token"));
        Assert.Equal("""{"local":{},"session":{}}""",
            await page.EvaluateAsync<string>("() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } })"));
        Assert.Empty(PageActions.ScriptErrors(page));
        Assert.Empty(browser.CspViolations);
    }

    [Fact]
    public async Task AnAdminCreatesAPoolWithEveryRulePausesAndResumesIt()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign(Unique("配捐池项目")));
        var name = Unique("配捐池公益日");
        var created = await CreateEventAsync(_web, name, DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(2), campaignIds: [campaign]);
        var eventId = created.GetProperty("id").GetGuid();
        await using var context = await browser.NewContextAsync(_web);
        var page = await SignInAsync(context, _web);
        var changes = RecordChanges(page);
        await EventRow(page, eventId).Locator("button[data-action=pools]").ClickAsync();
        await Expect(page.Locator("#event-panel")).ToHaveAttributeAsync("data-event-id", eventId.ToString());
        await Expect(page.Locator("#pool-rows")).ToContainTextAsync("还没有配捐池");
        await page.Locator("#create-pool summary").ClickAsync();

        // Refused in the page (an opening that is no time of day, a third decimal) and by the server (no sponsor).
        await SubmitAsync(page, "pool-form", ("opensAt", "25:00"), ("budget", "1.234"));
        await Expect(page.Locator("#pool-form .form-error")).ToContainTextAsync("（opensAt）");
        await Expect(page.Locator("#pool-form .form-error")).ToContainTextAsync("（budget）");
        await SubmitAsync(page, "pool-form", ("sponsorName", ""), ("budget", "10000"), ("opensAt", "00:00"), ("maxPerGift", "50"), ("maxPerDonorPerDay", "999"));
        await Expect(page.Locator("#pool-form .form-error")).ToContainTextAsync("sponsorName", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#pl-sponsor")).ToHaveAttributeAsync("aria-invalid", "true");

        var sponsor = Unique("商洛爱心企业");
        await page.Locator("#pl-campaigns").SelectOptionAsync([campaign.ToString()]);
        await SubmitAndExpectDoneAsync(page, "pool-form", ("sponsorName", sponsor), ("budget", "10,000"), ("dailyBudget", "5000"), ("opensAt", "00:00"),
            ("ratio.match", "1"), ("ratio.per", "2"), ("maxPerGift", "50"), ("maxPerDonorPerDay", "999"), ("random.min", "1"), ("random.max", "8.88"),
            ("eligible.counties", "丹凤县"));
        var pools = (await _web.Client.GetFromJsonAsync<JsonElement>($"/api/events/{eventId}/pools")).GetProperty("items");
        var pool = pools.EnumerateArray().Single(p => p.GetProperty("sponsorName").GetString() == sponsor);
        Assert.Equal(1_000_000, pool.GetProperty("budget").GetInt64());
        Assert.Equal(500_000, pool.GetProperty("dailyBudget").GetInt64());
        Assert.Equal("00:00", pool.GetProperty("opensAt").GetString());
        Assert.Equal(1, pool.GetProperty("ratio").GetProperty("match").GetInt32());
        Assert.Equal(2, pool.GetProperty("ratio").GetProperty("per").GetInt32());
        Assert.Equal(5_000, pool.GetProperty("maxPerGift").GetInt64());
        Assert.Equal(99_900, pool.GetProperty("maxPerDonorPerDay").GetInt64());
        Assert.Equal(100, pool.GetProperty("random").GetProperty("min").GetInt64());
        Assert.Equal(888, pool.GetProperty("random").GetProperty("max").GetInt64());
        Assert.Equal([campaign], pool.GetProperty("eligible").GetProperty("campaignIds").EnumerateArray().Select(e => e.GetGuid()));
        Assert.Equal(["丹凤县"], pool.GetProperty("eligible").GetProperty("counties").EnumerateArray().Select(e => e.GetString()));
        var poolId = pool.GetProperty("id").GetGuid();

        var row = PoolRow(page, poolId);
        await Expect(row).ToHaveAttributeAsync("data-status", "open");
        await Expect(row).ToContainTextAsync("配捐中");
        await Expect(row).ToContainTextAsync("¥10,000.00");
        await Expect(row).ToContainTextAsync("按 1:2 配捐");

        await row.Locator("button[data-action=pause]").ClickAsync();
        await Expect(row).ToHaveAttributeAsync("data-status", "paused", new() { Timeout = PageActions.ServerTimeoutMs });
        Assert.Equal("paused", (await PoolCalls.GetPoolAsync(_web.Client, poolId)).GetProperty("status").GetString());
        await row.Locator("button[data-action=resume]").ClickAsync();
        await Expect(row).ToHaveAttributeAsync("data-status", "open", new() { Timeout = PageActions.ServerTimeoutMs });
        Assert.Equal("open", (await PoolCalls.GetPoolAsync(_web.Client, poolId)).GetProperty("status").GetString());
        await page.Locator("#event-panel").ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "admin-pools.png") });

        Assert.Contains(changes, c => c.Url == $"/api/events/{eventId}/pools");
        Assert.Contains(changes, c => c.Url == $"/api/pools/{poolId}/pause");
        Assert.Contains(changes, c => c.Url == $"/api/pools/{poolId}/resume");
        Assert.All(changes, c => Assert.False(string.IsNullOrEmpty(c.Token), $"{c.Url} was sent without X-CSRF-Token"));
        Assert.Empty(PageActions.ScriptErrors(page));
    }

    [Fact]
    public async Task AnAdminReleasesOneFlaggedGiftAndRejectsAnother()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(_web, ApiCalls.NewCampaign(Unique("审核配捐项目")));
        var created = await CreateEventAsync(_web, Unique("审核配捐公益日"), DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(2), campaignIds: [campaign]);
        var pool = await CreatePoolAsync(_web, created.GetProperty("id").GetGuid(), NewPool(Unique("审核企业"), budget: 1_000_000, "00:00", maxPerGift: 1_000));
        var poolId = pool.GetProperty("id").GetGuid();
        // One verified donor gives three times within 15 seconds: the first is matched, the other two are held.
        var token = await VerifiedDonorAsync(_web, $"fast.{Guid.NewGuid():N}@example.org", "127.0.6.1");
        var first = await PoolCalls.GiveAsync(_web.Client, campaign, 1_000, token);
        var second = await PoolCalls.GiveAsync(_web.Client, campaign, 2_000, token);
        var third = await PoolCalls.GiveAsync(_web.Client, campaign, 3_000, token);
        Assert.Equal("matched", first.GetProperty("match").GetProperty("status").GetString());
        Assert.Equal("held", second.GetProperty("match").GetProperty("status").GetString());
        Assert.Equal("held", third.GetProperty("match").GetProperty("status").GetString());
        var released = second.GetProperty("id").GetGuid();
        var rejected = third.GetProperty("id").GetGuid();
        await PoolOnceAsync(_web, poolId, p => p.GetProperty("heldAmount").GetInt64() == 2_000);

        await using var context = await browser.NewContextAsync(_web);
        var page = await SignInAsync(context, _web);
        var changes = RecordChanges(page);
        var releasedRow = page.Locator($"#flagged-rows tr[data-donation-id='{released}']");
        var rejectedRow = page.Locator($"#flagged-rows tr[data-donation-id='{rejected}']");
        await Expect(releasedRow).ToHaveAttributeAsync("data-status", "held");
        await Expect(releasedRow).ToContainTextAsync("¥20.00");
        await Expect(rejectedRow).ToHaveAttributeAsync("data-status", "held");
        await page.Locator("#flagged-heading").ScrollIntoViewIfNeededAsync();

        await releasedRow.Locator("button[data-action=release]").ClickAsync();
        await Expect(page.Locator("#flagged-done")).ToContainTextAsync("已放行", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(releasedRow).ToHaveCountAsync(0); // no longer held
        await rejectedRow.Locator("button[data-action=reject]").ClickAsync();
        await Expect(page.Locator("#flagged-done")).ToContainTextAsync("已拒绝", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(rejectedRow).ToHaveCountAsync(0);

        await page.Locator("#flagged-status").SelectOptionAsync("released");
        await Expect(releasedRow).ToHaveAttributeAsync("data-status", "released");
        await page.Locator("#flagged-status").SelectOptionAsync("rejected");
        await Expect(rejectedRow).ToHaveAttributeAsync("data-status", "rejected");

        // ¥10 at once, ¥10 released; the rejected ¥10 went back to the pool.
        await PoolOnceAsync(_web, poolId, p => p.GetProperty("heldAmount").GetInt64() == 0 && p.GetProperty("matchedAmount").GetInt64() == 2_000);
        Assert.Equal(2, changes.Count);
        Assert.All(changes, c => Assert.False(string.IsNullOrEmpty(c.Token), $"{c.Url} was sent without X-CSRF-Token"));
        Assert.Empty(PageActions.ScriptErrors(page));
    }
}
