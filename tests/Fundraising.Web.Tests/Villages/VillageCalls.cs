using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using SkiaSharp;

namespace Fundraising.Web.Tests.Villages;

/// <summary>Calls the village tests share: projects, sub-plans, gifts naming a sub-plan, refunds, photos made by SkiaSharp.</summary>
public static class VillageCalls
{
    public const string County = "丹凤县";

    /// <summary>Creates and opens a village project (慈善幸福家园) in <paramref name="county"/>; returns its id.</summary>
    public static Task<Guid> ProjectAsync(WebFrontEnd web, string county = County, string? village = null, string? town = null, string kind = "village") =>
        ApiCalls.CreateLiveCampaignAsync(web, new
        {
            title = $"{village ?? "棣花"}村幸福家园",
            description = "村里的老人需要一个食堂，孩子们需要一座桥。",
            kind,
            region = new { province = "陕西省", city = "商洛市", county, town, village = kind == "village" ? village ?? "棣花村" + Guid.NewGuid().ToString("N")[..4] : null },
            currency = "CNY",
            goalAmount = 50_000_000,
            startsAt = DateTimeOffset.UtcNow.AddHours(-1),
            endsAt = DateTimeOffset.UtcNow.AddDays(7),
        });

    public static async Task<JsonElement> SubPlanAsync(HttpClient staff, Guid campaignId, string title = "老年食堂", long goalAmount = 2_000_000)
    {
        var created = await staff.PostAsJsonAsync($"/api/campaigns/{campaignId}/subplans", new { title, goalAmount, description = "每天一顿热饭" });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return await created.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static async Task<JsonElement> SubPlansAsync(HttpClient client, Guid campaignId) =>
        (await client.GetFromJsonAsync<JsonElement>($"/api/campaigns/{campaignId}/subplans")).GetProperty("items");

    public static JsonElement SubPlanOf(JsonElement items, Guid id) => items.EnumerateArray().Single(p => p.GetProperty("id").GetGuid() == id);

    public static Task<HttpResponseMessage> PostGiftAsync(HttpClient client, Guid campaignId, long amount, Guid? subPlanId, string? name = "测试捐赠人", bool anonymous = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaignId}/donations")
        {
            Content = JsonContent.Create(new { amount, currency = "CNY", displayName = name, anonymous, subPlanId }),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        return client.SendAsync(request);
    }

    /// <summary>A paid sandbox gift, naming a sub-plan or not; returns the paid gift.</summary>
    public static async Task<JsonElement> GiveAsync(HttpClient client, Guid campaignId, long amount, Guid? subPlanId = null, string? name = "测试捐赠人", bool anonymous = false)
    {
        var created = await PostGiftAsync(client, campaignId, amount, subPlanId, name, anonymous);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var paid = await client.PostAsync(body.GetProperty("payment").GetProperty("confirmUrl").GetString(), null);
        paid.EnsureSuccessStatusCode();
        return await paid.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static async Task<HttpResponseMessage> RefundAsync(HttpClient admin, Guid donationId, long? amount)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/donations/{donationId}/refunds") { Content = JsonContent.Create(new { amount, reason = "捐错了项目" }) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        return await admin.SendAsync(request);
    }

    /// <summary>A real image drawn and encoded by SkiaSharp: a gradient with a red square, so its pixels can be checked.</summary>
    public static byte[] Image(int width, int height, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.SkyBlue);
            using var paint = new SKPaint { Color = SKColors.Red };
            canvas.DrawRect(0, 0, Math.Max(1, width / 4), Math.Max(1, height / 4), paint);
        }
        using var data = bitmap.Encode(format, 90);
        return data.ToArray();
    }

    public static Task<HttpResponseMessage> UploadAsync(
        HttpClient staff, Guid campaignId, byte[] bytes, string fileName = "photo.png", string contentType = "image/png", string? caption = null)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        form.Add(file, "file", fileName);
        if (caption is not null)
        {
            form.Add(new StringContent(caption), "caption");
        }
        return staff.PostAsync($"/api/campaigns/{campaignId}/photos", form);
    }

    public static async Task<Guid> PhotoAsync(HttpClient staff, Guid campaignId, string? caption = null)
    {
        var uploaded = await UploadAsync(staff, campaignId, Image(64, 48), caption: caption);
        Assert.True(uploaded.StatusCode == HttpStatusCode.Created, await uploaded.Content.ReadAsStringAsync());
        return (await uploaded.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    public static async Task<JsonElement> FeedAsync(HttpClient client, Guid campaignId, string query = "") =>
        (await client.GetFromJsonAsync<JsonElement>($"/api/campaigns/{campaignId}/feed{query}")).GetProperty("entries");

    /// <summary>What a project holds that its writes change: sub-plans, photos, feed entries (posts), disbursements, audit rows.</summary>
    public static async Task<(long SubPlans, long Photos, long Posts, long Disbursements, long Audit)> FootprintAsync(TestDatabase database, Guid campaignId) => (
        await database.ScalarAsync<long>("SELECT count(*) FROM sub_plans WHERE campaign_id = $1", campaignId),
        await database.ScalarAsync<long>("SELECT count(*) FROM photos WHERE campaign_id = $1", campaignId),
        await database.ScalarAsync<long>("SELECT count(*) FROM project_posts WHERE campaign_id = $1", campaignId),
        await database.ScalarAsync<long>("SELECT count(*) FROM disbursements WHERE campaign_id = $1", campaignId),
        await database.ScalarAsync<long>("SELECT count(*) FROM admin_audit WHERE campaign_id = $1", campaignId));
}
