using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Persistence.Ledger;
using Fundraising.Web.Admin;
using Fundraising.Web.Donations;
using Fundraising.Web.MonthlyGiving;
using Fundraising.Web.Payments.Stripe;
using Fundraising.Web.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Fundraising.Web.Payments;

/// <summary>Answer of <c>GET /api/payments/options</c>: <c>provider</c> is <c>stripe</c>, <c>sandbox</c> or null (none).</summary>
public sealed record PaymentOptionsResponse(string? Provider, bool MonthlyGiving);

public static class PaymentEndpoints
{
    /// <summary>
    /// Registers the payment providers. The Sandbox provider is on by default outside Production;
    /// switching it on in Production stops the host at start, so fake payments can never go live.
    /// </summary>
    public static WebApplicationBuilder AddPayments(this WebApplicationBuilder builder)
    {
        var sandbox = builder.Configuration.GetSection("Payments:Sandbox").Get<SandboxOptions>() ?? new SandboxOptions();
        var enabled = sandbox.Enabled ?? !builder.Environment.IsProduction();
        if (enabled && builder.Environment.IsProduction())
        {
            throw new InvalidOperationException(
                "Payments:Sandbox:Enabled is true in Production. The sandbox provider confirms payments without money; refusing to start.");
        }
        if (enabled)
        {
            builder.Services.AddSingleton<IPaymentProvider, SandboxPaymentProvider>();
        }
        builder.AddStripe();
        return builder;
    }

    public static IEndpointRouteBuilder MapPayments(this IEndpointRouteBuilder app)
    {
        // What the donate form may offer: the donors' provider, and monthly giving when it can be taken.
        app.MapGet("/api/payments/options", (PaymentProviders providers, MonthlyGiftTokens tokens, IServiceProvider services) =>
                TypedResults.Ok(new PaymentOptionsResponse(
                    providers.ForDonors?.Name, tokens.CanIssue && services.GetService<StripeMonthlyGifts>() is not null)))
            .WithTags("Payments");
        if (app.ServiceProvider.GetServices<IPaymentProvider>().Any(p => p.Name == SandboxPaymentProvider.ProviderName))
        {
            app.MapGroup("/api/payments/sandbox").WithTags("Payments")
                .MapPost("/{donationId:guid}/confirm", ConfirmSandboxAsync);
        }
        if (app.ServiceProvider.GetServices<IPaymentProvider>().Any(p => p.Name == StripePaymentProvider.ProviderName))
        {
            app.MapStripeWebhook();
            // Runs the reconciliation job now and reports what it did (it also runs on a timer).
            app.MapPost("/api/admin/payments/stripe/reconcile", async (StripeReconciler reconciler, CancellationToken cancellationToken) =>
                    TypedResults.Ok(await reconciler.RunAsync(cancellationToken)))
                .RequireAuthorization(AdminAuthentication.Policy).WithTags("Payments", "Admin");
        }
        return app;
    }

    private static async Task<Results<Ok<DonationResponse>, ProblemHttpResult>> ConfirmSandboxAsync(
        Guid donationId, DonationRouter router, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (await router.FindCampaignAsync(donationId, cancellationToken) is not { } campaignId)
        {
            return TypedResults.Problem(Problem.NotFound("donation", donationId));
        }
        var result = await grains.GetGrain<ICampaignGrain>(campaignId).ConfirmDonationAsync(donationId);
        return result.Error == DonationError.None
            ? TypedResults.Ok(DonationResponse.From(result.Donation!, payment: null))
            : TypedResults.Problem(Problem.NotFound("donation", donationId));
    }
}
