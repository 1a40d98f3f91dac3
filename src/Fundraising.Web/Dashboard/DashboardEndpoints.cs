using Fundraising.Persistence.Dashboard;
using Fundraising.Web.Http;
using Fundraising.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Fundraising.Web.Dashboard;

/// <summary>
/// The admins' live giving-day dashboard: <c>GET /api/admin/events/{id}/dashboard</c> and the hub <c>/hubs/dashboard</c>,
/// both for every staff role (viewer and above: <c>ReadReports</c>). It names no donor.
/// </summary>
public static class DashboardEndpoints
{
    public static WebApplicationBuilder AddLiveDashboard(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DashboardQueries>();
        builder.Services.AddSingleton<DashboardSampler>();
        return builder;
    }

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/admin/events").WithTags("Admin", "Dashboard").RequireAuthorization(Access.ReadReports).ProducesProblems(404)
            .MapGet("/{id:guid}/dashboard", GetAsync).WithSummary("An event's live dashboard figures, once (the hub streams them).");
        app.MapHub<DashboardHub>("/hubs/dashboard").RequireAuthorization(Access.ReadReports).RequireRateLimiting(RateLimits.HubConnections);
        return app;
    }

    private static async Task<Results<Ok<DashboardMessage>, ProblemHttpResult>> GetAsync(Guid id, DashboardSampler sampler, CancellationToken cancellationToken) =>
        await sampler.CurrentAsync(id, cancellationToken) is { } sample
            ? TypedResults.Ok(sample)
            : TypedResults.Problem(Problem.NotFound("event", id));
}
