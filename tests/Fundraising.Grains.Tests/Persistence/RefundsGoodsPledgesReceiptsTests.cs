using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Persistence.Catalog;
using Fundraising.Persistence.Ledger;
using Fundraising.Persistence.Pledges;
using Fundraising.Persistence.Receipts;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Fundraising.Grains.Tests.Persistence;

public sealed class RefundsGoodsPledgesReceiptsTests : LedgerTestBase
{
    private static LedgerInsert Succeeded(Guid campaign, long amount, DonationChannel channel = DonationChannel.Online, DonationKind kind = DonationKind.Money, Guid? pledge = null)
    {
        var now = DateTimeOffset.UtcNow;
        var record = new DonationRecord(Guid.CreateVersion7(), campaign, amount, "CNY", "捐赠人", false, null, DonationStatus.Succeeded, channel,
            channel == DonationChannel.Online ? "sandbox" : "offline", now, now, kind, 0,
            kind == DonationKind.Goods ? "太阳能热水器" : null, kind == DonationKind.Goods ? 12 : null, null, pledge);
        return new LedgerInsert(record, Guid.NewGuid().ToString(), [1], RecordedBy: channel == DonationChannel.Offline ? "admin" : null);
    }

    private static LedgerRefund Refund(Guid campaign, Guid donation, long amount, string key = "") =>
        new(new RefundRecord(Guid.CreateVersion7(), donation, campaign, amount, "捐赠人要求退款", "admin", DateTimeOffset.UtcNow), key.Length > 0 ? key : Guid.NewGuid().ToString());

    private async Task<RefundResult> RefundAsync(Guid campaign, Guid donation, long amount, string key = "") =>
        Assert.Single((await Ledger.CommitAsync(new LedgerBatch(campaign, [], [], [Refund(campaign, donation, amount, key)]))).RefundList).Result;

    [Fact]
    public async Task PartialThenFullRefundLowersTotalsAndStopsCountingTheGift()
    {
        var campaign = await CampaignAsync();
        var gift = Succeeded(campaign, 10_000);
        await Ledger.CommitAsync(new LedgerBatch(campaign, [gift], []));

        var partial = await RefundAsync(campaign, gift.Record.Id, 3_000);
        Assert.Equal(RefundError.None, partial.Error);
        Assert.Equal(DonationStatus.Succeeded, partial.Donation!.Status);
        Assert.Equal(new CampaignTotals(7_000, 1, OnlineAmount: 7_000), await Catalog.LoadTotalsAsync(campaign));

        var rest = await RefundAsync(campaign, gift.Record.Id, 0);
        Assert.Equal(7_000, rest.Refund!.Amount);
        Assert.Equal(DonationStatus.Refunded, rest.Donation!.Status);
        Assert.Equal(CampaignTotals.Zero, await Catalog.LoadTotalsAsync(campaign));
        Assert.Equal(RefundError.NotRefundable, (await RefundAsync(campaign, gift.Record.Id, 1)).Error);
        Assert.Equal(2L, await Database.ScalarAsync<long>("SELECT count(*) FROM admin_audit WHERE action = 'refund' AND subject_id = $1", gift.Record.Id));
    }

    [Fact]
    public async Task ARefundCanNeverExceedWhatIsLeftAndRetriesReplay()
    {
        var campaign = await CampaignAsync();
        var gift = Succeeded(campaign, 5_000);
        await Ledger.CommitAsync(new LedgerBatch(campaign, [gift], []));
        Assert.Equal(RefundError.ExceedsRemaining, (await RefundAsync(campaign, gift.Record.Id, 5_001)).Error);
        var first = await RefundAsync(campaign, gift.Record.Id, 2_000, "refund-1");
        var retry = await RefundAsync(campaign, gift.Record.Id, 2_000, "refund-1");
        Assert.True(retry.Replayed);
        Assert.Equal(first.Refund!.Id, retry.Refund!.Id);
        Assert.Equal(RefundError.IdempotencyKeyReused, (await RefundAsync(campaign, gift.Record.Id, 2_500, "refund-1")).Error);
        Assert.Equal(3_000, (await Catalog.LoadTotalsAsync(campaign))!.RaisedAmount);
    }

