using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PoolCalls = Fundraising.Web.Tests.Matching.MatchingCalls;

namespace Fundraising.Web.Tests.Pages;

/// <summary>Events, verified donors and matching pools (配捐) through the API, for the page tests that watch them.</summary>
public static class MatchingCalls
{
    public static string Unique(string text) => $"{text} {Guid.NewGuid().ToString()[..8]}";

    /// <summary>Creates an event (admin key) and returns it.</summary>
    public static async Task<JsonElement> CreateEventAsync(WebFrontEnd web, string name, DateTimeOffset startsAt, DateTimeOffset endsAt,
        string timeZone = "Asia/Shanghai", Guid[]? campaignIds = null, string[]? regions = null)
    {
        var created = await web.Admin.PostAsJsonAsync("/api/events", new
        {
            name,
            startsAt = startsAt.ToString("yyyy-MM-ddTHH:mm:sszzz"),
            endsAt = endsAt.ToString("yyyy-MM-ddTHH:mm:sszzz"),
            timeZone,
            campaignIds,
            regions,
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return await created.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>
    /// A donor token for an e-mail address, as a donor gets one (a code to the development outbox, then confirmed), asked
    /// from its own loopback address (<paramref name="source"/>) so that the per-address limits stay at their defaults.
    /// </summary>
    public static async Task<string> VerifiedDonorAsync(WebFrontEnd web, string email, string source)
    {
        using var client = Api.RateLimitTests.ClientFrom(web.BaseAddress, source);
        return await PoolCalls.VerifyAsync(client, email);
    }

    /// <summary>The newest code the development outbox holds for an address.</summary>
    public static async Task<string> OutboxCodeAsync(HttpClient client, string address)
    {
        var items = (await client.GetFromJsonAsync<JsonElement>($"/_dev/outbox?to={Uri.EscapeDataString(address)}")).GetProperty("items");
        Assert.True(items.GetArrayLength() > 0, $"no code in the outbox for {address}");
        return items[0].GetProperty("code").GetString()!;
    }

    /// <summary>A pool's body as the contract has it; <paramref name="opensAt"/> is the event zone's HH:mm.</summary>
    public static object NewPool(string sponsorName, long budget, string opensAt, long maxPerGift = 100_000, long maxPerDonorPerDay = 99_900,
        int match = 1, int per = 1) => new
    {
        sponsorName,
        budget,
        currency = "CNY",
        opensAt,
        ratio = new { match, per },
        maxPerGift,
        maxPerDonorPerDay,
    };

    public static async Task<JsonElement> CreatePoolAsync(WebFrontEnd web, Guid eventId, object pool)
    {
        var created = await web.Admin.PostAsJsonAsync($"/api/events/{eventId}/pools", pool);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return await created.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The pool once it satisfies <paramref name="done"/> (its sums may be read a moment old); fails after 10 s.</summary>
    public static async Task<JsonElement> PoolOnceAsync(WebFrontEnd web, Guid poolId, Func<JsonElement, bool> done)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(10);
        while (true)
        {
            var pool = await PoolCalls.GetPoolAsync(web.Client, poolId);
            if (done(pool))
            {
                return pool;
            }
            Assert.True(DateTimeOffset.UtcNow < deadline, $"the pool never got there: {pool}");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// An opening time (HH:mm in the zone) that comes between 8 and 15 seconds from the moment this returns: waits, if
    /// need be, until the zone's clock is late enough in its minute. Returns the time and the instant it stands for.
    /// </summary>
    public static async Task<(string OpensAt, DateTimeOffset Instant)> OpeningSecondsAheadAsync(string timeZone)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        while (true)
        {
            var now = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone);
            var next = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, now.Offset).AddMinutes(1);
            var ahead = next - now;
            if (ahead >= TimeSpan.FromSeconds(8) && ahead <= TimeSpan.FromSeconds(15))
            {
                return (next.ToString("HH:mm"), next);
            }
            await Task.Delay(ahead > TimeSpan.FromSeconds(15) ? ahead - TimeSpan.FromSeconds(14.5) : ahead + TimeSpan.FromSeconds(1));
        }
    }
}
