namespace Fundraising.Web.Http;

/// <summary>How often and how long a front end retries a grain call that failed in transit (<c>GrainRetry</c> section).</summary>
public sealed class GrainRetryOptions
{
    /// <summary>Tries in all, the first included; 1 turns retrying off.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Wait before the first retry; each further wait doubles, up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan FirstDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>No retry starts later than this after the request came in: the donor gets a 503 then, and retries.</summary>
    public TimeSpan Budget { get; set; } = TimeSpan.FromSeconds(20);
}

/// <summary>
/// Retries, inside the front end, an endpoint whose grain call failed because the grain's silo was stopping, had died
/// or its activation was moving (an <see cref="OrleansException"/> such as a silo-unavailable rejection, or the
/// <see cref="TimeoutException"/> of a call stuck on a silo that died), or the database went away under it (see
/// <see cref="IsTransient"/>). Such a failure says nothing about whether the
/// grain did the work, so only idempotent endpoints take this filter: a gift carries its Idempotency-Key (the campaign
/// grain answers a repeat with the first answer), a confirmation of a confirmed gift is answered again, a read is a
/// read. Bounded in tries and in time, and each retry is logged; what is still failing after that becomes the 503 of
/// <see cref="ApiConventions"/> (retry with the same key). The donor sees a slower answer instead of an error while the
/// cluster fails over, or PostgreSQL restarts.
/// </summary>
public static class GrainRetry
{
    public static WebApplicationBuilder AddGrainRetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<GrainRetryOptions>().BindConfiguration("GrainRetry")
            .Validate(o => o.MaxAttempts >= 1 && o.FirstDelay >= TimeSpan.Zero && o.MaxDelay >= o.FirstDelay && o.Budget >= TimeSpan.Zero,
                "GrainRetry: MaxAttempts at least 1, delays and budget not negative, MaxDelay not below FirstDelay.")
            .ValidateOnStart();
        return builder;
    }

    /// <summary>Retries this group's endpoints on a transient grain-call failure (for idempotent endpoints only).</summary>
    public static TBuilder RetryGrainCallsInTransit<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(RetryAsync);

    /// <summary>
    /// True for the failures a retry may cure: the call got no answer from a live activation, or the database failed
    /// under it (restarting: "the database system is starting up", a connection refused or cut; or a commit whose outcome
    /// is unknown: the same key settles it). Any <see cref="Npgsql.NpgsqlException"/> counts: one that crossed a grain
    /// call arrives without its SQLSTATE (Orleans carries an exception's type, message and stack, not its own fields), so
    /// <c>IsTransient</c> cannot be told there; a database error that is not transient only comes back after the tries.
    /// </summary>
    public static bool IsTransient(Exception exception) => exception is OrleansException or TimeoutException
        or Npgsql.NpgsqlException or Persistence.Ledger.LedgerCommitUncertainException;

    private static async ValueTask<object?> RetryAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var options = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<GrainRetryOptions>>().Value;
        var time = http.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System;
        var started = time.GetTimestamp();
        var delay = options.FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await next(context);
            }
            catch (Exception e) when (IsTransient(e) && attempt < options.MaxAttempts && !http.RequestAborted.IsCancellationRequested
                                      && time.GetElapsedTime(started) + delay < options.Budget)
            {
                http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GrainRetry)).LogWarning(
                    "{Method} {Route} failed in transit ({Exception}: {Message}), try {Attempt} of {MaxAttempts}; retrying in {Delay} ms",
                    http.Request.Method, (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText, e.GetType().Name, e.Message,
                    attempt, options.MaxAttempts, (int)delay.TotalMilliseconds);
            }
            await Task.Delay(delay, time, http.RequestAborted);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.MaxDelay.Ticks));
        }
    }
}
