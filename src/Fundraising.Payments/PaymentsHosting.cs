using Fundraising.Payments.MonthlyGiving;
using Fundraising.Payments.Providers;
using Fundraising.Payments.Receipts;
using Fundraising.Payments.Refunds;
using Fundraising.Payments.Stripe;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Stripe;

namespace Fundraising.Payments;

public static class PaymentsHosting
{
    /// <summary>
    /// Registers the payment domain: the Sandbox provider (on by default outside Production; switching it on
    /// in Production stops the host at start, so fake payments can never go live), Stripe when
    /// <c>Payments:Stripe:Enabled</c> is true (Checkout, the events' effects, reconciliation, monthly gifts),
    /// refunds that go back through the provider that took the money, and the donors' receipt tokens.
    /// </summary>
    public static IHostApplicationBuilder AddPayments(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
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
        builder.Services.AddSingleton<PaymentProviders>();
        builder.Services.AddSingleton<DonationRefunds>();

        // Monthly giving (月捐) is taken when Stripe is enabled and MonthlyGiving:TokenSecret is set.
        builder.Services.AddOptions<MonthlyGivingOptions>().BindConfiguration("MonthlyGiving")
            .Validate(o => o.TokenSecret.Length is 0 or >= 32, "MonthlyGiving:TokenSecret must be at least 32 characters.")
            .ValidateOnStart();
        builder.Services.AddSingleton<MonthlyGiftTokens>();

        // Receipts open with the donor's own token, never the donation id alone: the host refuses to start without a key.
        builder.Services.AddOptions<ReceiptOptions>().BindConfiguration("Receipts")
            .Validate(o => o.TokenSecret.Length >= 32, "Receipts:TokenSecret is required (at least 32 characters): it keys the donors' receipt tokens.")
            .ValidateOnStart();
        builder.Services.AddSingleton<ReceiptTokens>();
        builder.Services.AddSingleton<MonthlyGifts>();

        builder.AddStripe();
        return builder;
    }

    private static void AddStripe(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Payments:Stripe");
        if (!section.GetValue("Enabled", false))
        {
            return;
        }
        // In Production a missing public address must stop the start: donors paying on Stripe would be sent back to localhost.
        var production = builder.Environment.IsProduction();
        builder.Services.AddOptions<StripeOptions>().Bind(section)
            .PostConfigure(o => o.PublicBaseUrl = o.PublicBaseUrl.Length == 0 && !production ? StripeOptions.LocalBaseUrl : o.PublicBaseUrl)
            .Validate(o => o.PublicBaseUrl.Length > 0,
                "Payments:Stripe:PublicBaseUrl is required when Stripe is enabled in Production (this site's public address, for Checkout's return links).")
            .Validate(o => o.PublicBaseUrl.Length == 0 || Uri.TryCreate(o.PublicBaseUrl, UriKind.Absolute, out var url) && url.Scheme is "https" or "http",
                "Payments:Stripe:PublicBaseUrl must be an absolute http(s) address.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.SecretKey), "Payments:Stripe:SecretKey is required when Stripe is enabled.")
            .Validate(o => o.Secrets.Count > 0, "Payments:Stripe:WebhookSecrets is required when Stripe is enabled.")
            .ValidateOnStart();
        // Telemetry to Stripe is off: this platform shares nothing with Stripe beyond the payment itself.
        StripeConfiguration.EnableTelemetry = false;
        builder.Services.AddHttpClient("stripe");
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StripeOptions>>().Value;
            var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient("stripe");
            // Retries are ours (with the same idempotency key), not the SDK's hidden ones.
            return new StripeClient(new StripeClientOptions
            {
                ApiKey = options.SecretKey,
                ApiBase = options.ApiBase,
                HttpClient = new SystemNetHttpClient(http, maxNetworkRetries: 0),
            });
        });
        builder.Services.AddSingleton<StripeCalls>();
        builder.Services.AddSingleton<IPaymentProvider, StripePaymentProvider>();
        builder.Services.AddSingleton<StripeMonthlyGifts>();
        builder.Services.AddSingleton<StripeEventProcessor>();
        builder.Services.AddSingleton<StripeWebhookVerifier>();

        // Settles what webhooks missed: undelivered events and gifts still pending after a while.
        builder.Services.AddOptions<StripeReconciliationOptions>().BindConfiguration("Payments:Stripe:Reconciliation")
            .Validate(o => o.Interval > TimeSpan.Zero && o.LookBack > TimeSpan.Zero && o.PendingAfter >= TimeSpan.Zero && o.MaxPendingPerRun > 0,
                "Payments:Stripe:Reconciliation needs a positive Interval and LookBack, a PendingAfter of zero or more and a positive MaxPendingPerRun.")
            .ValidateOnStart();
        builder.Services.AddSingleton<StripeReconciler>();
        builder.Services.AddHostedService<StripeReconciliationService>();
    }
}
