namespace Fundraising.Contracts.Reports;

/// <summary>The two figures a report derives rather than sums: growth on the previous year, and a city's rank.</summary>
public static class ReportMath
{
    /// <summary>
    /// Growth in percent, to one decimal (half away from zero), of <paramref name="current"/> on <paramref name="previous"/>;
    /// null when there is nothing to grow from. Computed in decimal from the fen, never in floating point.
    /// </summary>
    public static decimal? GrowthPercent(long previous, long current) =>
        previous <= 0 ? null : Math.Round((current - previous) * 100m / previous, 1, MidpointRounding.AwayFromZero);

    /// <summary>1-based position of <paramref name="ours"/> among itself and <paramref name="others"/>: one more than those strictly ahead (ties share a place).</summary>
    public static int Rank(long ours, IEnumerable<long> others) => 1 + others.Count(o => o > ours);
}
