using Fundraising.Contracts.Leaderboards;

namespace Fundraising.Grains.Leaderboards;

/// <summary>One line of a board before it is ranked.</summary>
public sealed record BoardRow(string Key, string Name, long Amount, long Count, long MatchedAmount);

/// <summary>
/// How a board is ranked, written once: by amount, then count, then key (ordinal), or by count, then amount, then key.
/// Keys are unique on a board, so the order is total and ranks are 1, 2, 3, … with no ties: stable between pushes.
/// </summary>
public static class BoardRanking
{
    public static int Compare(BoardRow a, BoardRow b, BoardOrder by)
    {
        var (first, second) = by == BoardOrder.Count
            ? (b.Count.CompareTo(a.Count), b.Amount.CompareTo(a.Amount))
            : (b.Amount.CompareTo(a.Amount), b.Count.CompareTo(a.Count));
        return first != 0 ? first : second != 0 ? second : string.CompareOrdinal(a.Key, b.Key);
    }

    public static IComparer<BoardRow> Comparer(BoardOrder by) => Comparer<BoardRow>.Create((a, b) => Compare(a, b, by));

    /// <summary>The first <paramref name="top"/> rows in rank order, ranked from 1 (a partial sort: the board may be large).</summary>
    public static IReadOnlyList<BoardEntry> Top(IReadOnlyCollection<BoardRow> rows, BoardOrder by, int top) =>
        [.. rows.Order(Comparer(by)).Take(top).Select((row, i) => Entry(row, i + 1))];

    /// <summary>The rank of <paramref name="row"/> on the board: one more than the rows ranked above it.</summary>
    public static int RankOf(IReadOnlyCollection<BoardRow> rows, BoardRow row, BoardOrder by) =>
        1 + rows.Count(other => Compare(other, row, by) < 0);

    public static BoardTotals Totals(IReadOnlyCollection<BoardRow> rows) =>
        new(rows.Sum(r => r.Amount), rows.Sum(r => r.Count), rows.Sum(r => r.MatchedAmount));

    public static BoardEntry Entry(BoardRow row, int rank) => new(rank, row.Key, row.Name, row.Amount, row.Count, row.MatchedAmount);
}
