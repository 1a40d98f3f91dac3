using Fundraising.Contracts.Donations;
using Fundraising.Contracts.Matching;

namespace Fundraising.Persistence.Matching;

/// <summary>A campaign's open slice of a pool as the commit finds it, locked: granted <see cref="Amount"/>, <see cref="Used"/> of it.</summary>
public sealed record OpenSlice(Guid SliceId, Guid PoolId, Guid CampaignId, DateOnly Day, long Amount, long Used)
{
    public long Left => Amount - Used;
}

/// <summary>One gift's match as decided inside its commit.</summary>
public sealed record MatchDecision(Guid DonationId, Guid PoolId, Guid SliceId, Guid DonorId, DateOnly Day, long Amount, string? FlagReason)
{
    public bool Held => FlagReason is not null;
}

/// <summary>
/// What the commit knows, with the rows locked, when a campaign decides its gifts' matches: its open slices, each donor's
/// money matched so far per pool and day, and each donor's recent gift times. The decider records its own decisions here
/// as it makes them, so that gifts later in the batch, and other campaigns' batches in the same transaction, see them.
/// </summary>
public sealed class MatchFacts
{
    public Dictionary<(Guid CampaignId, Guid PoolId), OpenSlice> Slices { get; } = [];

    public Dictionary<(Guid DonorId, Guid PoolId, DateOnly Day), long> DonorMatched { get; } = [];

    /// <summary>When each donor's latest gifts were made (oldest first), this batch's included once seen.</summary>
    public Dictionary<Guid, List<DateTimeOffset>> Pace { get; } = [];
}

/// <summary>
/// A campaign's matching rules for one commit, made by its grain before the batch is written and run by the writer with
/// the locked facts. Pure: the same gifts and facts give the same decisions (a random match is drawn from the gift's id).
/// </summary>
public interface IMatchPlan
{
    /// <summary>The pools this campaign may match from and the day (in each pool's time zone) they match for.</summary>
    IReadOnlyList<(Guid PoolId, DateOnly Day)> Pools { get; }

    /// <summary>Decides the matches of the gifts that succeeded in this commit; records each in <paramref name="facts"/>.</summary>
    IReadOnlyList<MatchDecision> Decide(IReadOnlyList<DonationRecord> succeeded, MatchFacts facts);
}

/// <summary>
/// What matching did in a commit for one campaign: each gift's match, the campaign's matched change, and, when
/// <see cref="SlicesKnown"/> (the commit locked them), the campaign's open slices after it. <see cref="Granted"/> is the
/// matched money this commit gave gifts (not held, before any reversal by refunds), for the platform's metrics.
/// </summary>
public sealed record MatchBatchOutcome(
    IReadOnlyDictionary<Guid, MatchOutcome> Matches,
    long MatchedDelta,
    IReadOnlyList<OpenSlice> SlicesAfter,
    bool SlicesKnown,
    long Granted = 0);
