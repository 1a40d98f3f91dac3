using Fundraising.Contracts.Donations;
using Fundraising.Contracts.Matching;
using Fundraising.Persistence.Matching;

namespace Fundraising.Grains.Matching;

/// <summary>
/// A campaign's matching rules for one commit (<see cref="IMatchPlan"/>): each gift of a verified donor is matched by the
/// first of the campaign's pools (oldest first) that has money for it in the campaign's slice for the day, by the pool's
/// rule, within the donor's daily cap; a gift that breaks the velocity rule is held instead. Immutable: it is made by the
/// grain and run by the ledger writer, whose thread is not the grain's.
/// </summary>
internal sealed class MatchPlan(Guid campaignId, IReadOnlyList<(PoolTerms Terms, DateOnly Day)> pools, VelocityLimits velocity) : IMatchPlan
{
    public IReadOnlyList<(Guid PoolId, DateOnly Day)> Pools { get; } = [.. pools.Select(p => (p.Terms.PoolId, p.Day))];

    public IReadOnlyList<MatchDecision> Decide(IReadOnlyList<DonationRecord> succeeded, MatchFacts facts)
    {
        var decisions = new List<MatchDecision>();
        foreach (var gift in succeeded.Where(g => g.DonorId is not null).OrderBy(g => g.CreatedAt).ThenBy(g => g.Id))
        {
            var donor = gift.DonorId!.Value;
            if (!facts.Pace.TryGetValue(donor, out var pace))
            {
                facts.Pace[donor] = pace = [];
            }
            var flag = MatchPace.Flag(pace, gift.CreatedAt, velocity);
            pace.Add(gift.CreatedAt);
            pace.Sort();
            foreach (var (terms, day) in pools)
            {
                if (terms.Currency != gift.Currency
                    || !facts.Slices.TryGetValue((campaignId, terms.PoolId), out var slice) || slice.Day != day
                    || !facts.DonorMatched.TryGetValue((donor, terms.PoolId, day), out var donorMatched))
                {
                    continue;
                }
                var amount = Math.Min(MatchAmount.For(terms.Rule, gift.Id, gift.Amount), Math.Min(terms.Rule.MaxPerDonorPerDay - donorMatched, slice.Left));
                if (amount <= 0)
                {
                    continue;
                }
                decisions.Add(new MatchDecision(gift.Id, terms.PoolId, slice.SliceId, donor, day, amount, flag));
                facts.Slices[(campaignId, terms.PoolId)] = slice with { Used = slice.Used + amount };
                facts.DonorMatched[(donor, terms.PoolId, day)] = donorMatched + amount;
                break;
            }
        }
        return decisions;
    }
}
