using Fundraising.Persistence;
using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Persistence.Catalog;
using Fundraising.Persistence.Ledger;
using Npgsql;

namespace Fundraising.Grains.Tests.Persistence;

public sealed class LedgerTests : LedgerTestBase
{
    private static LedgerInsert Pending(Guid campaign, string key, long amount) => new(
        new DonationRecord(Guid.CreateVersion7(), campaign, amount, "CNY", "捐赠人", false, null, DonationStatus.Pending, DonationChannel.Online, "sandbox", DateTimeOffset.UtcNow, null),
        key, [1, 2, 3]);

    [Fact]
    public async Task ABatchInsertsConfirmsAndMovesTheTotalsInOneTransaction()
    {
        var campaign = await CampaignAsync();
        var a = Pending(campaign, "a", 100);
        var b = Pending(campaign, "b", 250);
        var created = await Ledger.CommitAsync(new LedgerBatch(campaign, [a, b], []));
        Assert.Equal(2, created.Inserted.Count);
        Assert.Equal(CampaignTotals.Zero, await Catalog.LoadTotalsAsync(campaign));

        var offline = new LedgerInsert(
            new DonationRecord(Guid.CreateVersion7(), campaign, 1_000, "CNY", "企业", false, null, DonationStatus.Succeeded, DonationChannel.Offline, "offline", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow),
            "offline-1", [9], "BANK-1", "bank_transfer", "admin");
        var confirmed = await Ledger.CommitAsync(new LedgerBatch(campaign, [offline], [new(a.Record.Id, "sandbox"), new(b.Record.Id, "sandbox"), new(a.Record.Id, "sandbox"), new(Guid.NewGuid(), "sandbox")]));
        Assert.Equal(2, confirmed.Confirmed.Count);
        Assert.Single(confirmed.Missing);
        Assert.Equal(new CampaignTotals(1_350, 3, OnlineAmount: 350, OfflineAmount: 1_000), await Catalog.LoadTotalsAsync(campaign));

        var again = await Ledger.CommitAsync(new LedgerBatch(campaign, [], [new(a.Record.Id, "sandbox")]));
        Assert.Empty(again.Confirmed);
        Assert.Equal(DonationStatus.Succeeded, Assert.Single(again.Unchanged).Status);
        Assert.Equal(new CampaignTotals(1_350, 3, OnlineAmount: 350, OfflineAmount: 1_000), await Catalog.LoadTotalsAsync(campaign));

        var row = Assert.Single(await Queries.ReconcileAsync(), r => r.CampaignId == campaign);
        Assert.Equal(new CampaignTotals(1_350, 3, OnlineAmount: 350, OfflineAmount: 1_000), row.Ledger);
        Assert.Equal(row.Ledger, row.Catalogue);
    }

    [Fact]
    public async Task AnExistingIdempotencyKeyReturnsTheEarlierRowAndItsFingerprint()
    {
        var campaign = await CampaignAsync();
        var first = Pending(campaign, "same", 100);
        await Ledger.CommitAsync(new LedgerBatch(campaign, [first], []));
        var retry = Pending(campaign, "same", 999);
        var outcome = await Ledger.CommitAsync(new LedgerBatch(campaign, [retry, Pending(campaign, "same", 5)], []));
        Assert.Empty(outcome.Inserted);
        var existing = Assert.Single(outcome.Existing);
        Assert.Equal(first.Record.Id, existing.Record.Id);
        Assert.Equal(100, existing.Record.Amount);
        Assert.Equal(first.RequestHash, existing.RequestHash);
    }

    [Fact]
    public async Task AConfirmationCannotReachAnotherCampaignsDonation()
    {
        var mine = await CampaignAsync();
        var theirs = await CampaignAsync();
        var gift = Pending(theirs, "x", 100);
        await Ledger.CommitAsync(new LedgerBatch(theirs, [gift], []));
        var outcome = await Ledger.CommitAsync(new LedgerBatch(mine, [], [new(gift.Record.Id, "sandbox")]));
        Assert.Equal(gift.Record.Id, Assert.Single(outcome.Missing));
        Assert.Equal(CampaignTotals.Zero, await Catalog.LoadTotalsAsync(theirs));
    }

    [Fact]
    public async Task AConfirmationByAnotherProviderChangesNothing()
    {
        var campaign = await CampaignAsync();
        var card = Pending(campaign, "card", 99_900);
        card = card with { Record = card.Record with { Provider = "stripe" } };
        await Ledger.CommitAsync(new LedgerBatch(campaign, [card], []));
        var outcome = await Ledger.CommitAsync(new LedgerBatch(campaign, [], [new(card.Record.Id, "sandbox")]));
        Assert.Empty(outcome.Confirmed);
        Assert.Equal(DonationStatus.Pending, Assert.Single(outcome.Unchanged).Status);
        Assert.Equal(CampaignTotals.Zero, await Catalog.LoadTotalsAsync(campaign));
    }

    [Fact]
    public async Task ABatchForACampaignWithoutACatalogueRowWritesNothing()
    {
        var ghost = Guid.NewGuid();
        var offline = new LedgerInsert(
            new DonationRecord(Guid.CreateVersion7(), ghost, 1_000, "CNY", "企业", false, null, DonationStatus.Succeeded, DonationChannel.Offline, "offline", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow),
            "ghost", [1]);
        await Assert.ThrowsAnyAsync<Exception>(() => Ledger.CommitAsync(new LedgerBatch(ghost, [offline], [])));
        Assert.Equal(0L, await Database.ScalarAsync<long>("SELECT count(*) FROM donations WHERE campaign_id = $1", ghost));
    }

    [Fact]
    public async Task TheSchemaRefusesNegativeAmounts()
    {
        var campaign = await CampaignAsync();
        await Assert.ThrowsAsync<PostgresException>(() => Ledger.CommitAsync(new LedgerBatch(campaign, [Pending(campaign, "neg", -5)], [])));
    }

    [Fact]
    public async Task CatalogueListsByKindStatusAndCountyWithTotalCount()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await CampaignAsync());
        }
        var page = await Catalog.ListAsync(new CampaignListQuery(CampaignKind.Village, CampaignStatus.Live, "镇安县", new PageRequest(2, Skip: 2)));
        Assert.Equal(3, page.Total);
        Assert.Equal(ids[0], Assert.Single(page.Items).Id);
        var none = await Catalog.ListAsync(new CampaignListQuery(CampaignKind.Appeal, null, null, new PageRequest(2, Skip: 8)));
        Assert.Empty(none.Items);
        Assert.Equal(0, none.Total);
    }
}
