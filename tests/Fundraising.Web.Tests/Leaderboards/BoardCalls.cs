using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fundraising.TestSupport;

namespace Fundraising.Web.Tests.Leaderboards;

/// <summary>Campaigns with a full region, events with board options, gifts with donors and teams, and board reads.</summary>
public static class BoardCalls
{
    public static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..6];

    /// <summary>Creates and opens a campaign in the given region; returns its id.</summary>
    public static Task<Guid> CampaignAsync(WebFrontEnd web, string city, string county, string? town = null, bool village = false, string title = "项目") =>
        ApiCalls.CreateLiveCampaignAsync(web, new
        {
            title,
            description = "测试",
            kind = village ? "village" : "appeal",
            region = new { province = "陕西省", city, county, town, village = village ? "某村" : null },
            currency = "CNY",
            goalAmount = 10_000_000,
            startsAt = DateTimeOffset.UtcNow.AddHours(-1),
            endsAt = DateTimeOffset.UtcNow.AddDays(7),
        });

    /// <summary>An event open now (or over, or upcoming, by <paramref name="startsIn"/>) over these campaigns.</summary>
    public static async Task<Guid> EventAsync(HttpClient admin, Guid[] campaignIds, object? boards = null, TimeSpan? startsIn = null, TimeSpan? length = null)
    {
        var starts = DateTimeOffset.UtcNow + (startsIn ?? TimeSpan.FromHours(-1));
        var created = await admin.PostAsJsonAsync("/api/events", new
        {
            name = "九九公益日",
            startsAt = starts.ToString("yyyy-MM-ddTHH:mm:ssZ"),
            endsAt = (starts + (length ?? TimeSpan.FromDays(1))).ToString("yyyy-MM-ddTHH:mm:ssZ"),
            timeZone = "Asia/Shanghai",
            campaignIds,
            boards,
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>A paid sandbox gift (a verified donor's when a token is given, through a team when one is given); returns the paid gift.</summary>
    public static async Task<JsonElement> GiveAsync(HttpClient client, Guid campaignId, long amount, string? donorToken = null, string? name = "测试捐赠人",
        bool anonymous = false, Guid? teamId = null)
    {
        var created = await PostGiftAsync(client, campaignId, amount, donorToken, name, anonymous, teamId);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var paid = await client.PostAsync(body.GetProperty("payment").GetProperty("confirmUrl").GetString(), null);
        paid.EnsureSuccessStatusCode();
        return await paid.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static Task<HttpResponseMessage> PostGiftAsync(HttpClient client, Guid campaignId, long amount, string? donorToken, string? name, bool anonymous, Guid? teamId)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaignId}/donations")
        {
            Content = JsonContent.Create(new { amount, currency = "CNY", displayName = name, anonymous, teamId }),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        if (donorToken is not null)
        {
            request.Headers.Add("Donor-Token", donorToken);
        }
        return client.SendAsync(request);
    }

    public static async Task OfflineAsync(HttpClient admin, Guid campaignId, long amount, bool goods = false)
    {
        var response = await admin.PostAsJsonAsync($"/api/campaigns/{campaignId}/offline-donations", goods
            ? new { amount, currency = "CNY", donorName = "爱心企业", reference = $"G-{Guid.NewGuid():N}", kind = "goods", item = "太阳能热水器", quantity = 3 }
            : (object)new { amount, currency = "CNY", donorName = "爱心企业", reference = $"B-{Guid.NewGuid():N}", method = "bank_transfer" });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    public static Task<HttpResponseMessage> PostTeamAsync(HttpClient client, Guid campaignId, string? donorToken, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaignId}/teams") { Content = JsonContent.Create(body) };
        if (donorToken is not null)
        {
            request.Headers.Add("Donor-Token", donorToken);
        }
        return client.SendAsync(request);
    }

    public static async Task<JsonElement> TeamAsync(HttpClient client, Guid campaignId, string donorToken, string name = "商洛老乡一起捐", long goalAmount = 500_000)
    {
        var response = await PostTeamAsync(client, campaignId, donorToken, new { name, goalAmount, story = "为家乡的桥出一份力" });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static async Task<JsonElement> BoardAsync(HttpClient client, Guid eventId, string board, string by = "amount", int top = 100, string? key = null) =>
        await client.GetFromJsonAsync<JsonElement>(
            $"/api/events/{eventId}/leaderboards/{board}?by={by}&top={top}{(key is null ? "" : "&key=" + Uri.EscapeDataString(key))}");

    /// <summary>Reads the board until <paramref name="done"/> holds (the feed is coalesced: about a second), or fails after <paramref name="timeout"/>.</summary>
    public static async Task<JsonElement> BoardWhenAsync(HttpClient client, Guid eventId, string board, Func<JsonElement, bool> done, string by = "amount",
        TimeSpan? timeout = null, string? key = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var body = await BoardAsync(client, eventId, board, by, key: key);
            if (done(body))
            {
                return body;
            }
            if (DateTime.UtcNow > until)
            {
                Assert.Fail($"The {board} board never got there: {body}");
            }
            await Task.Delay(100);
        }
    }

    public static long TotalAmount(JsonElement board) => board.GetProperty("totals").GetProperty("amount").GetInt64();

    public static long TotalCount(JsonElement board) => board.GetProperty("totals").GetProperty("count").GetInt64();

    public static JsonElement EntryOf(JsonElement board, string key) =>
        board.GetProperty("entries").EnumerateArray().Single(e => e.GetProperty("key").GetString() == key);

    public static (long Amount, long Count) AmountAndCount(JsonElement entry) => (entry.GetProperty("amount").GetInt64(), entry.GetProperty("count").GetInt64());
}