    [Fact]
    public async Task ConcurrentRefundsFromSeparateWritersNeverExceedThePayment()
    {
        var campaign = await CampaignAsync();
        var gift = Succeeded(campaign, 10_000);
        await Ledger.CommitAsync(new LedgerBatch(campaign, [gift], []));
        // Separate ledgers stand for two activations or processes racing; the row lock must serialize them.
        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ =>
            new PostgresLedgerWriter(Database.DataSource).CommitAsync(new LedgerBatch(campaign, [], [], [Refund(campaign, gift.Record.Id, 3_000)]))));
        var succeeded = results.Select(r => Assert.Single(r.RefundList).Result).Count(r => r.Error == RefundError.None);
        Assert.Equal(3, succeeded);
        Assert.Equal(9_000L, await Database.ScalarAsync<long>("SELECT refunded_amount FROM donations WHERE id = $1", gift.Record.Id));
        Assert.Equal(9_000L, await Database.ScalarAsync<long>("SELECT sum(amount)::bigint FROM refunds WHERE donation_id = $1", gift.Record.Id));
        Assert.Equal(1_000, (await Catalog.LoadTotalsAsync(campaign))!.RaisedAmount);
    }

    [Fact]
    public async Task MoneyAndGoodsOnlineAndOfflineAreTotalledSeparatelyAndTogether()
    {
        var campaign = await CampaignAsync();
        await Ledger.CommitAsync(new LedgerBatch(campaign,
            [Succeeded(campaign, 100), Succeeded(campaign, 2_000, DonationChannel.Offline), Succeeded(campaign, 30_000, DonationChannel.Offline, DonationKind.Goods)], []));
        var expected = new CampaignTotals(32_100, 3, OnlineAmount: 100, OfflineAmount: 2_000, GoodsAmount: 30_000);
        Assert.Equal(expected, await Catalog.LoadTotalsAsync(campaign));
        var row = Assert.Single(await Queries.ReconcileAsync(), r => r.CampaignId == campaign);
        Assert.Equal(expected, row.Ledger);
        Assert.Equal(2L, await Database.ScalarAsync<long>("SELECT count(*) FROM admin_audit WHERE campaign_id = $1 AND action IN ('record_offline_gift', 'record_goods')", campaign));
        Assert.Equal(12L, await Database.ScalarAsync<long>("SELECT quantity FROM donations WHERE campaign_id = $1 AND kind = 'goods'", campaign));
    }

    [Fact]
    public async Task APledgeIsPaidInPartsButNeverBeyondWhatWasPledged()
    {
        var campaign = await CampaignAsync();
        var pledge = new PledgeRecord(Guid.NewGuid(), campaign, "商洛某企业", 1_000_000, "CNY", "理事会现场认捐", 0, "admin", DateTimeOffset.UtcNow);
        await new PledgeStore(Database.DataSource).CreateAsync(pledge);

        var first = Succeeded(campaign, 600_000, DonationChannel.Offline, pledge: pledge.Id);
        var tooMuch = Succeeded(campaign, 500_000, DonationChannel.Offline, pledge: pledge.Id);
        var outcome = await Ledger.CommitAsync(new LedgerBatch(campaign, [first, tooMuch], []));
        Assert.Equal(first.Record.Id, Assert.Single(outcome.Inserted).Id);
        Assert.Equal(DonationError.PledgeOverpaid, outcome.RefusedInserts![tooMuch.Record.Id]);
        Assert.Equal(0L, await Database.ScalarAsync<long>("SELECT count(*) FROM donations WHERE id = $1", tooMuch.Record.Id));

        var unknown = Succeeded(campaign, 1, DonationChannel.Offline, pledge: Guid.NewGuid());
        Assert.Equal(DonationError.PledgeNotFound, (await Ledger.CommitAsync(new LedgerBatch(campaign, [unknown], []))).RefusedInserts![unknown.Record.Id]);

        await Ledger.CommitAsync(new LedgerBatch(campaign, [Succeeded(campaign, 400_000, DonationChannel.Offline, pledge: pledge.Id)], []));
        var stored = Assert.Single(await new PledgeStore(Database.DataSource).ListAsync(campaign));
        Assert.Equal(stored.Amount, stored.PaidAmount);
        Assert.Equal(1_000_000, (await Catalog.LoadTotalsAsync(campaign))!.OfflineAmount);
    }

    [Fact]
    public async Task TheReceiptIssuerOutlivesAnUnexpectedFailureAndKeepsIssuing()
    {
        // Setting up the first connection the issuer opens fails with an exception that is not the database's own (a
        // timeout surfacing as TaskCanceledException, while no shutdown was asked for). The service must log it and try
        // again, not end: an exception escaping a background service stops the whole host.
        var opened = 0;
        var builder = new NpgsqlDataSourceBuilder(Database.ConnectionString);
        builder.UsePhysicalConnectionInitializer(
            _ => { },
            _ => Interlocked.Increment(ref opened) == 1 ? throw new TaskCanceledException("The credential source timed out.") : Task.CompletedTask);
        await using var dataSource = builder.Build();
        using var issuer = new ReceiptIssuer(dataSource, NullLogger<ReceiptIssuer>.Instance);

        var campaign = await CampaignAsync();
        var gift = Succeeded(campaign, 500);
        await Ledger.CommitAsync(new LedgerBatch(campaign, [gift], []));
        await issuer.StartAsync(CancellationToken.None);
        var number = "";
        for (var attempt = 0; attempt < 100 && number.Length == 0; attempt++)
        {
            await Task.Delay(100);
            number = await Database.ScalarAsync<string>("SELECT coalesce((SELECT number FROM receipts WHERE donation_id = $1), '')", gift.Record.Id);
        }
        Assert.True(opened >= 2, "after the failed connection the issuer never tried again");
        Assert.Matches(@"^\d{4}-\d{8}$", number);
        Assert.False(issuer.ExecuteTask!.IsCompleted, "the issuer is still running");
        await issuer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ReceiptNumbersAreGapFreePerYearUnderConcurrentIssuers()
    {
        var campaigns = new[] { await CampaignAsync(), await CampaignAsync(), await CampaignAsync() };
        await Task.WhenAll(campaigns.Select(async campaign =>
        {
            for (var round = 0; round < 10; round++)
            {
                await Ledger.CommitAsync(new LedgerBatch(campaign, [.. Enumerable.Range(0, 20).Select(_ => Succeeded(campaign, 100))], []));
            }
        }));
        var pending = Succeeded(campaigns[0], 100) with { Record = Succeeded(campaigns[0], 100).Record with { Status = DonationStatus.Pending, SucceededAt = null } };
        await Ledger.CommitAsync(new LedgerBatch(campaigns[0], [pending], []));

        var issuers = Enumerable.Range(0, 4).Select(_ => new ReceiptIssuer(Database.DataSource, NullLogger<ReceiptIssuer>.Instance)).ToList();
        while (await Database.ScalarAsync<long>("SELECT count(*) FROM donations d WHERE status <> 'pending' AND NOT EXISTS (SELECT 1 FROM receipts r WHERE r.donation_id = d.id)") > 0)
        {
            await Task.WhenAll(issuers.Select(i => i.IssueAsync()));
        }

        var year = await Database.ScalarAsync<int>("SELECT extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int");
        Assert.Equal(600L, await Database.ScalarAsync<long>("SELECT count(DISTINCT number) FROM receipts"));
        Assert.Equal($"{year}-00000001", await Database.ScalarAsync<string>("SELECT min(number) FROM receipts"));
        Assert.Equal($"{year}-00000600", await Database.ScalarAsync<string>("SELECT max(number) FROM receipts"));
        Assert.Equal(600L, await Database.ScalarAsync<long>("SELECT last_number FROM receipt_counters WHERE year = $1", year));
        Assert.Null(await Database.ScalarAsync<object>("SELECT number FROM receipts WHERE donation_id = $1", pending.Record.Id) as string);
    }
}
