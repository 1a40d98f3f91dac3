using Fundraising.Contracts.Donations;
using Fundraising.Contracts.Matching;
using Fundraising.Grains.Matching;
using Fundraising.Persistence.Matching;

namespace Fundraising.Grains.Tests.Matching;

public sealed class MatchRulesTests
{
    private static readonly MatchRule OneToOne = new(new MatchRatio(1, 1), MaxPerGift: 5_000, MaxPerDonorPerDay: 8_000);
    private static readonly DateTimeOffset Noon = new(2026, 9, 7, 12, 0, 0, TimeSpan.FromHours(8));

    private static PoolDefinition Pool(string opensAt = "10:00", long? daily = null) => new(
        Guid.NewGuid(), "腾讯公益", "CNY", 1_000_000, daily, TimeOnly.Parse(opensAt), OneToOne, PoolEligibility.Everyone, "Asia/Shanghai",
        new DateTimeOffset(2026, 9, 7, 0, 0, 0, TimeSpan.FromHours(8)), new DateTimeOffset(2026, 9, 10, 0, 0, 0, TimeSpan.FromHours(8)));

    [Theory]
    [InlineData(1, 1, 3_000, 3_000)]
    [InlineData(1, 1, 9_000, 5_000)]
    [InlineData(1, 2, 3_001, 1_500)]
    [InlineData(3, 1, 1_000, 3_000)]
    public void TheRatioGivesTheMatchCappedPerGift(int match, int per, long gift, long expected) =>
        Assert.Equal(expected, MatchAmount.For(OneToOne with { Ratio = new MatchRatio(match, per) }, Guid.NewGuid(), gift));

    [Fact]
    public void ARandomMatchStaysWithinItsBoundsAndTheRatioAndIsTheSameForTheSameGift()
    {
        var rule = OneToOne with { Random = new RandomMatch(100, 900) };
        var draws = Enumerable.Range(0, 500).Select(_ => Guid.NewGuid()).ToDictionary(id => id, id => MatchAmount.For(rule, id, 10_000));
        Assert.All(draws.Values, amount => Assert.InRange(amount, 100, 900));
        Assert.True(draws.Values.Distinct().Count() > 100, "the draws should spread over the bounds");
        Assert.All(draws, d => Assert.Equal(d.Value, MatchAmount.For(rule, d.Key, 10_000)));
        Assert.Equal(50, MatchAmount.For(rule, Guid.NewGuid(), 50));   // never above the ratio's amount
    }

    [Fact]
    public void TheVelocityRuleHoldsAGiftUnder15SecondsAfterAnotherAndTheSixthInAMinute()
    {
        var limits = new VelocityLimits();
        Assert.Null(MatchPace.Flag([], Noon, limits));
        Assert.NotNull(MatchPace.Flag([Noon.AddSeconds(-14)], Noon, limits));
        Assert.Null(MatchPace.Flag([Noon.AddSeconds(-15)], Noon, limits));
        Assert.NotNull(MatchPace.Flag([Noon.AddSeconds(10)], Noon, limits));   // a later gift confirmed first counts too
        var five = Enumerable.Range(1, 5).Select(i => Noon.AddSeconds(-11 * i)).ToList();
        Assert.Contains("5 gifts", MatchPace.Flag(five, Noon, limits with { MinSecondsApart = 10 }));
        Assert.Null(MatchPace.Flag(five.Take(4).ToList(), Noon, limits with { MinSecondsApart = 10 }));
    }

    [Theory]
    [InlineData(4_000, 0, 4_000, 3_000, 1_000)]
    [InlineData(4_000, 1_000, 4_000, 0, 3_000)]
    [InlineData(4_000, 0, 4_000, 4_000, 0)]
    [InlineData(333, 0, 1_000, 500, 167)]
    public void ARefundTakesBackTheMatchInProportion(long match, long reversed, long gift, long netAfter, long expected) =>
        Assert.Equal(expected, MatchReversal.TakenBack(match, reversed, gift, netAfter));

