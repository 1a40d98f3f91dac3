using System.Collections.Concurrent;
using Fundraising.Persistence;
using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Persistence.Catalog;
using Fundraising.Persistence.Ledger;
using Fundraising.Persistence.Pledges;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.TestingHost;

namespace Fundraising.Grains.Tests.Persistence;

/// <summary>Gifts spread over many campaigns, through real campaign grains on two silos, each silo with its shared ledger writer.</summary>
public sealed class SpreadGiftsThroughGrainsTests : IAsyncLifetime
{
    private const int Campaigns = 60;
    private const int GiftsPerCampaign = 12;

    private static string _connectionString = "";
    private TestDatabase _database = null!;
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _connectionString = _database.ConnectionString;
        var builder = new TestClusterBuilder(2);
        builder.AddSiloBuilderConfigurator<SharedWriterSilo>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task ConcurrentGiftsToManyCampaignsShareTransactionsAndReconcileExactly()
    {
        var start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).AddHours(-1);
        var campaigns = Enumerable.Range(0, Campaigns).Select(_ => Guid.NewGuid()).ToList();
        await Task.WhenAll(campaigns.Select(async id =>
        {
            var grain = _cluster.GrainFactory.GetGrain<ICampaignGrain>(id);
            await grain.CreateAsync(new CampaignDefinition("幸福家园", "", CampaignKind.Village, new Region("陕西省", "商洛市", "山阳县", "法官村"),
                "CNY", 100_000_000, start, start.AddDays(2)), "test-admin");
            await grain.OpenAsync("test-admin");
        }));
        var writers = _cluster.Silos.Cast<InProcessSiloHandle>().Select(s => s.SiloHost.Services.GetRequiredService<SharedLedgerWriter>()).ToList();
        var (batchesBefore, transactionsBefore) = (writers.Sum(w => w.Batches), writers.Sum(w => w.Transactions));

        // Every donor creates and confirms; every fourth sends its create again with the same key (a lost answer)
        // and confirms twice. Acknowledged gifts are what the ledger, the catalogue and every grain must agree on.
        var acknowledged = new ConcurrentDictionary<Guid, (Guid Campaign, long Amount)>();
        await Task.WhenAll(campaigns.SelectMany((campaign, c) => Enumerable.Range(0, GiftsPerCampaign).Select(async g =>
        {
            var grain = _cluster.GrainFactory.GetGrain<ICampaignGrain>(campaign);
            var gift = new NewDonation($"k-{c}-{g}", 100 + c * 10 + g, "CNY", "村民", false, null, "sandbox");
            var created = await grain.CreateDonationAsync(gift);
            Assert.Equal(DonationError.None, created.Error);
            if (g % 4 == 0)
            {
                var again = await grain.CreateDonationAsync(gift);
                Assert.Equal(created.Donation!.Id, again.Donation!.Id);
                Assert.True(again.Replayed);
            }
            var confirmed = await grain.ConfirmDonationAsync(created.Donation!.Id, "sandbox");
            Assert.Equal(DonationError.None, confirmed.Error);
            if (g % 4 == 0)
            {
                Assert.True((await grain.ConfirmDonationAsync(created.Donation.Id, "sandbox")).Replayed);
            }
            acknowledged[created.Donation.Id] = (campaign, gift.Amount);
        })));

        var batches = writers.Sum(w => w.Batches) - batchesBefore;
        var transactions = writers.Sum(w => w.Transactions) - transactionsBefore;
        // At least one batch per campaign for the creates and one for the confirmations.
        Assert.True(batches >= 2 * Campaigns, $"{batches} batches");
        Assert.True(transactions * 4 <= batches, $"{batches} batches took {transactions} transactions: campaigns did not share them");

        var reconciliation = await new PostgresLedgerQueries(_database.DataSource).ReconcileAsync();
        foreach (var campaign in campaigns)
        {
            var gifts = acknowledged.Values.Where(a => a.Campaign == campaign).ToList();
            var expected = new CampaignTotals(gifts.Sum(a => a.Amount), gifts.Count, OnlineAmount: gifts.Sum(a => a.Amount));
            Assert.Equal(GiftsPerCampaign, gifts.Count);
            var row = Assert.Single(reconciliation, r => r.CampaignId == campaign);
            Assert.Equal(expected, row.Ledger);
            Assert.Equal(expected, row.Catalogue);
            Assert.Equal(expected, await _cluster.GrainFactory.GetGrain<ICampaignGrain>(campaign).GetTotalsAsync());
        }
    }

    private sealed class SharedWriterSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddMemoryGrainStorageAsDefault();
            silo.Services.AddSingleton(TimeProvider.System);
            silo.Services.AddSingleton(_ => NpgsqlDataSource.Create(_connectionString));
            // As every host registers it: the silo's shared writer, with its default options.
            silo.Services.AddSharedLedgerWriter();
            silo.Services.AddSingleton<ILedgerQueries, PostgresLedgerQueries>();
            silo.Services.AddSingleton<IPledgeStore, PledgeStore>();
            silo.Services.AddSingleton<Fundraising.Persistence.Disbursements.IDisbursementStore, Fundraising.Persistence.Disbursements.DisbursementStore>();
            silo.Services.AddSingleton<Fundraising.Grains.Disbursements.IDisbursementEvidence, Fundraising.Grains.Disbursements.UncheckedDisbursementEvidence>();
            silo.Services.AddSingleton<ICampaignCatalog, PostgresCampaignCatalog>();
            silo.Services.AddSingleton<Fundraising.Persistence.Matching.ICampaignPools, Fundraising.Persistence.Matching.PoolStore>();
            silo.Services.AddSingleton<Fundraising.Persistence.Leaderboards.BoardStore>();
            silo.Services.AddSingleton<Fundraising.Persistence.Teams.TeamStore>();
            silo.Services.AddSingleton<Fundraising.Persistence.Leaderboards.ICampaignEvents, Fundraising.Persistence.Leaderboards.PostgresCampaignEvents>();
            silo.Services.AddSingleton<Fundraising.Grains.Leaderboards.BoardFeed>();
            silo.Services.AddSingleton<Fundraising.Persistence.Villages.IVillageProjects, Fundraising.Persistence.Villages.VillageStore>();
            silo.Services.AddOptions<Fundraising.Grains.Matching.MatchingOptions>();
        }
    }
}
