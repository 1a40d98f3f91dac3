using Fundraising.Contracts.Health;
using Fundraising.Grains.Health;
using Fundraising.Web.Hosting;
using Fundraising.Web.Http;
using Fundraising.Web.Security;
using Npgsql;

namespace Fundraising.Web.Health;

public static class HealthEndpoints
{
    /// <summary>
    /// Readiness checks for this front end. A co-hosted silo brings its own (PostgreSQL answers, the silo is an active
    /// member: see <see cref="HealthProbes.AddSiloHealthChecks"/>); a client-mode front end checks PostgreSQL and that it
    /// reaches a gateway (<see cref="GatewayHealthCheck"/>), told of lost gateways by the Orleans client itself.
    /// </summary>
    public static WebApplicationBuilder AddHealthProbes(this WebApplicationBuilder builder)
    {
        if (OrleansHosting.ModeOf(builder.Configuration) == OrleansMode.Client)
        {
            builder.Services.AddSingleton<GatewayConnections>();
            builder.Services.AddSingleton<IClusterConnectionStatusObserver>(sp => sp.GetRequiredService<GatewayConnections>());
            builder.Services.AddHealthChecks()
                .AddCheck<DatabaseHealthCheck>("database", tags: [HealthProbes.Ready])
                .AddCheck<GatewayHealthCheck>("gateway", tags: [HealthProbes.Ready]);
        }
        return builder;
    }

    /// <summary>
    /// <c>GET /healthz</c> for load balancers: 200 "ok" once the database answers and a grain call goes through,
    /// else 503, and nothing about the silo. <c>GET /api/admin/health</c> says which silo answered, for operators.
    /// </summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        // The probes: /health/live and /health/ready (HealthProbes), the same on a silo host's health port.
        app.MapHealthProbes().WithTags("Health");
        app.MapGet("/healthz", async (NpgsqlDataSource database, IGrainFactory grains, CancellationToken cancellationToken) =>
            (await CheckAsync(database, grains, cancellationToken)).Failure is null
                ? Results.Text("ok")
                : Results.Text("unavailable", statusCode: StatusCodes.Status503ServiceUnavailable))
            .WithSummary("The old probe: 200 \"ok\" once the database and a grain answer (use /health/ready).")
            .WithTags("Health");
        app.MapGet("/api/admin/health", async (NpgsqlDataSource database, IGrainFactory grains, CancellationToken cancellationToken) =>
            await CheckAsync(database, grains, cancellationToken) switch
            {
                (var silo, null) => Results.Ok(new { status = "ok", silo }),
                (_, var failure) => Results.Problem(title: "Not ready.", detail: failure, statusCode: StatusCodes.Status503ServiceUnavailable),
            })
            .WithSummary("Health with detail: which silo answered.")
            .WithTags("Health", "Admin").RequireAuthorization(Access.Operate).ProducesProblems(503);
        return app;
    }

    private static async Task<(string? Silo, string? Failure)> CheckAsync(NpgsqlDataSource database, IGrainFactory grains, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await using (var command = database.CreateCommand("SELECT 1"))
            {
                await command.ExecuteScalarAsync(timeout.Token);
            }
            return (await grains.GetGrain<IPingGrain>(0).PingAsync().WaitAsync(timeout.Token), null);
        }
        catch (Exception exception) when (exception is NpgsqlException or OperationCanceledException or TimeoutException or OrleansException)
        {
            return (null, exception.GetType().Name);
        }
    }
}
