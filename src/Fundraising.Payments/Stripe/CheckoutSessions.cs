using System.Globalization;
using Stripe.Checkout;

namespace Fundraising.Payments.Stripe;

/// <summary>The Checkout Session every card gift starts with: one line item, metadata naming our ids, links back to the campaign page.</summary>
public static class CheckoutSessions
{
    /// <summary>
    /// Mode <c>payment</c> for a one-off gift, <c>subscription</c> with an <c>interval</c> for a monthly one;
    /// <c>reference</c> is the query name of our id on the return links (<c>donation</c>, <c>monthlyGift</c>).
    /// <c>successPath</c> replaces the campaign page as the place a paid checkout returns to.
    /// </summary>
    public static SessionCreateOptions Create(
        string mode, string publicBaseUrl, Guid campaignId, string reference, Guid id, Dictionary<string, string> metadata,
        long amount, string currency, string productName, string? interval = null, string? successPath = null)
    {
        var baseUrl = publicBaseUrl.TrimEnd('/');
        return new SessionCreateOptions
        {
            Mode = mode,
            ClientReferenceId = id.ToString(),
            SuccessUrl = successPath is null ? $"{baseUrl}/campaign.html?id={campaignId}&{reference}={id}&paid=1" : baseUrl + successPath,
            CancelUrl = $"{baseUrl}/campaign.html?id={campaignId}&{reference}={id}&cancelled=1",
            Metadata = metadata,
            LineItems =
            [
                new SessionLineItemOptions
                {
                    Quantity = 1,
                    PriceData = new SessionLineItemPriceDataOptions
                    {
                        Currency = currency.ToLower(CultureInfo.InvariantCulture),
                        UnitAmount = amount,
                        Recurring = interval is null ? null : new SessionLineItemPriceDataRecurringOptions { Interval = interval },
                        ProductData = new SessionLineItemPriceDataProductDataOptions { Name = productName },
                    },
                },
            ],
        };
    }
}
