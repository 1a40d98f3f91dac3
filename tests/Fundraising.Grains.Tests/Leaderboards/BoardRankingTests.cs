using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Leaderboards;
using Fundraising.Contracts.Teams;
using Fundraising.Grains.Leaderboards;
using Fundraising.Persistence.Leaderboards;

namespace Fundraising.Grains.Tests.Leaderboards;

public sealed class BoardRankingTests
{
    private static readonly BoardRow[] Rows =
    [
        new("c", "丙", 5_000, 3, 0),
        new("a", "甲", 5_000, 3, 0),
        new("b", "乙", 5_000, 9, 0),
        new("d", "丁", 9_000, 1, 0),
        new("e", "戊", 100, 9, 0),
    ];

    [Fact]
    public void ByAmountRanksByAmountThenCountThenKey()
    {
        Assert.Equal(["d", "b", "a", "c", "e"], BoardRanking.Top(Rows, BoardOrder.Amount, 10).Select(e => e.Key));
        Assert.Equal([1, 2, 3, 4, 5], BoardRanking.Top(Rows, BoardOrder.Amount, 10).Select(e => e.Rank));
    }

    [Fact]
    public void ByCountRanksByCountThenAmountThenKey() =>
        Assert.Equal(["b", "e", "a", "c", "d"], BoardRanking.Top(Rows, BoardOrder.Count, 10).Select(e => e.Key));

    [Fact]
    public void TopCutsTheBoardAndRankOfAgreesWithTheFullOrderOnBothOrders()
    {
        Assert.Equal(["d", "b"], BoardRanking.Top(Rows, BoardOrder.Amount, 2).Select(e => e.Key));
        foreach (var by in Enum.GetValues<BoardOrder>())
        {
            var full = BoardRanking.Top(Rows, by, Rows.Length);
            foreach (var row in Rows)
            {
                Assert.Equal(full.Single(e => e.Key == row.Key).Rank, BoardRanking.RankOf(Rows, row, by));
            }
        }
    }

    [Fact]
    public void TotalsAreTheSumsOfEveryRowNotOnlyTheTop()
    {
        var totals = BoardRanking.Totals(Rows);
        Assert.Equal(24_100, totals.Amount);
        Assert.Equal(25, totals.Count);
    }

    private static readonly Guid Event = Guid.NewGuid();

    private static BoardCampaignRow Campaign(Guid id, string county, string? town = null, CampaignKind kind = CampaignKind.Appeal, long version = 0) =>
        new(id, "项目" + county, kind, "商洛市", county, town, CampaignStatus.Live, version, 0);

    private static BoardSnapshot Snapshot(params BoardCampaignRow[] campaigns) =>
        new(new BoardEventRow(Event, "CNY", BoardOptions.Default), campaigns, new Dictionary<Guid, BucketSums>(), [], [], new Dictionary<Guid, BucketSums>(),
            new Dictionary<Guid, IReadOnlyList<TeamGift>>());

    private static CampaignBoardDelta Gift(Guid campaign, long version, long amount, Guid? donor = null, bool anonymous = false, string? name = null) =>
        new(campaign, version, false, BucketSums.Of(BoardBucket.Online, amount, 1), 0,
            donor is { } d ? [new DonorDelta(d, anonymous, anonymous ? null : name, DateTimeOffset.UtcNow, BucketSums.Of(BoardBucket.Online, amount, 1))] : [], []);

    private static EventBoards Boards(params BoardCampaignRow[] campaigns)
    {
        var boards = new EventBoards(Event, new BoardEventRow(Event, "CNY", BoardOptions.Default), (donor, anonymous) => $"k{donor:N}{(anonymous ? 1 : 0)}");
        boards.Load(Snapshot(campaigns), null, DateTimeOffset.UtcNow);
        return boards;
    }

