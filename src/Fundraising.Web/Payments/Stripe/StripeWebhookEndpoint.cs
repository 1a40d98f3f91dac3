using Microsoft.Extensions.Options;
using Stripe;

namespace Fundraising.Web.Payments.Stripe;

/// <summary>
/// <c>POST /api/payments/stripe/webhook</c>. Verifies the signature against the raw body (any of the
/// configured secrets, for rotation) and hands the event to <see cref="StripeEventProcessor"/>, the same
/// code the reconciliation job uses for events whose delivery failed.
/// </summary>
public static class StripeWebhookEndpoint
{
    public static IEndpointRouteBuilder MapStripeWebhook(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/payments/stripe/webhook", HandleAsync).WithTags("Payments");
        return app;
    }

    private static async Task<IResult> HandleAsync(
        HttpRequest request, IOptions<StripeOptions> options, StripeEventProcessor processor, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body);
        var json = await reader.ReadToEndAsync(cancellationToken);
        var signature = request.Headers["Stripe-Signature"].ToString();
        var stripeEvent = Verify(json, signature, options.Value.Secrets);
        if (stripeEvent is null)
        {
            // No effect: not from Stripe, tampered with, or replayed outside the tolerance window.
            return TypedResults.Problem(title: "The Stripe-Signature is missing, invalid or stale.", statusCode: StatusCodes.Status400BadRequest);
        }
        var outcome = await processor.ProcessAsync(stripeEvent, cancellationToken);
        return outcome == StripeEventOutcome.Duplicate
            ? TypedResults.Ok(new { received = true, duplicate = true })
            : TypedResults.Ok(new { received = true });
    }

    private static Event? Verify(string json, string signature, IReadOnlyList<string> secrets)
    {
        if (string.IsNullOrEmpty(signature))
        {
            return null;
        }
        foreach (var secret in secrets)
        {
            try
            {
                return EventUtility.ConstructEvent(json, signature, secret, throwOnApiVersionMismatch: false);
            }
            catch (StripeException)
            {
                // Try the next secret: during a rotation the event may be signed with either.
            }
        }
        return null;
    }
}
