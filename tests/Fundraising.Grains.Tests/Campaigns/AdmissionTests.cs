using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;

namespace Fundraising.Grains.Tests.Campaigns;

/// <summary>
/// One admission rule in the grain for every way money arrives: one-off and monthly online gifts, providers'
/// payments, offline gifts and pledges. The in-memory cluster's limits are small
/// (<see cref="InMemoryClusterFixture.MaxOnlineAmount"/>, <see cref="InMemoryClusterFixture.MaxOfflineAmount"/>).
/// </summary>
[Collection(InMemoryClusterCollection.Name)]
public sealed class AdmissionTests(InMemoryClusterFixture fixture)
{
    private const long MaxOnline = InMemoryClusterFixture.MaxOnlineAmount;
    private const long MaxOffline = InMemoryClusterFixture.MaxOfflineAmount;

    private static readonly CampaignDefinition Appeal = new(
        "冬季送温暖", "困难群众过冬", CampaignKind.Appeal, new Region("陕西省", "商洛市", "商南县", null), "CNY", 50_000_000,
        DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

    private async Task<ICampaignGrain> CampaignAsync(bool open = true, CampaignDefinition? definition = null)
    {
        var grain = fixture.Cluster.GrainFactory.GetGrain<ICampaignGrain>(Guid.NewGuid());
        await grain.CreateAsync(definition ?? Appeal, "test-admin");
        if (open)
        {
            await grain.OpenAsync("test-admin");
        }
        return grain;
    }

    private static NewOfflineDonation Offline(string key, long amount, string currency = "CNY") =>
        new(key, amount, currency, "县慈善协会", false, key, "cash", "test-admin");

    [Fact]
    public async Task AGiftAboveTheLimitIsRefusedOnEveryChannelAndSaysTheLimit()
    {
        var grain = await CampaignAsync();
        var online = await grain.CreateDonationAsync(new NewDonation("big", MaxOnline + 1, "CNY", null, false, null, "sandbox"));
        Assert.Equal(DonationError.AmountAboveLimit, online.Error);
        Assert.Contains(MaxOnline.ToString(System.Globalization.CultureInfo.InvariantCulture), online.Detail);
        Assert.Equal(DonationError.AmountAboveLimit, (await grain.RecordProviderPaymentAsync(new NewDonation("inv", MaxOnline + 1, "CNY", null, true, null, "stripe"))).Error);
        Assert.Equal(DonationError.AmountAboveLimit, (await grain.AdmitMonthlyGiftAsync(MaxOnline + 1, "CNY")).Error);
        Assert.Equal(DonationError.AmountAboveLimit, (await grain.RecordOfflineDonationAsync(Offline("cash-big", MaxOffline + 1))).Error);
        Assert.Equal(DonationError.AmountAboveLimit, (await grain.RecordPledgeAsync(new NewPledge("企业家", MaxOffline + 1, "CNY", null, "test-admin"))).Error);

        // At the limit is fine; offline gifts may be larger than online ones.
        Assert.Equal(DonationError.None, (await grain.CreateDonationAsync(new NewDonation("max", MaxOnline, "CNY", null, false, null, "sandbox"))).Error);
        Assert.Equal(DonationError.None, (await grain.RecordOfflineDonationAsync(Offline("cash-max", MaxOffline))).Error);
        Assert.Equal(MaxOffline, (await grain.GetTotalsAsync()).RaisedAmount);
    }

    [Fact]
    public async Task AMonthlyGiftIsAdmittedByTheSameRuleAsAOneOffGift()
    {
        Assert.Equal(DonationError.CampaignNotFound, (await fixture.Cluster.GrainFactory.GetGrain<ICampaignGrain>(Guid.NewGuid()).AdmitMonthlyGiftAsync(100, "CNY")).Error);
        var draft = await CampaignAsync(open: false);
        Assert.Equal(DonationError.CampaignNotLive, (await draft.AdmitMonthlyGiftAsync(100, "CNY")).Error);
        var ended = await CampaignAsync(definition: Appeal with { StartsAt = DateTimeOffset.UtcNow.AddDays(-3), EndsAt = DateTimeOffset.UtcNow.AddSeconds(-1) });
        Assert.Equal(DonationError.CampaignNotLive, (await ended.AdmitMonthlyGiftAsync(100, "CNY")).Error);
        var live = await CampaignAsync();
        var usd = await live.AdmitMonthlyGiftAsync(100, "USD");
        Assert.Equal(DonationError.CurrencyMismatch, usd.Error);
        Assert.Contains("CNY", usd.Detail);
        var admitted = await live.AdmitMonthlyGiftAsync(100, "CNY");
        Assert.Equal(DonationError.None, admitted.Error);
        // Admission writes nothing: no gift, no totals.
        Assert.Null(admitted.Donation);
        Assert.Equal(CampaignTotals.Zero, await live.GetTotalsAsync());
    }

    [Fact]
    public async Task APledgeIsRecordedThroughTheGrainWithItsAuditEntryAndCountsNothing()
    {
        var draft = await CampaignAsync(open: false);
        var result = await draft.RecordPledgeAsync(new NewPledge("在外乡贤", 300_000, "CNY", "舞台认捐", "admin-a"));
        Assert.Equal(DonationError.None, result.Error);
        var pledge = result.Pledge!;
        Assert.Equal((300_000L, 0L, 300_000L), (pledge.Amount, pledge.PaidAmount, pledge.OutstandingAmount));
        Assert.Contains(InMemoryClusterFixture.Ledger.Audit, a => a == (pledge.CampaignId, "admin-a", "record_pledge"));
        Assert.Equal(CampaignTotals.Zero, await draft.GetTotalsAsync());

        Assert.Equal(DonationError.CurrencyMismatch, (await draft.RecordPledgeAsync(new NewPledge("x", 100, "USD", null, "admin-a"))).Error);
        Assert.Equal(DonationError.CampaignNotFound,
            (await fixture.Cluster.GrainFactory.GetGrain<ICampaignGrain>(Guid.NewGuid()).RecordPledgeAsync(new NewPledge("x", 100, "CNY", null, "admin-a"))).Error);
    }

    [Fact]
    public async Task CampaignCommandsAreAuditedWithTheirActor()
    {
        var grain = fixture.Cluster.GrainFactory.GetGrain<ICampaignGrain>(Guid.NewGuid());
        var id = grain.GetPrimaryKey();
        await grain.CreateAsync(Appeal, "admin-a");
        await grain.OpenAsync("admin-b");
        await grain.OpenAsync("admin-b"); // already live: a no-op, audited once
        await grain.CloseAsync("admin-c");
        var audit = InMemoryClusterFixture.Ledger.Audit.Where(a => a.Campaign == id).ToList();
        Assert.Equal([(id, "admin-a", "create_campaign"), (id, "admin-b", "open_campaign"), (id, "admin-c", "close_campaign")], audit);
        Assert.Equal(CampaignCommandError.InvalidTransition, (await grain.OpenAsync("admin-d")).Error);
        Assert.Equal(3, InMemoryClusterFixture.Ledger.Audit.Count(a => a.Campaign == id));
    }

    [Fact]
    public async Task APreparedRefundSaysWhatARefundWouldDoAndChangesNothing()
    {
        var grain = await CampaignAsync();
        var pending = (await grain.CreateDonationAsync(new NewDonation("p", 800, "CNY", null, false, null, "sandbox"))).Donation!;
        Assert.Equal(RefundError.NotRefundable, (await grain.PrepareRefundAsync(new NewRefund(pending.Id, null, "r", "admin", "k1"))).Error);
        await grain.ConfirmDonationAsync(pending.Id, "sandbox");

        var all = await grain.PrepareRefundAsync(new NewRefund(pending.Id, null, "r", "admin", "k2"));
        Assert.Equal((RefundError.None, 800L), (all.Error, all.Refund!.Amount));
        Assert.Equal(RefundError.ExceedsRemaining, (await grain.PrepareRefundAsync(new NewRefund(pending.Id, 801, "r", "admin", "k3"))).Error);
        Assert.Equal(300L, (await grain.PrepareRefundAsync(new NewRefund(pending.Id, 300, "r", "admin", "k4"))).Refund!.Amount);
        Assert.Equal(RefundError.DonationNotFound, (await grain.PrepareRefundAsync(new NewRefund(Guid.NewGuid(), null, "r", "admin", "k5"))).Error);
        // Another campaign's gift is not this grain's to refund.
        var other = await CampaignAsync();
        Assert.Equal(RefundError.DonationNotFound, (await other.PrepareRefundAsync(new NewRefund(pending.Id, null, "r", "admin", "k6"))).Error);
        Assert.Equal(800, (await grain.GetTotalsAsync()).RaisedAmount);
    }
}
