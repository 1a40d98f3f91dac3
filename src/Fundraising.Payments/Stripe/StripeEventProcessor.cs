using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Persistence.Ledger;
using Fundraising.Persistence.Payments;
using Fundraising.Persistence.Telemetry;
using Microsoft.Extensions.Options;
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
/// and each write is a commit. A payment counts only when it matches its gift (<see cref="StripePaymentCheck"/>): one
/// that does not is held for an admin. A refund of a payment no gift is linked to yet is kept until the link appears.
/// </summary>
public sealed partial class StripeEventProcessor(
    StripeRecords records, ILedgerQueries ledger, IGrainFactory grains, StripeMonthlyGifts monthlyGifts, IOptions<StripeOptions> options,
    ILogger<StripeEventProcessor> logger)
{
    public async Task<StripeEventOutcome> ProcessAsync(Event stripeEvent, CancellationToken cancellationToken)
    {
        string outcome = "failed";
        try
        {
            var result = await ProcessOnceAsync(stripeEvent, cancellationToken);
            outcome = OutcomeTag(result);
            return result;
        }
        finally
        {
            // Stripe's event types are a fixed vocabulary (a few dozen), so the type is a safe tag; nothing else of the event is.
            FundraisingMetrics.WebhookEvents.Add(1,
                new KeyValuePair<string, object?>("type", stripeEvent.Type), new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    private static string OutcomeTag(StripeEventOutcome outcome) => outcome switch
    {
        StripeEventOutcome.Applied => "applied",
        StripeEventOutcome.Duplicate => "duplicate",
        _ => "ignored",
    };

    private async Task<StripeEventOutcome> ProcessOnceAsync(Event stripeEvent, CancellationToken cancellationToken)
    {
        if (EffectOf(stripeEvent.Data.Object) is not { } effect)
        {
            return StripeEventOutcome.Ignored;
        }
        if (await records.WasProcessedAsync(stripeEvent.Id, cancellationToken))
        {
            return StripeEventOutcome.Duplicate;
        }
        await effect(cancellationToken);
        await records.MarkProcessedAsync(stripeEvent.Id, stripeEvent.Type, cancellationToken);
        return StripeEventOutcome.Applied;
    }

    /// <summary>
    /// Applies what a Stripe object says, as an event's payload or as fetched from Stripe by the
    /// reconciliation job. Returns true when the object paid for something that now counts (not a held payment).
    /// </summary>
    public async Task<bool> ApplyAsync(IHasObject stripeObject, CancellationToken cancellationToken) =>
        EffectOf(stripeObject) is { } effect && await effect(cancellationToken);

    /// <summary>An object's effect; true when it paid for something that now counts.</summary>
    private delegate Task<bool> Effect(CancellationToken cancellationToken);

    /// <summary>What an object means for the platform, or null when it means nothing (not ours, or not final).</summary>
    private Effect? EffectOf(IHasObject stripeObject) => stripeObject switch
    {
        Session { Mode: "payment", PaymentStatus: "paid" } session when DonationOf(session.Metadata) is { } ids =>
            token => PaidAsync(ids, new StripePaid("checkout.session", session.Id, session.AmountTotal, session.Currency, session.Livemode),
                session.Id, session.PaymentIntentId, token),
        Session { Mode: "subscription", Status: "complete" } session when StripeMonthlyGifts.GiftOf(session.Metadata) is { } gift =>
            async token => { await monthlyGifts.OnCheckoutCompletedAsync(session, gift.Gift, token); return false; },
        PaymentIntent { Status: "succeeded" } intent when DonationOf(intent.Metadata) is { } ids =>
            token => PaidAsync(ids, new StripePaid("payment_intent", intent.Id, intent.AmountReceived, intent.Currency, intent.Livemode),
                null, intent.Id, token),
        Invoice { Status: "paid" } invoice when StripeMonthlyGifts.GiftOf(invoice.Parent?.SubscriptionDetails?.Metadata) is { } gift =>
            async token =>
            {
                await monthlyGifts.RecordInvoiceAsync(invoice, gift, token);
                // The invoice's payment intent is linked now: a refund of it that came first can be applied.
                await ApplyPendingRefundsAsync(token);
                return true;
            },
        Subscription { Status: "canceled" } subscription when StripeMonthlyGifts.GiftOf(subscription.Metadata) is { } gift =>
            async token => { await monthlyGifts.OnSubscriptionEndedAsync(gift.Gift, token); return false; },
        Refund refund when refund.PaymentIntentId is { } intentId && refund.Status is "succeeded" or "pending" =>
            async token => { await RefundAsync(refund, intentId, token); return false; },
        _ => null,
    };

    /// <summary>The ledger's idempotency key for a Stripe refund, whichever path records it first.</summary>
    public static string RefundKey(string stripeRefundId) => "stripe-refund:" + stripeRefundId;

    /// <summary>
    /// A one-off gift paid: counted when what was paid matches the gift, else held for an admin (and acknowledged, so
    /// Stripe stops retrying; the gift stays pending and counts for nothing).
    /// </summary>
    private async Task<bool> PaidAsync((Guid Donation, Guid Campaign) ids, StripePaid paid, string? sessionId, string? intentId, CancellationToken cancellationToken)
    {
        if (await ledger.FindAsync(ids.Donation, cancellationToken) is not { } gift || gift.CampaignId != ids.Campaign)
        {
            throw new InvalidOperationException($"Stripe {paid.Object} {paid.Id} paid for a gift that its campaign does not have.");
        }
        if (StripePaymentCheck.Mismatch(gift, paid, options.Value.LiveMode) is { } reason)
        {
            await records.HoldAsync(new StripePaymentHold(
                paid.Id, paid.Object, gift.Id, gift.CampaignId, reason, gift.Amount, gift.Currency, paid.Amount, paid.Currency?.ToUpperInvariant(),
                paid.Livemode, default), cancellationToken);
            LogHeld(paid.Object, paid.Id, reason);
            return false;
        }
        await records.LinkAsync(ids.Donation, sessionId, intentId, cancellationToken);
        await ConfirmAsync(ids, cancellationToken);
        // A refund event that overtook this payment's own is kept until now, when its payment intent is linked. Only this
        // payment's refunds are looked for: every paid gift passes here, and a refund is found by its payment intent.
        if (intentId is not null)
        {
            await ApplyPendingRefundsAsync(cancellationToken, intentId);
        }
        return true;
    }

    private async Task RefundAsync(Refund refund, string intentId, CancellationToken cancellationToken)
    {
        // A refund our admin API made carries the admin's reason: the webhook then records the very same request,
        // so whichever of the two reaches the ledger first, the other is a retry of it, not a misuse of its key.
        var reason = refund.Metadata is { } metadata && metadata.TryGetValue(StripePaymentProvider.RefundReasonKey, out var given) && given.Length > 0
            ? given
            : "Stripe refund " + refund.Id;
        // A refund made from our admin API arrives here too: its Stripe id is the ledger key, so it counts once.
        if (await records.DonationOfPaymentIntentAsync(intentId, cancellationToken) is { } gift)
        {
            var result = await RefundGiftAsync(refund.Id, refund.Amount, reason, gift.DonationId, gift.CampaignId);
            if (result.Error is not (RefundError.None or RefundError.NotRefundable))
            {
                LogRefundNotApplied(refund.Id, result.Error);
            }
            return;
        }
        // No gift is linked to this payment intent yet (a monthly invoice recorded without one, or this event overtook
        // the payment's own): kept, durably, and applied once the link appears. The event is then done, not dropped.
        await records.KeepPendingRefundAsync(new StripePendingRefund(refund.Id, intentId, refund.Amount, reason), cancellationToken);
        LogRefundPending(refund.Id);
    }

    /// <summary>
    /// Applies the kept refunds whose payment intent is now linked to a gift, each once (the refund id keys the ledger
    /// entry); returns how many. One that the ledger refuses stays kept and is tried again. Called when a payment is
    /// linked and by the reconciliation job.
    /// </summary>
    public async Task<int> ApplyPendingRefundsAsync(CancellationToken cancellationToken, string? paymentIntentId = null)
    {
        var applied = 0;
        foreach (var pending in await records.LinkedPendingRefundsAsync(paymentIntentId, cancellationToken))
        {
            var result = await RefundGiftAsync(pending.RefundId, pending.Amount, pending.Reason, pending.DonationId, pending.CampaignId);
            if (result.Error != RefundError.None)
            {
                LogRefundNotApplied(pending.RefundId, result.Error);
                continue;
            }
            await records.MarkRefundAppliedAsync(pending.RefundId, cancellationToken);
            applied++;
        }
        return applied;
    }

    private Task<RefundResult> RefundGiftAsync(string refundId, long amount, string reason, Guid donationId, Guid campaignId) =>
        grains.GetGrain<ICampaignGrain>(campaignId).RefundAsync(new NewRefund(donationId, amount, reason, "stripe", RefundKey(refundId), MadeByProvider: true));

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stripe refund {RefundId} is of a payment no gift is linked to yet; kept until the link appears")]
    private partial void LogRefundPending(string refundId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stripe {StripeObject} {StripeObjectId} does not match its gift ({Reason}); held for an admin, not counted")]
    private partial void LogHeld(string stripeObject, string stripeObjectId, string reason);
}
