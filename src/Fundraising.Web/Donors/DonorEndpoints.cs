using System.Text.RegularExpressions;
using Fundraising.Web.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Fundraising.Web.Donors;

/// <summary>Exactly one of <see cref="Phone"/> or <see cref="Email"/>.</summary>
public sealed record VerificationRequest(string? Phone, string? Email);

public sealed record VerificationConfirmRequest(string? Phone, string? Email, string? Code);

public sealed record DonorTokenResponse(string DonorToken, DateTimeOffset ExpiresAt);

public sealed record OutboxResponse(IReadOnlyList<OutboxMessage> Items);

public static partial class DonorEndpoints
{
    /// <summary>
    /// Registers verified donors: <see cref="DonorOptions"/> from <c>Donors</c>, the service, and the code senders:
    /// e-mail by SMTP when <c>Donors:Smtp:Host</c> is set, else (outside Production) to the development outbox;
    /// phone codes to the outbox outside Production and nowhere in Production (no SMS provider yet).
    /// In Production without an SMTP host the host refuses to start.
    /// </summary>
    public static WebApplicationBuilder AddDonors(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DonorOptions>().BindConfiguration("Donors").ValidateDataAnnotations().ValidateOnStart();
        var production = builder.Environment.IsProduction();
        var smtp = !string.IsNullOrWhiteSpace(builder.Configuration["Donors:Smtp:Host"]);
        if (production && !smtp)
        {
            throw new InvalidOperationException(
                "Donors:Smtp:Host is required in Production: donors' verification codes go out by e-mail over SMTP, and the development outbox does not exist there.");
        }
        if (!production)
        {
            builder.Services.AddSingleton<DevelopmentOutbox>();
        }
        builder.Services.AddSingleton<SmtpVerificationSender>();
        builder.Services.AddSingleton(sp => new VerificationSenders(
            smtp ? sp.GetRequiredService<SmtpVerificationSender>() : sp.GetRequiredService<DevelopmentOutbox>(),
            production ? null : sp.GetRequiredService<DevelopmentOutbox>()));
        builder.Services.AddSingleton<DonorVerification>();
        return builder;
    }

    /// <summary>The development outbox page (<c>/dev/…</c>) is a static file: in Production it is answered 404 before static files.</summary>
    public static WebApplication UseDevelopmentPages(this WebApplication app)
    {
        if (app.Environment.IsProduction())
        {
            app.Use((http, next) =>
            {
                if (http.Request.Path.StartsWithSegments("/dev"))
                {
                    http.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                }
                return next(http);
            });
        }
        return app;
    }

    public static IEndpointRouteBuilder MapDonors(this WebApplication app)
    {
        // Anonymous: donors have no accounts. Each route is limited per client address (code mail costs and guessing).
        var donors = app.MapGroup("/api/donors/verifications").WithTags("Donors").AllowAnonymous().ProducesProblems(404, 422);
        donors.MapPost("", RequestAsync).WithSummary("Sends a donor a one-time code by e-mail.").RequireRateLimiting(RateLimits.DonorVerifications);
        donors.MapPost("/confirm", ConfirmAsync).WithSummary("Confirms a donor's code and returns a donor token.").RequireRateLimiting(RateLimits.DonorConfirms);

        // The codes that would have gone out, for local development and tests; never mapped in Production.
        if (!app.Environment.IsProduction())
        {
            app.MapGet("/_dev/outbox", (string? to, DevelopmentOutbox outbox) =>
                TypedResults.Ok(new OutboxResponse(outbox.List(to is null ? null : Normalize(to))))).WithSummary("Development only: the codes that would have been e-mailed.")
                .WithTags("Development").AllowAnonymous().ExcludeFromDescription();
        }
        return app;
    }

    // The same 202 whether or not the address was seen before, so the answer tells nothing about who gives.
    private static async Task<Results<Accepted, ValidationProblem, ProblemHttpResult>> RequestAsync(
        VerificationRequest request, DonorVerification verification, CancellationToken cancellationToken)
    {
        var v = new Validation();
        var address = AddressOf(v, request.Phone, request.Email);
        if (address is null)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        return await verification.RequestAsync(address, cancellationToken) switch
        {
            VerificationRequestResult.Sent => TypedResults.Accepted((string?)null),
            VerificationRequestResult.NoSender => TypedResults.Problem(Problem.Unprocessable(
                "No SMS sender is configured.", "no SMS sender is configured: verify an e-mail address instead.")),
            _ => TypedResults.Problem(new ProblemDetails
            {
                Title = "The code could not be sent.",
                Detail = "The mail server did not take the message; try again in a minute.",
                Status = StatusCodes.Status503ServiceUnavailable,
            }),
        };
    }

    private static async Task<Results<Ok<DonorTokenResponse>, ValidationProblem, ProblemHttpResult>> ConfirmAsync(
        VerificationConfirmRequest request, DonorVerification verification, CancellationToken cancellationToken)
    {
        var v = new Validation();
        var address = AddressOf(v, request.Phone, request.Email);
        if (request.Code is null || !CodeShape().IsMatch(request.Code))
        {
            v.Add("code", "'code' is required: the 6 digits that were sent.");
        }
        if (address is null || !v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        // Wrong, expired, used or dead codes get one answer, so a guesser learns nothing about which.
        return await verification.ConfirmAsync(address, request.Code!, cancellationToken) is { } issued
            ? TypedResults.Ok(new DonorTokenResponse(issued.Token, issued.ExpiresAt))
            : TypedResults.Problem(new ProblemDetails
            {
                Title = "The code is wrong or has expired.",
                Detail = "Ask for a new code and try again.",
                Status = StatusCodes.Status400BadRequest,
            });
    }

    private static DonorAddress? AddressOf(Validation v, string? phone, string? email)
    {
        var hasPhone = !string.IsNullOrWhiteSpace(phone);
        var hasEmail = !string.IsNullOrWhiteSpace(email);
        if (hasPhone == hasEmail)
        {
            v.Add("phone", "Give exactly one of 'phone' or 'email'.");
            v.Add("email", "Give exactly one of 'phone' or 'email'.");
            return null;
        }
        if (hasPhone)
        {
            var address = DonorVerification.NormalizePhone(phone!);
            if (address is null)
            {
                v.Add("phone", "'phone' must be a mainland China mobile number (11 digits, 1[3-9]…) or an E.164 number (+ and up to 15 digits).");
            }
            return address;
        }
        var normalized = DonorVerification.NormalizeEmail(email!);
        if (normalized is null)
        {
            v.Add("email", "'email' must be an e-mail address (name@example.org).");
        }
        return normalized;
    }

    private static string Normalize(string to) =>
        (DonorVerification.NormalizeEmail(to) ?? DonorVerification.NormalizePhone(to))?.Value ?? to.Trim();

    [GeneratedRegex(@"^\d{6}$")]
    private static partial Regex CodeShape();
}
