using System.Security.Cryptography;
using System.Text;
using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Contracts.MonthlyGiving;
using Fundraising.Payments.Stripe;
using Fundraising.Persistence.MonthlyGiving;
using Stripe.Checkout;
using Microsoft.Extensions.DependencyInjection;

namespace Fundraising.Payments.MonthlyGiving;

/// <summary>
/// What became of a request to start a monthly gift. <see cref="Unavailable"/>: no card provider or no token key;
/// otherwise <see cref="Error"/> is the campaign's refusal (with <see cref="Detail"/>), or None with the gift,
/// its donor's cancel token and whether an earlier identical request already made it.
/// </summary>
public sealed record MonthlyGiftStart(
    DonationError Error, MonthlyGiftRecord? Gift = null, string? CancelToken = null, bool Replayed = false, string? Detail = null, bool Unavailable = false);

/// <summary>
/// Monthly gifts (月捐) from the donor's side: start one (admitted by the campaign's grain, like any online
/// gift), read it or cancel it with its token. Each paid month is recorded by <see cref="StripeMonthlyGifts"/>.
/// </summary>
public sealed class MonthlyGifts(IGrainFactory grains, MonthlyGiftStore store, MonthlyGiftTokens tokens, TimeProvider time, IServiceProvider services)
{
    private StripeMonthlyGifts? Stripe => services.GetService<StripeMonthlyGifts>();

    /// <summary>True when monthly gifts can be taken: a card provider and a token key are configured.</summary>
    public bool CanTake => tokens.CanIssue && Stripe is not null;

    public async Task<MonthlyGiftStart> StartAsync(Guid campaignId, NewMonthlyGift request, CancellationToken cancellationToken)
    {
        if (!CanTake)
        {
            return new MonthlyGiftStart(DonationError.None, Unavailable: true);
        }
        var admission = await grains.GetGrain<ICampaignGrain>(campaignId).AdmitMonthlyGiftAsync(request.Amount, request.Currency, request.TeamId, request.SubPlanId);
        if (admission.Error != DonationError.None)
        {
            return new MonthlyGiftStart(admission.Error, Detail: admission.Detail);
        }
        var hash = RequestFingerprint.Of(request);
        var existing = await store.FindByKeyAsync(campaignId, request.IdempotencyKey, cancellationToken);
        var replayed = existing is not null;
        if (existing is null)
        {
            // Stripe first, our row second: if Stripe fails nothing is recorded, and the id (so the Stripe
            // idempotency key) comes from the donor's key, so the retry reaches the same session. The session carries
            // the request's fingerprint: if the first answer was lost before our row was written, a retry under the same
            // key with another body (another team or sub-plan) is refused by Stripe, and so here, as a reused key.
            var id = IdOf(campaignId, request.IdempotencyKey);
            Session session;
            try
            {
                session = await Stripe!.StartCheckoutAsync(
                    id, campaignId, request.Amount, request.Currency, request.Email, request.TeamId, request.SubPlanId, hash, cancellationToken);
            }
            catch (PaymentProviderUnavailableException e) when (StripeCalls.IsKeyReused(e))
            {
                return new MonthlyGiftStart(DonationError.IdempotencyKeyReused);
            }
            existing = await store.InsertAsync(new MonthlyGiftRecord(
                id, campaignId, request.IdempotencyKey, hash, request.Amount, request.Currency, request.DisplayName, request.Anonymous, request.Email,
                session.Id, session.Url, null, null, MonthlyGiftStatus.Pending, time.GetUtcNow(), null, request.TeamId, request.SubPlanId), cancellationToken);
        }
        if (!existing.RequestHash.AsSpan().SequenceEqual(hash))
        {
            return new MonthlyGiftStart(DonationError.IdempotencyKeyReused);
        }
        return new MonthlyGiftStart(DonationError.None, existing, tokens.Issue(existing.Id), replayed);
    }

    /// <summary>The gift and the months it has paid, when <paramref name="token"/> is its token. An unknown id and a wrong token look the same, so ids cannot be probed.</summary>
    public async Task<(MonthlyGiftRecord Gift, IReadOnlyList<MonthlyGiftPayment> Payments)?> FindAsync(Guid id, string? token, CancellationToken cancellationToken)
    {
        if (!tokens.Verify(id, token) || await store.FindAsync(id, cancellationToken) is not { } gift)
        {
            return null;
        }
        return (gift, await store.PaymentsAsync(id, cancellationToken));
    }

    /// <summary>Stops the gift in Stripe and here; safe to repeat. Null when the token does not open it.</summary>
    public async Task<(MonthlyGiftRecord Gift, IReadOnlyList<MonthlyGiftPayment> Payments)?> CancelAsync(Guid id, string? token, CancellationToken cancellationToken)
    {
        if (await FindAsync(id, token, cancellationToken) is not { } found)
        {
            return null;
        }
        var gift = found.Gift;
        if (gift.Status != MonthlyGiftStatus.Cancelled)
        {
            // A stored gift exists only when Stripe is configured; without it there is nothing to cancel in Stripe.
            gift = await services.GetRequiredService<StripeMonthlyGifts>().CancelAsync(gift, cancellationToken);
        }
        return (gift, await store.PaymentsAsync(id, cancellationToken));
    }

    /// <summary>The same (campaign, key) always names the same gift, so a retry after a lost answer reaches the same Stripe session.</summary>
    private static Guid IdOf(Guid campaignId, string key)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"monthly-gift|{campaignId:N}|{key}"))[..16];
        // RFC 9562 version 8 (custom) with the RFC variant bits.
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
