using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Contracts.MonthlyGiving;
using Fundraising.Persistence.MonthlyGiving;
using Fundraising.Persistence.Payments;
using Microsoft.Extensions.Options;
using Stripe;
using Stripe.Checkout;

namespace Fundraising.Payments.Stripe;

/// <summary>
/// Monthly gifts (月捐) on Stripe: a Checkout Session in <c>subscription</c> mode to start one, a cancel to end
/// it, and the effects of Stripe's events. Every paid invoice becomes one succeeded gift keyed by the invoice
/// id; the subscription's metadata (campaign and monthly gift id, copied by Stripe onto every invoice) is
/// enough to attribute it, so events can arrive in any order.
/// </summary>
public sealed partial class StripeMonthlyGifts(
    StripeCalls stripe, MonthlyGiftStore store, StripeRecords records, IGrainFactory grains, IOptions<StripeOptions> options,
    ILogger<StripeMonthlyGifts> logger)
{
    public const string GiftKey = "monthly_gift_id";
    public const string CampaignKey = "campaign_id";
    public const string TeamKey = "team_id";
    public const string SubPlanKey = "sub_plan_id";
    public const string RequestKey = "request_hash";

    /// <summary>The ledger's idempotency key for a paid invoice, whichever path (webhook, reconciliation) records it first.</summary>
    public static string InvoiceKey(string invoiceId) => "stripe-invoice:" + invoiceId;

    /// <summary>
    /// Creates the Checkout Session; idempotent on the gift's id, so a retry gets the same session. The team, the
    /// sub-plan and the donor's request fingerprint go into the metadata: when the first answer was lost before our row
    /// was written, Stripe itself refuses a retry under the same key that differs in anything (400
    /// <c>idempotency_error</c>), and an invoice of a gift we never recorded still counts for its team and sub-plan.
    /// </summary>
    public async Task<Session> StartCheckoutAsync(
        Guid monthlyGiftId, Guid campaignId, long amount, string currency, string? email, Guid? teamId, Guid? subPlanId, byte[] requestHash,
        CancellationToken cancellationToken)
    {
        var metadata = new Dictionary<string, string>
        {
            [GiftKey] = monthlyGiftId.ToString(),
            [CampaignKey] = campaignId.ToString(),
        };
        if (teamId is { } team)
        {
            metadata[TeamKey] = team.ToString();
        }
        if (subPlanId is { } subPlan)
        {
            metadata[SubPlanKey] = subPlan.ToString();
        }
        // A paid checkout lands on the donor's manage page. Only the gift's id goes in the address Stripe keeps
        // and redirects to, never the cancel token: the page that started the checkout kept the token in the tab's
        // sessionStorage, and the manage page moves it into its own #fragment, which no server ever receives.
        var create = CheckoutSessions.Create(
            "subscription", options.Value.PublicBaseUrl, campaignId, "monthlyGift", monthlyGiftId, metadata, amount, currency, "月捐 Monthly gift",
            interval: "month", successPath: $"/monthly.html?id={monthlyGiftId}&paid=1");
        create.CustomerEmail = email;
        // Stripe copies these onto the subscription and every invoice it bills: that is how a renewal finds its gift.
        create.SubscriptionData = new SessionSubscriptionDataOptions { Metadata = new Dictionary<string, string>(metadata) };
        create.Metadata[RequestKey] = Convert.ToHexStringLower(requestHash);
        return await stripe.CallAsync(
            (client, token) => client.V1.Checkout.Sessions.CreateAsync(create, new RequestOptions { IdempotencyKey = $"monthly-checkout-{monthlyGiftId}" }, token),
            cancellationToken);
    }

    /// <summary>
    /// Stops the gift in Stripe, then marks it cancelled here. Safe to repeat: Stripe answers 404 for a
    /// subscription that is already cancelled, which means done. A gift whose checkout was never completed
    /// has its session expired, unless the donor completed it meanwhile, in which case that subscription is cancelled.
    /// </summary>
    public async Task<MonthlyGiftRecord> CancelAsync(MonthlyGiftRecord gift, CancellationToken cancellationToken)
    {
        if (gift.Status == MonthlyGiftStatus.Cancelled)
        {
            return gift;
        }
        var subscriptionId = gift.StripeSubscriptionId;
        if (subscriptionId is null)
        {
            var session = await stripe.CallAsync((client, token) => client.V1.Checkout.Sessions.GetAsync(gift.CheckoutSessionId, null, null, token), cancellationToken);
            subscriptionId = session.SubscriptionId;
            if (subscriptionId is null && session.Status == "open")
            {
                await stripe.CallAsync((client, token) => client.V1.Checkout.Sessions.ExpireAsync(session.Id, null, null, token), cancellationToken);
            }
            else if (subscriptionId is not null)
            {
                await store.AttachSubscriptionAsync(gift.Id, session.CustomerId, subscriptionId, cancellationToken);
            }
        }
        if (subscriptionId is not null)
        {
            await CancelSubscriptionAsync(subscriptionId, cancellationToken);
        }
        return await store.MarkCancelledAsync(gift.Id, cancellationToken) ?? gift;
    }

    /// <summary><c>checkout.session.completed</c> in subscription mode: remember the subscription; if the donor cancelled meanwhile, stop it.</summary>
    public async Task OnCheckoutCompletedAsync(Session session, Guid monthlyGiftId, CancellationToken cancellationToken)
    {
        var gift = await store.AttachSubscriptionAsync(monthlyGiftId, session.CustomerId, session.SubscriptionId, cancellationToken);
        if (gift is { Status: MonthlyGiftStatus.Cancelled } && session.SubscriptionId is { } subscriptionId)
        {
            await CancelSubscriptionAsync(subscriptionId, cancellationToken);
        }
    }

    /// <summary><c>customer.subscription.deleted</c>: cancelled by us, or in Stripe's dashboard; either way no more gifts.</summary>
    public Task OnSubscriptionEndedAsync(Guid monthlyGiftId, CancellationToken cancellationToken) =>
        store.MarkCancelledAsync(monthlyGiftId, cancellationToken);

    /// <summary>
    /// <c>invoice.paid</c>: one succeeded gift on the campaign, keyed by the invoice id, linked to the invoice's
    /// payment intent so that an admin refund of it goes back through Stripe. Recorded even when the gift
    /// was cancelled meanwhile (a renewal billed just before the cancellation): Stripe took the money, so the
    /// ledger must show it; giving it back is an admin refund.
    /// </summary>
    public async Task RecordInvoiceAsync(Invoice invoice, (Guid Gift, Guid Campaign) ids, CancellationToken cancellationToken)
    {
        if (invoice.AmountPaid <= 0)
        {
            return; // Nothing was taken (a free period): no gift.
        }
        var subscriptionId = invoice.Parent?.SubscriptionDetails?.SubscriptionId;
        if (await store.InvoiceRecordedAsync(invoice.Id, cancellationToken))
        {
            // invoice.paid and invoice.payment_succeeded both carry the paid invoice, and duplicates happen:
            // the second one costs no call to Stripe and no grain call.
            await store.AttachSubscriptionAsync(ids.Gift, invoice.CustomerId, subscriptionId, cancellationToken);
            return;
        }
        var gift = await store.FindAsync(ids.Gift, cancellationToken);
        if (gift is null)
        {
            // Our row is written after Stripe created the session, so this is a session whose create answer was lost
            // and never retried. The money still counts; with no name on record, the gift is anonymous.
            LogGiftUnknown(invoice.Id, ids.Gift);
        }
        var payments = await stripe.CallAsync(
            (client, token) => client.V1.InvoicePayments.ListAsync(new InvoicePaymentListOptions { Invoice = invoice.Id }, null, token), cancellationToken);
        var paymentIntentId = payments.Data.Select(p => p.Payment?.PaymentIntentId).FirstOrDefault(id => id is not null);

        var metadata = invoice.Parent?.SubscriptionDetails?.Metadata;
        var result = await grains.GetGrain<ICampaignGrain>(ids.Campaign).RecordProviderPaymentAsync(new NewDonation(
            InvoiceKey(invoice.Id), invoice.AmountPaid, invoice.Currency.ToUpperInvariant(),
            gift?.DisplayName, gift?.Anonymous ?? true, null, StripePaymentProvider.ProviderName,
            TeamId: gift is null ? IdOf(metadata, TeamKey) : gift.TeamId, SubPlanId: gift is null ? IdOf(metadata, SubPlanKey) : gift.SubPlanId));
        if (result.Error != DonationError.None)
        {
            // Not acknowledged: the event stays unprocessed and comes back (redelivery or reconciliation).
            throw new InvalidOperationException($"Stripe invoice {invoice.Id} of monthly gift {ids.Gift} was not recorded on campaign {ids.Campaign}: {result.Error}.");
        }
        var donation = result.Donation!;
        await records.LinkAsync(donation.Id, null, paymentIntentId, cancellationToken);
        await store.LinkInvoiceAsync(invoice.Id, ids.Gift, donation.Id, cancellationToken);
        await store.AttachSubscriptionAsync(ids.Gift, invoice.CustomerId, subscriptionId, cancellationToken);
    }

    /// <summary>The monthly gift and campaign that Stripe metadata names, when it names both.</summary>
    public static (Guid Gift, Guid Campaign)? GiftOf(IDictionary<string, string>? metadata) =>
        metadata is not null
        && metadata.TryGetValue(GiftKey, out var gift) && Guid.TryParse(gift, out var giftId)
        && metadata.TryGetValue(CampaignKey, out var campaign) && Guid.TryParse(campaign, out var campaignId)
            ? (giftId, campaignId)
            : null;

    private static Guid? IdOf(IDictionary<string, string>? metadata, string key) =>
        metadata is not null && metadata.TryGetValue(key, out var value) && Guid.TryParse(value, out var id) ? id : null;

    private async Task CancelSubscriptionAsync(string subscriptionId, CancellationToken cancellationToken)
    {
        try
        {
            await stripe.CallAsync((client, token) => client.V1.Subscriptions.CancelAsync(subscriptionId, null, null, token), cancellationToken);
        }
        catch (PaymentProviderUnavailableException exception) when (StripeCalls.IsMissing(exception))
        {
            // Already cancelled (Stripe treats it as gone): the outcome we wanted.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stripe invoice {InvoiceId} names monthly gift {MonthlyGiftId}, which is not on record; recorded as an anonymous gift")]
    private partial void LogGiftUnknown(string invoiceId, Guid monthlyGiftId);
}
