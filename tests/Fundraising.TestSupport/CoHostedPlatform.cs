using Xunit;

namespace Fundraising.TestSupport;

/// <summary>One database and one co-hosted web front end (API, hub and silo in one host, run in the test process), shared by a test class.</summary>
public class CoHostedPlatform : IAsyncLifetime
{
    /// <summary>Settings for the front end beyond the defaults (environment-variable style); none by default.</summary>
    protected virtual IReadOnlyDictionary<string, string>? Settings => null;

    public TestDatabase Database { get; private set; } = null!;

    public WebFrontEnd Web { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync(migrate: false);
        Web = await Platform.StartCoHostedWebAsync(Database, Settings);
    }

    public async Task DisposeAsync()
    {
        await Web.DisposeAsync();
        await Database.DisposeAsync();
    }
}
