namespace Fundraising.Contracts.Health;

/// <summary>One silo's ledger transactions over one report interval: how many, their rows in all, the largest.</summary>
[GenerateSerializer, Immutable]
public sealed record CommitBatchSummary(
    [property: Id(0)] long Count,
    [property: Id(1)] long Rows,
    [property: Id(2)] int MaxSize)
{
    public static readonly CommitBatchSummary None = new(0, 0, 0);

    /// <summary>Rows per transaction on average; 0 when nothing was committed.</summary>
    public double MeanSize => Count == 0 ? 0 : (double)Rows / Count;

    public CommitBatchSummary Add(CommitBatchSummary other) => new(Count + other.Count, Rows + other.Rows, Math.Max(MaxSize, other.MaxSize));
}

/// <summary>What a silo reports about itself once an interval (about a second).</summary>
[GenerateSerializer, Immutable]
public sealed record SiloReport(
    [property: Id(0)] string Silo,
    [property: Id(1)] CommitBatchSummary CommitBatches);

/// <summary>
/// The cluster's own health as silos report it, keyed by 0. Every silo reports once a second (one call per silo per
/// second, never one per gift); the dashboard reads the sum of the latest reports. In memory only: after a move or a
/// restart it is whole again within one report interval.
/// </summary>
public interface IClusterHealthGrain : IGrainWithIntegerKey
{
    Task ReportAsync(SiloReport report);

    /// <summary>The ledger transactions of every silo's latest interval, summed; silos silent for a few seconds are left out.</summary>
    Task<CommitBatchSummary> GetCommitBatchesAsync();
}
