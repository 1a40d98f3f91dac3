using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Persistence.Ledger;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Fundraising.Grains.Tests.Persistence;

/// <summary><see cref="SharedLedgerWriter"/> on the real PostgreSQL: what one campaign's failure does to the others in its transaction.</summary>
public sealed class SharedLedgerWriterTests : LedgerTestBase
{
    [Fact]
    public async Task OneCampaignsFailingBatchDoesNotFailTheOthersInItsTransaction()
    {
        var (writer, campaigns, poisoned) = await FiveCampaignsAsync();
        // Its catalogue row refuses any total but zero: its batch fails inside the combined transaction, before COMMIT.
        await ExecuteAsync($"ALTER TABLE campaigns ADD CONSTRAINT poisoned_for_test CHECK (id <> '{poisoned}' OR raised_amount = 0) NOT VALID");

        var results = await CommitTogetherAsync(writer, campaigns);

        for (var i = 0; i < campaigns.Count; i++)
        {
            if (campaigns[i] == poisoned)
            {
                Assert.Equal(PostgresErrorCodes.CheckViolation, Assert.IsType<PostgresException>(results[i].Exception!.InnerException).SqlState);
                Assert.Equal(0L, await Database.ScalarAsync<long>("SELECT count(*) FROM donations WHERE campaign_id = $1", poisoned));
                continue;
            }
            Assert.True(results[i].IsCompletedSuccessfully, results[i].Exception?.ToString());
            Assert.Single((await results[i]).Inserted);
            Assert.Equal(new CampaignTotals(500, 1, OnlineAmount: 500), await Catalog.LoadTotalsAsync(campaigns[i]));
        }
        Assert.Equal(campaigns.Count, writer.RetriedAlone);
        // The blocker's transaction and the four good batches, each alone; the failed combined one is not counted.
        Assert.Equal(5, writer.Transactions);
        Assert.All(await Queries.ReconcileAsync(), row => Assert.Equal(row.Ledger, row.Catalogue));
    }

    [Fact]
    public async Task ATransactionWhoseCommitFailsFailsEveryBatchInItAndIsNotRetried()
    {
        var (writer, campaigns, poisoned) = await FiveCampaignsAsync();
        // A deferred trigger fails at COMMIT: the writer cannot tell that apart from a commit whose acknowledgement was lost.
        await ExecuteAsync($"""
            CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused at commit'; END $$;
            CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON donations DEFERRABLE INITIALLY DEFERRED
              FOR EACH ROW WHEN (NEW.campaign_id = '{poisoned}') EXECUTE FUNCTION refuse_at_commit();
            """);

        var results = await CommitTogetherAsync(writer, campaigns);

        Assert.All(results, r => Assert.IsType<LedgerCommitUncertainException>(r.Exception!.InnerException));
        Assert.Equal(0, writer.RetriedAlone);
        Assert.Equal(1, writer.Transactions);
        foreach (var campaign in campaigns)
        {
            Assert.Equal(0L, await Database.ScalarAsync<long>("SELECT count(*) FROM donations WHERE campaign_id = $1", campaign));
        }
    }

    [Fact]
    public async Task ASecondBatchOfACampaignWhileItsFirstIsInFlightIsRefused()
    {
        var writer = Writer(1);
        var campaign = await CampaignAsync();
        var first = writer.CommitAsync(new LedgerBatch(campaign, [Gift(campaign)], []));
        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.CommitAsync(new LedgerBatch(campaign, [Gift(campaign)], [])));
        Assert.Single((await first).Inserted);
        // Once answered, the campaign may hand in its next batch.
        Assert.Single((await writer.CommitAsync(new LedgerBatch(campaign, [Gift(campaign)], []))).Inserted);
    }

    private SharedLedgerWriter Writer(int inFlight) => new(new PostgresLedgerWriter(Database.DataSource),
        Options.Create(new LedgerWriterOptions { MaxTransactionsInFlight = inFlight }), NullLogger<SharedLedgerWriter>.Instance);

    private async Task<(SharedLedgerWriter Writer, List<Guid> Campaigns, Guid Poisoned)> FiveCampaignsAsync()
    {
        var campaigns = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            campaigns.Add(await CampaignAsync());
        }
        return (Writer(1), campaigns, campaigns[2]);
    }

    /// <summary>
    /// Holds the one transaction in flight on a blocker campaign's row lock while every campaign's batch queues, so
    /// that they all go in the next transaction together; returns their completed (or failed) tasks.
    /// </summary>
    private async Task<Task<LedgerBatchOutcome>[]> CommitTogetherAsync(SharedLedgerWriter writer, List<Guid> campaigns)
    {
        var blocker = await CampaignAsync();
        await using var connection = await Database.DataSource.OpenConnectionAsync();
        await using var hold = await connection.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand($"SELECT 1 FROM campaigns WHERE id = '{blocker}' FOR UPDATE", connection, hold))
        {
            await lockRow.ExecuteNonQueryAsync();
        }
        var blocked = writer.CommitAsync(new LedgerBatch(blocker, [Gift(blocker)], []));
        for (var attempt = 0; attempt < 200 && await Database.ScalarAsync<long>(
                 "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") == 0; attempt++)
        {
            await Task.Delay(25);
        }
        var results = campaigns.Select(c => writer.CommitAsync(new LedgerBatch(c, [Gift(c)], []))).ToArray();
        Assert.False(blocked.IsCompleted);
        await hold.CommitAsync();

        Assert.Single((await blocked).Inserted);
        try
        {
            await Task.WhenAll(results);
        }
        catch (Exception)
        {
            // Each task is inspected by the test.
        }
        return results;
    }

    private static LedgerInsert Gift(Guid campaign) => new(
        new DonationRecord(Guid.CreateVersion7(), campaign, 500, "CNY", "捐赠人", false, null, DonationStatus.Succeeded, DonationChannel.Online, "sandbox",
            DateTimeOffset.UtcNow, DateTimeOffset.UtcNow),
        Guid.NewGuid().ToString(), [1]);

    private async Task ExecuteAsync(string sql)
    {
        await using var command = Database.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
