using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Leaderboards;
using Fundraising.Contracts.Teams;
using Fundraising.Persistence.Teams;
using Fundraising.Web.Campaigns;
using Fundraising.Web.Donors;
using Fundraising.Web.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Fundraising.Web.Teams;

/// <summary>
/// Teams (一起捐): a verified donor opens one for a campaign; anyone reads it. Whether the campaign may have a team now
/// (it is live, its event open or upcoming) is the campaign grain's decision; its totals are its event board's.
/// </summary>
public static class TeamEndpoints
{
    public const int MaxNameLength = 40;
    public const int MaxStoryLength = 2000;
    public const long MaxGoalAmount = 100_000_000_000;

    public static IEndpointRouteBuilder MapTeams(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/campaigns/{campaignId:guid}/teams").WithTags("Teams").AddEndpointFilter(CampaignDirectory.RequireKnownAsync)
            .MapPost("/", CreateAsync).WithSummary("Starts a team (一起捐) for a campaign.").RequireRateLimiting(RateLimits.Donations).ProducesProblems(401, 404, 409);
        app.MapGroup("/api/teams").WithTags("Teams")
            .MapGet("/{id:guid}", GetAsync).WithSummary("One team and what it raised.").WithName("GetTeam").ProducesProblems(404);
        return app;
    }

    private static async Task<Results<Created<TeamResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        Guid campaignId, CreateTeamRequest request, HttpContext http, IGrainFactory grains, DonorVerification donors, CancellationToken cancellationToken)
    {
        var v = new Validation();
        var name = v.Text("name", request.Name, MaxNameLength);
        var goal = v.Amount("goalAmount", request.GoalAmount, MaxGoalAmount);
        var story = v.Text("story", request.Story, MaxStoryLength, required: false);
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        var (donorId, refusal) = await DonorTokenHeader.RequireAsync(http, donors, "Opening a team", cancellationToken);
        if (refusal is not null)
        {
            return TypedResults.Problem(refusal);
        }
        var result = await grains.GetGrain<ICampaignGrain>(campaignId).CreateTeamAsync(new NewTeam(name!, goal, story, donorId!.Value));
        return result.Error switch
        {
            TeamError.None => TypedResults.Created($"/api/teams/{result.Team!.Id}", TeamResponse.From(result.Team, 0, 0, [])),
            TeamError.CampaignNotFound => TypedResults.Problem(Problem.NotFound("campaign", campaignId)),
            _ => TypedResults.Problem(Problem.Conflict(result.Detail ?? "The campaign cannot have a team now.")),
        };
    }

    private static async Task<Results<Ok<TeamResponse>, ProblemHttpResult>> GetAsync(Guid id, TeamStore teams, IGrainFactory grains, CancellationToken cancellationToken) =>
        await SnapshotAsync(id, teams, grains, cancellationToken) is { } snapshot
            ? TypedResults.Ok(TeamResponse.From(snapshot))
            : TypedResults.Problem(Problem.NotFound("team", id));

    /// <summary>The team with its live totals from its event's board; null when there is no such team.</summary>
    public static async Task<TeamSnapshot?> SnapshotAsync(Guid id, TeamStore teams, IGrainFactory grains, CancellationToken cancellationToken) =>
        await teams.FindAsync(id, cancellationToken) is { } team ? await grains.GetGrain<IEventBoardGrain>(team.EventId).GetTeamAsync(id) : null;
}
