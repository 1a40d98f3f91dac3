namespace Fundraising.Persistence.Ledger;

/// <summary>
/// A ledger write named campaigns that have no catalogue row; nothing was written (the transaction rolled back).
/// </summary>
public sealed class CampaignNotInCatalogueException(IReadOnlyList<Guid> campaignIds)
    : InvalidOperationException($"Campaign {string.Join(", ", campaignIds)} has no catalogue row; refusing to record donations.")
{
    public IReadOnlyList<Guid> CampaignIds { get; } = campaignIds;
}

/// <summary>
/// COMMIT of a ledger transaction failed in a way that leaves unknown whether it committed (the connection was
/// lost, a timeout): its campaigns' owners must re-read their totals, and callers retry with their idempotency keys.
/// Never retried as it is: a retry would report the first attempt's rows as existing.
/// </summary>
public sealed class LedgerCommitUncertainException(IReadOnlyList<Guid> campaignIds, Exception inner)
    : Exception($"The ledger transaction of {campaignIds.Count} campaign(s) may or may not have committed.", inner)
{
    public IReadOnlyList<Guid> CampaignIds { get; } = campaignIds;
}