    [Fact]
    public void DeltasApplyInVersionOrderOnceEachAndAGapWaitsThenAsksForARereadOfItsCampaign()
    {
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        var boards = Boards(Campaign(a, "丹凤县", "棣花镇"), Campaign(b, "商南县"));
        var now = DateTimeOffset.UtcNow;
        boards.Apply(Gift(a, 1, 100), now);
        boards.Apply(Gift(a, 1, 100), now); // delivered twice: counted once
        boards.Apply(Gift(a, 3, 1_000), now); // 2 is missing: waits
        var view = boards.View(BoardKind.Campaigns, BoardOrder.Amount, 10, a.ToString(), now);
        Assert.Equal(100, view.Entry!.Amount);
        Assert.Empty(boards.NeedingReread(now, TimeSpan.FromSeconds(2)));
        boards.Apply(Gift(a, 2, 10), now); // the gap fills: 2 then 3
        Assert.Equal(1_110, boards.View(BoardKind.Campaigns, BoardOrder.Amount, 10, a.ToString(), now).Entry!.Amount);

        boards.Apply(Gift(b, 2, 50), now); // b's 1 never comes
        Assert.Empty(boards.NeedingReread(now.AddSeconds(1), TimeSpan.FromSeconds(2)));
        Assert.Equal([b], boards.NeedingReread(now.AddSeconds(2), TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public void RegionsSumTheirCampaignsAndEveryRegionBoardTotalsTheCampaignsBoard()
    {
        var (a, b, c) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var boards = Boards(Campaign(a, "丹凤县", "棣花镇", CampaignKind.Village), Campaign(b, "丹凤县"), Campaign(c, "商南县"));
        var now = DateTimeOffset.UtcNow;
        boards.Apply(Gift(a, 1, 300), now);
        boards.Apply(Gift(b, 1, 200), now);
        boards.Apply(Gift(c, 1, 400), now);
        var counties = boards.View(BoardKind.Counties, BoardOrder.Amount, 10, "商洛市/丹凤县", now);
        Assert.Equal(["商洛市/丹凤县", "商洛市/商南县"], counties.Entries.Select(e => e.Key));
        Assert.Equal(500, counties.Entry!.Amount);
        Assert.Equal(2, counties.Entry.Count);
        Assert.Equal(boards.View(BoardKind.Campaigns, BoardOrder.Amount, 10, null, now).Totals, counties.Totals);
        Assert.Equal(900, boards.View(BoardKind.Cities, BoardOrder.Amount, 10, null, now).Totals.Amount);
        Assert.Equal(["商洛市/丹凤县/棣花镇"], boards.View(BoardKind.Towns, BoardOrder.Amount, 10, null, now).Entries.Select(e => e.Key));
        Assert.Equal([a.ToString()], boards.View(BoardKind.Villages, BoardOrder.Amount, 10, null, now).Entries.Select(e => e.Key));
    }

    [Fact]
    public void ADonorsNamedAndAnonymousGiftsAreTwoEntriesAndTheAnonymousOneIsNeverNamed()
    {
        var (a, donor) = (Guid.NewGuid(), Guid.NewGuid());
        var boards = Boards(Campaign(a, "丹凤县"));
        var now = DateTimeOffset.UtcNow;
        boards.Apply(Gift(a, 1, 100, donor, name: "王先生"), now);
        boards.Apply(Gift(a, 2, 900, donor, anonymous: true), now);
        var donors = boards.View(BoardKind.Donors, BoardOrder.Amount, 10, null, now);
        Assert.Equal([BoardNames.Anonymous, "王先生"], donors.Entries.Select(e => e.Name));
        Assert.Equal(1_000, donors.Totals.Amount);
        var entry = boards.Entry(BoardKind.Donors, donors.Entries[0].Key, now)!;
        Assert.Equal((1, 1), (entry.RankByAmount, entry.RankByCount));
    }

    [Fact]
    public void CountingOfflineAndGoodsFollowsTheEventsOptions()
    {
        var a = Guid.NewGuid();
        var boards = new EventBoards(Event, new BoardEventRow(Event, "CNY", new BoardOptions(CountOffline: true, CountGoods: false)), (d, x) => "k");
        var snapshot = Snapshot(Campaign(a, "丹凤县")) with
        {
            Event = new BoardEventRow(Event, "CNY", new BoardOptions(CountOffline: true, CountGoods: false)),
            CampaignSums = new Dictionary<Guid, BucketSums>
            {
                [a] = BucketSums.Of(BoardBucket.Online, 100, 1).Add(BucketSums.Of(BoardBucket.Offline, 20, 1)).Add(BucketSums.Of(BoardBucket.Goods, 3, 1)),
            },
        };
        boards.Load(snapshot, null, DateTimeOffset.UtcNow);
        var entry = boards.Entry(BoardKind.Campaigns, a.ToString(), DateTimeOffset.UtcNow)!;
        Assert.Equal((120, 2), (entry.Amount, entry.Count));
    }

    [Fact]
    public void AReloadReplacesACampaignsPartExactlyAndKeepsTheOthers()
    {
        var (a, b, donor) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var boards = Boards(Campaign(a, "丹凤县"), Campaign(b, "商南县"));
        var now = DateTimeOffset.UtcNow;
        boards.Apply(Gift(a, 1, 100, donor, name: "李"), now);
        boards.Apply(Gift(b, 1, 200, donor, name: "李"), now);
        // The ledger says a is at version 5 with 700 from the donor (deltas 2 to 5 were lost).
        var reread = Snapshot(Campaign(a, "丹凤县", version: 5)) with
        {
            CampaignSums = new Dictionary<Guid, BucketSums> { [a] = BucketSums.Of(BoardBucket.Online, 700, 4) },
            Donors = [(a, new DonorDelta(donor, false, "李", now, BucketSums.Of(BoardBucket.Online, 700, 4)))],
        };
        boards.Load(reread, [a], now);
        Assert.Equal(5, boards.VersionOf(a));
        var donors = boards.View(BoardKind.Donors, BoardOrder.Amount, 10, null, now);
        Assert.Equal(900, Assert.Single(donors.Entries).Amount);
        Assert.Equal(900, boards.View(BoardKind.Campaigns, BoardOrder.Amount, 10, null, now).Totals.Amount);
        Assert.Equal([a], boards.Behind(new Dictionary<Guid, long> { [a] = 6, [b] = 1 }));
    }

    [Fact]
    public void ACampaignBehindAtAReconciliationIsStillBehindOnlyIfItsDeltaHasNotArrivedSince()
    {
        var (a, b, c) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var boards = Boards(Campaign(a, "丹凤县"), Campaign(b, "商南县"));
        var now = DateTimeOffset.UtcNow;
        // The ledger says a and b are at version 1, and c (not on the boards yet) at 3; no delta has arrived yet.
        var suspects = new Dictionary<Guid, long> { [a] = 1, [b] = 1, [c] = 3 };
        Assert.Equal(new[] { a, b, c }.Order(), boards.Behind(suspects).Order());
        // a's delta was only on its way; b's was lost.
        boards.Apply(Gift(a, 1, 100, Guid.NewGuid(), name: "李"), now);
        Assert.Equal(new[] { b, c }.Order(), boards.StillBehind(suspects).Order());
    }

    [Fact]
    public void ATeamsGiftsMoveItsEntryAndItsNewestGiftsComeFirst()
    {
        var (a, team) = (Guid.NewGuid(), Guid.NewGuid());
        var boards = Boards(Campaign(a, "丹凤县"));
        boards.AddTeam(new TeamRecord(team, a, Event, "一起捐", 10_000, null, DateTimeOffset.UtcNow));
        var now = DateTimeOffset.UtcNow;
        boards.Apply(new CampaignBoardDelta(a, 1, false, BucketSums.Of(BoardBucket.Online, 300, 2), 0, [],
            [new TeamDelta(team, BucketSums.Of(BoardBucket.Online, 300, 2), [new TeamGift(null, 200, now), new TeamGift("张", 100, now.AddSeconds(-1))])]), now);
        var snapshot = boards.Team(team, now)!;
        Assert.Equal((300, 2), (snapshot.RaisedAmount, snapshot.DonationCount));
        Assert.Equal([null, "张"], snapshot.Recent.Select(g => g.Name));
        Assert.Equal(300, boards.View(BoardKind.Teams, BoardOrder.Amount, 10, team.ToString(), now).Entry!.Amount);
    }
}
