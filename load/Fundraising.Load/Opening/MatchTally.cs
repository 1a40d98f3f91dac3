using System.Collections.Concurrent;

namespace Fundraising.Load.Opening;

/// <summary>The <c>match</c> of one acknowledged gift, as its confirmation answered it.</summary>
public enum MatchStatus
{
    /// <summary>The answer had no match object (<c>match: null</c>), or an unknown status.</summary>
    Missing,
    None,
    Matched,
    Held,
}

/// <summary>What the acknowledged gifts' <c>match</c> amounts add up to, and what they say about the pool's caps.</summary>
public sealed record MatchSummary(
    long MatchedCount,
    long MatchedAmount,
    long HeldCount,
    long HeldAmount,
    long NoneCount,
    long MissingCount,
    int DonorDays,
    long DonorCapViolations,
    long GiftCapViolations,
    long MostMatchedForOneDonorDay)
{
    public long ReservedAmount => MatchedAmount + HeldAmount;
}

/// <summary>
/// The generator's own account of matching: every acknowledged gift's <c>match</c> (matched, held or none, and its
/// amount), summed, and per donor per local day of the event's zone, so that the per-donor cap can be checked from
/// the donors' side and not only from the server's reconciliation. Written by many donor loops at once; only matched
/// and held gifts touch the dictionary (at most the pool's budget over the smallest match).
/// </summary>
public sealed class MatchTally(TimeZoneInfo zone, long maxPerGift, long ratioMatch, long ratioPer, long maxPerDonorPerDay)
{
    private readonly ConcurrentDictionary<(int Donor, DateOnly Day), long> _matchedPerDonorDay = new();
    private long _matchedCount, _matchedAmount, _heldCount, _heldAmount, _noneCount, _missingCount, _giftCapViolations;

    public void Add(int donor, long giftAmount, MatchStatus status, long amount)
    {
        switch (status)
        {
            case MatchStatus.Matched:
                Interlocked.Increment(ref _matchedCount);
                Interlocked.Add(ref _matchedAmount, amount);
                var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).DateTime);
                _matchedPerDonorDay.AddOrUpdate((donor, day), amount, (_, sum) => sum + amount);
                break;
            case MatchStatus.Held:
                Interlocked.Increment(ref _heldCount);
                Interlocked.Add(ref _heldAmount, amount);
                break;
            case MatchStatus.None:
                Interlocked.Increment(ref _noneCount);
                break;
            default:
                Interlocked.Increment(ref _missingCount);
                break;
        }
        if (status is MatchStatus.Matched or MatchStatus.Held && (amount < 0 || amount > maxPerGift || amount > giftAmount * ratioMatch / ratioPer))
        {
            Interlocked.Increment(ref _giftCapViolations);
        }
    }

    public MatchSummary Summarize()
    {
        var days = _matchedPerDonorDay.ToArray();
        return new MatchSummary(_matchedCount, _matchedAmount, _heldCount, _heldAmount, _noneCount, _missingCount, days.Length,
            days.LongCount(d => d.Value > maxPerDonorPerDay), _giftCapViolations, days.Length == 0 ? 0 : days.Max(d => d.Value));
    }
}
