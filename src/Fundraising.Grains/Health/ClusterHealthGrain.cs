using Fundraising.Contracts.Health;

namespace Fundraising.Grains.Health;

/// <summary>Keeps each silo's latest report, with when it came (by this grain's clock, so silos' clocks do not matter).</summary>
public sealed class ClusterHealthGrain(TimeProvider time) : Grain, IClusterHealthGrain
{
    /// <summary>A silo that has not reported for this long is left out (dead, or stopping): its last second is history.</summary>
    public static readonly TimeSpan Stale = TimeSpan.FromSeconds(3);

    private readonly Dictionary<string, (SiloReport Report, DateTimeOffset At)> _latest = [];

    public Task ReportAsync(SiloReport report)
    {
        _latest[report.Silo] = (report, time.GetUtcNow());
        return Task.CompletedTask;
    }

    public Task<CommitBatchSummary> GetCommitBatchesAsync()
    {
        var now = time.GetUtcNow();
        foreach (var silo in _latest.Where(e => now - e.Value.At > Stale).Select(e => e.Key).ToList())
        {
            _latest.Remove(silo);
        }
        return Task.FromResult(_latest.Values.Aggregate(CommitBatchSummary.None, (sum, e) => sum.Add(e.Report.CommitBatches)));
    }
}
