using Fundraising.Load.Api;
using Fundraising.Load.Watchers;

namespace Fundraising.Load.Opening;

/// <summary>One board after the run: the sums it shows against the generator's own, and how many of its entries were checked one by one.</summary>
public sealed record BoardCheckRow(string Board, Totals Expected, Totals Shown, int EntriesChecked, int EntriesWrong, IReadOnlyList<string> Wrong);

/// <summary>The event's boards during and after the opening: how late the watchers saw the gifts, and whether every board adds up.</summary>
public sealed record BoardsReport(WatcherResult Watchers, IReadOnlyList<BoardCheckRow> Boards, long MatchedShown, long MatchedExpected, bool Exact,
    IReadOnlyList<string> Failures)
{
    public string Describe() =>
        $"{Watchers.SawFinalTotal:N0} of {Watchers.Requested:N0} board watchers saw the final totals; lag p50 {Watchers.Lag.P50} ms, p99 {Watchers.Lag.P99} ms, " +
        $"max {Watchers.Lag.Max} ms; boards {(Exact ? "exact" : "NOT exact")}: " +
        string.Join("; ", Boards.Select(b => $"{b.Board} {b.Shown} ({b.EntriesChecked - b.EntriesWrong}/{b.EntriesChecked} entries right)"));
}

/// <summary>
/// The end of an opening with boards: every board of the event read through the public API and compared with what the
/// generator had acknowledged, campaign by campaign (the geography boards' sums are the generator's own sums by village,
/// town, county and city; the donors board's totals are every gift, since every gift of the opening carries a donor
/// token). The campaigns board is checked entry by entry through <c>key=</c>, so a board that is right only at the top fails.
/// </summary>
public static class BoardCheck
{
    /// <summary>The boards the watchers watch: those whose totals are every gift of the event, so that lag can be read from their count.</summary>
    public static readonly string[] WatchedBoards = ["campaigns", "counties", "cities"];

    public static async Task<BoardsReport> CheckAsync(PlatformApi api, Guid eventId, IReadOnlyList<Guid> campaigns, IReadOnlyList<CampaignSpec> specs,
        IReadOnlyList<Totals> acknowledged, long matchedExpected, WatcherResult watchers, CancellationToken cancellationToken)
    {
        var all = Sum(Enumerable.Range(0, campaigns.Count));
        var villages = Enumerable.Range(0, campaigns.Count).Where(i => specs[i].Kind == "village").ToList();
        var rows = new List<BoardCheckRow>();

        // Campaigns: every entry, each asked for by its key.
        var campaignBoard = await api.GetLeaderboardAsync(eventId, "campaigns", cancellationToken: cancellationToken);
        var entries = new LeaderboardEntryDto?[campaigns.Count];
        await Parallel.ForAsync(0, campaigns.Count, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, ct) =>
            entries[i] = (await api.GetLeaderboardAsync(eventId, "campaigns", top: 1, key: campaigns[i].ToString(), cancellationToken: ct)).Entry);
        var wrong = new List<string>();
        for (var i = 0; i < campaigns.Count; i++)
        {
            var shown = entries[i] is { } e ? new Totals(e.Count, e.Amount) : default;
            if (shown != acknowledged[i])
            {
                wrong.Add($"campaign {campaigns[i]}: shown {shown}, acknowledged {acknowledged[i]}");
            }
        }
        rows.Add(new BoardCheckRow("campaigns", all, campaignBoard.Totals.ToTotals(), campaigns.Count, wrong.Count, [.. wrong.Take(5)]));

        rows.Add(await CheckGroupsAsync(api, eventId, "villages", villages.ToDictionary(i => campaigns[i].ToString(), i => acknowledged[i]), Sum(villages), cancellationToken));
        rows.Add(await CheckGroupsAsync(api, eventId, "towns", GroupBy(villages.Where(i => specs[i].Town is not null),
            i => $"{CampaignSpec.City}/{specs[i].County}/{specs[i].Town}"), Sum(villages.Where(i => specs[i].Town is not null)), cancellationToken));
        rows.Add(await CheckGroupsAsync(api, eventId, "counties", GroupBy(Enumerable.Range(0, campaigns.Count), i => $"{CampaignSpec.City}/{specs[i].County}"), all,
            cancellationToken));
        rows.Add(await CheckGroupsAsync(api, eventId, "cities", GroupBy(Enumerable.Range(0, campaigns.Count), _ => CampaignSpec.City), all, cancellationToken));

        var donors = await api.GetLeaderboardAsync(eventId, "donors", cancellationToken: cancellationToken);
        rows.Add(new BoardCheckRow("donors", all, donors.Totals.ToTotals(), 0, 0, []));

        var failures = new List<string>();
        foreach (var row in rows.Where(r => r.Expected != r.Shown || r.EntriesWrong > 0))
        {
            failures.Add($"The {row.Board} board shows {row.Shown} where the generator acknowledged {row.Expected}; {row.EntriesWrong} of {row.EntriesChecked} entries wrong"
                + (row.Wrong.Count > 0 ? $" (e.g. {string.Join("; ", row.Wrong)})" : "") + ".");
        }
        if (campaignBoard.Totals.MatchedAmount != matchedExpected)
        {
            failures.Add($"The campaigns board shows {campaignBoard.Totals.MatchedAmount:N0} fen matched; the pool matched {matchedExpected:N0}.");
        }
        if (watchers.Connected != watchers.Requested || watchers.SawFinalTotal != watchers.Connected)
        {
            failures.Add($"{watchers.SawFinalTotal:N0} of {watchers.Requested:N0} board watchers saw the final totals ({watchers.Connected:N0} connected).");
        }
        return new BoardsReport(watchers, rows, campaignBoard.Totals.MatchedAmount, matchedExpected, failures.Count == 0, failures);

        Totals Sum(IEnumerable<int> indexes) => indexes.Aggregate(default(Totals), (t, i) => new(t.Count + acknowledged[i].Count, t.Amount + acknowledged[i].Amount));

        Dictionary<string, Totals> GroupBy(IEnumerable<int> indexes, Func<int, string> key) =>
            indexes.GroupBy(key).ToDictionary(g => g.Key, g => Sum(g));
    }

    /// <summary>A board whose entries are few enough to read in one page (or are checked where they appear in the top 100): each shown entry must be the generator's sum for its key.</summary>
    private static async Task<BoardCheckRow> CheckGroupsAsync(PlatformApi api, Guid eventId, string board, IReadOnlyDictionary<string, Totals> expected, Totals total,
        CancellationToken cancellationToken)
    {
        var shown = await api.GetLeaderboardAsync(eventId, board, cancellationToken: cancellationToken);
        var wrong = new List<string>();
        foreach (var entry in shown.Entries)
        {
            var want = expected.GetValueOrDefault(entry.Key);
            if (new Totals(entry.Count, entry.Amount) != want)
            {
                wrong.Add($"{entry.Key}: shown {new Totals(entry.Count, entry.Amount)}, acknowledged {want}");
            }
        }
        var nonEmpty = expected.Count(e => e.Value.Count > 0);
        if (shown.Entries.Count < Math.Min(100, nonEmpty))
        {
            wrong.Add($"{shown.Entries.Count} entries shown of {nonEmpty} with gifts");
        }
        return new BoardCheckRow(board, total, shown.Totals.ToTotals(), shown.Entries.Count, wrong.Count, [.. wrong.Take(5)]);
    }
}
