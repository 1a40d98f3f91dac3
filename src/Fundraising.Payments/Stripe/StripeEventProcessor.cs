using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Persistence.Payments;
using Stripe;
using Stripe.Checkout;

namespace Fundraising.Payments.Stripe;

/// <summary>What applying one Stripe event did.</summary>
public enum StripeEventOutcome
{
    Applied,

    /// <summary>The event id was already processed (a duplicate delivery, or one the reconciliation job already applied).</summary>
    Duplicate,

    /// <summary>Nothing in the event concerns the platform (e.g. <c>charge.succeeded</c>): acknowledged, nothing written.</summary>
    Ignored,
}

/// <summary>
/// Applies Stripe events, whether they come through the webhook or the reconciliation job. Every effect
/// is idempotent and a gift only ever moves forward (pending → succeeded → refunded), so order does not
/// matter and duplicates change nothing. The event id is written once, after its effect is durable: a
/// failure in between leaves it unrecorded, and the redelivery applies it again (to no further effect).
/// Events with nothing for the platform cost no write at all: a card gift brings three or four events,
/// and each write is a commit.
/// </summary>
public sealed partial class StripeEventProcessor(
    StripeRecords records, IGrainFactory grains, StripeMonthlyGifts monthlyGifts, ILogger<StripeEventProcessor> logger)
{
    public async Task<StripeEventOutcome> ProcessAsync(Event stripeEvent, CancellationToken cancellationToken)
    {
        if (EffectOf(stripeEvent.Data.Object) is not { } effect)
        {
            return StripeEventOutcome.Ignored;
        }
        if (await records.WasProcessedAsync(stripeEvent.Id, cancellationToken))
        {
            return StripeEventOutcome.Duplicate;
        }
        await effect.Apply(cancellationToken);
        await records.MarkProcessedAsync(stripeEvent.Id, stripeEvent.Type, cancellationToken);
        return StripeEventOutcome.Applied;
    }

    /// <summary>
    /// Applies what a Stripe object says, as an event's payload or as fetched from Stripe by the
    /// reconciliation job. Returns true when the object paid for something.
    /// </summary>
    public async Task<bool> ApplyAsync(IHasObject stripeObject, CancellationToken cancellationToken)
    {
        if (EffectOf(stripeObject) is not { } effect)
        {
            return false;
        }
        await effect.Apply(cancellationToken);
        return effect.Pays;
    }

    private sealed record Effect(Func<CancellationToken, Task> Apply, bool Pays);

    /// <summary>What an object means for the platform, or null when it means nothing (not ours, or not final).</summary>
    private Effect? EffectOf(IHasObject stripeObject) => stripeObject switch
    {
        Session { Mode: "payment", PaymentStatus: "paid" } session when DonationOf(session.Metadata) is { } ids =>
            new(async token =>
            {
                await records.LinkAsync(ids.Donation, session.Id, session.PaymentIntentId, token);
                await ConfirmAsync(ids, token);
            }, Pays: true),
        Session { Mode: "subscription", Status: "complete" } session when StripeMonthlyGifts.GiftOf(session.Metadata) is { } gift =>
            new(token => monthlyGifts.OnCheckoutCompletedAsync(session, gift.Gift, token), Pays: false),
        PaymentIntent { Status: "succeeded" } intent when DonationOf(intent.Metadata) is { } ids =>
            new(async token =>
            {
                await records.LinkAsync(ids.Donation, null, intent.Id, token);
                await ConfirmAsync(ids, token);
            }, Pays: true),
        Invoice { Status: "paid" } invoice when StripeMonthlyGifts.GiftOf(invoice.Parent?.SubscriptionDetails?.Metadata) is { } gift =>
            new(token => monthlyGifts.RecordInvoiceAsync(invoice, gift, token), Pays: true),
        Subscription { Status: "canceled" } subscription when StripeMonthlyGifts.GiftOf(subscription.Metadata) is { } gift =>
            new(token => monthlyGifts.OnSubscriptionEndedAsync(gift.Gift, token), Pays: false),
        Refund refund when refund.PaymentIntentId is { } intentId && refund.Status is "succeeded" or "pending" =>
            new(token => RefundAsync(refund, intentId, token), Pays: false),
        _ => null,
    };

    /// <summary>The ledger's idempotency key for a Stripe refund, whichever path records it first.</summary>
    public static string RefundKey(string stripeRefundId) => "stripe-refund:" + stripeRefundId;

    private async Task RefundAsync(Refund refund, string intentId, CancellationToken cancellationToken)
    {
        // A refund made from our admin API arrives here too: its Stripe id is the ledger key, so it counts once.
        if (await records.DonationOfPaymentIntentAsync(intentId, cancellationToken) is { } gift)
        {
            // A refund our admin API made carries the admin's reason: the webhook then records the very same request,
            // so whichever of the two reaches the ledger first, the other is a retry of it, not a misuse of its key.
            var reason = refund.Metadata is { } metadata && metadata.TryGetValue(StripePaymentProvider.RefundReasonKey, out var given) && given.Length > 0
                ? given
                : "Stripe refund " + refund.Id;
            var result = await grains.GetGrain<ICampaignGrain>(gift.CampaignId).RefundAsync(
                new NewRefund(gift.DonationId, refund.Amount, reason, "stripe", RefundKey(refund.Id)));
            if (result.Error is not (RefundError.None or RefundError.NotRefundable))
            {
                LogRefundNotApplied(refund.Id, result.Error);
            }
        }
    }

    private static (Guid Donation, Guid Campaign)? DonationOf(IDictionary<string, string>? metadata) =>
        metadata is not null
        && metadata.TryGetValue("donation_id", out var donation) && Guid.TryParse(donation, out var donationId)
        && metadata.TryGetValue("campaign_id", out var campaign) && Guid.TryParse(campaign, out var campaignId)
            ? (donationId, campaignId)
            : null;

    private async Task ConfirmAsync((Guid Donation, Guid Campaign) ids, CancellationToken cancellationToken)
    {
        var result = await grains.GetGrain<ICampaignGrain>(ids.Campaign).ConfirmDonationAsync(ids.Donation, StripePaymentProvider.ProviderName);
        cancellationToken.ThrowIfCancellationRequested();
        if (result.Error != DonationError.None)
        {
            throw new InvalidOperationException($"Stripe paid for donation {ids.Donation}, which campaign {ids.Campaign} does not have.");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stripe refund {RefundId} was not applied: {Error}")]
    private partial void LogRefundNotApplied(string refundId, RefundError error);
}
