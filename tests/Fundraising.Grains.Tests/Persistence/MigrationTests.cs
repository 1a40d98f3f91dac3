using Fundraising.Persistence;

namespace Fundraising.Grains.Tests.Persistence;

public sealed class MigrationTests
{
    [Fact]
    public async Task MigrationsAreIdempotentAndSafeFromSeveralHostsAtOnce()
    {
        await using var database = await TestDatabase.CreateAsync(migrate: false);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => database.MigrateAsync()));
        await database.MigrateAsync();

        Assert.Equal(DatabaseMigrator.Embedded.Count, (int)await database.ScalarAsync<long>("SELECT count(*) FROM schema_migrations"));
        Assert.Equal(DatabaseMigrator.Embedded[^1].Version, await database.ScalarAsync<int>("SELECT max(version) FROM schema_migrations"));
    }

    [Fact]
    public async Task AMigrationNumberedIntoAGapIsAppliedOnADatabaseThatHasTheLaterOnes()
    {
        // A database migrated up to 0015 before 0014 existed (0014 was written later into the gap left for it).
        await using var database = await TestDatabase.CreateAsync();
        foreach (var undo in new[]
        {
            "DELETE FROM schema_migrations WHERE version = 14",
            "DROP INDEX donations_by_team", "ALTER TABLE donations DROP COLUMN team_id", "DROP TABLE teams",
            "ALTER TABLE events DROP COLUMN board_count_offline, DROP COLUMN board_count_goods",
            "ALTER TABLE campaigns DROP COLUMN totals_version, DROP COLUMN town",
        })
        {
            await using var command = database.DataSource.CreateCommand(undo);
            await command.ExecuteNonQueryAsync();
        }
        await database.MigrateAsync();

        Assert.Equal(DatabaseMigrator.Embedded.Count, (int)await database.ScalarAsync<long>("SELECT count(*) FROM schema_migrations"));
        Assert.True(await database.ScalarAsync<DateTime>("SELECT applied_at FROM schema_migrations WHERE version = 14")
            >= await database.ScalarAsync<DateTime>("SELECT applied_at FROM schema_migrations WHERE version = 15"));
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM teams"));
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT coalesce(sum(totals_version), 0)::bigint FROM campaigns"));
    }

    [Fact]
    public async Task TheOrleansProvidersFindEveryQueryTheyRequire()
    {
        await using var database = await TestDatabase.CreateAsync();
        string[] required =
        [
            "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey", "DeleteStorageKey",
            "MembershipReadAllKey", "MembershipReadRowKey", "InsertMembershipKey", "InsertMembershipVersionKey", "UpdateMembershipKey",
            "UpdateIAmAlivetimeKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey", "CleanupDefunctSiloEntriesKey",
        ];
        foreach (var key in required)
        {
            Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM orleansquery WHERE querykey = $1 AND length(querytext) > 0", key));
        }
    }
}
