using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Fundraising.Web.Tests.Accounts;
using SkiaSharp;
using static Fundraising.Web.Tests.Villages.VillageCalls;

namespace Fundraising.Web.Tests.Villages;

/// <summary>Village projects through the API: claims, sub-plans and the gifts that name them, photos, updates, milestones, the feed.</summary>
public sealed class VillageProjectTests(UnlimitedPlatform platform) : IClassFixture<UnlimitedPlatform>
{
    private readonly HttpClient _admin = platform.Web.Admin;
    private readonly HttpClient _public = platform.Web.Client;

    [Fact]
    public async Task GiftsNamingASubPlanMoveItAndRefundsTakeItBack()
    {
        var project = await ProjectAsync(platform.Web);
        var canteen = (await SubPlanAsync(_admin, project, "老年食堂", 2_000_000)).GetProperty("id").GetGuid();
        var bridge = (await SubPlanAsync(_admin, project, "便民桥", 5_000_000)).GetProperty("id").GetGuid();

        var first = await GiveAsync(_public, project, 30_000, canteen);
        await GiveAsync(_public, project, 12_000, canteen, anonymous: true);
        await GiveAsync(_public, project, 7_000);
        await GiveAsync(_public, project, 50_000, bridge);

        var plans = await SubPlansAsync(_public, project);
        Assert.Equal(["老年食堂", "便民桥"], plans.EnumerateArray().Select(p => p.GetProperty("title").GetString()));
        Assert.Equal((2_000_000, 42_000, 2), Progress(SubPlanOf(plans, canteen)));
        Assert.Equal((5_000_000, 50_000, 1), Progress(SubPlanOf(plans, bridge)));
        // A gift without a sub-plan goes to the project: counted in the project's total, in no sub-plan.
        var campaign = await ApiCalls.GetCampaignAsync(_public, project);
        Assert.Equal(99_000, campaign.GetProperty("raisedAmount").GetInt64());
        Assert.Equal(canteen, first.GetProperty("subPlanId").GetGuid());

        // A partial refund reduces the sub-plan's money; a full one its gifts (人次) too. The rows agree with memory.
        Assert.Equal(HttpStatusCode.Created, (await RefundAsync(_admin, first.GetProperty("id").GetGuid(), 10_000)).StatusCode);
        Assert.Equal((2_000_000, 32_000, 2), Progress(SubPlanOf(await SubPlansAsync(_public, project), canteen)));
        Assert.Equal(HttpStatusCode.Created, (await RefundAsync(_admin, first.GetProperty("id").GetGuid(), null)).StatusCode);
        Assert.Equal((2_000_000, 12_000, 1), Progress(SubPlanOf(await SubPlansAsync(_public, project), canteen)));
        Assert.Equal(12_000, await platform.Database.ScalarAsync<long>("SELECT raised_amount FROM sub_plans WHERE id = $1", canteen));
        Assert.Equal(1, await platform.Database.ScalarAsync<long>("SELECT donation_count FROM sub_plans WHERE id = $1", canteen));
        Assert.Equal(12_000, await platform.Database.ScalarAsync<long>(
            "SELECT sum(amount - refunded_amount)::bigint FROM donations WHERE sub_plan_id = $1 AND status <> 'pending'", canteen));

        // Villagers' cash, recorded by staff, may name a sub-plan too; a sub-plan of another project is refused.
        var cash = await _admin.PostAsJsonAsync($"/api/campaigns/{project}/offline-donations",
            new { amount = 88_000, currency = "CNY", donorName = "村民代表", reference = $"CASH-{Guid.NewGuid():N}", subPlanId = bridge });
        Assert.Equal(HttpStatusCode.Created, cash.StatusCode);
        Assert.Equal((5_000_000, 138_000, 2), Progress(SubPlanOf(await SubPlansAsync(_public, project), bridge)));
        var stranger = await ProjectAsync(platform.Web);
        var wrong = await _admin.PostAsJsonAsync($"/api/campaigns/{stranger}/offline-donations",
            new { amount = 1_000, currency = "CNY", donorName = "村民", reference = $"CASH-{Guid.NewGuid():N}", subPlanId = bridge });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.True((await ApiCalls.ProblemAsync(wrong)).GetProperty("errors").TryGetProperty("subPlanId", out _));
    }

