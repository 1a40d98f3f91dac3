using Fundraising.Contracts.Campaigns;
using Fundraising.Persistence.Catalog;
using Fundraising.Persistence.Ledger;

namespace Fundraising.Grains.Tests.Persistence;

/// <summary>A fresh migrated database per test class, with the real ledger and catalogue over it.</summary>
public abstract class LedgerTestBase : IAsyncLifetime
{
    protected TestDatabase Database { get; private set; } = null!;

    protected PostgresLedgerWriter Ledger { get; private set; } = null!;

    protected PostgresLedgerQueries Queries { get; private set; } = null!;

    protected PostgresCampaignCatalog Catalog { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        Ledger = new PostgresLedgerWriter(Database.DataSource);
        Queries = new PostgresLedgerQueries(Database.DataSource);
        Catalog = new PostgresCampaignCatalog(Database.DataSource);
    }

    public async Task DisposeAsync() => await Database.DisposeAsync();

    /// <summary>A live village project in Zhen'an county, with its catalogue row.</summary>
    protected async Task<Guid> CampaignAsync()
    {
        var id = Guid.NewGuid();
        await Catalog.CreateAsync(id, new CampaignDefinition("测试", "", CampaignKind.Village, new Region("陕西省", "商洛市", "镇安县", "云镇村"),
            "CNY", 10_000_000, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1)), "test");
        await Catalog.ChangeStatusAsync(id, CampaignStatus.Draft, CampaignStatus.Live, "test", "open_campaign");
        return id;
    }
}
