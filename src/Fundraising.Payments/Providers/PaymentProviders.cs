using Fundraising.Contracts.Donations;

namespace Fundraising.Payments.Providers;

/// <summary>
/// How the donor completes a payment: the sandbox has a <see cref="ConfirmUrl"/> to POST to; a card
/// provider has a hosted page to send the donor to (<see cref="RedirectUrl"/>).
/// </summary>
public sealed record PaymentInstruction(string Provider, string? ConfirmUrl, string? RedirectUrl = null);

/// <summary>
/// A way for donors to pay. A provider starts a payment for a pending donation; its confirmation
/// (a callback, a webhook) ends in <c>ICampaignGrain.ConfirmDonationAsync</c>.
/// </summary>
public interface IPaymentProvider
{
    string Name { get; }

    Task<PaymentInstruction> StartAsync(DonationRecord donation, CancellationToken cancellationToken);

    /// <summary>
    /// Gives money back through the provider, idempotent on <paramref name="idempotencyKey"/>. Returns the
    /// ledger's idempotency key for the refund, made from the provider's refund id, so that the provider's
    /// own notification of the same refund is recognised; null when the provider has no refund object.
    /// </summary>
    Task<string?> RefundAsync(DonationRecord donation, long amount, string reason, string idempotencyKey, CancellationToken cancellationToken);
}

/// <summary>The provider donors use: a card provider when one is configured, else the sandbox.</summary>
public sealed class PaymentProviders(IEnumerable<IPaymentProvider> providers)
{
    private readonly IReadOnlyList<IPaymentProvider> _all = [.. providers];

    public IPaymentProvider? ForDonors => _all.FirstOrDefault(p => p.Name != SandboxPaymentProvider.ProviderName) ?? _all.FirstOrDefault();

    public IPaymentProvider? Named(string name) => _all.FirstOrDefault(p => p.Name == name);
}
