using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Fundraising.Web.Tests.Api;

/// <summary>Lists walked by cursor (keyset, newest first). Limits off: the walks donate many gifts from one address.</summary>
public sealed class PagingTests(UnlimitedPlatform platform) : IClassFixture<UnlimitedPlatform>
{
    private HttpClient Admin => platform.Web.Admin;

    public static TheoryData<string, string> BadPages => new()
    {
        { "page=2147483647", "page" },
        { "page=99999999999", "page" },
        { "page=502&pageSize=20", "page" },
        { "cursor=not-a-cursor", "cursor" },
        { "cursor=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&page=2", "page" },
        { "cursor=__________________________________", "cursor" },
    };

    [Theory]
    [MemberData(nameof(BadPages))]
    public async Task AHugePageOrABadCursorIsA400NamingTheParameterOnEveryList(string query, string field)
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        foreach (var list in new[]
        {
            "/api/campaigns", $"/api/campaigns/{campaign}/donations",
            $"/api/admin/campaigns/{campaign}/donations", $"/api/admin/campaigns/{campaign}/monthly-gifts",
        })
        {
            var response = await Admin.GetAsync($"{list}?{query}");
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{list}?{query}: {(int)response.StatusCode}");
            var problem = await ApiCalls.ProblemAsync(response);
            var named = problem.TryGetProperty("errors", out var errors)
                ? errors.EnumerateObject().Any(e => e.Name.Equals(field, StringComparison.OrdinalIgnoreCase))
                : problem.GetRawText().Contains(field, StringComparison.OrdinalIgnoreCase);
            Assert.True(named, $"{list}?{query}: {problem}");
        }
    }

    [Fact]
    public async Task WalkingTheGiftsByCursorShowsEveryGiftExactlyOnceWhileNewGiftsArrive()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var before = new List<Guid>();
        for (var i = 1; i <= 23; i++)
        {
            before.Add((await ApiCalls.DonateAsync(platform.Web.Client, campaign, i * 100)).GetProperty("id").GetGuid());
        }
        // A pending gift in between: it is in the index the lists read, and must be shown to nobody.
        await ApiCalls.PostDonationAsync(platform.Web.Client, campaign, Guid.NewGuid().ToString(), new { amount = 99, currency = "CNY" });

        var arrived = 0;
        async Task<List<JsonElement>> WalkAsync(string list, int size)
        {
            var seen = new List<JsonElement>();
            string? cursor = null;
            do
            {
                var page = await Admin.GetFromJsonAsync<JsonElement>($"{list}?pageSize={size}{(cursor is null ? "" : $"&cursor={cursor}")}");
                seen.AddRange(page.GetProperty("items").EnumerateArray());
                cursor = page.GetProperty("next").GetString();
                // New gifts keep arriving while the walk goes back through the old ones.
                await ApiCalls.DonateAsync(platform.Web.Client, campaign, 10_000 + ++arrived);
            }
            while (cursor is not null);
            return seen;
        }
        var seenIds = (await WalkAsync($"/api/admin/campaigns/{campaign}/donations", 4)).Select(d => d.GetProperty("id").GetGuid()).ToList();
        var seenAmounts = (await WalkAsync($"/api/campaigns/{campaign}/donations", 5)).Select(d => d.GetProperty("amount").GetInt64()).ToList();

        // The first walk began with the 23 gifts; the second also with those that arrived during the first.
        Assert.Equal(before.OrderBy(id => id), seenIds.OrderBy(id => id));
        var firstWalkArrivals = (int)Math.Ceiling(23 / 4.0);
        Assert.Equal(Enumerable.Range(1, 23).Select(i => i * 100L).Concat(Enumerable.Range(1, firstWalkArrivals).Select(i => 10_000L + i)),
            seenAmounts.Order());
    }
    [Fact]
    public async Task WalkingTheCampaignListByCursorShowsEachCampaignOnceWithTheTotal()
    {
        var county = "县" + Guid.NewGuid().ToString("N")[..6];
        var ids = new List<Guid>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add(await ApiCalls.CreateLiveCampaignAsync(platform.Web, ApiCalls.NewCampaign($"项目 {i}", county: county)));
        }
        var seen = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await platform.Web.Client.GetFromJsonAsync<JsonElement>(
                $"/api/campaigns?county={Uri.EscapeDataString(county)}&pageSize=3{(cursor is null ? "" : $"&cursor={cursor}")}");
            Assert.Equal(7, page.GetProperty("total").GetInt64());
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()));
            cursor = page.GetProperty("next").GetString();
            await ApiCalls.CreateLiveCampaignAsync(platform.Web, ApiCalls.NewCampaign("后来的项目", county: county + "外"));
        }
        while (cursor is not null);
        ids.Reverse();
        Assert.Equal(ids, seen); // newest first, each once
    }
}
