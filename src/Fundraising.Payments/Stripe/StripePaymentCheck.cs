using System.Globalization;
using Fundraising.Contracts.Donations;

namespace Fundraising.Payments.Stripe;

/// <summary>What a paid Stripe object says it took: its amount (minor units), currency and mode.</summary>
public sealed record StripePaid(string Object, string Id, long? Amount, string? Currency, bool Livemode);

/// <summary>
/// Whether a paid Checkout Session or PaymentIntent pays for the gift its metadata names. Metadata only says which
/// gift; the money must be the gift's: its own provider, the same amount and currency, and the mode (live or test)
/// this platform is configured for. Anything else is held for an admin, never counted.
/// </summary>
public static class StripePaymentCheck
{
    /// <summary>Why <paramref name="paid"/> does not pay for <paramref name="gift"/>, or null when it does.</summary>
    public static string? Mismatch(DonationRecord gift, StripePaid paid, bool liveMode)
    {
        if (!gift.IsPaidThrough(StripePaymentProvider.ProviderName))
        {
            return "the gift is not a Stripe gift";
        }
        if (paid.Livemode != liveMode)
        {
            return paid.Livemode ? "a live-mode payment, but the platform is in test mode" : "a test-mode payment, but the platform is in live mode";
        }
        if (!string.Equals(paid.Currency, gift.Currency, StringComparison.OrdinalIgnoreCase))
        {
            return $"paid in {paid.Currency?.ToUpperInvariant() ?? "no currency"}, the gift is in {gift.Currency}";
        }
        return paid.Amount == gift.Amount
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"paid {paid.Amount?.ToString(CultureInfo.InvariantCulture) ?? "nothing"}, the gift is {gift.Amount}");
    }
}
