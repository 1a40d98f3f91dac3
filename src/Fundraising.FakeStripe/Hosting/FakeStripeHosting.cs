using Fundraising.FakeStripe.Api;
using Fundraising.FakeStripe.Chaos;
using Fundraising.FakeStripe.Checkout;
using Fundraising.FakeStripe.Events;
using Fundraising.FakeStripe.PaymentIntents;
using Fundraising.FakeStripe.Refunds;
using Fundraising.FakeStripe.Store;
using Fundraising.FakeStripe.Subscriptions;
using Fundraising.FakeStripe.Webhooks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Fundraising.FakeStripe.Hosting;

public static class FakeStripeHosting
{
    /// <summary>
    /// Registers the fake Stripe with options bound from the <c>FakeStripe</c> section and validated at start:
    /// the in-memory store, the event log, the webhook sender and the chaos switches.
    /// </summary>
    public static WebApplicationBuilder AddFakeStripe(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<FakeStripeOptions>().BindConfiguration(FakeStripeOptions.SectionName).ValidateOnStart();
        AddFakeStripeServices(builder.Services);
        return builder;
    }

    /// <summary>Maps Stripe's <c>/v1</c> API, the hosted checkout page and the <c>/_fake</c> control endpoints.</summary>
    public static WebApplication MapFakeStripe(this WebApplication app)
    {
        app.UseMiddleware<StripeApiMiddleware>();

        app.MapGet("/_fake/healthz", () => Results.Ok(new { status = "ok" })).WithTags("Fake");
        app.MapCheckout();
        app.MapPaymentIntents();
        app.MapSubscriptions();
        app.MapRefunds();
        app.MapEvents();
        app.MapWebhooks();
        app.MapChaos();
        app.MapFallback("/v1/{**path}", (HttpContext context) => StripeJson.Error(
            StatusCodes.Status404NotFound,
            "invalid_request_error",
            $"Unrecognized request URL ({context.Request.Method}: {context.Request.Path}). The fake Stripe implements only the part of the API the platform uses."));
        return app;
    }

    internal static void AddFakeStripeServices(IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<FakeStripeOptions>, FakeStripeOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(provider => new IdempotencyStore(provider.GetRequiredService<IOptions<FakeStripeOptions>>().Value.MaxIdempotencyEntries));
        services.AddSingleton<StripeStore>();
        services.AddSingleton<EventLog>();
        services.AddSingleton<ChaosSwitches>();
        services.AddSingleton<CardPayments>();
        services.AddSingleton<SubscriptionBilling>();
        services.AddSingleton<CheckoutFlow>();
        services.AddSingleton<WebhookSender>();
        services.AddHostedService(provider => provider.GetRequiredService<WebhookSender>());
    }

    private sealed class FakeStripeOptionsValidator : IValidateOptions<FakeStripeOptions>
    {
        public ValidateOptionsResult Validate(string? name, FakeStripeOptions options) =>
            options.Validate() is { Count: > 0 } errors ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}
