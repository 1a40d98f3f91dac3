using Fundraising.Persistence.Catalog;
using Fundraising.Persistence.Ledger;
using Microsoft.AspNetCore.Mvc;

namespace Fundraising.Web.Security;

/// <summary>
/// The scope half of authorization: the policy on an endpoint has checked the role; this checks that the campaign
/// the request is about is inside the account's scope, before the endpoint does anything. The campaign is named by
/// the route (<c>{campaignId}</c>, or <c>{id}</c> under <c>/api/campaigns</c>) or found from <c>{donationId}</c>.
/// </summary>
public static class CampaignAccess
{
    /// <summary>Adds the scope check to an endpoint or group about one campaign or one donation.</summary>
    public static TBuilder RequireCampaignScope<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var refusal = await CheckRouteAsync(http);
            return refusal is null ? await next(context) : TypedResults.Problem(refusal);
        });

    /// <summary>For platform-wide reads and actions: refused to an account whose scope is narrower than the whole platform.</summary>
    public static TBuilder RequireWholeScope<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
            StaffScope.Of(context.HttpContext.User) is { IsWhole: true } ? await next(context) : TypedResults.Problem(NarrowScope()));

    /// <summary>Null when the principal may act on the campaign; otherwise the problem to answer (404 unknown, 403 out of scope).</summary>
    public static async Task<ProblemDetails?> CheckAsync(HttpContext http, Guid campaignId)
    {
        var scope = StaffScope.Of(http.User);
        if (scope is null)
        {
            return Forbidden("This account has no role that may do this.");
        }
        if (scope.Role is Roles.Admin or Roles.Viewer)
        {
            return null; // their scope is everything; the endpoint answers an unknown id itself
        }
        var row = await http.RequestServices.GetRequiredService<ICampaignCatalog>().LoadAsync(campaignId, http.RequestAborted);
        if (row is null)
        {
            return Http.Problem.NotFound("campaign", campaignId);
        }
        return scope.Covers(campaignId, row.Definition.Region)
            ? null
            : Forbidden(scope.Role == Roles.Coordinator
                ? "This campaign is not one of the projects this account coordinates."
                : $"This campaign is outside this account's region ({scope.County}).");
    }

    public static ProblemDetails NarrowScope() =>
        Forbidden("This is platform-wide; this account's scope is one region or a few projects.");

    public static ProblemDetails Forbidden(string detail) => new()
    {
        Title = "Forbidden.",
        Detail = detail,
        Status = StatusCodes.Status403Forbidden,
    };

    private static async Task<ProblemDetails?> CheckRouteAsync(HttpContext http)
    {
        var route = http.Request.RouteValues;
        if (TryGuid(route, "campaignId", out var campaignId) || TryGuid(route, "id", out campaignId))
        {
            return await CheckAsync(http, campaignId);
        }
        if (TryGuid(route, "donationId", out var donationId))
        {
            if (StaffScope.Of(http.User) is { Role: Roles.Admin or Roles.Viewer })
            {
                return null;
            }
            var donation = await http.RequestServices.GetRequiredService<ILedgerQueries>().FindAsync(donationId, http.RequestAborted);
            return donation is null ? Http.Problem.NotFound("donation", donationId) : await CheckAsync(http, donation.CampaignId);
        }
        throw new InvalidOperationException($"{http.Request.Path} has no campaign or donation in its route to check the scope against.");
    }

    private static bool TryGuid(RouteValueDictionary route, string name, out Guid id)
    {
        id = Guid.Empty;
        return route.TryGetValue(name, out var value) && Guid.TryParse(value?.ToString(), out id);
    }
}
