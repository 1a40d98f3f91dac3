using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Npgsql;

namespace Fundraising.Grains.Tests.Persistence;

/// <summary>
/// A campaign's changes and a pledge are each written in one transaction with their audit entry. The tests
/// make the audit insert fail (a trigger standing in for a crash between the two writes) and find neither;
/// then let it through and find both.
/// </summary>
public sealed class CampaignAuditTests : LedgerTestBase
{
    private static readonly CampaignDefinition Definition = new("测试", "", CampaignKind.Appeal, new Region("陕西省", "商洛市", "镇安县", null),
        "CNY", 1_000_000, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));

    [Fact]
    public async Task ACampaignIsCreatedWithItsAuditEntryOrNotAtAll()
    {
        var id = Guid.NewGuid();
        await FailAuditOfAsync("create_campaign");
        await Assert.ThrowsAsync<PostgresException>(() => Catalog.CreateAsync(id, Definition, "admin-a"));
        Assert.Null(await Catalog.LoadAsync(id));
        Assert.Equal(0L, await AuditCountAsync(id));

        await AllowAuditAsync();
        Assert.True(await Catalog.CreateAsync(id, Definition, "admin-a"));
        Assert.Equal(CampaignStatus.Draft, (await Catalog.LoadAsync(id))!.Status);
        Assert.Equal(1L, await AuditCountAsync(id, "create_campaign", "admin-a"));
        // A second create of the same id writes nothing, audit included.
        Assert.False(await Catalog.CreateAsync(id, Definition, "admin-b"));
        Assert.Equal(1L, await AuditCountAsync(id));
    }

    [Fact]
    public async Task AStatusChangeIsWrittenWithItsAuditEntryOrNotAtAll()
    {
        var id = Guid.NewGuid();
        await Catalog.CreateAsync(id, Definition, "admin-a");
        await FailAuditOfAsync("open_campaign");
        await Assert.ThrowsAsync<PostgresException>(() => Catalog.ChangeStatusAsync(id, CampaignStatus.Draft, CampaignStatus.Live, "admin-a", "open_campaign"));
        Assert.Equal(CampaignStatus.Draft, (await Catalog.LoadAsync(id))!.Status);
        Assert.Equal(0L, await AuditCountAsync(id, "open_campaign"));

        await AllowAuditAsync();
        Assert.True(await Catalog.ChangeStatusAsync(id, CampaignStatus.Draft, CampaignStatus.Live, "admin-a", "open_campaign"));
        Assert.Equal(CampaignStatus.Live, (await Catalog.LoadAsync(id))!.Status);
        Assert.Equal(1L, await AuditCountAsync(id, "open_campaign", "admin-a"));
        // From a status the row is no longer in: refused, nothing written.
        Assert.False(await Catalog.ChangeStatusAsync(id, CampaignStatus.Draft, CampaignStatus.Closed, "admin-b", "close_campaign"));
        Assert.Equal(CampaignStatus.Live, (await Catalog.LoadAsync(id))!.Status);
        Assert.Equal(0L, await AuditCountAsync(id, "close_campaign"));
    }

    [Fact]
    public async Task APledgeIsRecordedWithItsAuditEntryOrNotAtAll()
    {
        var campaign = await CampaignAsync();
        var pledges = new Fundraising.Persistence.Pledges.PledgeStore(Database.DataSource);
        var pledge = new PledgeRecord(Guid.NewGuid(), campaign, "企业家", 100_000, "CNY", null, 0, "admin-a", DateTimeOffset.UtcNow);
        await FailAuditOfAsync("record_pledge");
        await Assert.ThrowsAsync<PostgresException>(() => pledges.CreateAsync(pledge));
        Assert.Empty(await pledges.ListAsync(campaign));
        Assert.Equal(0L, await AuditCountAsync(campaign, "record_pledge"));

        await AllowAuditAsync();
        await pledges.CreateAsync(pledge);
        Assert.Single(await pledges.ListAsync(campaign));
        Assert.Equal(1L, await AuditCountAsync(campaign, "record_pledge", "admin-a"));
    }

    private async Task FailAuditOfAsync(string action)
    {
        await using var command = Database.DataSource.CreateCommand($"""
            CREATE OR REPLACE FUNCTION test_fail_audit() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN RAISE EXCEPTION 'audit write failed (test)'; END $$;
            CREATE OR REPLACE TRIGGER test_fail_audit BEFORE INSERT ON admin_audit
            FOR EACH ROW WHEN (NEW.action = '{action}') EXECUTE FUNCTION test_fail_audit();
            """);
        await command.ExecuteNonQueryAsync();
    }

    private async Task AllowAuditAsync()
    {
        await using var command = Database.DataSource.CreateCommand("DROP TRIGGER IF EXISTS test_fail_audit ON admin_audit");
        await command.ExecuteNonQueryAsync();
    }

    private Task<long> AuditCountAsync(Guid campaign, string? action = null, string? actor = null) => Database.ScalarAsync<long>(
        "SELECT count(*) FROM admin_audit WHERE campaign_id = $1 AND ($2 = '' OR action = $2) AND ($3 = '' OR actor = $3)", campaign, action ?? "", actor ?? "");
}
