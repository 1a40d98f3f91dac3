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
