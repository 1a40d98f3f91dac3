using Fundraising.Contracts.Leaderboards;

namespace Fundraising.Web.Leaderboards;

/// <summary>One entry of a board. Money is minor units (fen); <c>MatchedAmount</c> is beside <c>Amount</c>, never in it.</summary>
public sealed record LeaderboardEntryResponse(int Rank, string Key, string Name, long Amount, long Count, long MatchedAmount)
{
    public static LeaderboardEntryResponse From(BoardEntry e) => new(e.Rank, e.Key, e.Name, e.Amount, e.Count, e.MatchedAmount);
}

/// <summary>The sums over every entry of the board, not only those shown.</summary>
public sealed record LeaderboardTotalsResponse(long Amount, long Count, long MatchedAmount);

/// <summary>
/// <c>GET /api/events/{id}/leaderboards/{board}</c> and the hub's <c>leaderboard</c> message: the top entries, the
/// board's totals, and the entry asked for by key (wherever it ranks) or null.
/// </summary>
public sealed record LeaderboardResponse(
    Guid EventId, BoardKind Board, BoardOrder By, DateTimeOffset AsOf, IReadOnlyList<LeaderboardEntryResponse> Entries,
    LeaderboardTotalsResponse Totals, string Currency, LeaderboardEntryResponse? Entry)
{
    public static LeaderboardResponse From(BoardView v) => new(
        v.EventId, v.Board, v.By, v.AsOf, [.. v.Entries.Select(LeaderboardEntryResponse.From)],
        new LeaderboardTotalsResponse(v.Totals.Amount, v.Totals.Count, v.Totals.MatchedAmount), v.Currency,
        v.Entry is null ? null : LeaderboardEntryResponse.From(v.Entry));
}

/// <summary>The hub's <c>leaderboardEntry</c> message: one entry with its rank on both orders.</summary>
public sealed record LeaderboardEntryMessage(
    Guid EventId, BoardKind Board, string Key, string Name, long Amount, long Count, long MatchedAmount, int RankByAmount, int RankByCount,
    DateTimeOffset AsOf)
{
    public static LeaderboardEntryMessage From(BoardEntryView e) =>
        new(e.EventId, e.Board, e.Key, e.Name, e.Amount, e.Count, e.MatchedAmount, e.RankByAmount, e.RankByCount, e.AsOf);
}

/// <summary>One of a donor's own entries on the donors board, with its rank on both orders.</summary>
public sealed record MyRankEntryResponse(
    bool Anonymous, string Key, string Name, int Rank, long Amount, long Count, long MatchedAmount, int RankByAmount, int RankByCount)
{
    public static MyRankEntryResponse From(BoardEntryView e, bool anonymous, BoardOrder by) => new(
        anonymous, e.Key, e.Name, by == BoardOrder.Count ? e.RankByCount : e.RankByAmount, e.Amount, e.Count, e.MatchedAmount, e.RankByAmount, e.RankByCount);
}

/// <summary>
/// <c>GET /api/events/{id}/leaderboards/donors/me</c>: the donor's place on the donors board (<c>rank</c> on the order
/// asked for), from their named entry when they have one, else their anonymous one (named 匿名爱心人士, as the public board
/// shows it); <c>entries</c> has both when they gave both ways.
/// </summary>
public sealed record MyRankResponse(
    Guid EventId, BoardOrder By, DateTimeOffset AsOf, int Rank, string Key, string Name, bool Anonymous, long Amount, long Count, long MatchedAmount,
    IReadOnlyList<MyRankEntryResponse> Entries)
{
    /// <summary>Null when the donor has no entry on the board (no gift of theirs counts in the event).</summary>
    public static MyRankResponse? From(Guid eventId, BoardOrder by, DonorStanding standing)
    {
        List<MyRankEntryResponse> entries = [];
        if (standing.Named is { } named)
        {
            entries.Add(MyRankEntryResponse.From(named, anonymous: false, by));
        }
        if (standing.Anonymous is { } hidden)
        {
            entries.Add(MyRankEntryResponse.From(hidden, anonymous: true, by));
        }
        if (entries.Count == 0)
        {
            return null;
        }
        var main = entries[0];
        var asOf = (standing.Named ?? standing.Anonymous)!.AsOf;
        return new(eventId, by, asOf, main.Rank, main.Key, main.Name, main.Anonymous, main.Amount, main.Count, main.MatchedAmount, entries);
    }
}

/// <summary>The words of the boards' addresses: <c>campaigns|villages|towns|counties|cities|teams|donors</c>, <c>amount|count</c>.</summary>
public static class BoardWords
{
    public const int MaxTop = 100;
    public const int DefaultTop = 10;
    public const int MaxKeyLength = 200;

    public static readonly IReadOnlyDictionary<string, BoardKind> Boards = Enum.GetValues<BoardKind>()
        .ToDictionary(b => b.ToString().ToLowerInvariant(), b => b, StringComparer.Ordinal);

    public static readonly IReadOnlyDictionary<string, BoardOrder> Orders = Enum.GetValues<BoardOrder>()
        .ToDictionary(b => b.ToString().ToLowerInvariant(), b => b, StringComparer.Ordinal);

    public static string Of(BoardKind board) => board.ToString().ToLowerInvariant();

    public static string Of(BoardOrder by) => by.ToString().ToLowerInvariant();

    public static string BoardChoices => string.Join("|", Boards.Keys);
}
