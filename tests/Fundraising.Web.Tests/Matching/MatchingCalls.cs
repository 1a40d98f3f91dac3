using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fundraising.TestSupport;

namespace Fundraising.Web.Tests.Matching;

/// <summary>A platform whose velocity rule is off (limits off too), for tests about the money of matching rather than its pace.</summary>
public sealed class MatchingPlatform : CoHostedPlatform
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["RateLimits__Enabled"] = "false",
        ["Matching__MinSecondsApart"] = "0",
        ["Matching__MaxGiftsPerMinute"] = "100000",
    };
}

/// <summary>Events, pools, verified donors and matched gifts, as the tests of matching make them.</summary>
public static class MatchingCalls
{
    public const string Zone = "Asia/Shanghai";

    /// <summary>An event open now (an hour ago to a day ahead) with these campaigns.</summary>
    public static async Task<Guid> CreateEventAsync(HttpClient admin, params Guid[] campaignIds)
    {
        var created = await admin.PostAsJsonAsync("/api/events", new
        {
            name = "九九公益日",
            startsAt = DateTimeOffset.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mm:ssZ"),
            endsAt = DateTimeOffset.UtcNow.AddDays(1).ToString("yyyy-MM-ddTHH:mm:ssZ"),
            timeZone = Zone,
            campaignIds,
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>A 1:1 pool; opensAt 00:00 (local) means it is open all of today.</summary>
    public static async Task<JsonElement> CreatePoolAsync(HttpClient admin, Guid eventId, long budget, long maxPerGift, long maxPerDonorPerDay,
        string opensAt = "00:00", Guid[]? eligible = null, object? ratio = null)
    {
        var created = await admin.PostAsJsonAsync($"/api/events/{eventId}/pools", new
        {
            sponsorName = "爱心企业",
            budget,
            currency = "CNY",
            opensAt,
            ratio = ratio ?? new { match = 1, per = 1 },
            maxPerGift,
            maxPerDonorPerDay,
            eligible = eligible is null ? null : new { campaignIds = eligible },
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return await created.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Verifies an e-mail address through the development outbox; returns the donor token.</summary>
    public static async Task<string> VerifyAsync(HttpClient client, string? email = null)
    {
        email ??= $"donor-{Guid.NewGuid():N}@example.org";
        (await client.PostAsJsonAsync("/api/donors/verifications", new { email })).EnsureSuccessStatusCode();
        var outbox = await client.GetFromJsonAsync<JsonElement>($"/_dev/outbox?to={Uri.EscapeDataString(email)}");
        var code = outbox.GetProperty("items")[0].GetProperty("code").GetString();
        var confirmed = await client.PostAsJsonAsync("/api/donors/verifications/confirm", new { email, code });
        confirmed.EnsureSuccessStatusCode();
        return (await confirmed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("donorToken").GetString()!;
    }

    /// <summary>A sandbox gift carrying the donor token (none when null), paid; returns the paid donation (with its match).</summary>
    public static async Task<JsonElement> GiveAsync(HttpClient client, Guid campaignId, long amount, string? donorToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaignId}/donations")
        {
            Content = JsonContent.Create(new { amount, currency = "CNY", displayName = "测试捐赠人" }),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        if (donorToken is not null)
        {
            request.Headers.Add("Donor-Token", donorToken);
        }
        var created = await client.SendAsync(request);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.Null, body.GetProperty("match").ValueKind);
        var paid = await client.PostAsync(body.GetProperty("payment").GetProperty("confirmUrl").GetString(), null);
        paid.EnsureSuccessStatusCode();
        return await paid.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static long MatchAmount(JsonElement donation) => donation.GetProperty("match").GetProperty("amount").GetInt64();

    public static string MatchStatus(JsonElement donation) => donation.GetProperty("match").GetProperty("status").GetString()!;

    public static async Task<JsonElement> GetPoolAsync(HttpClient client, Guid poolId) => await client.GetFromJsonAsync<JsonElement>($"/api/pools/{poolId}");

    /// <summary>The pool's reconciliation; asserts it is exact.</summary>
    public static async Task<JsonElement> AssertReconciledAsync(HttpClient admin, Guid poolId)
    {
        var reconciliation = await admin.GetFromJsonAsync<JsonElement>($"/api/admin/pools/{poolId}/reconciliation");
        Assert.True(reconciliation.GetProperty("exact").GetBoolean(), reconciliation.ToString());
        Assert.Equal(0, reconciliation.GetProperty("overdraw").GetInt64());
        Assert.Equal(0, reconciliation.GetProperty("donorCapViolations").GetInt64());
        return reconciliation;
    }
}
