using System.Net.Http.Json;
using System.Text.Json;
using static Fundraising.Web.Tests.Villages.VillageCalls;

namespace Fundraising.Web.Tests.Villages;

/// <summary>The live feed over a real SignalR connection: gifts (anonymity kept), updates and milestones, and sub-plans' progress.</summary>
public sealed class LiveFeedTests(UnlimitedPlatform platform) : IClassFixture<UnlimitedPlatform>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task WatchFeedSendsGiftsUpdatesAndMilestonesAsTheyHappen()
    {
        var project = await ProjectAsync(platform.Web);
        var bridge = (await SubPlanAsync(platform.Web.Admin, project, "便民桥", 1_000_000)).GetProperty("id").GetGuid();
        await using var watcher = await ProgressWatcher.ConnectAsync(platform.Web.BaseAddress);
        await watcher.WatchAsync(project);
        await watcher.WatchFeedAsync(project);

        await GiveAsync(platform.Web.Client, project, 66_600, bridge, name: "不愿透露的王五", anonymous: true);
        var gift = Entry(await watcher.WaitForAsync("feed", m => Entries(m).Any(e => e.GetProperty("kind").GetString() == "gift"), Wait), "gift");
        Assert.Equal(("匿名爱心人士", 66_600L, "CNY"), (gift.GetProperty("name").GetString(), gift.GetProperty("amount").GetInt64(), gift.GetProperty("currency").GetString()));
        Assert.Equal((bridge, "便民桥"), (gift.GetProperty("subPlanId").GetGuid(), gift.GetProperty("subPlanTitle").GetString()));
        // The progress push that carried it has the sub-plan moved.
        var progress = await watcher.WaitForAsync("progress", m => m.TryGetProperty("subPlans", out var p) && p.ValueKind == JsonValueKind.Array
            && p.EnumerateArray().Any(s => s.GetProperty("raisedAmount").GetInt64() == 66_600), Wait);
        Assert.Equal(1, progress.GetProperty("subPlans")[0].GetProperty("donationCount").GetInt64());

        await platform.Web.Admin.PostAsJsonAsync($"/api/campaigns/{project}/updates", new { title = "桥墩浇好了", body = "再过一个月通车" });
        await platform.Web.Admin.PostAsJsonAsync($"/api/campaigns/{project}/milestones", new { title = "便民桥通车" });
        await watcher.WaitForAsync("feed", m => Entries(m).Any(e => e.GetProperty("kind").GetString() == "update" && e.GetProperty("title").GetString() == "桥墩浇好了"), Wait);
        await watcher.WaitForAsync("feed", m => Entries(m).Any(e => e.GetProperty("kind").GetString() == "milestone" && e.TryGetProperty("reachedAt", out var at) && at.ValueKind == JsonValueKind.String), Wait);

        // Nothing anywhere in the feed names the anonymous donor, and every message is about this project.
        var feeds = watcher.MessagesByMethod.Where(m => m.Method == "feed").Select(m => m.Message).ToList();
        Assert.All(feeds, m => Assert.Equal(project, m.GetProperty("campaignId").GetGuid()));
        Assert.DoesNotContain(feeds, m => m.GetRawText().Contains("王五", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ADisbursementAndItsCorrectionReachTheLiveFeedAndItsHistoryWithTheirOwnProjectsEvidenceOnly()
    {
        var project = await ProjectAsync(platform.Web);
        var other = await ProjectAsync(platform.Web);
        await Disbursements.DisbursementCalls.OfflineGiftAsync(platform.Web, project, 500_000);
        var receipt = await PhotoAsync(platform.Web.Admin, project);
        var elsewhere = await PhotoAsync(platform.Web.Admin, other);
        await using var watcher = await ProgressWatcher.ConnectAsync(platform.Web.BaseAddress);
        await watcher.WatchFeedAsync(project);

        // Evidence must be this project's own photos: another project's is refused by name, and nothing is recorded.
        var refused = await Disbursements.DisbursementCalls.DisburseAsync(platform.Web.Admin, project,
            Disbursements.DisbursementCalls.Disbursement(120_000, "食堂灶具", "镇五金店", photos: [receipt, elsewhere]));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains(elsewhere.ToString(), (await refused.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM disbursements WHERE campaign_id = $1", project));

        var paid = await Disbursements.DisbursementCalls.DisburseAsync(platform.Web.Admin, project,
            Disbursements.DisbursementCalls.Disbursement(120_000, "食堂灶具", "镇五金店", photos: [receipt]));
        Assert.True(paid.IsSuccessStatusCode, await paid.Content.ReadAsStringAsync());
        var id = (await paid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var live = await watcher.WaitForAsync("feed", m => Entries(m).Any(e => e.GetProperty("kind").GetString() == "disbursement"), Wait);
        var entry = Entry(live, "disbursement");
        Assert.Equal((id, 120_000L, "食堂灶具", "镇五金店"), (entry.GetProperty("id").GetGuid(), entry.GetProperty("amount").GetInt64(),
            entry.GetProperty("title").GetString(), entry.GetProperty("name").GetString()));

        (await Disbursements.DisbursementCalls.CorrectAsync(platform.Web.Admin, id, -20_000, "多记了两万")).EnsureSuccessStatusCode();
        await watcher.WaitForAsync("feed", m => Entries(m).Any(e => e.GetProperty("kind").GetString() == "disbursement"
            && e.GetProperty("amount").GetInt64() == -20_000 && e.GetProperty("body").GetString() == "多记了两万"), Wait);

        // The history has both, newest first, after the gift that paid for them.
        var history = (await FeedAsync(platform.Web.Client, project)).EnumerateArray().ToList();
        Assert.Equal(["disbursement", "disbursement", "gift"], history.Select(e => e.GetProperty("kind").GetString()));
        Assert.Equal([-20_000L, 120_000L], history.Take(2).Select(e => e.GetProperty("amount").GetInt64()));
    }

    [Fact]
    public async Task WatchFeedRefusesUnknownCampaigns()
    {
        await using var watcher = await ProgressWatcher.ConnectAsync(platform.Web.BaseAddress);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => watcher.WatchFeedAsync(Guid.CreateVersion7()));
        Assert.Contains("no campaign", error.Message, StringComparison.Ordinal);
    }

    private static IEnumerable<JsonElement> Entries(JsonElement message) => message.GetProperty("entries").EnumerateArray();

    private static JsonElement Entry(JsonElement message, string kind) => Entries(message).First(e => e.GetProperty("kind").GetString() == kind);
}
