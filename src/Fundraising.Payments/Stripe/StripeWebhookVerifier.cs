using Microsoft.Extensions.Options;
using Stripe;

namespace Fundraising.Payments.Stripe;

/// <summary>
/// Checks a webhook's <c>Stripe-Signature</c> against the raw body with each configured secret (two during a
/// rotation), within Stripe's 300 s tolerance. Only an event that passes reaches <see cref="StripeEventProcessor"/>.
/// </summary>
public sealed class StripeWebhookVerifier(IOptions<StripeOptions> options)
{
    /// <summary>The event, or null when it is not from Stripe, was tampered with, or is replayed outside the tolerance.</summary>
    public Event? Verify(string json, string? signature)
    {
        if (string.IsNullOrEmpty(signature))
        {
            return null;
        }
        foreach (var secret in options.Value.Secrets)
        {
            try
            {
                return EventUtility.ConstructEvent(json, signature, secret, throwOnApiVersionMismatch: false);
            }
            catch (StripeException)
            {
                // Try the next secret: during a rotation the event may be signed with either.
            }
        }
        return null;
    }
}
