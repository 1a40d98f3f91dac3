using System.Diagnostics;
using HdrHistogram;

namespace Fundraising.Load.Measurement;

/// <summary>Percentiles of one latency histogram, in milliseconds.</summary>
public sealed record LatencySummary(long Count, double P50, double P95, double P99, double P999, double Max, double Mean)
{
    public static LatencySummary Empty { get; } = new(0, 0, 0, 0, 0, 0, 0);
}

/// <summary>
/// Microsecond histograms (HdrHistogram: fixed memory, no allocation per recorded value).
/// One instance per worker loop: recording needs no lock; loops are merged at the end.
/// </summary>
public static class Latency
{
    /// <summary>Longest recordable value: 5 minutes in microseconds; anything longer is clamped.</summary>
    public const long HighestMicros = 300_000_000;

    public static LongHistogram NewHistogram() => new(HighestMicros, 3);

    public static void Record(LongHistogram histogram, long startTimestamp, long endTimestamp)
    {
        var micros = (endTimestamp - startTimestamp) * 1_000_000 / Stopwatch.Frequency;
        histogram.RecordValue(Math.Clamp(micros, 0, HighestMicros));
    }

    public static void RecordMicros(LongHistogram histogram, long micros) =>
        histogram.RecordValue(Math.Clamp(micros, 0, HighestMicros));

    public static LatencySummary Summarize(LongHistogram histogram)
    {
        if (histogram.TotalCount == 0)
        {
            return LatencySummary.Empty;
        }
        return new LatencySummary(
            histogram.TotalCount,
            Ms(histogram.GetValueAtPercentile(50)),
            Ms(histogram.GetValueAtPercentile(95)),
            Ms(histogram.GetValueAtPercentile(99)),
            Ms(histogram.GetValueAtPercentile(99.9)),
            Ms(histogram.GetMaxValue()),
            Math.Round(histogram.GetMean() / 1000.0, 3));
    }

    private static double Ms(long micros) => Math.Round(micros / 1000.0, 3);
}
