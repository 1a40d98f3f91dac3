using Fundraising.Contracts.Donations;
using Fundraising.Payments.Providers;
using Fundraising.Persistence.Payments;
using Microsoft.Extensions.Options;
using Stripe;
using Stripe.Checkout;

namespace Fundraising.Payments.Stripe;

/// <summary>
/// Card payments through Stripe Checkout, with an injected <see cref="StripeClient"/> (never the
/// static configuration). Every call carries an idempotency key derived from our own ids, so a
/// retry after a timeout can never create a second session or a second refund.
/// </summary>
public sealed class StripePaymentProvider(StripeCalls stripe, StripeRecords records, IOptions<StripeOptions> options) : IPaymentProvider
{
    public const string ProviderName = "stripe";

    /// <summary>The refund's metadata key for the admin's reason, which the refund's own webhook records too.</summary>
    public const string RefundReasonKey = "reason";

    public string Name => ProviderName;

    public async Task<PaymentInstruction> StartAsync(DonationRecord donation, CancellationToken cancellationToken)
    {
        var metadata = new Dictionary<string, string>
        {
            ["donation_id"] = donation.Id.ToString(),
            ["campaign_id"] = donation.CampaignId.ToString(),
        };
        var create = CheckoutSessions.Create(
            "payment", options.Value.PublicBaseUrl, donation.CampaignId, "donation", donation.Id, metadata, donation.Amount, donation.Currency, "捐赠 Donation");
        create.PaymentIntentData = new SessionPaymentIntentDataOptions { Metadata = metadata };
        var session = await stripe.CallAsync((client, token) => client.V1.Checkout.Sessions.CreateAsync(create, new RequestOptions { IdempotencyKey = $"checkout-{donation.Id}" }, token), cancellationToken);
        await records.LinkAsync(donation.Id, session.Id, null, cancellationToken);
        return new PaymentInstruction(ProviderName, null, session.Url);
    }

    public async Task<string?> RefundAsync(DonationRecord donation, long amount, string reason, string idempotencyKey, CancellationToken cancellationToken)
    {
        var paymentIntent = await records.PaymentIntentOfAsync(donation.Id, cancellationToken)
            ?? throw new InvalidOperationException($"Donation {donation.Id} has no Stripe payment to refund.");
        var refund = await stripe.CallAsync((client, token) => client.V1.Refunds.CreateAsync(new RefundCreateOptions
        {
            PaymentIntent = paymentIntent,
            Amount = amount,
            Reason = "requested_by_customer",
            Metadata = new Dictionary<string, string> { ["donation_id"] = donation.Id.ToString(), [RefundReasonKey] = reason },
        }, new RequestOptions { IdempotencyKey = $"refund-{donation.Id}-{idempotencyKey}" }, token), cancellationToken);
        return StripeEventProcessor.RefundKey(refund.Id);
    }
}
