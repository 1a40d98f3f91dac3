using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Grains.Campaigns;
using Fundraising.Persistence.Catalog;
using Fundraising.Persistence.Ledger;
using Fundraising.Persistence.Pledges;
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
            // Whole seconds: a definition is kept to the microsecond, as PostgreSQL keeps it.
            DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).AddDays(-1), DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).AddDays(1),
            // Its programme too (a footbridge, not the village default) is on the record a new activation loads.
            Programme.Bridges);
        await using (var cluster = await StartClusterAsync())
        {
            var grain = cluster.GrainFactory.GetGrain<ICampaignGrain>(id);
            await grain.CreateAsync(definition, "test-admin");
            await grain.OpenAsync("test-admin");
            foreach (var amount in new long[] { 100, 200, 300 })
            {
                var created = await grain.CreateDonationAsync(new NewDonation($"k{amount}", amount, "CNY", "村民", false, null, "sandbox"));
                await grain.ConfirmDonationAsync(created.Donation!.Id, "sandbox");
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
        // The campaign's record is its catalogue row, each change written with its audit entry: no grain state of its own.
        Assert.Equal("live", await _database.ScalarAsync<string>("SELECT status FROM campaigns WHERE id = $1", id));
        Assert.Equal(2L, await _database.ScalarAsync<long>(
            "SELECT count(*) FROM admin_audit WHERE campaign_id = $1 AND action IN ('create_campaign', 'open_campaign') AND actor = 'test-admin'", id));
    }

    [Fact]
    public async Task AnOpenWhoseAuditEntryCannotBeWrittenLeavesTheGrainAndTheRowAsTheyWere()
    {
        await using var cluster = await StartClusterAsync();
        var id = Guid.NewGuid();
        var grain = cluster.GrainFactory.GetGrain<ICampaignGrain>(id);
        await grain.CreateAsync(new CampaignDefinition("测试", "", CampaignKind.Appeal, new Region("陕西省", "商洛市", "镇安县", null), "CNY", 1_000,
            DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1)), "admin-a");
        await using (var fail = _database.DataSource.CreateCommand("""
            CREATE FUNCTION test_fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit write failed (test)'; END $$;
            CREATE TRIGGER test_fail_audit BEFORE INSERT ON admin_audit FOR EACH ROW WHEN (NEW.action = 'open_campaign') EXECUTE FUNCTION test_fail_audit();
            """))
        {
            await fail.ExecuteNonQueryAsync();
        }

        await Assert.ThrowsAnyAsync<Exception>(() => grain.OpenAsync("admin-a"));
        // Memory did not run ahead of what is durable: the grain still says draft and takes no gift.
        Assert.Equal(CampaignStatus.Draft, (await grain.GetSummaryAsync())!.Status);
        Assert.Equal(DonationError.CampaignNotLive, (await grain.CreateDonationAsync(new NewDonation("d1", 100, "CNY", null, false, null, "sandbox"))).Error);
        Assert.Equal("draft", await _database.ScalarAsync<string>("SELECT status FROM campaigns WHERE id = $1", id));
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM admin_audit WHERE campaign_id = $1 AND action = 'open_campaign'", id));

        await using (var allow = _database.DataSource.CreateCommand("DROP TRIGGER test_fail_audit ON admin_audit"))
        {
            await allow.ExecuteNonQueryAsync();
        }
        Assert.Equal(CampaignCommandError.None, (await grain.OpenAsync("admin-a")).Error);
        Assert.Equal("live", await _database.ScalarAsync<string>("SELECT status FROM campaigns WHERE id = $1", id));
        Assert.Equal(1L, await _database.ScalarAsync<long>("SELECT count(*) FROM admin_audit WHERE campaign_id = $1 AND action = 'open_campaign' AND actor = 'admin-a'", id));
    }

    /// <summary>A grain state shaped like a status, to test the storage provider's contract on our schema.</summary>
    [GenerateSerializer]
    public sealed class StorageProbeState
    {
        [Id(0)] public CampaignStatus Status { get; set; }
    }

    [Fact]
    public async Task AStaleETagWriteIsRejectedAndChangesNothing()
    {
        await using var cluster = await StartClusterAsync();
        var services = ((InProcessSiloHandle)cluster.Primary!).SiloHost.Services;
        var storage = services.GetRequiredKeyedService<IGrainStorage>("Default");
        var grainId = GrainId.Create("campaign", Guid.NewGuid().ToString("N"));

        var first = new GrainState<StorageProbeState>(new StorageProbeState { Status = CampaignStatus.Draft });
        await storage.WriteStateAsync("campaign", grainId, first);
        var stale = new GrainState<StorageProbeState>(new StorageProbeState { Status = CampaignStatus.Closed }) { ETag = first.ETag };
        first.State!.Status = CampaignStatus.Live;
        await storage.WriteStateAsync("campaign", grainId, first);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("campaign", grainId, stale));
        var read = new GrainState<StorageProbeState>(new StorageProbeState());
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
            silo.Services.AddSingleton<IDonationLedger, PostgresLedgerWriter>();
            silo.Services.AddSingleton<ILedgerQueries, PostgresLedgerQueries>();
            silo.Services.AddSingleton<IPledgeStore, PledgeStore>();
            silo.Services.AddSingleton<Fundraising.Persistence.Disbursements.IDisbursementStore, Fundraising.Persistence.Disbursements.DisbursementStore>();
            silo.Services.AddSingleton<Fundraising.Grains.Disbursements.IDisbursementEvidence, Fundraising.Grains.Disbursements.UncheckedDisbursementEvidence>();
            silo.Services.AddSingleton<Fundraising.Persistence.Villages.IVillageProjects, Fundraising.Persistence.Villages.VillageStore>();
            silo.Services.AddSingleton<ICampaignCatalog, PostgresCampaignCatalog>();
            silo.Services.AddSingleton<Fundraising.Persistence.Matching.ICampaignPools, Fundraising.Persistence.Matching.PoolStore>();
            silo.Services.AddSingleton<Fundraising.Persistence.Leaderboards.BoardStore>();
            silo.Services.AddSingleton<Fundraising.Persistence.Teams.TeamStore>();
            silo.Services.AddSingleton<Fundraising.Persistence.Leaderboards.ICampaignEvents, Fundraising.Persistence.Leaderboards.PostgresCampaignEvents>();
            silo.Services.AddSingleton<Fundraising.Grains.Leaderboards.BoardFeed>();
            silo.Services.AddOptions<Fundraising.Grains.Matching.MatchingOptions>();
        }
    }
}
