using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Fundraising.Web.Http;

public static class ApiConventions
{
    /// <summary>Largest request body accepted anywhere; donation and campaign requests are far smaller.</summary>
    public const long MaxRequestBodyBytes = 64 * 1024;

    /// <summary>
    /// RFC 7807 problem responses for every error (including 401, 404 and framework failures),
    /// camelCase JSON with enums as lower-case strings, and a small request body limit.
    /// </summary>
    public static WebApplicationBuilder AddApiConventions(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<BadRequestProblemHandler>();
        builder.Services.Configure<Microsoft.AspNetCore.Http.Json.JsonOptions>(options => ConfigureJson(options.SerializerOptions));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        return builder;
    }

    public static void ConfigureJson(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        // Money is a JSON integer: "100" (a string) is refused rather than guessed at.
        options.NumberHandling = JsonNumberHandling.Strict;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
    }

    public static WebApplication UseApiConventions(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }

    /// <summary>
    /// Turns the framework's bad-request failures (malformed JSON, a number that does not fit,
    /// an oversized body) into problems that name the offending field.
    /// </summary>
    private sealed class BadRequestProblemHandler(IProblemDetailsService problems) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
        {
            if (GrainRetry.IsTransient(exception))
            {
                // A silo is down, a grain is moving or the database is restarting (and the front end's own retries,
                // where the endpoint has them, ran out): nothing was acknowledged, so a retry with the same
                // Idempotency-Key is safe and will be answered exactly once.
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = "1";
                return await problems.TryWriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    Exception = exception,
                    ProblemDetails = new ProblemDetails
                    {
                        Title = "Temporarily unavailable.",
                        Detail = "Please retry the same request with the same Idempotency-Key.",
                        Status = StatusCodes.Status503ServiceUnavailable,
                    },
                });
            }
            if (exception is Fundraising.Payments.Stripe.PaymentProviderUnavailableException)
            {
                // The pending gift is recorded but counts for nothing until paid; the same request again resumes it.
                context.Response.StatusCode = StatusCodes.Status502BadGateway;
                return await problems.TryWriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    Exception = exception,
                    ProblemDetails = new ProblemDetails
                    {
                        Title = "The card payment provider is not answering.",
                        Detail = "Nothing was charged. Please retry the same request with the same Idempotency-Key.",
                        Status = StatusCodes.Status502BadGateway,
                    },
                });
            }
            if (exception is not BadHttpRequestException bad)
            {
                return false;
            }
            ProblemDetails problem;
            if (bad.InnerException is JsonException json)
            {
                var field = FieldName(json.Path);
                problem = new HttpValidationProblemDetails(new Dictionary<string, string[]>
                {
                    [field] = [$"The value of '{field}' is not valid JSON for this field."],
                })
                {
                    Title = "The request body is not valid.",
                    Status = StatusCodes.Status400BadRequest,
                };
            }
            else
            {
                problem = new ProblemDetails
                {
                    Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is too large." : "The request is not valid.",
                    Detail = bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                        ? $"Request bodies are limited to {MaxRequestBodyBytes} bytes."
                        : bad.Message,
                    Status = bad.StatusCode,
                };
            }
            context.Response.StatusCode = problem.Status!.Value;
            return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
        }

        private static string FieldName(string? path)
        {
            // "$.region.county" -> "region.county"; "$" (the body as a whole) -> "body".
            var trimmed = (path ?? "$").TrimStart('$').TrimStart('.');
            return trimmed.Length == 0 ? "body" : trimmed;
        }
    }
}
