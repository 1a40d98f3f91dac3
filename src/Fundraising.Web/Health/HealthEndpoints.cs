using Fundraising.Contracts.Health;
using Npgsql;

namespace Fundraising.Web.Health;

public static class HealthEndpoints
{
    /// <summary><c>GET /healthz</c>: 200 once the database answers and a grain call goes through, else 503.</summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", async (NpgsqlDataSource database, IGrainFactory grains, CancellationToken cancellationToken) =>
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                await using (var command = database.CreateCommand("SELECT 1"))
                {
                    await command.ExecuteScalarAsync(timeout.Token);
                }
                var silo = await grains.GetGrain<IPingGrain>(0).PingAsync().WaitAsync(timeout.Token);
                return Results.Ok(new { status = "ok", silo });
            }
            catch (Exception exception) when (exception is NpgsqlException or OperationCanceledException or TimeoutException or OrleansException)
            {
                return Results.Problem(title: "Not ready.", detail: exception.GetType().Name, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        }).WithTags("Health");
        return app;
    }
}
