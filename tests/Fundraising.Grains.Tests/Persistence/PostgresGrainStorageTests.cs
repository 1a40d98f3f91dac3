using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Grains.Campaigns;
using Fundraising.Persistence.Catalog;
using Fundraising.Persistence.Ledger;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Runtime;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Fundraising.Grains.Tests.Persistence;

/// <summary>The real Orleans ADO.NET grain storage provider against our own schema, with the real ledger.</summary>
public sealed class PostgresGrainStorageTests : IAsyncLifetime
{
    private static string _connectionString = "";
    private TestDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _connectionString = _database.ConnectionString;
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private static async Task<TestCluster> StartClusterAsync()
    {
        var builder = new TestClusterBuilder(2);
        // Grain storage is keyed by service id: a restarted cluster must be the same service to find its state.
        builder.Options.ServiceId = "fundraising-storage-tests";
        builder.AddSiloBuilderConfigurator<PostgresSilo>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    [Fact]
    public async Task CampaignStateAndTotalsSurviveAWholeClusterRestart()
    {
        var id = Guid.NewGuid();
        var definition = new CampaignDefinition("慈安便民桥", "修桥", CampaignKind.Village, new Region("陕西省", "商洛市", "丹凤县", "万湾村"), "CNY", 18_000_000,
            DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        await using (var cluster = await StartClusterAsync())
        {
            var grain = cluster.GrainFactory.GetGrain<ICampaignGrain>(id);
            await grain.CreateAsync(definition);
            await grain.OpenAsync();
            foreach (var amount in new long[] { 100, 200, 300 })
            {
                var created = await grain.CreateDonationAsync(new NewDonation($"k{amount}", amount, "CNY", "村民", false, null, "sandbox"));
                await grain.ConfirmDonationAsync(created.Donation!.Id);
            }
        }

        await using (var cluster = await StartClusterAsync())
        {
            var summary = await cluster.GrainFactory.GetGrain<ICampaignGrain>(id).GetSummaryAsync();
            Assert.NotNull(summary);
            Assert.Equal(definition, summary.Definition);
            Assert.Equal(CampaignStatus.Live, summary.Status);
            Assert.Equal((600L, 3L), (summary.RaisedAmount, summary.DonationCount));
        }
        Assert.Equal(1L, await _database.ScalarAsync<long>("SELECT count(*) FROM orleans_grain_state"));
    }

    [Fact]
    public async Task AStaleETagWriteIsRejectedAndChangesNothing()
    {
        await using var cluster = await StartClusterAsync();
        var services = ((InProcessSiloHandle)cluster.Primary!).SiloHost.Services;
        var storage = services.GetRequiredKeyedService<IGrainStorage>("Default");
        var grainId = GrainId.Create("campaign", Guid.NewGuid().ToString("N"));

        var first = new GrainState<CampaignState>(new CampaignState { Status = CampaignStatus.Draft });
        await storage.WriteStateAsync("campaign", grainId, first);
        var stale = new GrainState<CampaignState>(new CampaignState { Status = CampaignStatus.Closed }) { ETag = first.ETag };
        first.State!.Status = CampaignStatus.Live;
        await storage.WriteStateAsync("campaign", grainId, first);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("campaign", grainId, stale));
        var read = new GrainState<CampaignState>(new CampaignState());
        await storage.ReadStateAsync("campaign", grainId, read);
        Assert.Equal(CampaignStatus.Live, read.State!.Status);
        Assert.True(read.RecordExists);
    }

    private sealed class PostgresSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddAdoNetGrainStorageAsDefault(options =>
            {
                options.Invariant = "Npgsql";
                options.ConnectionString = _connectionString;
            });
            silo.Services.AddSingleton(TimeProvider.System);
            silo.Services.AddSingleton(_ => NpgsqlDataSource.Create(_connectionString));
            silo.Services.AddSingleton<IDonationLedger, PostgresDonationLedger>();
            silo.Services.AddSingleton<ICampaignCatalog, PostgresCampaignCatalog>();
        }
    }
}
