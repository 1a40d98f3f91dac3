using Fundraising.Payments.Stripe;
using Fundraising.Web.Http;

namespace Fundraising.Web.Payments;

/// <summary>
/// <c>POST /api/payments/stripe/webhook</c>: reads the raw body, has <see cref="StripeWebhookVerifier"/> check its
/// signature, and hands the event to <see cref="StripeEventProcessor"/>, the same code the reconciliation job
/// uses for events whose delivery failed.
/// </summary>
public static class StripeWebhookEndpoint
{
    public static IEndpointRouteBuilder MapStripeWebhook(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/payments/stripe/webhook", HandleAsync).WithSummary("Stripe's signed events (payments, refunds, subscriptions).").WithTags("Payments").ProducesProblems(400);
        return app;
    }

    private static async Task<IResult> HandleAsync(
        HttpRequest request, StripeWebhookVerifier verifier, StripeEventProcessor processor, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body);
        var json = await reader.ReadToEndAsync(cancellationToken);
        if (verifier.Verify(json, request.Headers["Stripe-Signature"].ToString()) is not { } stripeEvent)
        {
            // No effect: not from Stripe, tampered with, or replayed outside the tolerance window.
            return TypedResults.Problem(title: "The Stripe-Signature is missing, invalid or stale.", statusCode: StatusCodes.Status400BadRequest);
        }
        var outcome = await processor.ProcessAsync(stripeEvent, cancellationToken);
        return outcome == StripeEventOutcome.Duplicate
            ? TypedResults.Ok(new { received = true, duplicate = true })
            : TypedResults.Ok(new { received = true });
    }
}
