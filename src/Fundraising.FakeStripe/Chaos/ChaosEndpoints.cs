namespace Fundraising.FakeStripe.Chaos;

public static class ChaosEndpoints
{
    /// <summary><c>GET</c> and <c>POST /_fake/chaos</c>: the switches for webhook deliveries and API faults.</summary>
    public static IEndpointRouteBuilder MapChaos(this IEndpointRouteBuilder app)
    {
        var chaos = app.MapGroup("/_fake/chaos").WithTags("Fake");
        chaos.MapGet("/", (ChaosSwitches switches) => TypedResults.Ok(switches.Current));
        chaos.MapPost("/", (ChaosSettings settings, ChaosSwitches switches, ILoggerFactory loggers) =>
        {
            var errors = settings.Validate();
            if (errors.Count > 0)
            {
                return Results.ValidationProblem(errors);
            }
            switches.Apply(settings);
            loggers.CreateLogger(typeof(ChaosEndpoints)).LogInformation("Chaos switches set to {Settings}", settings);
            return Results.Ok(switches.Current);
        });
        return app;
    }
}
