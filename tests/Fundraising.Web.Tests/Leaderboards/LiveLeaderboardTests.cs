using System.Diagnostics;
using System.Text.Json;
using Fundraising.Web.Tests.Matching;
using Microsoft.AspNetCore.SignalR;
using static Fundraising.Web.Tests.Leaderboards.BoardCalls;

namespace Fundraising.Web.Tests.Leaderboards;

/// <summary>The boards over SignalR (the real hub at /hubs/progress, a real client): at once, then live, about once a second.</summary>
public sealed class LiveLeaderboardTests(UnlimitedPlatform platform) : IClassFixture<UnlimitedPlatform>
{
    private readonly HttpClient _admin = platform.Web.Admin;
    private readonly HttpClient _public = platform.Web.Client;

    private static long Total(JsonElement board) => board.GetProperty("totals").GetProperty("amount").GetInt64();

    [Fact]
    public async Task WatchLeaderboardSendsTheBoardAtOnceThenAGiftWithinTwoSeconds()
    {
        var campaign = await CampaignAsync(platform.Web, Unique("市"), Unique("县"));
        var eventId = await EventAsync(_admin, [campaign]);
        await GiveAsync(_public, campaign, 1_000);
        await BoardWhenAsync(_public, eventId, "campaigns", board => TotalAmount(board) == 1_000);

        await using var watcher = await ProgressWatcher.ConnectAsync(platform.Web.BaseAddress);
        await watcher.InvokeAsync("WatchLeaderboard", eventId.ToString(), "campaigns", "amount");
        var first = await watcher.WaitForAsync("leaderboard", m => true, TimeSpan.FromSeconds(2));
        Assert.Equal(1_000, Total(first));
        Assert.Equal("campaigns", first.GetProperty("board").GetString());
        Assert.Equal("amount", first.GetProperty("by").GetString());
        Assert.Equal(campaign.ToString(), first.GetProperty("entries")[0].GetProperty("key").GetString());

        await GiveAsync(_public, campaign, 2_345);
        var acknowledged = Stopwatch.StartNew();
        var moved = await watcher.WaitForAsync("leaderboard",
            m => m.GetProperty("board").GetString() == "campaigns" && m.GetProperty("by").GetString() == "amount" && Total(m) == 3_345, TimeSpan.FromSeconds(5));
        Assert.True(acknowledged.Elapsed < TimeSpan.FromSeconds(2), $"The board showed the gift {acknowledged.Elapsed} after it was acknowledged.");
        Assert.Equal(2, moved.GetProperty("entries")[0].GetProperty("count").GetInt64());

        // Unwatched: no more boards on this connection.
        await watcher.InvokeAsync("UnwatchLeaderboard", eventId.ToString(), "campaigns", "amount");
        var seen = watcher.MessagesByMethod.Count;
        await GiveAsync(_public, campaign, 1);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.DoesNotContain(watcher.MessagesByMethod.Skip(seen), m => m.Method == "leaderboard" && Total(m.Message) == 3_346);
    }

    [Fact]
    public async Task WatchingAnEntryGivesItsRankOnBothOrdersAndFollowsIt()
    {
        var city = Unique("市");
        var (big, busy) = (await CampaignAsync(platform.Web, city, Unique("县")), await CampaignAsync(platform.Web, city, Unique("县")));
        var eventId = await EventAsync(_admin, [big, busy]);
        await GiveAsync(_public, big, 10_000);
        for (var i = 0; i < 3; i++)
        {
            await GiveAsync(_public, busy, 100);
        }
        await BoardWhenAsync(_public, eventId, "campaigns", board => TotalAmount(board) == 10_300);

        await using var watcher = await ProgressWatcher.ConnectAsync(platform.Web.BaseAddress);
        await watcher.InvokeAsync("WatchLeaderboardEntry", eventId.ToString(), "campaigns", busy.ToString());
        var entry = await watcher.WaitForAsync("leaderboardEntry", m => true, TimeSpan.FromSeconds(2));
        Assert.Equal((2, 1), (entry.GetProperty("rankByAmount").GetInt32(), entry.GetProperty("rankByCount").GetInt32()));
        Assert.Equal((300, 3), (entry.GetProperty("amount").GetInt64(), entry.GetProperty("count").GetInt64()));
        Assert.Equal(eventId, entry.GetProperty("eventId").GetGuid());

        await GiveAsync(_public, busy, 20_000);
        var moved = await watcher.WaitForAsync("leaderboardEntry", m => m.GetProperty("amount").GetInt64() == 20_300, TimeSpan.FromSeconds(5));
        Assert.Equal((1, 1), (moved.GetProperty("rankByAmount").GetInt32(), moved.GetProperty("rankByCount").GetInt32()));

        var counties = await watcher.InvokeAndFailAsync("WatchLeaderboardEntry", eventId.ToString(), "campaigns", Guid.NewGuid().ToString());
        Assert.Contains("no entry", counties.Message, StringComparison.Ordinal);
        var badBoard = await watcher.InvokeAndFailAsync("WatchLeaderboard", eventId.ToString(), "planets", "amount");
        Assert.Contains("'board'", badBoard.Message, StringComparison.Ordinal);
        var unknown = await watcher.InvokeAndFailAsync("WatchLeaderboard", Guid.NewGuid().ToString(), "campaigns", "amount");
        Assert.Contains("no event", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WatchTeamSendsTheTeamAtOnceThenItsGiftsAndNeverAnAnonymousName()
    {
        var campaign = await CampaignAsync(platform.Web, Unique("市"), Unique("县"));
        var eventId = await EventAsync(_admin, [campaign]);
        var token = await MatchingCalls.VerifyAsync(_public);
        var team = (await TeamAsync(_public, campaign, token)).GetProperty("id").GetGuid();

        await using var watcher = await ProgressWatcher.ConnectAsync(platform.Web.BaseAddress);
        await watcher.InvokeAsync("WatchTeam", team.ToString());
        await watcher.InvokeAsync("WatchLeaderboard", eventId.ToString(), "donors", "amount");
        var first = await watcher.WaitForAsync("team", m => true, TimeSpan.FromSeconds(2));
        Assert.Equal(0, first.GetProperty("raisedAmount").GetInt64());

        await GiveAsync(_public, campaign, 5_000, token, "不能出现的名字", anonymous: true, teamId: team);
        var moved = await watcher.WaitForAsync("team", m => m.GetProperty("raisedAmount").GetInt64() == 5_000, TimeSpan.FromSeconds(5));
        Assert.Equal("匿名爱心人士", moved.GetProperty("recent")[0].GetProperty("name").GetString());
        await watcher.WaitForAsync("leaderboard", m => m.GetProperty("board").GetString() == "donors" && Total(m) == 5_000, TimeSpan.FromSeconds(5));
        Assert.DoesNotContain(watcher.MessagesByMethod, m => m.Message.GetRawText().Contains("不能出现的名字", StringComparison.Ordinal));
    }
}

internal static class HubFailures
{
    /// <summary>Invokes a hub method that must fail; returns the HubException it failed with.</summary>
    public static Task<HubException> InvokeAndFailAsync(this ProgressWatcher watcher, string method, params object[] arguments) =>
        Assert.ThrowsAsync<HubException>(() => watcher.InvokeAsync(method, arguments));
}
