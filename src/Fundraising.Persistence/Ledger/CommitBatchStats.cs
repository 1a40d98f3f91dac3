namespace Fundraising.Persistence.Ledger;

/// <summary>Ledger transactions committed in one interval: how many, their rows in all, and the largest.</summary>
public readonly record struct CommitBatchInterval(long Count, long Rows, int MaxSize);

/// <summary>
/// How large the group commit's transactions are: each committed ledger transaction's rows (gifts, confirmations,
/// refunds) go into a running sum that the silo takes once an interval (<see cref="TakeInterval"/>) to report to the
/// dashboard (the same rows go to <see cref="Telemetry.FundraisingMetrics.CommitBatchSize"/> for metrics exporters).
/// Recorded once per transaction, never per gift.
/// </summary>
public sealed class CommitBatchStats
{
    private readonly Lock _lock = new();
    private long _count;
    private long _rows;
    private int _max;

    public void Record(int rows)
    {
        lock (_lock)
        {
            _count++;
            _rows += rows;
            _max = Math.Max(_max, rows);
        }
    }

    /// <summary>What was committed since the last call, and a fresh start for the next interval.</summary>
    public CommitBatchInterval TakeInterval()
    {
        lock (_lock)
        {
            var interval = new CommitBatchInterval(_count, _rows, _max);
            (_count, _rows, _max) = (0, 0, 0);
            return interval;
        }
    }
}
