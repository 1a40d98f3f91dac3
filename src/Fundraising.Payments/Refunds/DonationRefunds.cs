using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Payments.Providers;
using Fundraising.Persistence.Ledger;

namespace Fundraising.Payments.Refunds;

/// <summary>
/// Gives money back. Refunds are compensating entries: the gift stays in the ledger with a refunded
/// amount, the campaign's totals and live progress go down, and no refund can exceed what was paid.
/// The campaign's grain decides how much may go back (<see cref="RefundRules"/>); money a provider took
/// goes back through that provider first, and the provider's refund id then keys the ledger entry, so the
/// provider's own notification of the same refund counts once.
/// </summary>
public sealed class DonationRefunds(ILedgerQueries ledger, PaymentProviders providers, IGrainFactory grains)
{
    public async Task<RefundResult> RefundAsync(NewRefund refund, CancellationToken cancellationToken)
    {
        if (await ledger.FindAsync(refund.DonationId, cancellationToken) is not { } donation)
        {
            return RefundResult.Failed(RefundError.DonationNotFound);
        }
        var campaign = grains.GetGrain<ICampaignGrain>(donation.CampaignId);
        if (donation.Channel == DonationChannel.Online && providers.Named(donation.Provider) is { } provider)
        {
            // The provider moves money before the ledger records it, so ask the grain first how much it would record.
            var decision = await campaign.PrepareRefundAsync(refund);
            if (decision.Error != RefundError.None)
            {
                return decision;
            }
            var amount = decision.Refund!.Amount;
            var providerKey = await provider.RefundAsync(decision.Donation!, amount, refund.Reason, refund.IdempotencyKey, cancellationToken);
            // The money has gone back now: the ledger must record it, even if a disbursement took its turn meanwhile.
            refund = refund with { Amount = amount, IdempotencyKey = providerKey ?? refund.IdempotencyKey, MadeByProvider = true };
        }
        return await campaign.RefundAsync(refund);
    }
}
