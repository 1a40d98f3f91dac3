namespace Fundraising.Contracts.Leaderboards;

/// <summary>The boards of an event (the region hierarchy is province &gt; city &gt; county &gt; town &gt; village).</summary>
public enum BoardKind
{
    Campaigns,
    Villages,
    Towns,
    Counties,
    Cities,
    Teams,
    Donors,
}

/// <summary>What a board ranks by: money (then gifts), or gifts (人次, then money); the key breaks ties.</summary>
public enum BoardOrder
{
    Amount,
    Count,
}

/// <summary>
/// Counted gifts by bucket, net of refunds: online money, offline money, goods at valuation, each with its gift count
/// (人次). An event's options say which buckets its boards count (<see cref="BoardOptions"/>).
/// </summary>
[GenerateSerializer, Immutable]
public readonly record struct BucketSums(
    [property: Id(0)] long OnlineAmount,
    [property: Id(1)] long OnlineCount,
    [property: Id(2)] long OfflineAmount,
    [property: Id(3)] long OfflineCount,
    [property: Id(4)] long GoodsAmount,
    [property: Id(5)] long GoodsCount)
{
    public static readonly BucketSums Zero = default;

    public bool IsZero => this == Zero;

    public static BucketSums Of(BoardBucket bucket, long amount, long count) => bucket switch
    {
        BoardBucket.Offline => new(0, 0, amount, count, 0, 0),
        BoardBucket.Goods => new(0, 0, 0, 0, amount, count),
        _ => new(amount, count, 0, 0, 0, 0),
    };

    public BucketSums Add(BucketSums other) => new(
        checked(OnlineAmount + other.OnlineAmount), OnlineCount + other.OnlineCount,
        checked(OfflineAmount + other.OfflineAmount), OfflineCount + other.OfflineCount,
        checked(GoodsAmount + other.GoodsAmount), GoodsCount + other.GoodsCount);

    public BucketSums Subtract(BucketSums other) => new(
        OnlineAmount - other.OnlineAmount, OnlineCount - other.OnlineCount,
        OfflineAmount - other.OfflineAmount, OfflineCount - other.OfflineCount,
        GoodsAmount - other.GoodsAmount, GoodsCount - other.GoodsCount);

    /// <summary>What counts under <paramref name="options"/>: online money always, offline money and goods as the event says.</summary>
    public (long Amount, long Count) Counted(BoardOptions options) => (
        OnlineAmount + (options.CountOffline ? OfflineAmount : 0) + (options.CountGoods ? GoodsAmount : 0),
        OnlineCount + (options.CountOffline ? OfflineCount : 0) + (options.CountGoods ? GoodsCount : 0));
}

public enum BoardBucket
{
    Online,
    Offline,
    Goods,
}

/// <summary>
/// Which gifts an event's boards count beside online money. Both on by default: the event's totals are 款物合计 (money
/// and goods, online and offline), and so are its boards'.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record BoardOptions(
    [property: Id(0)] bool CountOffline = true,
    [property: Id(1)] bool CountGoods = true)
{
    public static readonly BoardOptions Default = new();
}

/// <summary>One verified donor's change on a board: a donor has one entry for named gifts and another for anonymous ones.</summary>
[GenerateSerializer, Immutable]
public sealed record DonorDelta(
    [property: Id(0)] Guid DonorId,
    [property: Id(1)] bool Anonymous,
    [property: Id(2)] string? Name,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] BucketSums Sums);

/// <summary>A gift as a team's page shows it: no name when the donor chose anonymity.</summary>
[GenerateSerializer, Immutable]
public sealed record TeamGift(
    [property: Id(0)] string? Name,
    [property: Id(1)] long Amount,
    [property: Id(2)] DateTimeOffset At);

/// <summary>One team's change: its sums and its newest gifts of the batch (newest first).</summary>
[GenerateSerializer, Immutable]
public sealed record TeamDelta(
    [property: Id(0)] Guid TeamId,
    [property: Id(1)] BucketSums Sums,
    [property: Id(2)] IReadOnlyList<TeamGift> Recent);

