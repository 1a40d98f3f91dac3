using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Persistence.Matching;

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

/// <summary>A refund to record against a succeeded gift, guarded by its idempotency key.</summary>
public sealed record LedgerRefund(RefundRecord Record, string IdempotencyKey);

/// <summary>A confirmation of a pending gift by the provider that says it was paid; only that gift's own provider changes it.</summary>
public sealed record LedgerConfirm(Guid DonationId, string Provider);

/// <summary>One group commit for one campaign: new rows, confirmations and refunds, in one transaction.</summary>
/// <remarks><see cref="Matching"/>, when the campaign has pools, decides the matches of the gifts that succeed in this commit.</remarks>
public sealed record LedgerBatch(
    Guid CampaignId, IReadOnlyList<LedgerInsert> Inserts, IReadOnlyList<LedgerConfirm> Confirms, IReadOnlyList<LedgerRefund>? Refunds = null,
    IMatchPlan? Matching = null)
{
    public IReadOnlyList<LedgerRefund> RefundList => Refunds ?? [];
}

/// <summary>What became of one refund in a batch.</summary>
public sealed record LedgerRefundOutcome(Guid RefundId, RefundResult Result);

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
    IReadOnlyList<Guid> Missing,
    IReadOnlyList<LedgerRefundOutcome>? Refunds = null,
    IReadOnlyDictionary<Guid, DonationError>? RefusedInserts = null,
    MatchBatchOutcome? Matching = null,
    long? TotalsVersion = null,
    CampaignTotals? Totals = null)
{
    public IReadOnlyList<LedgerRefundOutcome> RefundList => Refunds ?? [];

    /// <summary>The gifts that count from this batch on: inserted as succeeded, or confirmed now.</summary>
    public IEnumerable<DonationRecord> Succeeded => Inserted.Where(d => d.Status == DonationStatus.Succeeded).Concat(Confirmed);

    /// <summary>The refunds this batch applied (not replays, not refusals), each with its gift as it stands after it.</summary>
    public IEnumerable<RefundResult> AppliedRefunds => RefundList.Select(r => r.Result).Where(r => r is { Error: RefundError.None, Replayed: false });

    /// <summary>Whether the batch changed what counts (a gift succeeded, a refund, a match): such a batch moves the campaign's totals version.</summary>
    public bool ChangesWhatCounts() => Succeeded.Any() || AppliedRefunds.Any() || (Matching?.MatchedDelta ?? 0) != 0;

    /// <summary>The change to the campaign's totals that this batch made: new successes in, new refunds out.</summary>
    public CampaignTotals TotalsDelta()
    {
        var delta = new CampaignTotals(0, 0, MatchedAmount: Matching?.MatchedDelta ?? 0);
        foreach (var donation in Succeeded)
        {
            delta = delta.Add(Bucket(donation, donation.Amount, 1));
        }
        foreach (var refund in AppliedRefunds)
        {
            var after = refund.Donation!;
            delta = delta.Add(Bucket(after, -refund.Refund!.Amount, RefundCount(after)));
        }
        return delta;
    }

    /// <summary>What this batch did to each village sub-plan its gifts name: new successes in, new refunds out.</summary>
    public IEnumerable<(Guid SubPlanId, long Amount, long Count)> SubPlanDeltas()
    {
        foreach (var donation in Succeeded)
        {
            if (donation.SubPlanId is { } subPlan)
            {
                yield return (subPlan, donation.Amount, 1);
            }
        }
        foreach (var refund in AppliedRefunds)
        {
            if (refund.Donation!.SubPlanId is { } subPlan)
            {
                yield return (subPlan, -refund.Refund!.Amount, RefundCount(refund.Donation));
            }
        }
    }

    /// <summary>What a refund does to the gift count (人次): a gift refunded in full no longer counts as a gift.</summary>
    public static long RefundCount(DonationRecord after) => after.Status == DonationStatus.Refunded ? -1 : 0;

    private static CampaignTotals Bucket(DonationRecord donation, long amount, long count) => donation switch
    {
        { Kind: DonationKind.Goods } => new CampaignTotals(amount, count, GoodsAmount: amount),
        { Channel: DonationChannel.Online } => new CampaignTotals(amount, count, OnlineAmount: amount),
        _ => new CampaignTotals(amount, count, OfflineAmount: amount),
    };
}

/// <summary>A campaign's totals as the catalogue row holds them and as the ledger sums them.</summary>
public sealed record LedgerReconciliationRow(Guid CampaignId, string Title, string Currency, CampaignTotals Catalogue, CampaignTotals Ledger);

/// <summary>The durable donation ledger's write side: the group commit. Only a campaign's grain writes its rows.</summary>
public interface IDonationLedger
{
    Task<LedgerBatchOutcome> CommitAsync(LedgerBatch batch, CancellationToken cancellationToken = default);
}

/// <summary>The ledger's read side.</summary>
public interface ILedgerQueries
{
    Task<DonationRecord?> FindAsync(Guid donationId, CancellationToken cancellationToken = default);

    /// <summary>A campaign's gifts that count now, newest first: the public list.</summary>
    Task<KeysetPage<DonationRecord>> ListSucceededAsync(Guid campaignId, PageRequest page, CancellationToken cancellationToken = default);

    /// <summary>Every gift that counted, refunded ones included, newest first: what an admin reviews and refunds.</summary>
    Task<KeysetPage<DonationRecord>> ListRecordedAsync(Guid campaignId, PageRequest page, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<LedgerReconciliationRow>> ReconcileAsync(CancellationToken cancellationToken = default);
}
