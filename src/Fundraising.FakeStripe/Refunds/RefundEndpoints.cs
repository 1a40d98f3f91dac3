using System.Globalization;
using Fundraising.FakeStripe.Api;
using Fundraising.FakeStripe.Events;
using Fundraising.FakeStripe.PaymentIntents;
using Fundraising.FakeStripe.Store;

namespace Fundraising.FakeStripe.Refunds;

public static class RefundEndpoints
{
    private static readonly string[] Reasons = ["duplicate", "fraudulent", "requested_by_customer"];

    /// <summary><c>POST /v1/refunds</c>, <c>GET /v1/refunds/{id}</c> and <c>GET /v1/refunds</c> (by <c>payment_intent</c> or <c>charge</c>).</summary>
    public static IEndpointRouteBuilder MapRefunds(this IEndpointRouteBuilder app)
    {
        var refunds = app.MapGroup("/v1/refunds").WithTags("Refunds");
        refunds.MapPost("/", Create);
        refunds.MapGet("/{id}", (string id, ApiRequest request, StripeStore store) =>
        {
            lock (store.Gate)
            {
                return StripeJson.Ok(store.Expand(StripeStore.Get(store.Refunds, id, "refund").ToJson(), request.Expand));
            }
        });
        refunds.MapGet("/", (ApiRequest request, StripeStore store) =>
        {
            var paymentIntentId = request.Params.String("payment_intent");
            var chargeId = request.Params.String("charge");
            var limit = request.Params.Limit();
            var startingAfter = request.Params.String("starting_after");
            lock (store.Gate)
            {
                var matching = store.Refunds.Values
                    .Where(r => (paymentIntentId is null || r.PaymentIntentId == paymentIntentId) && (chargeId is null || r.ChargeId == chargeId))
                    .Reverse()
                    .SkipWhile(r => startingAfter is not null && r.Id != startingAfter)
                    .Skip(startingAfter is null ? 0 : 1)
                    .Take(limit + 1)
                    .ToList();
                return StripeJson.Ok(StripeJson.List("/v1/refunds", matching.Take(limit).Select(r => r.ToJson()), matching.Count > limit));
            }
        });
        return app;
    }

    /// <summary>
    /// Refunds a charge (named directly or through its payment intent). The check against what is left and the
    /// update of <c>amount_refunded</c> happen under one lock, so concurrent refunds never exceed the charge.
    /// </summary>
    private static IResult Create(ApiRequest request, StripeStore store, EventLog events, TimeProvider time)
    {
        var form = request.Params;
        var paymentIntentId = form.String("payment_intent");
        var chargeId = form.String("charge");
        if (paymentIntentId is null && chargeId is null)
        {
            throw StripeApiException.InvalidParam("charge", "One of `charge` or `payment_intent` is required.", "parameter_missing");
        }
        var amount = form.Long("amount");
        if (amount is <= 0)
        {
            throw StripeApiException.InvalidParam("amount", "This value must be greater than or equal to 1.");
        }
        var reason = form.String("reason");
        if (reason is not null && !Reasons.Contains(reason))
        {
            throw StripeApiException.InvalidParam("reason", $"Invalid reason: must be one of {string.Join(", ", Reasons)}.");
        }
        var metadata = form.Map("metadata");

        lock (store.Gate)
        {
            var charge = FindCharge(store, paymentIntentId, chargeId);
            if (charge.Paid && charge.Refundable == 0)
            {
                throw StripeApiException.Invalid($"Charge {charge.Id} has already been refunded.", "charge_already_refunded");
            }
            if (!charge.Paid)
            {
                throw StripeApiException.Invalid($"Charge {charge.Id} did not succeed and cannot be refunded.", "charge_not_refundable");
            }
            var refundAmount = amount ?? charge.Refundable;
            if (refundAmount > charge.Refundable)
            {
                throw StripeApiException.Invalid(
                    $"Refund amount ({Money(refundAmount, charge.Currency)}) is greater than unrefunded amount on charge ({Money(charge.Refundable, charge.Currency)})",
                    "amount_too_large",
                    "amount");
            }
            var refund = new Refund
            {
                Id = StripeIds.New("re"),
                Amount = refundAmount,
                Currency = charge.Currency,
                Created = StripeJson.Unix(time.GetUtcNow()),
                ChargeId = charge.Id,
                PaymentIntentId = charge.PaymentIntentId,
                Metadata = metadata,
                Reason = reason,
            };
            store.Refunds.Add(refund.Id, refund);
            charge.AmountRefunded += refundAmount;
            events.Publish("refund.created", refund.ToJson(), request.EventRequest);
            events.Publish("charge.refunded", charge.ToJson(), request.EventRequest);
            return StripeJson.Ok(store.Expand(refund.ToJson(), request.Expand));
        }
    }

    private static Charge FindCharge(StripeStore store, string? paymentIntentId, string? chargeId)
    {
        if (chargeId is not null)
        {
            var charge = StripeStore.Get(store.Charges, chargeId, "charge", "charge");
            if (paymentIntentId is not null && charge.PaymentIntentId != paymentIntentId)
            {
                throw StripeApiException.Invalid($"Charge {chargeId} does not belong to PaymentIntent {paymentIntentId}.", param: "charge");
            }
            return charge;
        }
        var intent = StripeStore.Get(store.PaymentIntents, paymentIntentId!, "payment_intent", "payment_intent");
        if (intent.Status != "succeeded" || intent.LatestChargeId is null)
        {
            throw StripeApiException.Invalid(
                $"This PaymentIntent ({intent.Id}) does not have a successful charge to refund.", "charge_not_refundable", "payment_intent");
        }
        return store.Charges[intent.LatestChargeId];
    }

    private static string Money(long amount, string currency) =>
        string.Create(CultureInfo.InvariantCulture, $"{currency.ToUpperInvariant()} {amount / 100m:0.00}");
}
