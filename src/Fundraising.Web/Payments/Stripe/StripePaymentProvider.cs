using System.Globalization;
using Fundraising.Contracts.Donations;
using Fundraising.Persistence.Payments;
using Microsoft.Extensions.Options;
using Stripe;
using Stripe.Checkout;

namespace Fundraising.Web.Payments.Stripe;

/// <summary>
/// Card payments through Stripe Checkout, with an injected <see cref="StripeClient"/> (never the
/// static configuration). Every call carries an idempotency key derived from our own ids, so a
/// retry after a timeout can never create a second session or a second refund.
/// </summary>
public sealed class StripePaymentProvider(StripeClient stripe, StripeRecords records, IOptions<StripeOptions> options) : IPaymentProvider
{
    public const string ProviderName = "stripe";

    public string Name => ProviderName;

    public async Task<PaymentInstruction> StartAsync(DonationRecord donation, CancellationToken cancellationToken)
    {
        var metadata = new Dictionary<string, string>
        {
            ["donation_id"] = donation.Id.ToString(),
            ["campaign_id"] = donation.CampaignId.ToString(),
        };
        var baseUrl = options.Value.PublicBaseUrl.TrimEnd('/');
        var create = new SessionCreateOptions
        {
            Mode = "payment",
            ClientReferenceId = donation.Id.ToString(),
            SuccessUrl = $"{baseUrl}/campaign.html?id={donation.CampaignId}&donation={donation.Id}&paid=1",
            CancelUrl = $"{baseUrl}/campaign.html?id={donation.CampaignId}&donation={donation.Id}&cancelled=1",
            Metadata = metadata,
            PaymentIntentData = new SessionPaymentIntentDataOptions { Metadata = metadata },
            LineItems =
            [
                new SessionLineItemOptions
                {
                    Quantity = 1,
                    PriceData = new SessionLineItemPriceDataOptions
                    {
                        Currency = donation.Currency.ToLower(CultureInfo.InvariantCulture),
                        UnitAmount = donation.Amount,
                        ProductData = new SessionLineItemPriceDataProductDataOptions { Name = "捐赠 Donation" },
                    },
                },
            ],
        };
        var session = await CallAsync(token => stripe.V1.Checkout.Sessions.CreateAsync(create, new RequestOptions { IdempotencyKey = $"checkout-{donation.Id}" }, token), cancellationToken);
        await records.LinkAsync(donation.Id, session.Id, null, cancellationToken);
        return new PaymentInstruction(ProviderName, null, session.Url);
    }

    public async Task<string?> RefundAsync(DonationRecord donation, long amount, string reason, string idempotencyKey, CancellationToken cancellationToken)
    {
        var paymentIntent = await records.PaymentIntentOfAsync(donation.Id, cancellationToken)
            ?? throw new InvalidOperationException($"Donation {donation.Id} has no Stripe payment to refund.");
        var refund = await CallAsync(token => stripe.V1.Refunds.CreateAsync(new RefundCreateOptions
        {
            PaymentIntent = paymentIntent,
            Amount = amount,
            Reason = "requested_by_customer",
            Metadata = new Dictionary<string, string> { ["donation_id"] = donation.Id.ToString(), ["reason"] = reason },
        }, new RequestOptions { IdempotencyKey = $"refund-{donation.Id}-{idempotencyKey}" }, token), cancellationToken);
        return refund.Id;
    }

    private async Task<T> CallAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.Timeout);
        try
        {
            return await call(timeout.Token);
        }
        catch (Exception exception) when (exception is StripeException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new PaymentProviderUnavailableException("The card payment provider did not answer as expected.", exception);
        }
    }
}
