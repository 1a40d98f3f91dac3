using Fundraising.FakeStripe.Api;
using Fundraising.FakeStripe.Store;

namespace Fundraising.FakeStripe.Checkout;

public static class CheckoutEndpoints
{
    /// <summary>
    /// <c>POST /v1/checkout/sessions</c>, <c>GET /v1/checkout/sessions/{id}</c>, <c>POST .../{id}/expire</c>, and
    /// <c>POST /_fake/checkout/{id}/pay</c>, the hosted page's choices as JSON for tests and load.
    /// </summary>
    public static IEndpointRouteBuilder MapCheckout(this IEndpointRouteBuilder app)
    {
        var sessions = app.MapGroup("/v1/checkout/sessions").WithTags("Checkout");
        sessions.MapPost("/", (HttpContext context, ApiRequest request, CheckoutFlow flow, StripeStore store) =>
        {
            var session = flow.Create(request.Params, $"{context.Request.Scheme}://{context.Request.Host}");
            lock (store.Gate)
            {
                return StripeJson.Ok(store.Expand(session.ToJson(), request.Expand));
            }
        });
        sessions.MapGet("/{id}", (string id, ApiRequest request, StripeStore store) =>
        {
            lock (store.Gate)
            {
                var session = StripeStore.Get(store.Sessions, id, "checkout.session", "session");
                return StripeJson.Ok(store.Expand(session.ToJson(), request.Expand));
            }
        });
        sessions.MapPost("/{id}/expire", (string id, ApiRequest request, CheckoutFlow flow, StripeStore store) =>
        {
            var session = flow.Expire(id, request.EventRequest);
            lock (store.Gate)
            {
                return StripeJson.Ok(session.ToJson());
            }
        });

        app.MapPost("/_fake/checkout/{id}/pay", (string id, PayRequest body, CheckoutFlow flow, StripeStore store) =>
        {
            CardOutcome[] steps = body.Outcome switch
            {
                "succeed" => [CardOutcome.Succeed],
                "decline" => [CardOutcome.Decline],
                "requires_action" => [CardOutcome.RequiresAction],
                "requires_action_then_succeed" => [CardOutcome.RequiresAction, CardOutcome.Authenticate],
                "requires_action_then_fail" => [CardOutcome.RequiresAction, CardOutcome.FailAuthentication],
                "authenticate" => [CardOutcome.Authenticate],
                "fail_authentication" => [CardOutcome.FailAuthentication],
                _ => throw StripeApiException.InvalidParam("outcome", "outcome must be one of succeed, decline, requires_action, requires_action_then_succeed, requires_action_then_fail, authenticate, fail_authentication."),
            };
            CheckoutSession? session = null;
            foreach (var step in steps)
            {
                session = flow.Pay(id, step);
            }
            lock (store.Gate)
            {
                return StripeJson.Ok(session!.ToJson());
            }
        }).WithTags("Fake");

        app.MapHostedCheckout();
        return app;
    }
}

/// <summary>Body of <c>POST /_fake/checkout/{id}/pay</c>.</summary>
public sealed record PayRequest(string? Outcome);
