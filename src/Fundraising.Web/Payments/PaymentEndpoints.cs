using Fundraising.Payments.MonthlyGiving;
using Fundraising.Payments.Providers;
using Fundraising.Payments.Stripe;
using Fundraising.Web.Security;

namespace Fundraising.Web.Payments;

/// <summary>Answer of <c>GET /api/payments/options</c>: <c>provider</c> is <c>stripe</c>, <c>sandbox</c> or null (none).</summary>
public sealed record PaymentOptionsResponse(string? Provider, bool MonthlyGiving);

public static class PaymentEndpoints
{
    /// <summary>
    /// What the donate form may offer, Stripe's webhook, and the admins' reconcile-now button. The payment
    /// domain itself (providers, Stripe's calls and events, reconciliation) is <c>Fundraising.Payments</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapPayments(this IEndpointRouteBuilder app)
    {
        // What the donate form may offer: the donors' provider, and monthly giving when it can be taken.
        app.MapGet("/api/payments/options", (PaymentProviders providers, MonthlyGifts monthlyGifts) =>
                TypedResults.Ok(new PaymentOptionsResponse(providers.ForDonors?.Name, monthlyGifts.CanTake)))
            .WithTags("Payments");
        if (app.ServiceProvider.GetServices<IPaymentProvider>().Any(p => p.Name == StripePaymentProvider.ProviderName))
        {
            app.MapStripeWebhook();
            // Runs the reconciliation job now and reports what it did (it also runs on a timer).
            app.MapPost("/api/admin/payments/stripe/reconcile", async (StripeReconciler reconciler, CancellationToken cancellationToken) =>
                    TypedResults.Ok(await reconciler.RunAsync(cancellationToken)))
                .RequireAuthorization(Access.ManagePayments).WithTags("Payments", "Admin");
        }
        return app;
    }
}
