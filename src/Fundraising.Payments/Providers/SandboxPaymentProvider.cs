using Fundraising.Contracts.Donations;

namespace Fundraising.Payments.Providers;

/// <summary>
/// Stands in for a card payment during development and tests: the donor (or a test) posts to the
/// confirm URL and the donation succeeds. Never available in Production (the host refuses to start).
/// </summary>
public sealed class SandboxPaymentProvider : IPaymentProvider
{
    public const string ProviderName = "sandbox";

    public string Name => ProviderName;

    public Task<PaymentInstruction> StartAsync(DonationRecord donation, CancellationToken cancellationToken) =>
        Task.FromResult(new PaymentInstruction(ProviderName, ConfirmPath(donation.CampaignId, donation.Id)));

    // No money moved, so there is nothing to give back outside the ledger.
    public Task<string?> RefundAsync(DonationRecord donation, long amount, string reason, string idempotencyKey, CancellationToken cancellationToken) =>
        Task.FromResult<string?>(null);

    /// <summary>
    /// The confirm address carries the campaign, the grain that owns the gift, so confirming needs no lookup.
    /// (Before, it named the donation only: <c>/api/payments/sandbox/{donationId}/confirm</c>; see the README.)
    /// </summary>
    public static string ConfirmPath(Guid campaignId, Guid donationId) => $"/api/payments/sandbox/campaigns/{campaignId}/donations/{donationId}/confirm";
}

/// <summary>Bound from <c>Payments:Sandbox</c>. Unset means on outside Production, off in Production.</summary>
public sealed class SandboxOptions
{
    public bool? Enabled { get; set; }
}
