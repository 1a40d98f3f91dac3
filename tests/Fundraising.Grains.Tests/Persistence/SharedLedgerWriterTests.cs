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

    [Fact]
    public async Task BatchesQueuedBehindATransactionInFlightWaitForItUntilEnoughRowsWaitToStartAnother()
    {
        var writer = Writer(2, overlapAfterRows: 3);
        var blocker = await CampaignAsync();
        var campaigns = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            campaigns.Add(await CampaignAsync());
        }
        await using var hold = await LockCampaignRowAsync(blocker);
        // An idle writer starts at once: the blocker's batch is in flight, waiting on the row lock.
        var blocked = writer.CommitAsync(new LedgerBatch(blocker, [Gift(blocker)], []));
        await WaitForALockWaitAsync();

        // Two rows wait: fewer than three, so no second transaction starts while the first is in flight.
        var waiting = campaigns.Take(2).Select(c => writer.CommitAsync(new LedgerBatch(c, [Gift(c)], []))).ToList();
        await Task.Delay(500);
        Assert.All(waiting, w => Assert.False(w.IsCompleted));
        Assert.Equal(0L, await Database.ScalarAsync<long>("SELECT count(*) FROM donations WHERE campaign_id = ANY($1)", campaigns.ToArray()));

        // The third row makes three: a second transaction takes all three while the first still waits.
        waiting.Add(writer.CommitAsync(new LedgerBatch(campaigns[2], [Gift(campaigns[2])], [])));
        foreach (var outcome in await Task.WhenAll(waiting).WaitAsync(TimeSpan.FromSeconds(30)))
        {
            Assert.Single(outcome.Inserted);
        }
        Assert.False(blocked.IsCompleted);
        Assert.Equal(1, writer.Transactions);
        Assert.Equal(3, writer.Batches);

        await hold.CommitAsync();
        Assert.Single((await blocked).Inserted);
        Assert.Equal(2, writer.Transactions);
        Assert.All(await Queries.ReconcileAsync(), row => Assert.Equal(row.Ledger, row.Catalogue));
    }

    private SharedLedgerWriter Writer(int inFlight, int overlapAfterRows = 1) => new(new PostgresLedgerWriter(Database.DataSource),
        Options.Create(new LedgerWriterOptions { MaxTransactionsInFlight = inFlight, OverlapAfterRows = overlapAfterRows }), NullLogger<SharedLedgerWriter>.Instance);

    /// <summary>A connection of its own holding the campaign's totals row FOR UPDATE until committed or disposed.</summary>
    private async Task<RowLock> LockCampaignRowAsync(Guid campaign)
    {
        var connection = await Database.DataSource.OpenConnectionAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var lockRow = new NpgsqlCommand($"SELECT 1 FROM campaigns WHERE id = '{campaign}' FOR UPDATE", connection, transaction);
        await lockRow.ExecuteNonQueryAsync();
        return new RowLock(connection, transaction);
    }

    private sealed class RowLock(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public Task CommitAsync() => transaction.CommitAsync();

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    private async Task WaitForALockWaitAsync()
    {
        for (var attempt = 0; attempt < 200 && await Database.ScalarAsync<long>(
                 "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") == 0; attempt++)
        {
            await Task.Delay(25);
        }
    }

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
        await using var hold = await LockCampaignRowAsync(blocker);
        var blocked = writer.CommitAsync(new LedgerBatch(blocker, [Gift(blocker)], []));
        await WaitForALockWaitAsync();
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
