using Fundraising.Grains.Hosting;
using Fundraising.Web.Http;
using Fundraising.Web.Security;
using Orleans.Dashboard;

namespace Fundraising.Web.Operations;

/// <summary>What operators watch: the Prometheus scrape endpoint and the Orleans Dashboard.</summary>
public static class ObservabilityEndpoints
{
    /// <summary>Where the Orleans Dashboard's pages and its JSON are mapped.</summary>
    public const string DashboardPath = "/orleans-dashboard";

    /// <summary>
    /// The dashboard's policy: ours, but for styles (its bundle inserts style elements, so 'unsafe-inline' for styles
    /// only) and fonts (one is embedded as data:). Scripts stay this origin's files only; no framing.
    /// </summary>
    public const string DashboardContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// <c>GET /metrics</c>: the Prometheus text of this process's meters, for any staff account (viewer and above, policy
    /// <see cref="Access.ReadMetrics"/>); a scraper without an account uses <c>Metrics:Port</c> instead.
    /// </summary>
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization(Access.ReadMetrics).WithTags("Operations");
        return app;
    }

    /// <summary>
    /// The Orleans Dashboard under <see cref="DashboardPath"/> for admins (policy <see cref="Access.Operate"/>), when
    /// <c>OrleansDashboard:Enabled</c> (default): live grains, silos, grain methods' rates and latencies. A co-hosted silo
    /// serves it from its own services; a client front end asks the silos, which must have it enabled too.
    /// </summary>
    public static IEndpointRouteBuilder MapOrleansDashboardForAdmins(this IEndpointRouteBuilder app)
    {
        if (Telemetry.DashboardEnabled(app.ServiceProvider.GetRequiredService<IConfiguration>()))
        {
            var dashboard = app.MapOrleansDashboard(DashboardPath);
            dashboard.RequireAuthorization(Access.Operate).WithTags("Operations").ExcludeFromDescription()
                .WithMetadata(new SecurityHeaders.ContentSecurityPolicyOf(DashboardContentSecurityPolicy));
            // The dashboard reads a grain's "state" by calling every parameterless method of its interfaces that returns a
            // value: on our grains that could change something past the grains' own checks and the audit trail. Not served.
            dashboard.AddEndpointFilter(async (context, next) =>
                context.HttpContext.Request.Path.StartsWithSegments(DashboardPath + "/GrainState", StringComparison.OrdinalIgnoreCase)
                    ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Grain state is not shown here.",
                        detail: "Reading a grain's state through the dashboard would call the grain's methods; use the API and its audit trail.")
                    : await next(context));
        }
        return app;
    }
}
