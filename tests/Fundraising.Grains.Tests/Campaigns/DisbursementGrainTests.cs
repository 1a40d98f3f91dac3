using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Disbursements;
using Fundraising.Contracts.Donations;

namespace Fundraising.Grains.Tests.Campaigns;

/// <summary>The campaign grain's rules for money going out: the balance under concurrent calls, currency, dates, corrections.</summary>
[Collection(InMemoryClusterCollection.Name)]
public sealed class DisbursementGrainTests(InMemoryClusterFixture fixture)
{
    private static readonly CampaignDefinition Village = new(
        "万湾村幸福家园", "老人食堂与儿童之家", CampaignKind.Village, new Region("陕西省", "商洛市", "丹凤县", "万湾村"), "CNY", 1_000_000,
        DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

    /// <summary>A live village project that has raised <paramref name="gifts"/> × ¥1.</summary>
    private async Task<ICampaignGrain> ProjectAsync(int gifts)
    {
        var grain = fixture.Cluster.GrainFactory.GetGrain<ICampaignGrain>(Guid.NewGuid());
        await grain.CreateAsync(Village, "test-admin");
        await grain.OpenAsync("test-admin");
        for (var i = 0; i < gifts; i++)
        {
            var created = await grain.CreateDonationAsync(new NewDonation($"gift-{i}", 100, "CNY", "村民", false, null, "sandbox"));
            await grain.ConfirmDonationAsync(created.Donation!.Id, "sandbox");
        }
        return grain;
    }

    private static NewDisbursement Out(long amount, string currency = "CNY", DateTimeOffset? paidAt = null) =>
        new(amount, currency, "购置米面油", "供销社", paidAt ?? DateTimeOffset.UtcNow, [], "coordinator");

    [Fact]
    public async Task ConcurrentDisbursementsTakeTurnsAndExactlyThoseThatFitSucceed()
    {
        var grain = await ProjectAsync(10);
        var results = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => grain.DisburseAsync(Out(70))));

        Assert.Equal(14, results.Count(r => r.Error == DisbursementError.None));
        Assert.All(results.Where(r => r.Error != DisbursementError.None), r =>
        {
            Assert.Equal(DisbursementError.ExceedsBalance, r.Error);
            Assert.Equal(20, r.Balance!.Balance);
        });
        Assert.Equal(new ProjectBalance(1_000, 0, 980), await grain.GetBalanceAsync());
        // Each success saw the one before it: the balances they report step down by 70 to the last.
        Assert.Equal(Enumerable.Range(1, 14).Select(i => 1_000L - 70 * i).Order(), results.Where(r => r.Entry is not null).Select(r => r.Balance!.Balance).Order());
    }

    [Fact]
    public async Task TheCurrencyMustBeTheCampaignsAndTheDateNoMoreThanADayAhead()
    {
        var grain = await ProjectAsync(1);
        Assert.Equal(DisbursementError.CurrencyMismatch, (await grain.DisburseAsync(Out(10, "USD"))).Error);
        Assert.Equal(DisbursementError.PaidAtInFuture, (await grain.DisburseAsync(Out(10, paidAt: DateTimeOffset.UtcNow.AddHours(25)))).Error);
        Assert.Equal(DisbursementError.None, (await grain.DisburseAsync(Out(10, paidAt: DateTimeOffset.UtcNow.AddHours(23)))).Error);
        Assert.Equal(DisbursementError.CampaignNotFound, (await fixture.Cluster.GrainFactory.GetGrain<ICampaignGrain>(Guid.NewGuid()).DisburseAsync(Out(10))).Error);
        Assert.Equal(10, (await grain.GetBalanceAsync()).DisbursedAmount);
    }

    [Fact]
    public async Task ACorrectionNamesAnOriginalOfItsOwnProjectAndNeverTakesItBelowZero()
    {
        var grain = await ProjectAsync(5);
        var other = await ProjectAsync(1);
        var original = (await grain.DisburseAsync(Out(300))).Entry!;

        var less = await grain.CorrectDisbursementAsync(new NewCorrection(original.Id, -100, "多记了", "coordinator"));
        Assert.Equal(DisbursementError.None, less.Error);
        Assert.Equal((original.Id, -100L, "CNY"), (less.Entry!.Corrects!.Value, less.Entry.Amount, less.Entry.Currency));
        Assert.Equal(DisbursementError.CorrectsACorrection, (await grain.CorrectDisbursementAsync(new NewCorrection(less.Entry.Id, 1, "再改", "c"))).Error);
        Assert.Equal(DisbursementError.NetBelowZero, (await grain.CorrectDisbursementAsync(new NewCorrection(original.Id, -201, "太多", "c"))).Error);
        Assert.Equal(DisbursementError.ExceedsBalance, (await grain.CorrectDisbursementAsync(new NewCorrection(original.Id, 301, "少记了", "c"))).Error);
        Assert.Equal(DisbursementError.DisbursementNotFound, (await other.CorrectDisbursementAsync(new NewCorrection(original.Id, -1, "别的项目", "c"))).Error);
        Assert.Equal(DisbursementError.None, (await grain.CorrectDisbursementAsync(new NewCorrection(original.Id, -200, "付款撤回", "c"))).Error);
        Assert.Equal(new ProjectBalance(500, 0, 0), await grain.GetBalanceAsync());
    }
}
