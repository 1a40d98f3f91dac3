using System.Net.Http.Json;
using System.Text.Json;
using Fundraising.Web.Tests.Accounts;

namespace Fundraising.Web.Tests.Disbursements;

/// <summary>Calls the disbursement and ledger tests share.</summary>
public static class DisbursementCalls
{
    public static object Disbursement(long amount, string purpose = "老人食堂购置米面油", string payee = "棣花镇供销社", string currency = "CNY", DateTimeOffset? paidAt = null, Guid[]? photos = null) =>
        new { amount, currency, purpose, payee, paidAt = paidAt ?? DateTimeOffset.UtcNow.AddHours(-2), evidencePhotoIds = photos };

    public static Task<HttpResponseMessage> DisburseAsync(HttpClient client, Guid campaign, object body) =>
        client.PostAsJsonAsync($"/api/campaigns/{campaign}/disbursements", body);

    public static Task<HttpResponseMessage> CorrectAsync(HttpClient client, Guid disbursement, long? amount, string? reason = "金额录入有误") =>
        client.PostAsJsonAsync($"/api/disbursements/{disbursement}/corrections", new { amount, reason });

    /// <summary>Records a disbursement that must succeed; returns its answer.</summary>
    public static async Task<JsonElement> DisbursedAsync(HttpClient client, Guid campaign, long amount, string purpose = "老人食堂购置米面油")
    {
        var response = await DisburseAsync(client, campaign, Disbursement(amount, purpose));
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>An offline gift (cash) recorded by the bootstrap admin: money in, at once.</summary>
    public static async Task<Guid> OfflineGiftAsync(WebFrontEnd web, Guid campaign, long amount, string donorName = "村民代表", bool anonymous = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaign}/offline-donations")
        {
            Content = JsonContent.Create(new { amount, currency = "CNY", donorName, reference = $"CASH-{Guid.NewGuid():N}", method = "cash", anonymous }),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var response = await web.Admin.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    public static async Task<JsonElement> LedgerAsync(HttpClient client, Guid campaign, string query = "") =>
        await client.GetFromJsonAsync<JsonElement>($"/api/campaigns/{campaign}/ledger{query}");

    /// <summary>A village project in <paramref name="county"/>, live, and a coordinator of it alone.</summary>
    public static async Task<(Guid Campaign, StaffMember Coordinator)> ProjectWithCoordinatorAsync(WebFrontEnd web, string county = "丹凤县")
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(web, ApiCalls.NewCampaign(title: "棣花镇万湾村幸福家园", kind: "village", county: county, village: "万湾村"));
        return (campaign, await StaffClients.CreateAsync(web, "coordinator", new { campaignIds = new[] { campaign } }));
    }
}
