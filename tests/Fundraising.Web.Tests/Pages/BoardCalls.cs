using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using PoolCalls = Fundraising.Web.Tests.Matching.MatchingCalls;

namespace Fundraising.Web.Tests.Pages;

/// <summary>
/// What the tests of the boards' pages make through the API (a giving day in regions of its own, verified donors, teams,
/// gifts through a team) and how they open those pages.
/// </summary>
public static class BoardCalls
{
    /// <summary>A name no other test uses: regions, donors and teams of one test never meet another's on a board.</summary>
    public static string Fresh(string text) => $"{text}{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>A live campaign in a city and county of the test's own.</summary>
    public static Task<Guid> CampaignAsync(WebFrontEnd web, string title, string city, string county, string kind = "appeal", string? village = null) =>
        ApiCalls.CreateLiveCampaignAsync(web, new
        {
            title,
            description = "排行榜页面测试",
            kind,
            region = new { province = "陕西省", city, county, village = kind == "village" ? village ?? Fresh("村") : village },
            currency = "CNY",
            goalAmount = 1_000_000,
            startsAt = DateTimeOffset.UtcNow.AddHours(-1),
            endsAt = DateTimeOffset.UtcNow.AddDays(7),
        });

    /// <summary>A giving day on now, of these campaigns; returns its id.</summary>
    public static async Task<Guid> EventAsync(WebFrontEnd web, string name, params Guid[] campaignIds) =>
        (await MatchingCalls.CreateEventAsync(web, name, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1), campaignIds: campaignIds))
            .GetProperty("id").GetGuid();

    /// <summary>A donor token for a new e-mail address (through the development outbox).</summary>
    public static Task<string> VerifiedDonorAsync(WebFrontEnd web) => PoolCalls.VerifyAsync(web.Client, $"boards.{Guid.NewGuid():N}@example.org");

    /// <summary>A paid sandbox gift, from a verified donor when a token is given, through a team when one is given.</summary>
    public static async Task<JsonElement> GiveAsync(HttpClient client, Guid campaignId, long amount, string? donorToken, string? name,
        bool anonymous = false, Guid? teamId = null)
    {
        var body = new Dictionary<string, object?> { ["amount"] = amount, ["currency"] = "CNY", ["displayName"] = name, ["anonymous"] = anonymous };
        if (teamId is { } team)
        {
            body["teamId"] = team;
        }
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaignId}/donations") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        if (donorToken is not null)
        {
            request.Headers.Add("Donor-Token", donorToken);
        }
        var created = await client.SendAsync(request);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var donation = await created.Content.ReadFromJsonAsync<JsonElement>();
        var paid = await client.PostAsync(donation.GetProperty("payment").GetProperty("confirmUrl").GetString(), null);
        paid.EnsureSuccessStatusCode();
        return await paid.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Opens a team (一起捐) for a campaign as a verified donor; returns its id.</summary>
    public static async Task<Guid> TeamAsync(WebFrontEnd web, Guid campaignId, string donorToken, string name, long goalAmount, string? story = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaignId}/teams")
        {
            Content = JsonContent.Create(new { name, goalAmount, story }),
        };
        request.Headers.Add("Donor-Token", donorToken);
        var created = await web.Client.SendAsync(request);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>Makes every page of the context start as a tab whose donor verified (the token the donate form keeps).</summary>
    public static Task VerifiedTabAsync(IBrowserContext context, string donorToken) => context.AddInitScriptAsync($$"""
        try {
          sessionStorage.setItem('fundraising.donorToken', JSON.stringify({ token: '{{donorToken}}', email: 'board@example.org', expiresAt: '{{DateTimeOffset.UtcNow.AddDays(1):O}}' }));
        } catch { }
        """);

    /// <summary>Opens a page and waits until its data is in and its hub connection is up and watching.</summary>
    public static async Task<IPage> OpenLiveAsync(IBrowserContext context, string address)
    {
        var page = await PageActions.NewPageAsync(context);
        await page.GotoAsync(address);
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-loaded", "true", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#live-status")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = PageActions.ServerTimeoutMs });
        return page;
    }

    /// <summary>
    /// A campaign page whose rank and team watches are in too (its `data-watching`), so that it sees what happens next.
    /// </summary>
    public static async Task<IPage> OpenCampaignWatchingAsync(IBrowserContext context, string address)
    {
        var page = await OpenLiveAsync(context, address);
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-watching", "true", new() { Timeout = PageActions.ServerTimeoutMs });
        return page;
    }

    /// <summary>One row of a board on the event home or the big screen, by its key.</summary>
    public static ILocator Row(IPage page, string boardSelector, string key) =>
        page.Locator($"{boardSelector} li.board-row[data-key='{key.Replace("'", "\\'")}']");

    /// <summary>One row of a board by the name it shows (the donors board's keys are opaque).</summary>
    public static ILocator RowNamed(IPage page, string boardSelector, string name) =>
        page.Locator($"{boardSelector} li.board-row").Filter(new() { Has = page.Locator(".board-name", new() { HasTextString = name }) });

    /// <summary>
    /// Waits for every expectation at once, each allowed <paramref name="withinMs"/> from now: when this returns, all of
    /// them held within that time of the call (the issue's "within 2 s" of the gift's acknowledgement).
    /// </summary>
    public static Task AllWithinAsync(float withinMs, params Func<float, Task>[] expectations) =>
        Task.WhenAll(expectations.Select(expect => expect(withinMs)));
}
