using Fundraising.Contracts.Teams;
using Fundraising.Persistence.Teams;

namespace Fundraising.Persistence.Leaderboards;

/// <summary>What a campaign grain reads and writes of its events and teams: which events it takes part in, its teams.</summary>
public interface ICampaignEvents
{
    Task<IReadOnlyList<CampaignEventRow>> EventsOfCampaignAsync(Guid campaignId, CancellationToken cancellationToken = default);

    Task<TeamRecord?> FindTeamAsync(Guid teamId, CancellationToken cancellationToken = default);

    Task CreateTeamAsync(TeamRecord team, Guid createdBy, CancellationToken cancellationToken = default);
}

public sealed class PostgresCampaignEvents(BoardStore boards, TeamStore teams) : ICampaignEvents
{
    public Task<IReadOnlyList<CampaignEventRow>> EventsOfCampaignAsync(Guid campaignId, CancellationToken cancellationToken = default) =>
        boards.EventsOfCampaignAsync(campaignId, cancellationToken);

    public Task<TeamRecord?> FindTeamAsync(Guid teamId, CancellationToken cancellationToken = default) => teams.FindAsync(teamId, cancellationToken);

    public Task CreateTeamAsync(TeamRecord team, Guid createdBy, CancellationToken cancellationToken = default) =>
        teams.CreateAsync(team, createdBy, cancellationToken);
}
