using System.Net.Http.Json;
using System.Text.Json;
using Fundraising.TestSupport;

namespace Fundraising.Web.Tests;

/// <summary>Campaign and donation calls that many tests share.</summary>
public static class ApiCalls
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static object NewCampaign(string title = "夏季洪灾救助", string kind = "appeal", long goalAmount = 10_000_000, string county = "丹凤县", string? village = null) => new
    {
        title,
        description = "为受灾家庭提供应急救助",
        kind,
        region = new { province = "陕西省", city = "商洛市", county, village },
        currency = "CNY",
        goalAmount,
        startsAt = DateTimeOffset.UtcNow.AddHours(-1),
        endsAt = DateTimeOffset.UtcNow.AddDays(7),
    };

    /// <summary>Creates and opens a campaign; returns its id.</summary>
    public static async Task<Guid> CreateLiveCampaignAsync(WebFrontEnd web, object? campaign = null)
    {
        var created = await web.Admin.PostAsJsonAsync("/api/campaigns", campaign ?? NewCampaign());
        created.EnsureSuccessStatusCode();
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        (await web.Admin.PostAsync($"/api/campaigns/{id}/open", null)).EnsureSuccessStatusCode();
        return id;
    }

    public static Task<HttpResponseMessage> PostDonationAsync(HttpClient client, Guid campaignId, string? idempotencyKey, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaignId}/donations") { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        return client.SendAsync(request);
    }

    /// <summary>Creates a donation and confirms it through the sandbox provider; returns the confirmed donation.</summary>
    public static async Task<JsonElement> DonateAsync(HttpClient client, Guid campaignId, long amount, string? name = "测试捐赠人", bool anonymous = false, string? message = null) =>
        (await DonateAndKeepTheAnswerAsync(client, campaignId, amount, name, anonymous, message)).Confirmed;

    /// <summary>As <see cref="DonateAsync"/>, with the receipt token the donor's create answer carried.</summary>
    public static async Task<(JsonElement Donation, string ReceiptToken)> DonateWithReceiptTokenAsync(
        HttpClient client, Guid campaignId, long amount, string? name = "测试捐赠人", bool anonymous = false, string? message = null)
    {
        var (created, confirmed) = await DonateAndKeepTheAnswerAsync(client, campaignId, amount, name, anonymous, message);
        return (confirmed, created.GetProperty("receiptToken").GetString()!);
    }

    /// <summary>Creates and confirms a sandbox gift: the create answer (the donor's) and the confirmed donation.</summary>
    public static async Task<(JsonElement Created, JsonElement Confirmed)> DonateAndKeepTheAnswerAsync(
        HttpClient client, Guid campaignId, long amount, string? name = "测试捐赠人", bool anonymous = false, string? message = null)
    {
        var response = await PostDonationAsync(client, campaignId, Guid.NewGuid().ToString(), new { amount, currency = "CNY", displayName = name, anonymous, message });
        response.EnsureSuccessStatusCode();
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        var confirmed = await client.PostAsync(created.GetProperty("payment").GetProperty("confirmUrl").GetString(), null);
        confirmed.EnsureSuccessStatusCode();
        return (created, await confirmed.Content.ReadFromJsonAsync<JsonElement>());
    }

    /// <summary>A gift's receipt as its donor opens it, with their token (header Receipt-Token).</summary>
    public static Task<HttpResponseMessage> GetReceiptAsync(HttpClient client, Guid donationId, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/donations/{donationId}/receipt");
        if (token is not null)
        {
            request.Headers.Add("Receipt-Token", token);
        }
        return client.SendAsync(request);
    }

    public static async Task<JsonElement> GetCampaignAsync(HttpClient client, Guid campaignId) =>
        await client.GetFromJsonAsync<JsonElement>($"/api/campaigns/{campaignId}");

    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
