namespace Fundraising.Web.Tests.Cluster;

/// <summary>
/// Two silo processes and a client front end (in process, rate limits off: thousands of gifts come from one address)
/// on a fresh database: what the tests that kill silos start from. More silos may be added to <see cref="Silos"/>.
/// </summary>
public abstract class TwoSilosAndAClient : IAsyncLifetime
{
    protected TestDatabase Database { get; private set; } = null!;

    protected List<AppProcess> Silos { get; } = [];

    protected WebFrontEnd Web { get; private set; } = null!;

    /// <summary>Settings for the two silos beyond the defaults (environment-variable style); none by default.</summary>
    protected virtual IReadOnlyDictionary<string, string>? SiloSettings => null;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync(migrate: false);
        Silos.Add(await Platform.StartSiloAsync(Database, "silo-a", SiloSettings));
        Silos.Add(await Platform.StartSiloAsync(Database, "silo-b", SiloSettings));
        Web = await Platform.StartClientWebAsync(Database, Platform.WithoutRateLimits);
    }

    public async Task DisposeAsync()
    {
        await Web.DisposeAsync();
        foreach (var silo in Silos)
        {
            await silo.DisposeAsync();
        }
        await Database.DisposeAsync();
    }
}
