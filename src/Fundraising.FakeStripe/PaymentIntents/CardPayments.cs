using Fundraising.FakeStripe.Api;
using Fundraising.FakeStripe.Events;
using Fundraising.FakeStripe.Store;

namespace Fundraising.FakeStripe.PaymentIntents;

/// <summary>
/// What happens to a payment intent when a card is tried: charges, status changes and their events.
/// Every method expects the caller to hold <see cref="StripeStore.Gate"/>.
/// </summary>
internal sealed class CardPayments(StripeStore store, EventLog events, TimeProvider time)
{
    public PaymentIntent CreateIntent(
        long amount, string currency, IReadOnlyDictionary<string, string> metadata, string? customerId, string? description)
    {
        var intent = new PaymentIntent
        {
            Id = StripeIds.New("pi"),
            Amount = amount,
            Currency = currency,
            Created = Now,
            Metadata = metadata,
            CustomerId = customerId,
            Description = description,
        };
        store.PaymentIntents.Add(intent.Id, intent);
        return intent;
    }

    /// <summary>The card is charged: <c>charge.succeeded</c>, then <c>payment_intent.succeeded</c>.</summary>
    public Charge Succeed(PaymentIntent intent, EventRequest? request)
    {
        var charge = NewCharge(intent, "succeeded", failure: null);
        intent.Status = "succeeded";
        intent.AmountReceived = intent.Amount;
        intent.LastPaymentError = null;
        intent.AuthenticationUrl = null;
        events.Publish("charge.succeeded", charge.ToJson(), request);
        events.Publish("payment_intent.succeeded", intent.ToJson(), request);
        return charge;
    }

    /// <summary>The issuer declines: a failed charge, <c>charge.failed</c> and <c>payment_intent.payment_failed</c>.</summary>
    public Charge Decline(PaymentIntent intent, EventRequest? request)
    {
        var charge = NewCharge(intent, "failed", CardError.Declined);
        intent.Status = "requires_payment_method";
        intent.LastPaymentError = CardError.Declined;
        intent.AuthenticationUrl = null;
        events.Publish("charge.failed", charge.ToJson(), request);
        events.Publish("payment_intent.payment_failed", intent.ToJson(), request);
        return charge;
    }

    /// <summary>The card asks for 3-D Secure: <c>payment_intent.requires_action</c>.</summary>
    public void RequireAction(PaymentIntent intent, string authenticationUrl, EventRequest? request)
    {
        intent.Status = "requires_action";
        intent.AuthenticationUrl = authenticationUrl;
        events.Publish("payment_intent.requires_action", intent.ToJson(), request);
    }

    /// <summary>The donor fails 3-D Secure: no charge, <c>payment_intent.payment_failed</c>.</summary>
    public void FailAuthentication(PaymentIntent intent, EventRequest? request)
    {
        intent.Status = "requires_payment_method";
        intent.LastPaymentError = CardError.AuthenticationFailed;
        intent.AuthenticationUrl = null;
        events.Publish("payment_intent.payment_failed", intent.ToJson(), request);
    }

    private Charge NewCharge(PaymentIntent intent, string status, CardError? failure)
    {
        var charge = new Charge
        {
            Id = StripeIds.New("ch"),
            Amount = intent.Amount,
            Currency = intent.Currency,
            Created = Now,
            PaymentIntentId = intent.Id,
            Metadata = intent.Metadata,
            CustomerId = intent.CustomerId,
            Description = intent.Description,
            Status = status,
            Failure = failure,
        };
        store.Charges.Add(charge.Id, charge);
        intent.LatestChargeId = charge.Id;
        return charge;
    }

    private long Now => StripeJson.Unix(time.GetUtcNow());
}