    [Fact]
    public async Task ConcurrentGiftsAcrossSubPlansAddUpExactlyInMemoryAndInTheRows()
    {
        var project = await ProjectAsync(platform.Web);
        var plans = new[] { (await SubPlanAsync(_admin, project, "老年食堂")).GetProperty("id").GetGuid(), (await SubPlanAsync(_admin, project, "便民桥")).GetProperty("id").GetGuid() };
        // 300 gifts at once (each created, then paid): a third to each sub-plan, a third to the project; they share commit batches.
        var started = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 300).Select(i => GiveAsync(_public, project, 100 + i, i % 3 == 2 ? null : plans[i % 3])));
        var elapsed = started.Elapsed;
        var memory = await SubPlansAsync(_public, project);
        for (var k = 0; k < 2; k++)
        {
            var expected = Enumerable.Range(0, 300).Where(i => i % 3 == k).Sum(i => 100L + i);
            Assert.Equal((2_000_000, expected, 100), Progress(SubPlanOf(memory, plans[k])));
            Assert.Equal(expected, await platform.Database.ScalarAsync<long>("SELECT raised_amount FROM sub_plans WHERE id = $1", plans[k]));
            Assert.Equal(expected, await platform.Database.ScalarAsync<long>("SELECT sum(amount)::bigint FROM donations WHERE sub_plan_id = $1 AND status = 'succeeded'", plans[k]));
        }
        Assert.Equal(Enumerable.Range(0, 300).Sum(i => 100L + i), (await ApiCalls.GetCampaignAsync(_public, project)).GetProperty("raisedAmount").GetInt64());
        Console.WriteLine($"300 gifts (create and pay) over 2 sub-plans and the project: {elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task AGiftNamingAnotherProjectsSubPlanIsRefusedAndChangesNothing()
    {
        var project = await ProjectAsync(platform.Web);
        var other = await ProjectAsync(platform.Web);
        var theirs = (await SubPlanAsync(_admin, other, "儿童之家")).GetProperty("id").GetGuid();

        foreach (var subPlan in new[] { theirs, Guid.CreateVersion7() })
        {
            var refused = await PostGiftAsync(_public, project, 10_000, subPlan);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var problem = await ApiCalls.ProblemAsync(refused);
            Assert.Contains("not a sub-plan of this project", problem.GetProperty("errors").GetProperty("subPlanId")[0].GetString(), StringComparison.Ordinal);
        }
        Assert.Equal(0, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM donations WHERE campaign_id = $1", project));
        Assert.Equal(0, (await ApiCalls.GetCampaignAsync(_public, project)).GetProperty("raisedAmount").GetInt64());
        Assert.Equal((2_000_000, 0, 0), Progress(SubPlanOf(await SubPlansAsync(_public, other), theirs)));
    }

    [Fact]
    public async Task BadSubPlansAreRefusedWithAProblemNamingWhatIsWrong()
    {
        var project = await ProjectAsync(platform.Web);
        foreach (var (body, field) in new (object, string)[]
        {
            (new { title = "", goalAmount = 100 }, "title"),
            (new { title = new string('桥', 81), goalAmount = 100 }, "title"),
            (new { title = "零目标", goalAmount = 0 }, "goalAmount"),
            (new { title = "负目标", goalAmount = -1 }, "goalAmount"),
            (new { title = "说明太长", goalAmount = 100, description = new string('字', 2001) }, "description"),
        })
        {
            var bad = await _admin.PostAsJsonAsync($"/api/campaigns/{project}/subplans", body);
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.True((await ApiCalls.ProblemAsync(bad)).GetProperty("errors").TryGetProperty(field, out _), field);
        }
        await SubPlanAsync(_admin, project, "老年食堂");
        var twice = await _admin.PostAsJsonAsync($"/api/campaigns/{project}/subplans", new { title = "老年食堂", goalAmount = 100 });
        Assert.Equal(HttpStatusCode.BadRequest, twice.StatusCode);
        Assert.True((await ApiCalls.ProblemAsync(twice)).GetProperty("errors").TryGetProperty("title", out _));

        var appeal = await ProjectAsync(platform.Web, kind: "appeal");
        var notVillage = await _admin.PostAsJsonAsync($"/api/campaigns/{appeal}/subplans", new { title = "食堂", goalAmount = 100 });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, notVillage.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.PostAsJsonAsync($"/api/campaigns/{Guid.CreateVersion7()}/subplans", new { title = "食堂", goalAmount = 100 })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _public.PostAsJsonAsync($"/api/campaigns/{project}/subplans", new { title = "食堂二", goalAmount = 100 })).StatusCode);
        Assert.Equal(1, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM sub_plans WHERE campaign_id = $1", project));
        Assert.Equal(0, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM sub_plans WHERE campaign_id = $1", appeal));
    }

    [Fact]
    public async Task PhotosAreReencodedSoOnlyPixelsAreServedWithTheRightHeaders()
    {
        var project = await ProjectAsync(platform.Web);
        // A real PNG with a script appended after its end: a polyglot. Only re-encoded pixels may come back.
        var png = Image(320, 200);
        var polyglot = png.Concat(Encoding.ASCII.GetBytes("<script>alert(1)</script>")).ToArray();
        var uploaded = await UploadAsync(_admin, project, polyglot, "村口.png", "text/html");
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        var photo = await uploaded.Content.ReadFromJsonAsync<JsonElement>();
        var id = photo.GetProperty("id").GetGuid();
        Assert.Equal($"/api/photos/{id}", photo.GetProperty("url").GetString());

        var served = await _public.GetAsync($"/api/photos/{id}");
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal("image/png", served.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", served.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("immutable", served.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromDays(365), served.Headers.CacheControl?.MaxAge);
        var bytes = await served.Content.ReadAsByteArrayAsync();
        Assert.DoesNotContain("<script>", Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
        using (var decoded = SKBitmap.Decode(bytes))
        {
            Assert.Equal((320, 200), (decoded.Width, decoded.Height));
            Assert.Equal(SKColors.Red, decoded.GetPixel(10, 10));
            Assert.Equal(SKColors.SkyBlue, decoded.GetPixel(300, 180));
        }

        // A JPEG named .gif and sent as text/plain is still a JPEG, served as one; a large one is scaled down.
        var jpeg = await UploadAsync(_admin, project, Image(3000, 1500, SKEncodedImageFormat.Jpeg), "x.gif", "text/plain");
        Assert.Equal(HttpStatusCode.Created, jpeg.StatusCode);
        var jpegServed = await _public.GetAsync((await jpeg.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString());
        Assert.Equal("image/jpeg", jpegServed.Content.Headers.ContentType?.MediaType);
        using (var decoded = SKBitmap.Decode(await jpegServed.Content.ReadAsByteArrayAsync()))
        {
            Assert.Equal((2048, 1024), (decoded.Width, decoded.Height));
        }
        // The project's story is its description and its photos.
        var story = await _public.GetFromJsonAsync<JsonElement>($"/api/campaigns/{project}/village");
        Assert.Equal("村里的老人需要一个食堂，孩子们需要一座桥。", story.GetProperty("story").GetString());
        Assert.Equal(2, story.GetProperty("photos").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await _public.GetAsync($"/api/photos/{Guid.CreateVersion7()}")).StatusCode);
    }

    [Fact]
    public async Task BadFilesAreRefusedWithAProblemAndNothingIsStored()
    {
        var project = await ProjectAsync(platform.Web);
        var before = await FootprintAsync(platform.Database, project);
        var cases = new (byte[] Bytes, string Name, string Type, HttpStatusCode Status, string Says)[]
        {
            (Encoding.UTF8.GetBytes("这不是图片，只是改了名字的文本。"), "photo.jpg", "image/jpeg", HttpStatusCode.BadRequest, "not a JPEG, PNG or WebP"),
            ([], "empty.png", "image/png", HttpStatusCode.BadRequest, "empty"),
            // A JPEG's signature on garbage: the codec does not read it.
            ([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5, 6, 7, 8], "broken.jpg", "image/jpeg", HttpStatusCode.BadRequest, "not a readable"),
            // A small file that declares too many pixels is refused before its pixels are decoded.
            (Image(8100, 10), "wide.png", "image/png", HttpStatusCode.BadRequest, "pixels"),
            (new byte[PhotoLimit + 1], "huge.png", "image/png", HttpStatusCode.RequestEntityTooLarge, "MB"),
        };
        foreach (var (bytes, name, type, status, says) in cases)
        {
            var refused = await UploadAsync(_admin, project, bytes, name, type);
            Assert.True(refused.StatusCode == status, $"{name}: {(int)refused.StatusCode} {await refused.Content.ReadAsStringAsync()}");
            Assert.Contains(says, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        var notMultipart = await _admin.PostAsJsonAsync($"/api/campaigns/{project}/photos", new { file = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, notMultipart.StatusCode);
        Assert.Equal(before, await FootprintAsync(platform.Database, project));
    }

    private const int PhotoLimit = 5 * 1024 * 1024;

    [Fact]
    public async Task UpdatesAndMilestonesWithTheirPhotosAreInTheFeedWithGiftsAndAnonymityHolds()
    {
        var project = await ProjectAsync(platform.Web);
        var canteen = (await SubPlanAsync(_admin, project)).GetProperty("id").GetGuid();
        var photo = await PhotoAsync(_admin, project);
        await GiveAsync(_public, project, 20_000, canteen, name: "秘密捐赠人张三", anonymous: true);
        await GiveAsync(_public, project, 8_000, name: "李四");

        var update = await _admin.PostAsJsonAsync($"/api/campaigns/{project}/updates", new { title = "食堂开工了", body = "今天打地基。", photoIds = new[] { photo } });
        Assert.Equal(HttpStatusCode.Created, update.StatusCode);
        var reached = new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.FromHours(8));
        var milestone = await _admin.PostAsJsonAsync($"/api/campaigns/{project}/milestones", new { title = "食堂建成", reachedAt = reached });
        Assert.Equal(HttpStatusCode.Created, milestone.StatusCode);

        var feed = await FeedAsync(_public, project);
        Assert.Equal(["milestone", "update", "gift", "gift"], feed.EnumerateArray().Select(e => e.GetProperty("kind").GetString()));
        Assert.Equal(reached, feed[0].GetProperty("reachedAt").GetDateTimeOffset());
        Assert.Equal("食堂开工了", feed[1].GetProperty("title").GetString());
        Assert.Equal($"/api/photos/{photo}", feed[1].GetProperty("photos")[0].GetProperty("url").GetString());
        Assert.Equal(("李四", 8_000L), (feed[2].GetProperty("name").GetString(), feed[2].GetProperty("amount").GetInt64()));
        Assert.Equal(("匿名爱心人士", "老年食堂"), (feed[3].GetProperty("name").GetString(), feed[3].GetProperty("subPlanTitle").GetString()));
        var raw = await _public.GetStringAsync($"/api/campaigns/{project}/feed");
        Assert.DoesNotContain("张三", raw, StringComparison.Ordinal);

        // Paging: the older page starts where the first ended.
        var page = await _public.GetFromJsonAsync<JsonElement>($"/api/campaigns/{project}/feed?limit=3");
        Assert.Equal(3, page.GetProperty("entries").GetArrayLength());
        var older = await _public.GetFromJsonAsync<JsonElement>(
            $"/api/campaigns/{project}/feed?limit=3&before={Uri.EscapeDataString(page.GetProperty("next").GetDateTimeOffset().ToString("O"))}");
        Assert.Equal("匿名爱心人士", Assert.Single(older.GetProperty("entries").EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, older.GetProperty("next").ValueKind);
    }

    [Fact]
    public async Task BadPostsAreRefusedAndAPhotoOfAnotherProjectIsNeverAttached()
    {
        var project = await ProjectAsync(platform.Web);
        var other = await ProjectAsync(platform.Web);
        var theirs = await PhotoAsync(_admin, other);
        var before = await FootprintAsync(platform.Database, project);
        foreach (var (url, body, field) in new (string, object, string)[]
        {
            ("updates", new { title = "", body = "x" }, "title"),
            ("updates", new { title = "没有正文" }, "body"),
            ("updates", new { title = "太长", body = new string('字', 5001) }, "body"),
            ("updates", new { title = "别人的照片", body = "x", photoIds = new[] { theirs } }, "photoIds"),
            ("updates", new { title = "照片太多", body = "x", photoIds = Enumerable.Range(0, 10).Select(_ => Guid.CreateVersion7()).ToArray() }, "photoIds"),
            ("milestones", new { title = new string('题', 121) }, "title"),
            ("milestones", new { title = "没有的照片", photoIds = new[] { Guid.CreateVersion7() } }, "photoIds"),
        })
        {
            var bad = await _admin.PostAsJsonAsync($"/api/campaigns/{project}/{url}", body);
            Assert.True(bad.StatusCode == HttpStatusCode.BadRequest, $"{url} {field}: {(int)bad.StatusCode}");
            Assert.True((await ApiCalls.ProblemAsync(bad)).GetProperty("errors").TryGetProperty(field, out _), field);
        }
        Assert.Equal(before, await FootprintAsync(platform.Database, project));
        Assert.Empty((await FeedAsync(_public, project)).EnumerateArray());
    }

    [Fact]
    public async Task ACountyAssociationClaimsAVillageInItsCountyOnceAndLinksItsProject()
    {
        var village = "石门村" + Guid.NewGuid().ToString("N")[..4];
        var project = await ProjectAsync(platform.Web, village: village, town: "棣花镇");
        var danfeng = await StaffClients.CreateAsync(platform.Web, "association", new { county = County });
        var shanyang = await StaffClients.CreateAsync(platform.Web, "association", new { county = "山阳县" });
        var coordinator = await StaffClients.CreateAsync(platform.Web, "coordinator", new { campaignIds = new[] { project } });

        var body = new { county = County, town = "棣花镇", village, campaignId = project };
        Assert.Equal(HttpStatusCode.Forbidden, (await shanyang.Bearer.PostAsJsonAsync("/api/villages/claims", body)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await coordinator.Bearer.PostAsJsonAsync("/api/villages/claims", body)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _public.PostAsJsonAsync("/api/villages/claims", body)).StatusCode);
        var claimed = await danfeng.Bearer.PostAsJsonAsync("/api/villages/claims", body);
        Assert.Equal(HttpStatusCode.Created, claimed.StatusCode);
        // One claim per village: claiming it again (with or without a project) is a conflict.
        Assert.Equal(HttpStatusCode.Conflict, (await danfeng.Bearer.PostAsJsonAsync("/api/villages/claims", new { county = County, town = "棣花镇", village })).StatusCode);
        Assert.Equal(1, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM village_claims WHERE village = $1", village));

        var story = await _public.GetFromJsonAsync<JsonElement>($"/api/campaigns/{project}/village");
        Assert.Equal(village, story.GetProperty("claim").GetProperty("village").GetString());
        var list = await _public.GetFromJsonAsync<JsonElement>($"/api/villages/claims?county={Uri.EscapeDataString(County)}");
        Assert.Contains(list.GetProperty("items").EnumerateArray(), c => c.GetProperty("village").GetString() == village && c.GetProperty("campaignId").GetGuid() == project);

        // A claim's project must be a village project of that very village; a village project without a claim still works.
        var appeal = await ProjectAsync(platform.Web, kind: "appeal");
        var wrong = await danfeng.Bearer.PostAsJsonAsync("/api/villages/claims", new { county = County, village = "别的村" + Guid.NewGuid().ToString("N")[..4], campaignId = appeal });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.True((await ApiCalls.ProblemAsync(wrong)).GetProperty("errors").TryGetProperty("campaignId", out _));
        foreach (var (bad, field) in new (object, string)[] { (new { county = "", village = "村" }, "county"), (new { county = County, village = "" }, "village") })
        {
            var refused = await danfeng.Bearer.PostAsJsonAsync("/api/villages/claims", bad);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.True((await ApiCalls.ProblemAsync(refused)).GetProperty("errors").TryGetProperty(field, out _), field);
        }
        var unclaimed = await ProjectAsync(platform.Web);
        Assert.Equal(JsonValueKind.Null, (await _public.GetFromJsonAsync<JsonElement>($"/api/campaigns/{unclaimed}/village")).GetProperty("claim").ValueKind);
    }

    [Fact]
    public async Task TheFollowedFeedMergesProjectsAndRefusesBadLists()
    {
        var a = await ProjectAsync(platform.Web);
        var b = await ProjectAsync(platform.Web);
        await GiveAsync(_public, a, 1_000, name: "甲");
        await _admin.PostAsJsonAsync($"/api/campaigns/{b}/updates", new { title = "乙村的消息", body = "路修好了" });
        var feed = (await _public.GetFromJsonAsync<JsonElement>($"/api/feed?campaignIds={a},{b}")).GetProperty("entries");
        Assert.Equal([b, a], feed.EnumerateArray().Select(e => e.GetProperty("campaignId").GetGuid()));

        foreach (var bad in new[] { "", "not-a-guid", string.Join(",", Enumerable.Range(0, 21).Select(_ => Guid.CreateVersion7())) })
        {
            var refused = await _public.GetAsync($"/api/feed?campaignIds={bad}");
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.True((await ApiCalls.ProblemAsync(refused)).GetProperty("errors").TryGetProperty("campaignIds", out _));
        }
        Assert.Equal(HttpStatusCode.BadRequest, (await _public.GetAsync($"/api/campaigns/{a}/feed?limit=0")).StatusCode);
    }

    private static (long Goal, long Raised, long Count) Progress(JsonElement plan) =>
        (plan.GetProperty("goalAmount").GetInt64(), plan.GetProperty("raisedAmount").GetInt64(), plan.GetProperty("donationCount").GetInt64());
}
