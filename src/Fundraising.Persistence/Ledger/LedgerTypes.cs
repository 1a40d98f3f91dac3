using Fundraising.Contracts.Donations;

namespace Fundraising.Persistence.Ledger;

/// <summary>A ledger row to insert, with the idempotency key and request fingerprint that guard it.</summary>
public sealed record LedgerInsert(
    DonationRecord Record,
    string IdempotencyKey,
    byte[] RequestHash,
    string? Reference = null,
    string? Method = null,
    string? RecordedBy = null);

/// <summary>An existing row found under an idempotency key that a batch tried to insert again.</summary>
public sealed record ExistingDonation(DonationRecord Record, string IdempotencyKey, byte[] RequestHash);

/// <summary>One group commit for one campaign: new rows and confirmations, in one transaction.</summary>
public sealed record LedgerBatch(Guid CampaignId, IReadOnlyList<LedgerInsert> Inserts, IReadOnlyList<Guid> Confirms);

/// <summary>
/// What a committed batch did. <see cref="Inserted"/> and <see cref="Confirmed"/> changed the ledger;
/// <see cref="Existing"/> and <see cref="Unchanged"/> are rows that were already there (retries);
/// <see cref="Missing"/> are confirmations of donations the campaign does not have.
/// </summary>
public sealed record LedgerBatchOutcome(
    IReadOnlyList<DonationRecord> Inserted,
    IReadOnlyList<ExistingDonation> Existing,
    IReadOnlyList<DonationRecord> Confirmed,
    IReadOnlyList<DonationRecord> Unchanged,
    IReadOnlyList<Guid> Missing)
{
    /// <summary>The change to the campaign's succeeded totals that this batch made.</summary>
    public (long Amount, long Count) SucceededDelta()
    {
        long amount = 0, count = 0;
        foreach (var donation in Inserted.Where(d => d.Status == DonationStatus.Succeeded).Concat(Confirmed))
        {
            amount = checked(amount + donation.Amount);
            count++;
        }
        return (amount, count);
    }
}

/// <summary>A campaign's totals as the catalogue row holds them and as the ledger sums them.</summary>
public sealed record LedgerReconciliationRow(
    Guid CampaignId,
    string Title,
    string Currency,
    long CatalogueRaised,
    long CatalogueCount,
    long LedgerRaised,
    long LedgerCount);

/// <summary>The durable donation ledger. Only a campaign's grain writes its rows.</summary>
public interface IDonationLedger
{
    Task<LedgerBatchOutcome> CommitAsync(LedgerBatch batch, CancellationToken cancellationToken = default);

    Task<Guid?> FindCampaignOfDonationAsync(Guid donationId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<DonationRecord>> ListSucceededAsync(Guid campaignId, int skip, int take, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<LedgerReconciliationRow>> ReconcileAsync(CancellationToken cancellationToken = default);
}
