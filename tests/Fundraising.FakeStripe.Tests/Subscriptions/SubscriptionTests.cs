using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fundraising.FakeStripe.Tests.Support;
using Stripe;
using Stripe.Checkout;

namespace Fundraising.FakeStripe.Tests.Subscriptions;

public sealed class SubscriptionTests : IAsyncLifetime
{
    private FakeStripeHarness stripe = null!;

    public async Task InitializeAsync() => stripe = await FakeStripeHarness.StartAsync();

    public async Task DisposeAsync() => await stripe.DisposeAsync();

    [Fact]
    public async Task SubscriptionCheckoutStartsAnActiveSubscriptionWithAPaidFirstInvoice()
    {
        var session = await stripe.CreateSubscriptionSessionAsync(3000, "pledge-1");

        await stripe.PayAsync(session.Id, "succeed");

        var events = await stripe.Receiver.WaitForTypesAsync("checkout.session.completed", "customer.subscription.created", "invoice.paid");
        var completed = Assert.IsType<Session>(events["checkout.session.completed"].Data.Object);
        Assert.StartsWith("sub_", completed.SubscriptionId);
        Assert.StartsWith("cus_", completed.CustomerId);
        Assert.Null(completed.PaymentIntentId);

        // Stripe.net 53.1.0 has no Invoice.SubscriptionId: the id is under parent.subscription_details.
        var invoice = Assert.IsType<Invoice>(events["invoice.paid"].Data.Object);
        Assert.Equal(completed.SubscriptionId, invoice.Parent.SubscriptionDetails.SubscriptionId);
        Assert.Equal("pledge-1", invoice.Parent.SubscriptionDetails.Metadata["pledge_id"]);
        Assert.Equal(completed.SubscriptionId, invoice.Lines.Data[0].Parent.SubscriptionItemDetails.Subscription);
        Assert.Equal(completed.SubscriptionId, invoice.Lines.Data[0].SubscriptionId);
        Assert.Equal("subscription_create", invoice.BillingReason);
        Assert.Equal("paid", invoice.Status);
        Assert.Equal(3000, invoice.AmountPaid);
        Assert.Equal("cny", invoice.Currency);
        Assert.Equal(completed.CustomerId, invoice.CustomerId);

        var subscription = await stripe.Client.V1.Subscriptions.GetAsync(completed.SubscriptionId);
        Assert.Equal("active", subscription.Status);
        Assert.Equal("pledge-1", subscription.Metadata["pledge_id"]);
        Assert.Equal(invoice.Id, subscription.LatestInvoiceId);
        var item = Assert.Single(subscription.Items.Data);
        Assert.Equal(3000, item.Price.UnitAmount);
        Assert.Equal("cny", item.Price.Currency);
        Assert.Equal("month", item.Price.Recurring.Interval);
        Assert.Equal(item.CurrentPeriodStart.AddMonths(1), item.CurrentPeriodEnd);

        var payment = Assert.Single(await stripe.Client.V1.InvoicePayments.ListAsync(new InvoicePaymentListOptions { Invoice = invoice.Id }));
        var intent = await stripe.Client.V1.PaymentIntents.GetAsync(payment.Payment.PaymentIntentId);
        Assert.Equal("succeeded", intent.Status);
        Assert.Equal(3000, intent.Amount);
    }

    [Fact]
    public async Task RenewalBillsTheNextMonthWithAnotherPaidInvoice()
    {
        var subscriptionId = await StartSubscriptionAsync(2000, "pledge-2");
        var before = await stripe.Client.V1.Subscriptions.GetAsync(subscriptionId);

        var renewal = await RenewAsync(subscriptionId, "succeed");

        Assert.Equal(HttpStatusCode.OK, renewal.Status);
        var paid = await stripe.Receiver.WaitForAsync(all => all.Count(w => w.Event.Type == "invoice.paid") == 2);
        var invoices = paid.Where(w => w.Event.Type == "invoice.paid").Select(w => (Invoice)w.Event.Data.Object).ToList();
        Assert.Equal(["subscription_create", "subscription_cycle"], invoices.Select(i => i.BillingReason));
        Assert.NotEqual(invoices[0].Id, invoices[1].Id);
        Assert.All(invoices, i => Assert.Equal(subscriptionId, i.Parent.SubscriptionDetails.SubscriptionId));
        Assert.Equal(2000, invoices[1].AmountPaid);
        Assert.Equal(renewal.Body.GetProperty("id").GetString(), invoices[1].Id);

        var after = await stripe.Client.V1.Subscriptions.GetAsync(subscriptionId);
        Assert.Equal(before.Items.Data[0].CurrentPeriodEnd, after.Items.Data[0].CurrentPeriodStart);
        Assert.Equal(invoices[1].Id, after.LatestInvoiceId);
    }

    [Fact]
    public async Task DeclinedRenewalLeavesTheInvoiceOpenAndTheSubscriptionPastDue()
    {
        var subscriptionId = await StartSubscriptionAsync(2000, "pledge-3");

        var renewal = await RenewAsync(subscriptionId, "decline");

        Assert.Equal("open", renewal.Body.GetProperty("status").GetString());
        var events = await stripe.Receiver.WaitForTypesAsync("invoice.payment_failed");
        var invoice = Assert.IsType<Invoice>(events["invoice.payment_failed"].Data.Object);
        Assert.Equal(0, invoice.AmountPaid);
        Assert.Equal(subscriptionId, invoice.Parent.SubscriptionDetails.SubscriptionId);
        Assert.Equal("past_due", (await stripe.Client.V1.Subscriptions.GetAsync(subscriptionId)).Status);
        Assert.Single(stripe.Receiver.OfType("invoice.paid"));
    }

    [Fact]
    public async Task CancelAsyncCancelsTheSubscriptionAndSendsDeleted()
    {
        var subscriptionId = await StartSubscriptionAsync(1000, "pledge-4");

        var canceled = await stripe.Client.V1.Subscriptions.CancelAsync(subscriptionId);

        Assert.Equal("canceled", canceled.Status);
        Assert.NotNull(canceled.CanceledAt);
        var events = await stripe.Receiver.WaitForTypesAsync("customer.subscription.deleted");
        Assert.Equal(subscriptionId, Assert.IsType<Subscription>(events["customer.subscription.deleted"].Data.Object).Id);
        Assert.Equal(HttpStatusCode.BadRequest, (await RenewAsync(subscriptionId, "succeed")).Status);
        var again = await Assert.ThrowsAsync<StripeException>(() => stripe.Client.V1.Subscriptions.CancelAsync(subscriptionId));
        Assert.Equal(HttpStatusCode.NotFound, again.HttpStatusCode);
    }

    private async Task<string> StartSubscriptionAsync(long amount, string pledgeId)
    {
        var session = await stripe.CreateSubscriptionSessionAsync(amount, pledgeId);
        var paid = await stripe.PayAsync(session.Id, "succeed");
        await stripe.Receiver.WaitForTypesAsync("invoice.paid");
        return paid.GetProperty("subscription").GetString()!;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> RenewAsync(string subscriptionId, string outcome)
    {
        using var response = await stripe.Http.PostAsJsonAsync($"/_fake/subscriptions/{subscriptionId}/renew", new { outcome });
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }
}
