using Fundraising.FakeStripe.Api;
using Fundraising.FakeStripe.Store;

namespace Fundraising.FakeStripe.PaymentIntents;

public static class PaymentIntentEndpoints
{
    /// <summary><c>GET /v1/payment_intents/{id}</c> and <c>GET /v1/charges/{id}</c>, with <c>expand[]</c>.</summary>
    public static IEndpointRouteBuilder MapPaymentIntents(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/payment_intents/{id}", (string id, ApiRequest request, StripeStore store) =>
        {
            lock (store.Gate)
            {
                var intent = StripeStore.Get(store.PaymentIntents, id, "payment_intent", "intent");
                return StripeJson.Ok(store.Expand(intent.ToJson(), request.Expand));
            }
        }).WithTags("PaymentIntents");

        app.MapGet("/v1/charges/{id}", (string id, ApiRequest request, StripeStore store) =>
        {
            lock (store.Gate)
            {
                var charge = StripeStore.Get(store.Charges, id, "charge");
                return StripeJson.Ok(store.Expand(charge.ToJson(), request.Expand));
            }
        }).WithTags("PaymentIntents");
        return app;
    }
}
