namespace Fundraising.Contracts.Teams;

/// <summary>A donor's request to open a team (一起捐) for a campaign. Money is minor units (fen).</summary>
[GenerateSerializer, Immutable]
public sealed record NewTeam(
    [property: Id(0)] string Name,
    [property: Id(1)] long GoalAmount,
    [property: Id(2)] string? Story,
    [property: Id(3)] Guid CreatedBy);

/// <summary>A team as stored: which campaign it raises for, on which event's teams board.</summary>
[GenerateSerializer, Immutable]
public sealed record TeamRecord(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid CampaignId,
    [property: Id(2)] Guid EventId,
    [property: Id(3)] string Name,
    [property: Id(4)] long GoalAmount,
    [property: Id(5)] string? Story,
    [property: Id(6)] DateTimeOffset CreatedAt);

/// <summary>A team with its live totals (from its event's boards) and members' newest gifts, newest first.</summary>
[GenerateSerializer, Immutable]
public sealed record TeamSnapshot(
    [property: Id(0)] TeamRecord Team,
    [property: Id(1)] long RaisedAmount,
    [property: Id(2)] long DonationCount,
    [property: Id(3)] IReadOnlyList<Leaderboards.TeamGift> Recent,
    [property: Id(4)] DateTimeOffset AsOf);

public enum TeamError
{
    None,
    CampaignNotFound,

    /// <summary>The campaign takes part in no event that is open or upcoming.</summary>
    NoOpenEvent,

    /// <summary>Every event the campaign takes part in is over.</summary>
    EventClosed,

    /// <summary>The campaign itself is closed.</summary>
    CampaignClosed,
}

[GenerateSerializer, Immutable]
public sealed record TeamResult(
    [property: Id(0)] TeamError Error,
    [property: Id(1)] TeamRecord? Team,
    [property: Id(2)] string? Detail = null);
