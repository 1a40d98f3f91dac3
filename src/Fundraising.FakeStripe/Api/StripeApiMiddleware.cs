using System.Text;
using Fundraising.FakeStripe.Chaos;
using Fundraising.FakeStripe.Hosting;
using Microsoft.Extensions.Options;

namespace Fundraising.FakeStripe.Api;

/// <summary>
/// What every <c>/v1</c> call goes through, in Stripe's order: a request id, the secret key (401), injected faults
/// (chaos), the form or query parameters, then the idempotency key (replay, 400 <c>idempotency_error</c> or 409)
/// around the endpoint. Refusals thrown as <see cref="StripeApiException"/> become Stripe's error body everywhere.
/// </summary>
internal sealed partial class StripeApiMiddleware(
    RequestDelegate next,
    IOptions<FakeStripeOptions> options,
    ChaosSwitches chaos,
    IdempotencyStore idempotency,
    ILogger<StripeApiMiddleware> logger)
{
    private readonly string apiKey = options.Value.ApiKey;

    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/v1"))
        {
            await RunAsync(context);
            return;
        }

        var requestId = StripeIds.New("req", 14);
        context.Response.Headers["Request-Id"] = requestId;
        context.Response.Headers["Stripe-Version"] = context.Request.Headers["Stripe-Version"] is { Count: > 0 } version
            ? version
            : options.Value.ApiVersion;

        if (Authenticate(context.Request) is { } refusal)
        {
            await refusal.ExecuteAsync(context);
            return;
        }
        var fault = chaos.TakeApiFault(context.Request.Path.Value ?? "");
        if (fault is ApiFault.ServerError or ApiFault.Timeout)
        {
            await FaultAsync(context, fault.Value);
            return;
        }
        if (fault is ApiFault.AnswerLost)
        {
            // Carried out as usual (its answer kept for a retry with the same key), but the client never hears it.
            LogFault(fault.Value, context.Request.Method, context.Request.Path);
            var original = context.Response.Body;
            context.Response.Body = Stream.Null;
            await InvokeAsync(context, requestId);
            context.Response.Body = original;
            context.Abort();
            return;
        }
        await InvokeAsync(context, requestId);
    }

    /// <summary>Parameters, then the idempotency key around the endpoint.</summary>
    private async Task InvokeAsync(HttpContext context, string requestId)
    {

        var parameters = await ReadParametersAsync(context.Request);
        var key = HttpMethods.IsPost(context.Request.Method) && context.Request.Headers["Idempotency-Key"] is { Count: > 0 } header
            ? header.ToString()
            : null;
        new ApiRequest(requestId, key, parameters).Attach(context);
        if (key is null)
        {
            await RunAsync(context);
            return;
        }

        context.Response.Headers["Idempotency-Key"] = key;
        switch (idempotency.TryClaim(key, Fingerprint(context.Request, parameters)))
        {
            case Claim.Replay replay:
                context.Response.StatusCode = replay.Response.Status;
                context.Response.ContentType = "application/json";
                context.Response.Headers["Idempotent-Replayed"] = "true";
                context.Response.Headers["Original-Request"] = replay.Response.OriginalRequestId;
                await context.Response.Body.WriteAsync(replay.Response.Body, context.RequestAborted);
                return;
            case Claim.Mismatch:
                await StripeJson.Error(
                    StatusCodes.Status400BadRequest,
                    "idempotency_error",
                    $"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request.")
                    .ExecuteAsync(context);
                return;
            case Claim.InFlight:
                await StripeJson.Error(
                    StatusCodes.Status409Conflict,
                    "idempotency_error",
                    "There is currently another in-progress request using this Idempotency-Key. Please try again later.",
                    "idempotency_key_in_use")
                    .ExecuteAsync(context);
                return;
        }

        await RunIdempotentAsync(context, key, requestId);
    }

    /// <summary>Runs the endpoint once and keeps its answer for replays, unless it never began (validation) or crashed.</summary>
    private async Task RunIdempotentAsync(HttpContext context, string key, string requestId)
    {
        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        var outcome = Outcome.Crashed;
        try
        {
            outcome = await RunAsync(context);
        }
        finally
        {
            context.Response.Body = original;
            if (outcome == Outcome.Stored)
            {
                idempotency.Complete(key, new StoredResponse(context.Response.StatusCode, buffer.ToArray(), requestId));
            }
            else
            {
                idempotency.Release(key);
            }
        }
        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
    }

    private async Task<Outcome> RunAsync(HttpContext context)
    {
        try
        {
            await next(context);
            return Outcome.Stored;
        }
        catch (StripeApiException refusal) when (!context.Response.HasStarted)
        {
            context.Response.Clear();
            await refusal.ToResult().ExecuteAsync(context);
            return refusal.Replayable ? Outcome.Stored : Outcome.NotStored;
        }
        catch (Exception exception) when (!context.Response.HasStarted && exception is not (OperationCanceledException or BadHttpRequestException))
        {
            LogCrash(exception, context.Request.Method, context.Request.Path);
            context.Response.Clear();
            await StripeJson.Error(StatusCodes.Status500InternalServerError, "api_error", "An unexpected error occurred in the fake Stripe.")
                .ExecuteAsync(context);
            return Outcome.Crashed;
        }
    }

    private IResult? Authenticate(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        string? presented = null;
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            presented = authorization["Bearer ".Length..].Trim();
        }
        else if (authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            // Stripe also takes the key as the basic-auth user name.
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..].Trim()));
                presented = decoded.Split(':')[0];
            }
            catch (FormatException)
            {
            }
        }
        if (string.IsNullOrEmpty(presented))
        {
            return StripeJson.Error(
                StatusCodes.Status401Unauthorized,
                "invalid_request_error",
                "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').");
        }
        if (!string.Equals(presented, apiKey, StringComparison.Ordinal))
        {
            var masked = presented.Length > 12 ? $"{presented[..8]}{new string('*', presented.Length - 12)}{presented[^4..]}" : "****";
            return StripeJson.Error(StatusCodes.Status401Unauthorized, "invalid_request_error", $"Invalid API Key provided: {masked}");
        }
        return null;
    }

    private async Task FaultAsync(HttpContext context, ApiFault fault)
    {
        LogFault(fault, context.Request.Method, context.Request.Path);
        if (fault == ApiFault.Timeout)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(options.Value.FaultTimeoutSeconds), context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The client gave up, as intended; nothing was executed.
                return;
            }
        }
        await StripeJson.Error(
            StatusCodes.Status500InternalServerError,
            "api_error",
            "An unknown error occurred while processing your request (injected by the fake Stripe's chaos switches).")
            .ExecuteAsync(context);
    }

    private static async Task<StripeParams> ReadParametersAsync(HttpRequest request)
    {
        if (HttpMethods.IsPost(request.Method))
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            return StripeParams.Parse(await reader.ReadToEndAsync(request.HttpContext.RequestAborted));
        }
        return request.QueryString.HasValue ? StripeParams.Parse(request.QueryString.Value!) : StripeParams.Empty;
    }

    /// <summary>The endpoint and its parameters, order aside: what a replay must match.</summary>
    private static string Fingerprint(HttpRequest request, StripeParams parameters) =>
        $"{request.Method} {request.Path}\n" + string.Join(
            "&",
            parameters.Pairs
                .OrderBy(pair => pair.Key, StringComparer.Ordinal)
                .ThenBy(pair => pair.Value, StringComparer.Ordinal)
                .Select(pair => $"{Uri.EscapeDataString(pair.Key)}={Uri.EscapeDataString(pair.Value)}"));

    private enum Outcome
    {
        Stored,
        NotStored,
        Crashed,
    }

    [LoggerMessage(LogLevel.Error, "Unexpected failure in {Method} {Path}")]
    private partial void LogCrash(Exception exception, string method, string path);

    [LoggerMessage(LogLevel.Information, "Chaos fault {Fault} on {Method} {Path}")]
    private partial void LogFault(ApiFault fault, string method, string path);
}
