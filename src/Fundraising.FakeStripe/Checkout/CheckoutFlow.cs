using Fundraising.FakeStripe.Api;
using Fundraising.FakeStripe.Events;
using Fundraising.FakeStripe.Hosting;
using Fundraising.FakeStripe.PaymentIntents;
using Fundraising.FakeStripe.Store;
using Fundraising.FakeStripe.Subscriptions;
using Microsoft.Extensions.Options;

namespace Fundraising.FakeStripe.Checkout;

/// <summary>What the donor does on the hosted page.</summary>
internal enum CardOutcome
{
    /// <summary>A card that pays (4242 4242 4242 4242).</summary>
    Succeed,

    /// <summary>A card the issuer declines (4000 0000 0000 0002).</summary>
    Decline,

    /// <summary>A card that asks for 3-D Secure (4000 0027 6000 3184); the donor then authenticates or fails.</summary>
    RequiresAction,

    /// <summary>3-D Secure passed: the payment goes through.</summary>
    Authenticate,

    /// <summary>3-D Secure failed: the payment fails, the session stays open.</summary>
    FailAuthentication,
}

/// <summary>Creating checkout sessions and carrying out what the donor chooses on the hosted page.</summary>
internal sealed class CheckoutFlow(
    StripeStore store, CardPayments payments, SubscriptionBilling billing, EventLog events, TimeProvider time, IOptions<FakeStripeOptions> options)
{
    private static readonly string[] Intervals = ["day", "week", "month", "year"];

    /// <summary>Validates the form as Stripe would and stores an open session whose hosted page lives under <paramref name="requestBaseUrl"/>.</summary>
    public CheckoutSession Create(StripeParams form, string requestBaseUrl)
    {
        var mode = form.String("mode") ?? throw StripeApiException.Missing("mode");
        if (mode is not ("payment" or "subscription"))
        {
            throw StripeApiException.InvalidParam("mode", $"Invalid mode: {mode}. The fake Stripe supports payment and subscription.");
        }
        var lineItems = ReadLineItems(form, mode);
        var customerId = form.String("customer");
        var now = time.GetUtcNow();
        var id = StripeIds.New("cs_test", 58);
        var baseUrl = (options.Value.PublicBaseUrl.Length > 0 ? options.Value.PublicBaseUrl : requestBaseUrl).TrimEnd('/');
        var session = new CheckoutSession
        {
            Id = id,
            Mode = mode,
            LineItems = lineItems,
            Currency = lineItems[0].Currency,
            Created = StripeJson.Unix(now),
            ExpiresAt = form.Long("expires_at") ?? StripeJson.Unix(now.AddHours(24)),
            HostedUrl = $"{baseUrl}/checkout/{id}",
            SuccessUrl = form.String("success_url"),
            CancelUrl = form.String("cancel_url"),
            ClientReferenceId = form.String("client_reference_id"),
            CustomerEmail = form.String("customer_email"),
            Metadata = form.Map("metadata"),
            PaymentIntentMetadata = form.Map("payment_intent_data[metadata]"),
            SubscriptionMetadata = form.Map("subscription_data[metadata]"),
            CustomerId = customerId,
        };
        lock (store.Gate)
        {
            if (customerId is not null)
            {
                StripeStore.Get(store.Customers, customerId, "customer", "customer");
            }
            store.Sessions.Add(session.Id, session);
        }
        return session;
    }

    /// <summary>
    /// Carries out one step of the donor's payment. A complete session is left as it is (a double submit);
    /// an expired one is refused.
    /// </summary>
    public CheckoutSession Pay(string sessionId, CardOutcome outcome)
    {
        lock (store.Gate)
        {
            var session = StripeStore.Get(store.Sessions, sessionId, "checkout.session");
            if (session.Status == "complete")
            {
                return session;
            }
            if (session.Status == "expired")
            {
                throw StripeApiException.Invalid($"Checkout Session {session.Id} has expired.", "checkout_session_expired");
            }
            if (outcome is CardOutcome.Authenticate or CardOutcome.FailAuthentication && !session.AwaitingAuthentication)
            {
                throw StripeApiException.Invalid($"Checkout Session {session.Id} has no authentication pending.");
            }
            session.AwaitingAuthentication = outcome == CardOutcome.RequiresAction;
            if (session.Mode == "payment")
            {
                PayOnce(session, outcome);
            }
            else if (outcome is CardOutcome.Succeed or CardOutcome.Authenticate)
            {
                // A declined subscription checkout creates nothing: the subscription starts only once a card pays.
                billing.Start(session, EventRequest.None);
                Complete(session);
            }
            return session;
        }
    }

    /// <summary><c>POST /v1/checkout/sessions/{id}/expire</c>: an open session can no longer be paid.</summary>
    public CheckoutSession Expire(string sessionId, EventRequest request)
    {
        lock (store.Gate)
        {
            var session = StripeStore.Get(store.Sessions, sessionId, "checkout.session");
            if (session.Status != "open")
            {
                throw StripeApiException.Invalid($"Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout Session has a status of \"{session.Status}\".");
            }
            session.Status = "expired";
            events.Publish("checkout.session.expired", session.ToJson(), request);
            return session;
        }
    }

    private void PayOnce(CheckoutSession session, CardOutcome outcome)
    {
        var intent = session.PaymentIntentId is { } existing
            ? store.PaymentIntents[existing]
            : payments.CreateIntent(session.AmountTotal, session.Currency, session.PaymentIntentMetadata, session.CustomerId, description: null);
        session.PaymentIntentId = intent.Id;
        switch (outcome)
        {
            case CardOutcome.Succeed or CardOutcome.Authenticate:
                payments.Succeed(intent, EventRequest.None);
                Complete(session);
                break;
            case CardOutcome.Decline:
                payments.Decline(intent, EventRequest.None);
                break;
            case CardOutcome.RequiresAction:
                payments.RequireAction(intent, $"{session.HostedUrl}/authenticate", EventRequest.None);
                break;
            case CardOutcome.FailAuthentication:
                payments.FailAuthentication(intent, EventRequest.None);
                break;
        }
    }

    private void Complete(CheckoutSession session)
    {
        session.Status = "complete";
        session.PaymentStatus = "paid";
        session.AwaitingAuthentication = false;
        events.Publish("checkout.session.completed", session.ToJson(), EventRequest.None);
    }

    private static List<CheckoutLineItem> ReadLineItems(StripeParams form, string mode)
    {
        var items = new List<CheckoutLineItem>();
        foreach (var item in form.Indexes("line_items"))
        {
            if (form.Has($"{item}[price]"))
            {
                throw StripeApiException.InvalidParam($"{item}[price]", "The fake Stripe supports line items with price_data only.");
            }
            var price = $"{item}[price_data]";
            var currency = form.String($"{price}[currency]")?.ToLowerInvariant() ?? throw StripeApiException.Missing($"{price}[currency]");
            var unitAmount = form.Long($"{price}[unit_amount]") ?? throw StripeApiException.Missing($"{price}[unit_amount]");
            if (unitAmount < 0)
            {
                throw StripeApiException.InvalidParam($"{price}[unit_amount]", "This value must be greater than or equal to 0.");
            }
            var name = form.String($"{price}[product_data][name]") ?? throw StripeApiException.Missing($"{price}[product_data][name]");
            var quantity = form.Long($"{item}[quantity]") ?? throw StripeApiException.Missing($"{item}[quantity]");
            if (quantity < 1)
            {
                throw StripeApiException.InvalidParam($"{item}[quantity]", "This value must be greater than or equal to 1.");
            }
            var interval = form.String($"{price}[recurring][interval]");
            if (interval is not null && !Intervals.Contains(interval))
            {
                throw StripeApiException.InvalidParam($"{price}[recurring][interval]", $"Invalid interval: must be one of {string.Join(", ", Intervals)}.");
            }
            if (mode == "payment" && interval is not null)
            {
                throw StripeApiException.InvalidParam($"{price}[recurring]", "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.");
            }
            if (mode == "subscription" && interval is null)
            {
                throw StripeApiException.InvalidParam($"{price}[recurring]", "The fake Stripe needs a recurring price on every line item in `subscription` mode.");
            }
            if (items.Count > 0 && items[0].Currency != currency)
            {
                throw StripeApiException.InvalidParam($"{price}[currency]", "All line items must share one currency.");
            }
            items.Add(new CheckoutLineItem(name, unitAmount, quantity, currency, interval));
        }
        return items.Count > 0 ? items : throw StripeApiException.Missing("line_items");
    }
}
