using System.Net;
using Fundraising.FakeStripe.Tests.Support;
using Stripe;

namespace Fundraising.FakeStripe.Tests.Refunds;

public sealed class RefundTests : IAsyncLifetime
{
    private FakeStripeHarness stripe = null!;

    public async Task InitializeAsync() => stripe = await FakeStripeHarness.StartAsync();

    public async Task DisposeAsync() => await stripe.DisposeAsync();

    [Fact]
    public async Task RefundWithoutAmountRefundsWhatIsLeft()
    {
        var (_, intentId) = await stripe.PaidDonationAsync(5000, "don-r1");
        await stripe.Client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intentId, Amount = 2000 });

        var rest = await stripe.Client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intentId });

        Assert.Equal(3000, rest.Amount);
        Assert.Equal("succeeded", rest.Status);
        Assert.Equal("cny", rest.Currency);
        Assert.Equal(intentId, rest.PaymentIntentId);
        var charge = await stripe.Client.V1.Charges.GetAsync(rest.ChargeId);
        Assert.Equal(5000, charge.AmountRefunded);
        Assert.True(charge.Refunded);
        var refunded = await stripe.Receiver.WaitForAsync(all => all.Count(w => w.Event.Type == "charge.refunded") == 2);
        Assert.Equal([2000L, 5000L], refunded.Where(w => w.Event.Type == "charge.refunded").Select(w => ((Charge)w.Event.Data.Object).AmountRefunded).Order());
        Assert.Equal(2, stripe.Receiver.OfType("refund.created").Count);
    }

    [Fact]
    public async Task PartialRefundsAddUpOnTheChargeAndKeepTheirMetadata()
    {
        var (_, intentId) = await stripe.PaidDonationAsync(5000, "don-r2");
        var chargeId = (await stripe.Client.V1.PaymentIntents.GetAsync(intentId)).LatestChargeId;

        var first = await stripe.Client.V1.Refunds.CreateAsync(new RefundCreateOptions
        {
            Charge = chargeId,
            Amount = 1000,
            Reason = "requested_by_customer",
            Metadata = new() { ["refund_request_id"] = "rr-1" },
        });
        await stripe.Client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intentId, Amount = 1500 });

        var fetched = await stripe.Client.V1.Refunds.GetAsync(first.Id);
        Assert.Equal(1000, fetched.Amount);
        Assert.Equal("requested_by_customer", fetched.Reason);
        Assert.Equal("rr-1", fetched.Metadata["refund_request_id"]);
        Assert.Equal(chargeId, fetched.ChargeId);
        var charge = await stripe.Client.V1.Charges.GetAsync(chargeId);
        Assert.Equal(2500, charge.AmountRefunded);
        Assert.False(charge.Refunded);
        var listed = await stripe.Client.V1.Refunds.ListAsync(new RefundListOptions { PaymentIntent = intentId });
        Assert.Equal(2, listed.Data.Count);
    }

    [Fact]
    public async Task RefundOverWhatIsLeftIsRefusedAsStripeException()
    {
        var (_, intentId) = await stripe.PaidDonationAsync(5000, "don-r3");
        await stripe.Client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intentId, Amount = 4000 });

        var refused = await Assert.ThrowsAsync<StripeException>(() =>
            stripe.Client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intentId, Amount = 2000 }));

        Assert.Equal(HttpStatusCode.BadRequest, refused.HttpStatusCode);
        Assert.Equal("invalid_request_error", refused.StripeError.Type);
        Assert.Equal("amount_too_large", refused.StripeError.Code);
        Assert.Equal("amount", refused.StripeError.Param);
        var charge = await stripe.Client.V1.Charges.GetAsync((await stripe.Client.V1.PaymentIntents.GetAsync(intentId)).LatestChargeId);
        Assert.Equal(4000, charge.AmountRefunded);
    }

    [Fact]
    public async Task FullyRefundedChargeRefusesAnotherRefund()
    {
        var (_, intentId) = await stripe.PaidDonationAsync(5000, "don-r4");
        await stripe.Client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intentId });

        var refused = await Assert.ThrowsAsync<StripeException>(() =>
            stripe.Client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intentId }));

        Assert.Equal("charge_already_refunded", refused.StripeError.Code);
    }

    [Fact]
    public async Task ConcurrentRefundsNeverExceedTheCharge()
    {
        var (_, intentId) = await stripe.PaidDonationAsync(10_000, "don-r5");

        var attempts = await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ =>
        {
            try
            {
                return (await stripe.Client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intentId, Amount = 700 })).Amount;
            }
            catch (StripeException refused) when (refused.StripeError.Code == "amount_too_large")
            {
                return 0;
            }
        }));

        Assert.Equal(14, attempts.Count(amount => amount > 0));
        var charge = await stripe.Client.V1.Charges.GetAsync((await stripe.Client.V1.PaymentIntents.GetAsync(intentId)).LatestChargeId);
        Assert.Equal(9800, charge.AmountRefunded);
        Assert.Equal(attempts.Sum(), charge.AmountRefunded);
    }

    [Fact]
    public async Task RefundOfAnUnknownPaymentIntentIsNotFound()
    {
        var refused = await Assert.ThrowsAsync<StripeException>(() =>
            stripe.Client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = "pi_doesnotexist" }));

        Assert.Equal(HttpStatusCode.NotFound, refused.HttpStatusCode);
        Assert.Equal("resource_missing", refused.StripeError.Code);
        Assert.Equal("payment_intent", refused.StripeError.Param);
    }

    [Fact]
    public async Task RefundOfADeclinedPaymentIsRefused()
    {
        var session = await stripe.CreatePaymentSessionAsync(5000, "don-r6");
        var declined = await stripe.PayAsync(session.Id, "decline");

        var refused = await Assert.ThrowsAsync<StripeException>(() =>
            stripe.Client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = declined.GetProperty("payment_intent").GetString() }));

        Assert.Equal(HttpStatusCode.BadRequest, refused.HttpStatusCode);
        Assert.Equal("charge_not_refundable", refused.StripeError.Code);
    }
}