    [Fact]
    public void APoolIsScheduledBeforeItsOpeningOpenAfterAndClosedWhenTheEventEnds()
    {
        var pool = Pool();
        var early = new DateTimeOffset(2026, 9, 7, 9, 59, 0, TimeSpan.FromHours(8));
        Assert.Equal(PoolStatus.Scheduled, PoolSchedule.StatusAt(pool, false, 1, early));
        Assert.Equal(new DateTimeOffset(2026, 9, 7, 10, 0, 0, TimeSpan.FromHours(8)), PoolSchedule.NextOpening(pool, early));
        Assert.Equal(PoolStatus.Open, PoolSchedule.StatusAt(pool, false, 1, Noon));
        Assert.Equal(new DateTimeOffset(2026, 9, 8, 10, 0, 0, TimeSpan.FromHours(8)), PoolSchedule.NextOpening(pool, Noon));
        Assert.Equal(PoolStatus.Paused, PoolSchedule.StatusAt(pool, true, 1, Noon));
        Assert.Equal(PoolStatus.Exhausted, PoolSchedule.StatusAt(pool, false, 0, Noon));
        var afterEnd = new DateTimeOffset(2026, 9, 10, 10, 30, 0, TimeSpan.FromHours(8));
        Assert.Equal(PoolStatus.Closed, PoolSchedule.StatusAt(pool, false, 1, afterEnd));
        Assert.Null(PoolSchedule.NextOpening(pool, new DateTimeOffset(2026, 9, 9, 11, 0, 0, TimeSpan.FromHours(8))));
        Assert.Equal(new DateOnly(2026, 9, 7), PoolSchedule.Today(pool, new DateTimeOffset(2026, 9, 6, 16, 30, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void APlanMatchesFromTheSliceWithinTheDonorsDayAndFallsBackToTheNextPool()
    {
        var campaign = Guid.NewGuid();
        var donor = Guid.NewGuid();
        var day = new DateOnly(2026, 9, 7);
        var first = new PoolTerms(Guid.NewGuid(), OneToOne, "CNY", "Asia/Shanghai", Noon);
        var second = new PoolTerms(Guid.NewGuid(), OneToOne with { MaxPerDonorPerDay = 100_000 }, "CNY", "Asia/Shanghai", Noon);
        var facts = new MatchFacts();
        facts.Slices[(campaign, first.PoolId)] = new OpenSlice(Guid.NewGuid(), first.PoolId, campaign, day, 6_000, 0);
        facts.Slices[(campaign, second.PoolId)] = new OpenSlice(Guid.NewGuid(), second.PoolId, campaign, day, 100_000, 99_000);
        facts.DonorMatched[(donor, first.PoolId, day)] = 0;
        facts.DonorMatched[(donor, second.PoolId, day)] = 0;
        var plan = new MatchPlan(campaign, [(first, day), (second, day)], new VelocityLimits(MinSecondsApart: 0, MaxPerMinute: 1000));
        DonationRecord Gift(long amount, int minute) => new(Guid.NewGuid(), campaign, amount, "CNY", null, false, null, DonationStatus.Succeeded,
            DonationChannel.Online, "sandbox", Noon.AddMinutes(minute), Noon.AddMinutes(minute), DonorId: donor);

        var decisions = plan.Decide([Gift(5_000, 0), Gift(5_000, 1), Gift(5_000, 2), Gift(700, 3)], facts);

        // 5,000 from the first pool; then the donor's day there has 3,000 left but the slice only 1,000; then the second pool.
        Assert.Equal([5_000L, 1_000, 1_000, 0], [.. decisions.Select(d => d.Amount).Append(0).Take(4)]);
        Assert.Equal([first.PoolId, first.PoolId, second.PoolId], [.. decisions.Select(d => d.PoolId)]);
        Assert.Equal(6_000, facts.Slices[(campaign, first.PoolId)].Used);
        Assert.Equal(100_000, facts.Slices[(campaign, second.PoolId)].Used);
        Assert.All(decisions, d => Assert.False(d.Held));
    }

    [Fact]
    public void APlanHoldsAFastDonorsGiftAndIgnoresGiftsWithoutADonor()
    {
        var campaign = Guid.NewGuid();
        var donor = Guid.NewGuid();
        var day = new DateOnly(2026, 9, 7);
        var pool = new PoolTerms(Guid.NewGuid(), OneToOne, "CNY", "Asia/Shanghai", Noon);
        var facts = new MatchFacts();
        facts.Slices[(campaign, pool.PoolId)] = new OpenSlice(Guid.NewGuid(), pool.PoolId, campaign, day, 100_000, 0);
        facts.DonorMatched[(donor, pool.PoolId, day)] = 0;
        facts.Pace[donor] = [Noon.AddSeconds(-5)];   // a gift 5 s earlier, in another campaign
        var plan = new MatchPlan(campaign, [(pool, day)], new VelocityLimits());
        var anonymous = new DonationRecord(Guid.NewGuid(), campaign, 1_000, "CNY", null, true, null, DonationStatus.Succeeded, DonationChannel.Online, "sandbox", Noon, Noon);
        var fast = anonymous with { Id = Guid.NewGuid(), DonorId = donor };

        var decisions = plan.Decide([anonymous, fast], facts);

        var held = Assert.Single(decisions);
        Assert.Equal((fast.Id, 1_000L, true), (held.DonationId, held.Amount, held.Held));
        Assert.Equal(2, facts.Pace[donor].Count);
    }
}
