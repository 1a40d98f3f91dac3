using Fundraising.Contracts.Leaderboards;
using Fundraising.Contracts.Teams;

namespace Fundraising.Web.Teams;

/// <summary>Body of <c>POST /api/campaigns/{id}/teams</c>. Money is minor units (fen).</summary>
public sealed record CreateTeamRequest(string? Name, long? GoalAmount, string? Story);

/// <summary>A member's gift as the team page shows it: anonymous donors are 匿名爱心人士, never named.</summary>
public sealed record TeamGiftResponse(string Name, long Amount, DateTimeOffset At)
{
    public static TeamGiftResponse From(TeamGift gift) => new(gift.Name ?? BoardNames.Anonymous, gift.Amount, gift.At);
}

/// <summary>
/// A team (the create answer, <c>GET /api/teams/{id}</c> and the hub's <c>team</c> message): its totals are its event
/// board's, exact and live; <c>Recent</c> are members' newest gifts, newest first.
/// </summary>
public sealed record TeamResponse(
    Guid Id, Guid CampaignId, Guid EventId, string Name, long GoalAmount, long RaisedAmount, long DonationCount, string? Story,
    string ShareUrl, IReadOnlyList<TeamGiftResponse> Recent, DateTimeOffset CreatedAt)
{
    public static TeamResponse From(TeamSnapshot snapshot) => From(snapshot.Team, snapshot.RaisedAmount, snapshot.DonationCount, snapshot.Recent);

    public static TeamResponse From(TeamRecord team, long raised, long count, IReadOnlyList<TeamGift> recent) => new(
        team.Id, team.CampaignId, team.EventId, team.Name, team.GoalAmount, raised, count, team.Story,
        $"/campaign.html?id={team.CampaignId}&team={team.Id}", [.. recent.Select(TeamGiftResponse.From)], team.CreatedAt);
}
