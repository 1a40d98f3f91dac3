using Fundraising.Web.MonthlyGiving;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Stripe;

namespace Fundraising.Web.Payments.Stripe;

public static class StripeRegistration
{
    /// <summary>Registers Stripe as the donors' card provider when <c>Payments:Stripe:Enabled</c> is true.</summary>
    public static void AddStripe(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Payments:Stripe");
        if (!section.GetValue("Enabled", false))
        {
            return;
        }
        builder.Services.AddOptions<StripeOptions>().Bind(section)
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

        // Settles what webhooks missed: undelivered events and gifts still pending after a while.
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<StripeReconciliationOptions>().BindConfiguration("Payments:Stripe:Reconciliation")
            .Validate(o => o.Interval > TimeSpan.Zero && o.LookBack > TimeSpan.Zero && o.PendingAfter >= TimeSpan.Zero && o.MaxPendingPerRun > 0,
                "Payments:Stripe:Reconciliation needs a positive Interval and LookBack, a PendingAfter of zero or more and a positive MaxPendingPerRun.")
            .ValidateOnStart();
        builder.Services.AddSingleton<StripeReconciler>();
        builder.Services.AddHostedService<StripeReconciliationService>();
    }
}
