using Fundraising.Contracts.Donations;
using Fundraising.Contracts.Leaderboards;
using Fundraising.Persistence.Ledger;

namespace Fundraising.Grains.Leaderboards;

/// <summary>What a committed batch changed on the boards, made from the rows the ledger returned: nothing is read again.</summary>
public static class BoardDeltas
{
    private const int TeamRecentCount = Persistence.Leaderboards.BoardStore.TeamRecentCount;

    /// <summary>
    /// The batch's delta, numbered by the campaign's totals version after it; null when the batch changed nothing that
    /// counts. A batch that changed something but came back without a version asks the boards to re-read the campaign.
    /// </summary>
    public static CampaignBoardDelta? From(Guid campaignId, LedgerBatchOutcome outcome)
    {
        if (!outcome.ChangesWhatCounts())
        {
            return null;
        }
        if (outcome.TotalsVersion is not { } version)
        {
            return CampaignBoardDelta.RereadOf(campaignId);
        }
        // Each change as (gift, amount, count): a success adds the gift; a refund takes its money out (and the gift, in full).
        var changes = outcome.Succeeded.Select(d => (Gift: d, IsGift: true, Sums: BucketSums.Of(BucketOf(d), d.Amount, 1)))
            .Concat(outcome.AppliedRefunds.Select(r => (Gift: r.Donation!, IsGift: false,
                Sums: BucketSums.Of(BucketOf(r.Donation!), -r.Refund!.Amount, LedgerBatchOutcome.RefundCount(r.Donation!)))))
            .ToList();
        var sums = changes.Aggregate(BucketSums.Zero, (total, c) => total.Add(c.Sums));
        var donors = changes.Where(c => c.Gift.DonorId is not null)
            .GroupBy(c => (Donor: c.Gift.DonorId!.Value, c.Gift.Anonymous))
            .Select(g =>
            {
                var newest = g.MaxBy(c => c.Gift.CreatedAt).Gift;
                return new DonorDelta(g.Key.Donor, g.Key.Anonymous, g.Key.Anonymous ? null : newest.DisplayName, newest.CreatedAt,
                    g.Aggregate(BucketSums.Zero, (total, c) => total.Add(c.Sums)));
            })
            .ToList();
        var teams = changes.Where(c => c.Gift.TeamId is not null)
            .GroupBy(c => c.Gift.TeamId!.Value)
            .Select(g => new TeamDelta(g.Key, g.Aggregate(BucketSums.Zero, (total, c) => total.Add(c.Sums)),
                [.. g.Where(c => c.IsGift).Select(c => c.Gift).OrderByDescending(d => d.SucceededAt).Take(TeamRecentCount)
                    .Select(d => new TeamGift(d.PublicName, d.Amount, d.SucceededAt ?? d.CreatedAt))]))
            .ToList();
        return new CampaignBoardDelta(campaignId, version, false, sums, outcome.Matching?.MatchedDelta ?? 0, donors, teams);
    }

    public static BoardBucket BucketOf(DonationRecord donation) => donation switch
    {
        { Kind: DonationKind.Goods } => BoardBucket.Goods,
        { Channel: DonationChannel.Online } => BoardBucket.Online,
        _ => BoardBucket.Offline,
    };
}
