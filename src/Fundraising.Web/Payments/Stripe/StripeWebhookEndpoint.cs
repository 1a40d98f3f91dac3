using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Persistence.Ledger;
using Fundraising.Persistence.Payments;
using Fundraising.Web.Problems;
using Microsoft.Extensions.Options;
using Stripe;
using Stripe.Checkout;

namespace Fundraising.Web.Payments.Stripe;

/// <summary>
/// <c>POST /api/payments/stripe/webhook</c>. Verifies the signature against the raw body (any of the
/// configured secrets, for rotation), records each event id once, and applies events so that order
/// does not matter: a gift only ever moves forward (pending → succeeded → refunded), and every
/// effect is idempotent, so duplicates and redeliveries change nothing.
/// </summary>
public static partial class StripeWebhookEndpoint
{
    public static IEndpointRouteBuilder MapStripeWebhook(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/payments/stripe/webhook", HandleAsync).WithTags("Payments");
        return app;
    }

    private static async Task<IResult> HandleAsync(
        HttpRequest request, IOptions<StripeOptions> options, StripeRecords records, IDonationLedger ledger, IGrainFactory grains,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body);
        var json = await reader.ReadToEndAsync(cancellationToken);
        var signature = request.Headers["Stripe-Signature"].ToString();
        var stripeEvent = Verify(json, signature, options.Value.Secrets);
        if (stripeEvent is null)
        {
            // No effect: not from Stripe, tampered with, or replayed outside the tolerance window.
            return TypedResults.Problem(title: "The Stripe-Signature is missing, invalid or stale.", statusCode: StatusCodes.Status400BadRequest);
        }
        if (await records.WasProcessedAsync(stripeEvent.Id, stripeEvent.Type, cancellationToken))
        {
            return TypedResults.Ok(new { received = true, duplicate = true });
        }

        switch (stripeEvent.Data.Object)
        {
            case Session { Mode: "payment", PaymentStatus: "paid" } session when DonationOf(session.Metadata) is { } ids:
                await records.LinkAsync(ids.Donation, session.Id, session.PaymentIntentId, cancellationToken);
                await ConfirmAsync(grains, ids, cancellationToken);
                break;
            case PaymentIntent { Status: "succeeded" } intent when DonationOf(intent.Metadata) is { } ids:
                await records.LinkAsync(ids.Donation, null, intent.Id, cancellationToken);
                await ConfirmAsync(grains, ids, cancellationToken);
                break;
            case Refund refund when refund.PaymentIntentId is { } intentId && refund.Status is "succeeded" or "pending":
                // A refund made from our admin API arrives here too: its Stripe id is the ledger key, so it counts once.
                if (await records.DonationOfPaymentIntentAsync(intentId, cancellationToken) is { } donationId
                    && await ledger.FindCampaignOfDonationAsync(donationId, cancellationToken) is { } campaignId)
                {
                    var result = await grains.GetGrain<ICampaignGrain>(campaignId).RefundAsync(
                        new NewRefund(donationId, refund.Amount, "Stripe refund " + refund.Id, "stripe", RefundKey(refund.Id)));
                    if (result.Error is not (RefundError.None or RefundError.NotRefundable))
                    {
                        LogRefundNotApplied(loggers.CreateLogger(nameof(StripeWebhookEndpoint)), refund.Id, result.Error);
                    }
                }
                break;
        }
        await records.MarkProcessedAsync(stripeEvent.Id, cancellationToken);
        return TypedResults.Ok(new { received = true });
    }

    /// <summary>The ledger's idempotency key for a Stripe refund, whichever path records it first.</summary>
    public static string RefundKey(string stripeRefundId) => "stripe-refund:" + stripeRefundId;

    private static Event? Verify(string json, string signature, IReadOnlyList<string> secrets)
    {
        if (string.IsNullOrEmpty(signature))
        {
            return null;
        }
        foreach (var secret in secrets)
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

    private static (Guid Donation, Guid Campaign)? DonationOf(IDictionary<string, string>? metadata) =>
        metadata is not null
        && metadata.TryGetValue("donation_id", out var donation) && Guid.TryParse(donation, out var donationId)
        && metadata.TryGetValue("campaign_id", out var campaign) && Guid.TryParse(campaign, out var campaignId)
            ? (donationId, campaignId)
            : null;

    private static async Task ConfirmAsync(IGrainFactory grains, (Guid Donation, Guid Campaign) ids, CancellationToken cancellationToken)
    {
        var result = await grains.GetGrain<ICampaignGrain>(ids.Campaign).ConfirmDonationAsync(ids.Donation);
        cancellationToken.ThrowIfCancellationRequested();
        if (result.Error != DonationError.None)
        {
            throw new InvalidOperationException($"Stripe paid for donation {ids.Donation}, which campaign {ids.Campaign} does not have.");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stripe refund {RefundId} was not applied: {Error}")]
    private static partial void LogRefundNotApplied(ILogger logger, string refundId, RefundError error);
}
