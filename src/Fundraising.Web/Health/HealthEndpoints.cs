using Fundraising.Contracts.Health;
using Fundraising.Web.Security;
using Npgsql;

namespace Fundraising.Web.Health;

public static class HealthEndpoints
{
    /// <summary>
    /// <c>GET /healthz</c> for load balancers: 200 "ok" once the database answers and a grain call goes through,
    /// else 503, and nothing about the silo. <c>GET /api/admin/health</c> says which silo answered, for operators.
    /// </summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", async (NpgsqlDataSource database, IGrainFactory grains, CancellationToken cancellationToken) =>
            (await CheckAsync(database, grains, cancellationToken)).Failure is null
                ? Results.Text("ok")
                : Results.Text("unavailable", statusCode: StatusCodes.Status503ServiceUnavailable))
            .WithTags("Health");
        app.MapGet("/api/admin/health", async (NpgsqlDataSource database, IGrainFactory grains, CancellationToken cancellationToken) =>
            await CheckAsync(database, grains, cancellationToken) switch
            {
                (var silo, null) => Results.Ok(new { status = "ok", silo }),
                (_, var failure) => Results.Problem(title: "Not ready.", detail: failure, statusCode: StatusCodes.Status503ServiceUnavailable),
            })
            .WithTags("Health", "Admin").RequireAuthorization(Access.Operate);
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
