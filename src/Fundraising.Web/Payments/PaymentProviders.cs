using Fundraising.Contracts.Donations;

namespace Fundraising.Web.Payments;

/// <summary>How the donor completes a payment: which provider, and where to go next.</summary>
public sealed record PaymentInstruction(string Provider, string ConfirmUrl);

/// <summary>
/// A way for donors to pay. A provider starts a payment for a pending donation; its confirmation
/// (a callback, a webhook) ends in <c>ICampaignGrain.ConfirmDonationAsync</c>.
/// </summary>
public interface IPaymentProvider
{
    string Name { get; }

    Task<PaymentInstruction> StartAsync(DonationRecord donation, CancellationToken cancellationToken);
}
