using System.Security.Cryptography;

namespace Fundraising.Contracts.Matching;

/// <summary>
/// How much one gift is matched, before what is left (the slice, the donor's day) caps it: the ratio's amount, or a
/// random amount within bounds (never above the ratio's), at most <see cref="MatchRule.MaxPerGift"/>.
/// </summary>
public static class MatchAmount
{
    public static long For(MatchRule rule, Guid donationId, long giftAmount)
    {
        var byRatio = (long)((Int128)giftAmount * rule.Ratio.Match / rule.Ratio.Per);
        var amount = rule.Random is { } random ? Math.Min(byRatio, Draw(random, donationId)) : byRatio;
        return Math.Max(0, Math.Min(amount, rule.MaxPerGift));
    }

    // Drawn from the gift's id, so a retried or replayed decision draws the same amount.
    private static long Draw(RandomMatch random, Guid donationId)
    {
        var span = (ulong)(random.Max - random.Min) + 1;
        var hash = BitConverter.ToUInt64(SHA256.HashData(donationId.ToByteArray()), 0);
        return random.Min + (long)(hash % span);
    }
}

/// <summary>
/// The velocity rule: a person needs about 15 seconds a gift. A verified donor's gift made less than
/// <see cref="VelocityLimits.MinSecondsApart"/> from another of theirs, or beyond <see cref="VelocityLimits.MaxPerMinute"/>
/// within a minute, is held back from matching for an admin to release or reject. It never stops the gift itself.
/// </summary>
public static class MatchPace
{
    /// <summary>How many of a donor's latest gift times are kept: one more than a minute may hold.</summary>
    public const int Remembered = 8;

    /// <summary>Why a gift made at <paramref name="at"/> is held, given the donor's other gift times; null when it is not.</summary>
    public static string? Flag(IReadOnlyList<DateTimeOffset> others, DateTimeOffset at, VelocityLimits limits)
    {
        if (others.Any(o => (at - o).Duration() < TimeSpan.FromSeconds(limits.MinSecondsApart)))
        {
            return $"under {limits.MinSecondsApart} s after another gift of the same donor";
        }
        var inMinute = others.Count(o => (at - o).Duration() < TimeSpan.FromMinutes(1));
        return inMinute >= limits.MaxPerMinute ? $"more than {limits.MaxPerMinute} gifts in a minute by the same donor" : null;
    }
}

/// <summary>The velocity rule's limits (configuration <c>Matching:Velocity</c>).</summary>
[GenerateSerializer, Immutable]
public sealed record VelocityLimits([property: Id(0)] int MinSecondsApart = 15, [property: Id(1)] int MaxPerMinute = 5);

/// <summary>What a refund takes back of a gift's match: the match shrinks in proportion to what is left of the gift.</summary>
public static class MatchReversal
{
    public static long TakenBack(long matchAmount, long alreadyReversed, long giftAmount, long giftNetAfter)
    {
        var kept = giftAmount <= 0 ? 0 : (long)((Int128)matchAmount * Math.Max(0, giftNetAfter) / giftAmount);
        return Math.Max(0, matchAmount - alreadyReversed - kept);
    }
}
