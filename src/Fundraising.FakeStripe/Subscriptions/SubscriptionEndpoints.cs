using Fundraising.FakeStripe.Api;
using Fundraising.FakeStripe.Store;

namespace Fundraising.FakeStripe.Subscriptions;

public static class SubscriptionEndpoints
{
    /// <summary>
    /// Subscriptions (<c>GET</c>, and <c>DELETE</c>, which is what Stripe.net's <c>CancelAsync</c> calls), invoices,
    /// invoice payments and customers; <c>POST /_fake/subscriptions/{id}/renew</c> bills the next period.
    /// </summary>
    public static IEndpointRouteBuilder MapSubscriptions(this IEndpointRouteBuilder app)
    {
        var subscriptions = app.MapGroup("/v1/subscriptions").WithTags("Subscriptions");
        subscriptions.MapGet("/{id}", (string id, ApiRequest request, StripeStore store) =>
        {
            lock (store.Gate)
            {
                var subscription = StripeStore.Get(store.Subscriptions, id, "subscription");
                return StripeJson.Ok(store.Expand(subscription.ToJson(), request.Expand));
            }
        });
        subscriptions.MapDelete("/{id}", (string id, ApiRequest request, StripeStore store, SubscriptionBilling billing) =>
        {
            lock (store.Gate)
            {
                var subscription = StripeStore.Get(store.Subscriptions, id, "subscription");
                billing.Cancel(subscription, request.EventRequest);
                return StripeJson.Ok(store.Expand(subscription.ToJson(), request.Expand));
            }
        });

        app.MapGet("/v1/invoices/{id}", (string id, ApiRequest request, StripeStore store) =>
        {
            lock (store.Gate)
            {
                var invoice = StripeStore.Get(store.Invoices, id, "invoice");
                var json = invoice.ToJson(includePayments: request.Expand.Contains("payments"));
                return StripeJson.Ok(store.Expand(json, request.Expand.Where(path => path != "payments").ToList()));
            }
        }).WithTags("Subscriptions");

        app.MapGet("/v1/invoice_payments", (ApiRequest request, StripeStore store) =>
        {
            var invoiceId = request.Params.String("invoice") ?? throw StripeApiException.Missing("invoice");
            lock (store.Gate)
            {
                var invoice = StripeStore.Get(store.Invoices, invoiceId, "invoice", "invoice");
                return StripeJson.Ok(StripeJson.List("/v1/invoice_payments", [invoice.PaymentJson()], hasMore: false));
            }
        }).WithTags("Subscriptions");

        app.MapGet("/v1/customers/{id}", (string id, StripeStore store) =>
        {
            lock (store.Gate)
            {
                return StripeJson.Ok(StripeStore.Get(store.Customers, id, "customer").ToJson());
            }
        }).WithTags("Subscriptions");

        app.MapPost("/_fake/subscriptions/{id}/renew", (string id, RenewRequest? body, StripeStore store, SubscriptionBilling billing) =>
        {
            var succeed = body?.Outcome switch
            {
                null or "succeed" => true,
                "decline" => false,
                _ => throw StripeApiException.InvalidParam("outcome", "outcome must be \"succeed\" or \"decline\"."),
            };
            lock (store.Gate)
            {
                var subscription = StripeStore.Get(store.Subscriptions, id, "subscription");
                return StripeJson.Ok(billing.Renew(subscription, succeed).ToJson(includePayments: true));
            }
        }).WithTags("Fake");
        return app;
    }
}

/// <summary>Body of <c>POST /_fake/subscriptions/{id}/renew</c>: whether the card pays this period.</summary>
public sealed record RenewRequest(string? Outcome);
