namespace Fundraising.Contracts.Matching;

/// <summary>A pool's ratio: <see cref="Match"/> fen of matching for every <see cref="Per"/> fen given (1:1 is 1 per 1).</summary>
[GenerateSerializer, Immutable]
public sealed record MatchRatio([property: Id(0)] int Match, [property: Id(1)] int Per);

/// <summary>A random match in [<see cref="Min"/>, <see cref="Max"/>] fen instead of the ratio's amount (never above it).</summary>
[GenerateSerializer, Immutable]
public sealed record RandomMatch([property: Id(0)] long Min, [property: Id(1)] long Max);

/// <summary>Which of an event's campaigns a pool matches: listed ones and those of listed counties; neither listed = all.</summary>
[GenerateSerializer, Immutable]
public sealed record PoolEligibility([property: Id(0)] IReadOnlyList<Guid> CampaignIds, [property: Id(1)] IReadOnlyList<string> Counties)
{
    public static readonly PoolEligibility Everyone = new([], []);

    public bool IsEveryone => CampaignIds.Count == 0 && Counties.Count == 0;
}

/// <summary>
/// How a pool matches one gift: the ratio's amount, capped per gift and per donor per day, or a random amount
/// within bounds (capped the same way). Money in fen.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record MatchRule(
    [property: Id(0)] MatchRatio Ratio,
    [property: Id(1)] long MaxPerGift,
    [property: Id(2)] long MaxPerDonorPerDay,
    [property: Id(3)] RandomMatch? Random = null);

/// <summary>What an admin decides when creating a pool. <see cref="OpensAt"/> is local time in <see cref="TimeZone"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record PoolDefinition(
    [property: Id(0)] Guid EventId,
    [property: Id(1)] string SponsorName,
    [property: Id(2)] string Currency,
    [property: Id(3)] long Budget,
    [property: Id(4)] long? DailyBudget,
    [property: Id(5)] TimeOnly OpensAt,
    [property: Id(6)] MatchRule Rule,
    [property: Id(7)] PoolEligibility Eligible,
    [property: Id(8)] string TimeZone,
    [property: Id(9)] DateTimeOffset EventStartsAt,
    [property: Id(10)] DateTimeOffset EventEndsAt);

public enum PoolStatus
{
    /// <summary>Before the day's opening (or between days of the event).</summary>
    Scheduled,
    Open,
    Paused,

    /// <summary>Nothing left to match: the budget (or today's) is matched or held.</summary>
    Exhausted,

    /// <summary>The event is over.</summary>
    Closed,
}

/// <summary>A pool as the world sees it; amounts in fen of <see cref="PoolDefinition.Currency"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record PoolSnapshot(
    [property: Id(0)] Guid Id,
    [property: Id(1)] PoolDefinition Definition,
    [property: Id(2)] PoolStatus Status,
    [property: Id(3)] long MatchedAmount,
    [property: Id(4)] long HeldAmount,
    [property: Id(5)] long MatchCount,
    [property: Id(6)] long RemainingAmount,
    [property: Id(7)] DateTimeOffset? NextOpensAt,
    [property: Id(8)] DateTimeOffset AsOf,
    [property: Id(9)] long Version);

/// <summary>Why a pool command was refused.</summary>
public enum PoolCommandError
{
    None,
    NotFound,
    AlreadyExists,
    InvalidTransition,

    /// <summary>The pool's event has ended: no pool can be added to it.</summary>
    EventOver,
}

[GenerateSerializer, Immutable]
public sealed record PoolCommandResult(
    [property: Id(0)] PoolCommandError Error,
    [property: Id(1)] PoolSnapshot? Pool,
    [property: Id(2)] string? Detail = null);

/// <summary>
/// A grant: a new slice of <see cref="Amount"/> for the campaign (its next commit folds it into the campaign's open slice
/// of the pool, if it has one). Null <see cref="SliceId"/> means nothing was granted; <see cref="RetryAfter"/> says when
/// asking again makes sense, and <see cref="Empty"/> that the pool is open but has nothing left to grant now (a gift
/// should not wait for the next ask).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SliceGrant(
    [property: Id(0)] Guid? SliceId,
    [property: Id(1)] DateOnly Day,
    [property: Id(2)] long Amount,
    [property: Id(3)] DateTimeOffset? RetryAfter,
    [property: Id(4)] bool Empty = false);

/// <summary>A pool a campaign may match from, as the campaign needs to know it.</summary>
[GenerateSerializer, Immutable]
public sealed record PoolTerms(
    [property: Id(0)] Guid PoolId,
    [property: Id(1)] MatchRule Rule,
    [property: Id(2)] string Currency,
    [property: Id(3)] string TimeZone,
    [property: Id(4)] DateTimeOffset CreatedAt);

public enum MatchStatus
{
    /// <summary>The gift was not matched (no donor token, no open pool, nothing left, or a rejected hold).</summary>
    None,
    Matched,

    /// <summary>Reserved from the pool but held back for an admin (the velocity rule).</summary>
    Held,
}

/// <summary>A succeeded gift's match. <see cref="Amount"/> is net of reversals by refunds.</summary>
[GenerateSerializer, Immutable]
public sealed record MatchOutcome(
    [property: Id(0)] Guid? PoolId,
    [property: Id(1)] long Amount,
    [property: Id(2)] MatchStatus Status,
    [property: Id(3)] string? Reason = null)
{
    public static readonly MatchOutcome NotMatched = new(null, 0, MatchStatus.None);
}

/// <summary>An admin's decision on a held match.</summary>
public enum FlagDecision
{
    Release,
    Reject,
}

/// <summary>Why an admin's decision on a held match was refused.</summary>
public enum FlagDecisionError
{
    None,
    NotFound,

    /// <summary>The match was released or rejected already.</summary>
    AlreadyDecided,
}
