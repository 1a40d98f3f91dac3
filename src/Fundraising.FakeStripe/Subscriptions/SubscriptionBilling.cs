using System.Globalization;
using Fundraising.FakeStripe.Api;
using Fundraising.FakeStripe.Checkout;
using Fundraising.FakeStripe.Events;
using Fundraising.FakeStripe.PaymentIntents;
using Fundraising.FakeStripe.Store;

namespace Fundraising.FakeStripe.Subscriptions;

/// <summary>
/// Subscriptions from checkout to cancellation: the first invoice, each renewal, and the end.
/// Every method expects the caller to hold <see cref="StripeStore.Gate"/>.
/// </summary>
internal sealed class SubscriptionBilling(StripeStore store, CardPayments payments, EventLog events, TimeProvider time)
{
    /// <summary>
    /// A subscription checkout paid: customer (unless the session named one), active subscription and its first paid invoice, with
    /// <c>customer.created</c>, <c>customer.subscription.created</c>, the payment's events, <c>invoice.paid</c>
    /// and <c>invoice.payment_succeeded</c>.
    /// </summary>
    public Invoice Start(CheckoutSession session, EventRequest? request)
    {
        var now = time.GetUtcNow();
        var created = StripeJson.Unix(now);
        var customer = session.CustomerId is { } existing ? store.Customers[existing] : NewCustomer(session.CustomerEmail, created, request);
        var items = session.LineItems.Select(line =>
        {
            var price = new Price(StripeIds.New("price"), StripeIds.New("prod"), line.Name, line.UnitAmount, line.Currency, line.Interval, created);
            return new SubscriptionItem
            {
                Id = StripeIds.New("si"),
                Created = created,
                Price = price,
                Quantity = line.Quantity,
                CurrentPeriodStart = now,
                CurrentPeriodEnd = price.PeriodEnd(now),
            };
        }).ToList();
        var subscription = new Subscription
        {
            Id = StripeIds.New("sub"),
            CustomerId = customer.Id,
            Created = created,
            Currency = session.Currency,
            Metadata = session.SubscriptionMetadata,
            Items = items,
        };
        store.Subscriptions.Add(subscription.Id, subscription);

        var invoice = NewInvoice(subscription, customer, "subscription_create", created, created);
        subscription.LatestInvoiceId = invoice.Id;
        events.Publish("customer.subscription.created", subscription.ToJson(), request);
        Pay(invoice, succeed: true, request);

        session.CustomerId = customer.Id;
        session.SubscriptionId = subscription.Id;
        session.InvoiceId = invoice.Id;
        return invoice;
    }

    /// <summary>
    /// Bills the next period: a new invoice, paid (<c>invoice.paid</c>) or declined (<c>invoice.payment_failed</c>,
    /// subscription <c>past_due</c>), and <c>customer.subscription.updated</c> for the new period.
    /// </summary>
    public Invoice Renew(Subscription subscription, bool succeed)
    {
        if (subscription.Status == "canceled")
        {
            throw StripeApiException.Invalid($"Subscription {subscription.Id} is canceled and is not billed again.");
        }
        var previousStart = subscription.Items.Min(item => item.CurrentPeriodStart);
        foreach (var item in subscription.Items)
        {
            item.CurrentPeriodStart = item.CurrentPeriodEnd;
            item.CurrentPeriodEnd = item.Price.PeriodEnd(item.CurrentPeriodStart);
        }
        var customer = StripeStore.Get(store.Customers, subscription.CustomerId, "customer");
        // As in Stripe, a cycle invoice's own period is the one that just ended; its lines carry the new one.
        var invoice = NewInvoice(
            subscription, customer, "subscription_cycle", StripeJson.Unix(previousStart), StripeJson.Unix(subscription.Items[0].CurrentPeriodStart));
        subscription.LatestInvoiceId = invoice.Id;
        Pay(invoice, succeed, EventRequest.None);
        subscription.Status = succeed ? "active" : "past_due";
        events.Publish("customer.subscription.updated", subscription.ToJson(), EventRequest.None);
        return invoice;
    }

    /// <summary>Cancels at once: status <c>canceled</c> and <c>customer.subscription.deleted</c>.</summary>
    public void Cancel(Subscription subscription, EventRequest request)
    {
        if (subscription.Status == "canceled")
        {
            // Stripe treats a canceled subscription as gone for another cancel.
            throw StripeApiException.NotFound("subscription", subscription.Id);
        }
        subscription.Status = "canceled";
        subscription.CanceledAt = StripeJson.Unix(time.GetUtcNow());
        events.Publish("customer.subscription.deleted", subscription.ToJson(), request);
    }

    private Customer NewCustomer(string? email, long created, EventRequest? request)
    {
        var customer = new Customer
        {
            Id = StripeIds.New("cus"),
            Created = created,
            Email = email,
            InvoicePrefix = StripeIds.New("x", 8)[2..].ToUpperInvariant(),
        };
        store.Customers.Add(customer.Id, customer);
        events.Publish("customer.created", customer.ToJson(), request);
        return customer;
    }

    private Invoice NewInvoice(Subscription subscription, Customer customer, string billingReason, long periodStart, long periodEnd)
    {
        var intent = payments.CreateIntent(
            subscription.Amount,
            subscription.Currency,
            new Dictionary<string, string>(),
            customer.Id,
            billingReason == "subscription_create" ? "Subscription creation" : "Subscription update");
        var invoice = new Invoice
        {
            Id = StripeIds.New("in"),
            Number = $"{customer.InvoicePrefix}-{customer.NextInvoiceSequence++.ToString("D4", CultureInfo.InvariantCulture)}",
            CustomerId = customer.Id,
            CustomerEmail = customer.Email,
            SubscriptionId = subscription.Id,
            SubscriptionMetadata = subscription.Metadata,
            Currency = subscription.Currency,
            BillingReason = billingReason,
            Lines = subscription.Items
                .Select(item => new InvoiceLine(
                    StripeIds.New("il"), item, StripeJson.Unix(item.CurrentPeriodStart), StripeJson.Unix(item.CurrentPeriodEnd)))
                .ToList(),
            Created = StripeJson.Unix(time.GetUtcNow()),
            PeriodStart = periodStart,
            PeriodEnd = periodEnd,
            PaymentIntentId = intent.Id,
            InvoicePaymentId = StripeIds.New("inpay"),
        };
        store.Invoices.Add(invoice.Id, invoice);
        return invoice;
    }

    private void Pay(Invoice invoice, bool succeed, EventRequest? request)
    {
        var intent = store.PaymentIntents[invoice.PaymentIntentId];
        invoice.AttemptCount++;
        if (succeed)
        {
            payments.Succeed(intent, request);
            invoice.Status = "paid";
            invoice.AmountPaid = invoice.Total;
            invoice.PaidAt = StripeJson.Unix(time.GetUtcNow());
            events.Publish("invoice.paid", invoice.ToJson(), request);
            events.Publish("invoice.payment_succeeded", invoice.ToJson(), request);
        }
        else
        {
            payments.Decline(intent, request);
            events.Publish("invoice.payment_failed", invoice.ToJson(), request);
        }
    }
}
