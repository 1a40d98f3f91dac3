using Fundraising.Grains.Campaigns;
using Fundraising.Persistence.Catalog;
using Fundraising.Persistence.Ledger;
using Fundraising.Persistence.Pledges;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Fundraising.Grains.Tests.Campaigns;

/// <summary>An in-process test cluster with in-memory grain storage and <see cref="InMemoryLedger"/>: grain logic only.</summary>
public sealed class InMemoryClusterFixture : IAsyncLifetime
{
    public const long MaxOnlineAmount = 1_000_000;
    public const long MaxOfflineAmount = 5_000_000;

    public static readonly InMemoryLedger Ledger = new();

    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<Configurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    private sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.AddMemoryGrainStorageAsDefault();
            silo.Services.AddSingleton(TimeProvider.System);
            silo.Services.AddSingleton<IDonationLedger>(Ledger);
            silo.Services.AddSingleton<ILedgerQueries>(Ledger);
            silo.Services.AddSingleton<ICampaignCatalog>(Ledger);
            silo.Services.AddSingleton<IPledgeStore>(Ledger);
            silo.Services.AddSingleton<Fundraising.Persistence.Disbursements.IDisbursementStore, InMemoryDisbursements>();
            silo.Services.AddSingleton<Fundraising.Grains.Disbursements.IDisbursementEvidence, Fundraising.Grains.Disbursements.UncheckedDisbursementEvidence>();
            silo.Services.AddSingleton<Fundraising.Persistence.Matching.ICampaignPools>(Ledger);
            silo.Services.AddSingleton<Fundraising.Persistence.Leaderboards.ICampaignEvents>(Ledger);
            silo.Services.AddSingleton<Fundraising.Grains.Leaderboards.BoardFeed>();
            silo.Services.AddSingleton<Fundraising.Persistence.Villages.IVillageProjects>(Ledger);
            silo.Services.AddOptions<Fundraising.Grains.Matching.MatchingOptions>();
            // Small limits, so admission's limit is testable without huge numbers.
            silo.Services.AddOptions<DonationLimits>().Configure(o => (o.MaxOnlineAmount, o.MaxOfflineAmount) = (MaxOnlineAmount, MaxOfflineAmount));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class InMemoryClusterCollection : ICollectionFixture<InMemoryClusterFixture>
{
    public const string Name = "in-memory cluster";
}
