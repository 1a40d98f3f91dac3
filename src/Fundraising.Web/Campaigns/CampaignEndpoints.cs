using Fundraising.Persistence;
using System.Security.Claims;
using Fundraising.Contracts.Campaigns;
using Fundraising.Persistence.Catalog;
using Fundraising.Web.Http;
using Fundraising.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Fundraising.Web.Campaigns;

public static class CampaignEndpoints
{
    public const long MaxGoalAmount = 1_000_000_000_000; // ¥10 billion in fen

    public static IEndpointRouteBuilder MapCampaigns(this IEndpointRouteBuilder app)
    {
        var campaigns = app.MapGroup("/api/campaigns").WithTags("Campaigns").AddEndpointFilter(CampaignDirectory.RequireKnownAsync).ProducesProblems(404);
        campaigns.MapGet("/", ListAsync).WithSummary("Lists campaigns (live and closed; drafts for staff in scope).");
        campaigns.MapGet("/{id:guid}", GetAsync).WithSummary("One campaign: goal, money raised, matched money beside it, status.").WithName("GetCampaign");

        var admin = app.MapGroup("/api/campaigns").WithTags("Campaigns").RequireAuthorization(Access.ManageCampaigns).ProducesProblems(404, 409)
            .AddEndpointFilter(CampaignDirectory.RequireKnownAsync);
        admin.MapPost("/", CreateAsync).WithSummary("Creates a campaign as a draft.");
        // The grain writes each change with its audit entry in one transaction.
        var command = admin.MapGroup("/{id:guid}").RequireCampaignScope();
        command.MapPost("/open", (Guid id, IGrainFactory grains, ClaimsPrincipal user) =>
            CommandAsync(id, grains.GetGrain<ICampaignGrain>(id).OpenAsync(Actor.Of(user)))).WithSummary("Opens a draft campaign for gifts.");
        command.MapPost("/close", (Guid id, IGrainFactory grains, ClaimsPrincipal user) =>
            CommandAsync(id, grains.GetGrain<ICampaignGrain>(id).CloseAsync(Actor.Of(user)))).WithSummary("Closes a campaign: it takes no more gifts.");
        return app;
    }

    private static async Task<Results<Ok<CampaignListResponse>, ValidationProblem>> ListAsync(
        string? kind, string? status, string? county, string? cursor, int? page, int? pageSize, ICampaignCatalog catalog, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var validation = new Validation();
        var kindFilter = ParseFilter<CampaignKind>(validation, "kind", kind);
        var statusFilter = ParseFilter<CampaignStatus>(validation, "status", status);
        var window = Paging.Parse(validation, cursor, page, pageSize);
        if (!validation.IsValid)
        {
            return TypedResults.ValidationProblem(validation.Errors);
        }
        var result = await catalog.ListAsync(
            new CampaignListQuery(kindFilter, statusFilter, string.IsNullOrWhiteSpace(county) ? null : county.Trim(), window,
                IncludeDrafts: DraftVisibility.InLists(user, county)), cancellationToken);
        return TypedResults.Ok(new CampaignListResponse(
            [.. result.Items.Select(CampaignResponse.From)], cursor is null ? page ?? 1 : null, window.Size, result.Total, Paging.Next(result.Next)));
    }

    private static T? ParseFilter<T>(Validation validation, string field, string? value) where T : struct, Enum
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        if (Enum.TryParse<T>(value, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(value, out _))
        {
            return parsed;
        }
        validation.Add(field, $"'{field}' must be one of: {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}.");
        return null;
    }

    private static async Task<Results<Ok<CampaignResponse>, ProblemHttpResult>> GetAsync(Guid id, IGrainFactory grains, ClaimsPrincipal user)
    {
        var summary = await grains.GetGrain<ICampaignGrain>(id).GetSummaryAsync();
        return DraftVisibility.IsHidden(summary, user)
            ? TypedResults.Problem(Problem.NotFound("campaign", id))
            : TypedResults.Ok(CampaignResponse.From(summary));
    }

    private static async Task<Results<Created<CampaignResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateCampaignRequest request, IGrainFactory grains, LinkGenerator links, HttpContext http)
    {
        var validation = new Validation();
        var definition = Build(request, validation);
        if (!validation.IsValid)
        {
            return TypedResults.ValidationProblem(validation.Errors);
        }
        if (StaffScope.Of(http.User) is not { } scope || !scope.CoversRegion(definition.Region))
        {
            return TypedResults.Problem(CampaignAccess.Forbidden("This account may create campaigns only in its own region."));
        }
        var id = Guid.CreateVersion7();
        var result = await grains.GetGrain<ICampaignGrain>(id).CreateAsync(definition, Actor.Of(http.User));
        if (result.Error != CampaignCommandError.None)
        {
            return TypedResults.Problem(Problem.Conflict(result.Detail ?? "The campaign could not be created."));
        }
        return TypedResults.Created(links.GetPathByName(http, "GetCampaign", new { id }), CampaignResponse.From(result.Campaign!));
    }

    private static CampaignDefinition Build(CreateCampaignRequest request, Validation v)
    {
        var title = v.Text("title", request.Title, 120);
        var description = v.Text("description", request.Description, 4000, required: false) ?? "";
        if (request.Kind is null)
        {
            v.Add("kind", "'kind' is required: appeal or village.");
        }
        if (request.Region is null)
        {
            v.Add("region", "'region' is required: province, city, county, and village for village projects.");
        }
        var province = v.Text("region.province", request.Region?.Province, 40);
        var city = v.Text("region.city", request.Region?.City, 40);
        var county = v.Text("region.county", request.Region?.County, 40);
        var village = v.Text("region.village", request.Region?.Village, 60, required: request.Kind == CampaignKind.Village);
        var town = v.Text("region.town", request.Region?.Town, 40, required: false);
        var currency = v.Currency("currency", request.Currency);
        var goal = v.Amount("goalAmount", request.GoalAmount, MaxGoalAmount);
        if (request.StartsAt is null)
        {
            v.Add("startsAt", "'startsAt' is required (ISO 8601 with offset).");
        }
        if (request.EndsAt is null)
        {
            v.Add("endsAt", "'endsAt' is required (ISO 8601 with offset).");
        }
        else if (request.StartsAt is not null && request.EndsAt <= request.StartsAt)
        {
            v.Add("endsAt", "'endsAt' must be after 'startsAt'.");
        }
        return new CampaignDefinition(
            title ?? "", description, request.Kind ?? CampaignKind.Appeal,
            new Region(province ?? "", city ?? "", county ?? "", village, town),
            currency ?? "", goal, request.StartsAt ?? default, request.EndsAt ?? default, request.Programme);
    }

    private static async Task<Results<Ok<CampaignResponse>, ProblemHttpResult>> CommandAsync(Guid id, Task<CampaignCommandResult> command)
    {
        var result = await command;
        return result.Error switch
        {
            CampaignCommandError.None => TypedResults.Ok(CampaignResponse.From(result.Campaign!)),
            CampaignCommandError.NotFound => TypedResults.Problem(Problem.NotFound("campaign", id)),
            _ => TypedResults.Problem(Problem.Conflict(result.Detail ?? "The campaign cannot make that transition.")),
        };
    }
}
