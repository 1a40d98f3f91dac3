using Fundraising.Contracts.Matching;
using Fundraising.Persistence.Matching;

namespace Fundraising.Web.Matching;

public sealed record RatioRequest(int? Match, int? Per);

public sealed record RandomRequest(long? Min, long? Max);

public sealed record EligibleRequest(Guid[]? CampaignIds, string[]? Counties);

/// <summary>
/// Body of <c>POST /api/events/{id}/pools</c>. Money in fen; <c>opensAt</c> is the local time (HH:mm, in the event's zone)
/// matching opens on each day of the event. <c>random</c>, when set, matches a random amount within its bounds instead.
/// </summary>
public sealed record CreatePoolRequest(
    string? SponsorName,
    long? Budget,
    string? Currency,
    string? OpensAt,
    long? DailyBudget,
    RatioRequest? Ratio,
    long? MaxPerGift,
    long? MaxPerDonorPerDay,
    RandomRequest? Random,
    EligibleRequest? Eligible);

public sealed record RatioResponse(int Match, int Per);

public sealed record RandomResponse(long Min, long Max);

public sealed record EligibleResponse(IReadOnlyList<Guid> CampaignIds, IReadOnlyList<string> Counties);

/// <summary>A pool as the public sees it: its rule, its money left and matched, and when it opens.</summary>
public sealed record PoolResponse(
    Guid Id,
    Guid EventId,
    string SponsorName,
    string Status,
    string Currency,
    long Budget,
    long? DailyBudget,
    long MatchedAmount,
    long RemainingAmount,
    long MatchCount,
    long HeldAmount,
    string OpensAt,
    DateTimeOffset? NextOpensAt,
    DateTimeOffset ClosesAt,
    RatioResponse Ratio,
    long MaxPerGift,
    long MaxPerDonorPerDay,
    RandomResponse? Random,
    EligibleResponse Eligible,
    DateTimeOffset AsOf,
    long Version)
{
    public static PoolResponse From(PoolSnapshot p)
    {
        var d = p.Definition;
        var rule = d.Rule;
        return new PoolResponse(p.Id, d.EventId, d.SponsorName, StatusText(p.Status), d.Currency, d.Budget, d.DailyBudget, p.MatchedAmount,
            p.RemainingAmount, p.MatchCount, p.HeldAmount, d.OpensAt.ToString("HH:mm"), p.NextOpensAt, d.EventEndsAt,
            new RatioResponse(rule.Ratio.Match, rule.Ratio.Per), rule.MaxPerGift, rule.MaxPerDonorPerDay,
            rule.Random is { } r ? new RandomResponse(r.Min, r.Max) : null, new EligibleResponse(d.Eligible.CampaignIds, d.Eligible.Counties), p.AsOf, p.Version);
    }

    public static string StatusText(PoolStatus status) => status switch
    {
        PoolStatus.Open => "open",
        PoolStatus.Paused => "paused",
        PoolStatus.Exhausted => "exhausted",
        PoolStatus.Closed => "closed",
        _ => "scheduled",
    };
}

public sealed record PoolListResponse(IReadOnlyList<PoolResponse> Items);

/// <summary>A gift's match: what pool, how much (net of refunds), and whether it counts (matched), waits (held) or not (none).</summary>
public sealed record MatchResponse(Guid? PoolId, long Amount, string Status, string? Reason)
{
    public static MatchResponse? From(MatchOutcome? match) => match is null ? null : new MatchResponse(match.PoolId, match.Amount, match.Status switch
    {
        MatchStatus.Matched => "matched",
        MatchStatus.Held => "held",
        _ => "none",
    }, match.Reason);
}

public sealed record FlaggedGiftResponse(
    Guid DonationId, Guid CampaignId, Guid PoolId, long MatchAmount, long GiftAmount, string Currency, string Reason, DateTimeOffset FlaggedAt,
    string Status, DateTimeOffset? DecidedAt, string? DecidedBy)
{
    public static FlaggedGiftResponse From(FlaggedGift g) =>
        new(g.DonationId, g.CampaignId, g.PoolId, g.MatchAmount, g.GiftAmount, g.Currency, g.Reason, g.FlaggedAt, g.Status, g.DecidedAt, g.DecidedBy);
}

public sealed record FlaggedGiftListResponse(IReadOnlyList<FlaggedGiftResponse> Items);

/// <summary>
/// A pool's money summed two ways (its match rows and its slices) and its invariants: <c>overdraw</c> is what was matched
/// or held beyond the budget, <c>donorCapViolations</c> the donor-days matched beyond the cap; <c>exact</c> when the sums
/// agree, the pool's committed amount equals its slices', and both counts of violations are 0.
/// </summary>
public sealed record PoolReconciliationResponse(
    Guid PoolId, long Budget, long MatchedAmount, long HeldAmount, long MatchCount, long RowsMatchedAmount, long SlicesUsedAmount,
    long CommittedAmount, long Overdraw, long DonorCapViolations, long CampaignsMatchedAmount, bool Exact)
{
    public static PoolReconciliationResponse From(PoolReconciliation r)
    {
        var rows = r.RowsMatched + r.RowsHeld;
        var overdraw = Math.Max(0, Math.Max(rows, r.SlicesUsed) - r.Budget);
        var exact = rows == r.SlicesUsed && r.RowsHeld == r.SlicesHeld && r.Committed == r.OpenSlicesUnused + r.SlicesUsed
                    && overdraw == 0 && r.DonorCapViolations == 0 && r.CampaignsMatched >= r.RowsMatched;
        return new PoolReconciliationResponse(r.PoolId, r.Budget, r.RowsMatched, r.RowsHeld, r.RowsMatchCount, rows, r.SlicesUsed, r.Committed,
            overdraw, r.DonorCapViolations, r.CampaignsMatched, exact);
    }
}
