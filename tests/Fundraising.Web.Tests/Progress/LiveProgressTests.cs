using System.Diagnostics;
using Microsoft.AspNetCore.SignalR;

namespace Fundraising.Web.Tests.Progress;

public sealed class LiveProgressTests(UnlimitedPlatform platform) : IClassFixture<UnlimitedPlatform>
{
    [Fact]
    public async Task WatchingSendsTheCurrentSnapshotAtOnce()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        await ApiCalls.DonateAsync(platform.Web.Client, campaign, 2_500);
        await using var watcher = await ProgressWatcher.ConnectAsync(platform.Web.BaseAddress);
        await watcher.WatchAsync(campaign);
        var snapshot = await watcher.WaitForRaisedAsync(campaign, 2_500, TimeSpan.FromSeconds(5));
        Assert.Equal(1, snapshot.GetProperty("donationCount").GetInt64());
        Assert.Equal(10_000_000, snapshot.GetProperty("goalAmount").GetInt64());
        Assert.Equal("live", snapshot.GetProperty("status").GetString());
        Assert.Equal("测试捐赠人", snapshot.GetProperty("recentDonors")[0].GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task DonationsMoveTheTotalForEveryWatcher()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        await using var first = await ProgressWatcher.ConnectAsync(platform.Web.BaseAddress);
        await using var second = await ProgressWatcher.ConnectAsync(platform.Web.BaseAddress);
        await first.WatchAsync(campaign);
        await second.WatchAsync(campaign);
        await ApiCalls.DonateAsync(platform.Web.Client, campaign, 1_000);
        await ApiCalls.DonateAsync(platform.Web.Client, campaign, 2_000);
        await first.WaitForRaisedAsync(campaign, 3_000);
        var seen = await second.WaitForRaisedAsync(campaign, 3_000);
        Assert.Equal(2, seen.GetProperty("donationCount").GetInt64());
    }

    [Fact]
    public async Task UpdatesAreCoalescedNotSentPerDonationAtThePeak()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        await using var watcher = await ProgressWatcher.ConnectAsync(platform.Web.BaseAddress);
        await watcher.WatchAsync(campaign);
        await watcher.WaitForRaisedAsync(campaign, 0);
        var clock = Stopwatch.StartNew();
        const int donations = 400;
        await Parallel.ForEachAsync(Enumerable.Range(1, donations), new ParallelOptions { MaxDegreeOfParallelism = 32 },
            async (i, _) => await ApiCalls.DonateAsync(platform.Web.Client, campaign, 10));
        await watcher.WaitForRaisedAsync(campaign, donations * 10);
        var elapsed = clock.Elapsed;

        // Four a second at most (plus the first snapshot and timer phase): far fewer messages than donations.
        var allowed = (int)Math.Ceiling(elapsed.TotalSeconds * 4) + 3;
        Assert.InRange(watcher.Messages.Count, 2, allowed);
        Assert.True(watcher.Messages.Count < donations / 4, $"{watcher.Messages.Count} messages for {donations} donations in {elapsed}");
        var versions = watcher.Messages.Select(m => m.GetProperty("version").GetInt64()).ToList();
        Assert.Equal(versions.Order(), versions);
    }

    [Fact]
    public async Task AnonymousDonorsAreNeverNamedToWatchers()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        await using var watcher = await ProgressWatcher.ConnectAsync(platform.Web.BaseAddress);
        await watcher.WatchAsync(campaign);
        await ApiCalls.DonateAsync(platform.Web.Client, campaign, 666, name: "不愿透露姓名的王先生", anonymous: true, message: "默默支持");
        var message = await watcher.WaitForRaisedAsync(campaign, 666);
        Assert.DoesNotContain("王先生", message.GetRawText());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, message.GetProperty("recentDonors")[0].GetProperty("displayName").ValueKind);
        Assert.Equal("默默支持", message.GetProperty("recentDonors")[0].GetProperty("message").GetString());
    }

    [Fact]
    public async Task WatchingAnUnknownOrMalformedCampaignFailsClearly()
    {
        await using var watcher = await ProgressWatcher.ConnectAsync(platform.Web.BaseAddress);
        var unknown = await Assert.ThrowsAsync<HubException>(() => watcher.WatchAsync(Guid.NewGuid()));
        Assert.Contains("no campaign", unknown.Message);
        Assert.Empty(watcher.Messages);
    }

    [Fact]
    public async Task UnwatchingStopsUpdates()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        await using var watcher = await ProgressWatcher.ConnectAsync(platform.Web.BaseAddress);
        await watcher.WatchAsync(campaign);
        await ApiCalls.DonateAsync(platform.Web.Client, campaign, 100);
        await watcher.WaitForRaisedAsync(campaign, 100);
        await watcher.UnwatchAsync(campaign);
        var before = watcher.Messages.Count;
        await ApiCalls.DonateAsync(platform.Web.Client, campaign, 100);
        // Another watcher proves the update was pushed; the one that left must not get it.
        await using var other = await ProgressWatcher.ConnectAsync(platform.Web.BaseAddress);
        await other.WatchAsync(campaign);
        await other.WaitForRaisedAsync(campaign, 200);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(before, watcher.Messages.Count);
    }

    [Fact]
    public async Task AConnectionWatchesAtMostTwentyCampaignsAndIsToldTheLimit()
    {
        var campaigns = new List<Guid>();
        for (var i = 0; i < 21; i++)
        {
            campaigns.Add(await ApiCalls.CreateLiveCampaignAsync(platform.Web));
        }
        await using var watcher = await ProgressWatcher.ConnectAsync(platform.Web.BaseAddress);
        foreach (var campaign in campaigns.Take(20))
        {
            await watcher.WatchAsync(campaign);
        }
        await watcher.WatchAsync(campaigns[0]); // watching one again is not another watch

        var refused = await Assert.ThrowsAsync<HubException>(() => watcher.WatchAsync(campaigns[20]));
        Assert.Contains("at most 20 campaigns", refused.Message);

        // The limit is on watches held at once: unwatching one makes room.
        await watcher.UnwatchAsync(campaigns[0]);
        await watcher.WatchAsync(campaigns[20]);
        await watcher.WaitForAsync(m => m.GetProperty("id").GetGuid() == campaigns[20], TimeSpan.FromSeconds(10));
    }
}
