using System.Security.Claims;
using Fundraising.Contracts.Campaigns;
using Fundraising.Persistence;
using Fundraising.Persistence.Catalog;
using Fundraising.Web.Http;
using Fundraising.Web.Reports;
using Fundraising.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Fundraising.Web.Campaigns;

/// <summary>Body of <c>POST /api/campaigns/from-template</c>. The goal is in fen.</summary>
public sealed record FromTemplateRequest(string? Template, string? County, string? Title, long? GoalAmount);

/// <summary>
/// Appeals opened from a template in one step (live at once, with the template's prepared story and programme), and
/// the home page's pinned list: the template appeals that are live now.
/// </summary>
public static class TemplateEndpoints
{
    public const int MaxPinned = 5;

    public static IEndpointRouteBuilder MapCampaignTemplates(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/campaigns").WithTags("Campaigns").RequireAuthorization(Access.ManageCampaigns).ProducesProblems(409)
            .MapPost("/from-template", CreateAsync).WithSummary("Opens a campaign from a template (an appeal in the association's own county).");
        app.MapGet("/api/campaigns/pinned", PinnedAsync).WithSummary("The campaigns the home page pins.").WithTags("Campaigns");
        return app;
    }

    private static async Task<Results<Created<CampaignResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        FromTemplateRequest request, IGrainFactory grains, IOptions<AssociationOptions> options, TimeProvider time, HttpContext http)
    {
        var association = options.Value;
        var v = new Validation();
        if (!AppealTemplates.IsKnown(request.Template))
        {
            v.Add("template", $"'template' must be one of: {string.Join(", ", AppealTemplates.Names)}.");
        }
        var county = v.Text("county", request.County, 40);
        if (county is not null && !association.Counties.Contains(county))
        {
            v.Add("county", $"'county' must be one of the association's counties: {string.Join("、", association.Counties)}.");
        }
        var title = v.Text("title", request.Title, 120);
        var goal = v.Amount("goalAmount", request.GoalAmount, CampaignEndpoints.MaxGoalAmount);
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        var region = new Region(association.Province, association.City, county!, null);
        if (StaffScope.Of(http.User) is not { } scope || !scope.CoversRegion(region))
        {
            return TypedResults.Problem(CampaignAccess.Forbidden("This account may open appeals only in its own region."));
        }
        var definition = AppealTemplates.Build(request.Template!, region, title!, association.Currency, goal, time.GetUtcNow());
        var id = Guid.CreateVersion7();
        var grain = grains.GetGrain<ICampaignGrain>(id);
        var actor = Actor.Of(http.User);
        var created = await grain.CreateAsync(definition, actor);
        if (created.Error != CampaignCommandError.None)
        {
            return TypedResults.Problem(Problem.Conflict(created.Detail ?? "The appeal could not be created."));
        }
        // Opened in the same request: a disaster appeal is worth nothing as a draft. Each step is written with its audit entry.
        var opened = await grain.OpenAsync(actor);
        if (opened.Error != CampaignCommandError.None)
        {
            return TypedResults.Problem(Problem.Conflict(opened.Detail ?? "The appeal was created but could not be opened."));
        }
        return TypedResults.Created($"/api/campaigns/{id}", CampaignResponse.From(opened.Campaign!));
    }

    private static async Task<Ok<CampaignListResponse>> PinnedAsync(ICampaignCatalog catalog, CancellationToken cancellationToken)
    {
        var page = await catalog.ListAsync(new CampaignListQuery(null, CampaignStatus.Live, null, new PageRequest(MaxPinned), PinnedOnly: true), cancellationToken);
        return TypedResults.Ok(new CampaignListResponse([.. page.Items.Select(CampaignResponse.From)], 1, MaxPinned, page.Total, null));
    }
}