/// <summary>
/// What one committed batch of one campaign changed on the boards. <see cref="Version"/> is the campaign's
/// <c>totals_version</c> after the batch: a board applies version v+1 after v and nothing else. <see cref="Reread"/>
/// says the campaign cannot express the change exactly (a failed commit whose outcome is unknown, a decision on a held
/// match): the board re-reads the campaign from the ledger instead.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CampaignBoardDelta(
    [property: Id(0)] Guid CampaignId,
    [property: Id(1)] long Version,
    [property: Id(2)] bool Reread,
    [property: Id(3)] BucketSums Sums,
    [property: Id(4)] long MatchedAmount,
    [property: Id(5)] IReadOnlyList<DonorDelta> Donors,
    [property: Id(6)] IReadOnlyList<TeamDelta> Teams)
{
    public static CampaignBoardDelta RereadOf(Guid campaignId) => new(campaignId, 0, true, BucketSums.Zero, 0, [], []);
}

/// <summary>One entry of a board. Amounts are minor units (fen); matched money is beside the amount, never in it.</summary>
[GenerateSerializer, Immutable]
public sealed record BoardEntry(
    [property: Id(0)] int Rank,
    [property: Id(1)] string Key,
    [property: Id(2)] string Name,
    [property: Id(3)] long Amount,
    [property: Id(4)] long Count,
    [property: Id(5)] long MatchedAmount);

/// <summary>The sums over every entry of a board (not only the top).</summary>
[GenerateSerializer, Immutable]
public sealed record BoardTotals(
    [property: Id(0)] long Amount,
    [property: Id(1)] long Count,
    [property: Id(2)] long MatchedAmount);

/// <summary>A board's top entries, its totals, and (when asked for by key) one entry wherever it ranks.</summary>
[GenerateSerializer, Immutable]
public sealed record BoardView(
    [property: Id(0)] Guid EventId,
    [property: Id(1)] BoardKind Board,
    [property: Id(2)] BoardOrder By,
    [property: Id(3)] DateTimeOffset AsOf,
    [property: Id(4)] IReadOnlyList<BoardEntry> Entries,
    [property: Id(5)] BoardTotals Totals,
    [property: Id(6)] string Currency,
    [property: Id(7)] BoardEntry? Entry);

/// <summary>One entry with its rank on both orders.</summary>
[GenerateSerializer, Immutable]
public sealed record BoardEntryView(
    [property: Id(0)] Guid EventId,
    [property: Id(1)] BoardKind Board,
    [property: Id(2)] string Key,
    [property: Id(3)] string Name,
    [property: Id(4)] long Amount,
    [property: Id(5)] long Count,
    [property: Id(6)] long MatchedAmount,
    [property: Id(7)] int RankByAmount,
    [property: Id(8)] int RankByCount,
    [property: Id(9)] DateTimeOffset AsOf);

/// <summary>
/// One verified donor's own entries on an event's donors board, each with its rank on both orders: the entry of their
/// named gifts and the entry of their anonymous ones (匿名爱心人士), either null when they have no such gift there.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DonorStanding(
    [property: Id(0)] BoardEntryView? Named,
    [property: Id(1)] BoardEntryView? Anonymous);

/// <summary>An entry a front end watches: a board and a key.</summary>
[GenerateSerializer, Immutable]
public sealed record BoardEntryKey(
    [property: Id(0)] BoardKind Board,
    [property: Id(1)] string Key);

/// <summary>What one front end watches of an event beyond its boards' top entries: single entries and teams.</summary>
[GenerateSerializer, Immutable]
public sealed record BoardWatch(
    [property: Id(0)] IReadOnlyList<BoardEntryKey> Entries,
    [property: Id(1)] IReadOnlyList<Guid> Teams);

/// <summary>
/// One push of an event's boards to a front end: the top entries of every board (both orders) that changed since the
/// last push, and the changed entries and teams that front end watches.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record BoardPush(
    [property: Id(0)] Guid EventId,
    [property: Id(1)] IReadOnlyList<BoardView> Boards,
    [property: Id(2)] IReadOnlyList<BoardEntryView> Entries,
    [property: Id(3)] IReadOnlyList<Teams.TeamSnapshot> Teams);

/// <summary>Names the boards show for donors: anonymous gifts are never named, not even in a key.</summary>
public static class BoardNames
{
    public const string Anonymous = "匿名爱心人士";

    /// <summary>A verified donor's named gifts given without a display name.</summary>
    public const string Unnamed = "爱心人士";
}
