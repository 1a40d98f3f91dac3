namespace Fundraising.Load.Donors;

/// <summary>How a donor load runs: which campaigns, how many concurrent donors, how fast, for how long.</summary>
public sealed class DonorLoadOptions
{
    /// <summary>Base address of the server under test (the platform, the naive baseline or the ceiling server).</summary>
    public required Uri Target { get; init; }

    /// <summary>Campaigns to give to. Index 0 is the hot one; with several, popularity follows <see cref="ZipfExponent"/>.</summary>
    public required IReadOnlyList<Guid> Campaigns { get; init; }

    /// <summary>Popularity skew over <see cref="Campaigns"/>: the campaign of rank k is chosen with weight 1/k^s.</summary>
    public double ZipfExponent { get; init; } = 1.0;

    /// <summary>Concurrent donors: a fixed number of loops, each with at most one request in flight.</summary>
    public int Workers { get; init; } = 256;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Excluded from throughput and latency (JIT, connection set-up); still reconciled.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.Zero;

    /// <summary>Share of donations whose create and confirm are each sent a second time with the same key, as a client does after a lost response.</summary>
    public double RetryShare { get; init; } = 0.1;

    /// <summary>Donations a second across all workers; null runs flat out.</summary>
    public double? Rate { get; init; }

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts per request before the donation is set aside as in doubt (resolved after the run).</summary>
    public int MaxAttempts { get; init; } = 6;

    /// <summary>Record when each acknowledgement of the hot campaign arrived (for watcher lag).</summary>
    public bool TrackHotCampaign { get; init; }

    /// <summary>Record when each acknowledgement of any campaign arrived (for leaderboard lag: a board's totals count every campaign of the event).</summary>
    public bool TrackAllCampaigns { get; init; }

    /// <summary>Seconds between progress lines; zero for none.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(2);

    public Action<string>? Log { get; init; }

    /// <summary>Verified donors (the <c>opening</c> scenario): each gift carries one's <c>Donor-Token</c>, at that donor's pace.</summary>
    public Opening.DonorRoster? Roster { get; init; }

    /// <summary>Where each acknowledged gift's <c>match</c> is counted (with <see cref="Roster"/>).</summary>
    public Opening.MatchTally? Matches { get; init; }

    /// <summary>When the matching pool opens, from the start of the measured window: throughput and latency are also split there.</summary>
    public TimeSpan? OpensAfter { get; init; }
}
