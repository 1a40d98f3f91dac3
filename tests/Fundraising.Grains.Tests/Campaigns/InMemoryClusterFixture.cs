using Fundraising.Persistence.Catalog;
using Fundraising.Persistence.Ledger;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Fundraising.Grains.Tests.Campaigns;

/// <summary>An in-process test cluster with in-memory grain storage and <see cref="InMemoryLedger"/>: grain logic only.</summary>
public sealed class InMemoryClusterFixture : IAsyncLifetime
{
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
            silo.Services.AddSingleton<ICampaignCatalog>(Ledger);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class InMemoryClusterCollection : ICollectionFixture<InMemoryClusterFixture>
{
    public const string Name = "in-memory cluster";
}
