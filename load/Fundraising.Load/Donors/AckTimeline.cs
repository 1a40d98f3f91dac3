using System.Diagnostics;

namespace Fundraising.Load.Donors;

/// <summary>
/// When the generator received the n-th acknowledged donation of the hot campaign. A watcher that
/// is shown a total of n donations at time t is late by t minus the n-th acknowledgement's time.
/// </summary>
public sealed class AckTimeline(int capacity)
{
    private readonly long[] _times = new long[capacity + 1];
    private long _count;

    public long Count => Volatile.Read(ref _count);

    /// <summary>Stopwatch timestamp of the last acknowledgement.</summary>
    public long LastTimestamp { get; private set; }

    public void Add(long timestamp)
    {
        var n = Interlocked.Increment(ref _count);
        if (n < _times.Length)
        {
            Volatile.Write(ref _times[n], timestamp);
        }
        LastTimestamp = timestamp;
    }

    /// <summary>Stopwatch timestamp of the n-th acknowledgement, or 0 if the generator has not received it (yet).</summary>
    public long TimeOf(long n) => n > 0 && n < _times.Length ? Volatile.Read(ref _times[n]) : 0;

    /// <summary>How late a watcher that saw <paramref name="count"/> donations at <paramref name="seenAt"/> is, in microseconds (0 if it was early).</summary>
    public long LagMicros(long count, long seenAt)
    {
        var acknowledged = TimeOf(count);
        if (acknowledged == 0 || seenAt <= acknowledged)
        {
            return 0;
        }
        return (seenAt - acknowledged) * 1_000_000 / Stopwatch.Frequency;
    }
}
