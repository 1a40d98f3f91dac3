using Fundraising.Payments.MonthlyGiving;
using Fundraising.Payments.Providers;
using Fundraising.Payments.Stripe;
using Fundraising.Persistence.Payments;
using Fundraising.Web.Http;
using Fundraising.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

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
                TypedResults.Ok(new PaymentOptionsResponse(providers.ForDonors?.Name, monthlyGifts.CanTake))).WithSummary("What the donate form may offer: the donors' provider, and whether monthly giving can be taken.")
            .WithTags("Payments");
        if (app.ServiceProvider.GetServices<IPaymentProvider>().Any(p => p.Name == StripePaymentProvider.ProviderName))
        {
            app.MapStripeWebhook();
            // Runs the reconciliation job now and reports what it did (it also runs on a timer).
            app.MapPost("/api/admin/payments/stripe/reconcile", async (StripeReconciler reconciler, CancellationToken cancellationToken) =>
                    TypedResults.Ok(await reconciler.RunAsync(cancellationToken))).WithSummary("Runs the Stripe reconciliation now and reports what it did.")
                .RequireAuthorization(Access.ManagePayments).WithTags("Payments", "Admin");
            // Payments Stripe reported that do not match their gift (amount, currency, mode): held, never counted.
            app.MapGet("/api/admin/payments/holds", ListHoldsAsync).WithSummary("Payments held for review.").RequireAuthorization(Access.ManagePayments).WithTags("Payments", "Admin");
        }
        return app;
    }

    private static async Task<Results<Ok<PaymentHoldListResponse>, ValidationProblem>> ListHoldsAsync(
        int? page, int? pageSize, StripeRecords records, CancellationToken cancellationToken)
    {
        var v = new Validation();
        // Holds are rare (each is a payment that did not match its gift): numbered pages, bounded in depth, are enough.
        var window = Paging.Parse(v, cursor: null, page, pageSize);
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        var holds = await records.ListHoldsAsync(window.Skip, window.Size, cancellationToken);
        return TypedResults.Ok(new PaymentHoldListResponse([.. holds.Select(PaymentHoldResponse.From)], page ?? 1, window.Size));
    }
}

/// <summary>A payment held for an admin: what the gift expected and what Stripe says was paid.</summary>
public sealed record PaymentHoldResponse(
    string StripeObject, string StripeObjectId, Guid DonationId, Guid CampaignId, string Reason, long ExpectedAmount, string ExpectedCurrency,
    long? PaidAmount, string? PaidCurrency, bool Livemode, DateTimeOffset HeldAt)
{
    public static PaymentHoldResponse From(StripePaymentHold h) => new(
        h.StripeObject, h.StripeObjectId, h.DonationId, h.CampaignId, h.Reason, h.ExpectedAmount, h.ExpectedCurrency, h.PaidAmount, h.PaidCurrency, h.Livemode, h.HeldAt);
}

public sealed record PaymentHoldListResponse(IReadOnlyList<PaymentHoldResponse> Items, int Page, int PageSize);
