using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Fundraising.Grains.Health;

/// <summary>
/// Liveness and readiness, the two probes a load balancer or a kubelet asks, on every host of the platform (a web
/// front end, co-hosted or a client, and a standalone silo). Liveness runs no check: the process answers, so it is not
/// restarted for a database outage it cannot fix. Readiness runs every check tagged <see cref="Ready"/>: while one
/// fails the host answers 503 and is taken out of rotation, and put back when it passes again.
/// </summary>
public static class HealthProbes
{
    /// <summary>The tag of the checks readiness runs.</summary>
    public const string Ready = "ready";

    public const string LivePath = "/health/live";

    public const string ReadyPath = "/health/ready";

    /// <summary>Each check gives up after this long and counts as failing (a probe must answer within its own timeout).</summary>
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The database check (PostgreSQL answers) and Orleans' silo check, both tagged for readiness.</summary>
    public static IHealthChecksBuilder AddSiloHealthChecks(this IServiceCollection services) =>
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [Ready])
            .AddCheck<SiloHealthCheck>("silo", tags: [Ready]);

    /// <summary>
    /// Serves HTTP on <c>Health:Port</c> only (default 8081), on every interface or on <c>Health:Address</c>: a silo host
    /// has no other HTTP, and its probes must be reachable from the load balancer or the kubelet.
    /// </summary>
    public static WebApplicationBuilder AddSiloHealthPort(this WebApplicationBuilder builder)
    {
        var port = builder.Configuration.GetValue("Health:Port", 8081);
        if (port is < 1 or > 65535)
        {
            throw new InvalidOperationException($"Health:Port must be a TCP port (1 to 65535), not {port}.");
        }
        var address = builder.Configuration["Health:Address"];
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (string.IsNullOrEmpty(address))
            {
                kestrel.ListenAnyIP(port);
            }
            else
            {
                kestrel.Listen(IPAddress.Parse(address), port);
            }
        });
        return builder;
    }

    /// <summary>
    /// <c>GET /health/live</c> (always 200 while the process serves HTTP) and <c>GET /health/ready</c> (200, or 503 naming
    /// the failing checks), both anonymous and answered as <c>{status, checks: [{name, status, description}]}</c>. Route
    /// handlers over <see cref="HealthCheckService"/> rather than <c>MapHealthChecks</c>, so that the API's description
    /// (OpenAPI) can describe them like every other endpoint.
    /// </summary>
    public static RouteGroupBuilder MapHealthProbes(this IEndpointRouteBuilder app)
    {
        var probes = app.MapGroup("/health").AllowAnonymous();
        probes.MapGet("/live", (HealthCheckService health, HttpContext http) => ProbeAsync(health, http, _ => false))
            .WithSummary("Liveness: the process answers (no dependency is checked).")
            .Produces<HealthAnswer>();
        probes.MapGet("/ready", (HealthCheckService health, HttpContext http) => ProbeAsync(health, http, check => check.Tags.Contains(Ready)))
            .WithSummary("Readiness: PostgreSQL answers, and the silo is an active member of the cluster (or, for a client-mode front end, a gateway answers).")
            .Produces<HealthAnswer>()
            .Produces<HealthAnswer>(StatusCodes.Status503ServiceUnavailable);
        return probes;
    }

    /// <summary>
    /// The checks' own descriptions only (they are written to say what failed without internals); exceptions go to the log.
    /// </summary>
    private static async Task<IResult> ProbeAsync(HealthCheckService health, HttpContext http, Func<HealthCheckRegistration, bool> predicate)
    {
        var report = await health.CheckHealthAsync(predicate, http.RequestAborted);
        http.Response.Headers.CacheControl = "no-store";
        var answer = new HealthAnswer(
            Status(report.Status),
            report.Entries.Select(entry => new HealthCheckAnswer(entry.Key, Status(entry.Value.Status), entry.Value.Description)).ToList());
        return TypedResults.Json(answer, Json, statusCode: report.Status == HealthStatus.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private static string Status(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };

    /// <summary>Runs <paramref name="check"/> within <see cref="CheckTimeout"/>; a timeout or an exception is "unhealthy".</summary>
    public static async Task<HealthCheckResult> WithinTimeoutAsync(
        Func<CancellationToken, Task<HealthCheckResult>> check, string failure, ILogger logger, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CheckTimeout);
        try
        {
            return await check(timeout.Token).WaitAsync(timeout.Token);
        }
        // Any failure (a refused connection, an Orleans rejection, the timeout) means "not ready"; what it was goes to the
        // log, not to the anonymous answer.
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(exception, "Readiness check failed: {Failure}", failure);
            return HealthCheckResult.Unhealthy($"{failure} ({exception.GetType().Name})");
        }
    }
}

/// <summary>What the probes answer.</summary>
public sealed record HealthAnswer(string Status, IReadOnlyList<HealthCheckAnswer> Checks);

/// <summary>One check's verdict.</summary>
public sealed record HealthCheckAnswer(string Name, string Status, string? Description);

/// <summary>PostgreSQL, the system of record, answers a query.</summary>
public sealed class DatabaseHealthCheck(NpgsqlDataSource database, ILogger<DatabaseHealthCheck> logger) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        HealthProbes.WithinTimeoutAsync(async token =>
        {
            await using var command = database.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(token);
            return HealthCheckResult.Healthy("PostgreSQL answers.");
        }, "PostgreSQL does not answer", logger, cancellationToken);
}

/// <summary>
/// This silo is an active member of the cluster (not joining, not shutting down, not declared dead) and Orleans' own
/// health participants (the ones its watchdog asks: the scheduler, membership, the message center) report healthy.
/// </summary>
public sealed class SiloHealthCheck(ISiloStatusOracle membership, IEnumerable<IHealthCheckParticipant> participants) : IHealthCheck
{
    private long _lastCheck = DateTime.UtcNow.ToBinary();

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var lastCheck = DateTime.FromBinary(Interlocked.Exchange(ref _lastCheck, DateTime.UtcNow.ToBinary()));
        if (membership.CurrentStatus != SiloStatus.Active)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"The silo is {membership.CurrentStatus}, not an active member of the cluster."));
        }
        foreach (var participant in participants)
        {
            if (!participant.CheckHealth(lastCheck, out var reason))
            {
                return Task.FromResult(HealthCheckResult.Unhealthy($"{participant.GetType().Name}: {reason}"));
            }
        }
        return Task.FromResult(HealthCheckResult.Healthy("The silo is an active member of the cluster."));
    }
}
