using Xunit;

namespace Fundraising.TestSupport;

/// <summary>One database and one co-hosted web front end (API, hub and silo in one host, run in the test process), shared by a test class.</summary>
public sealed class CoHostedPlatform : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;

    public WebFrontEnd Web { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync(migrate: false);
        Web = await Platform.StartCoHostedWebAsync(Database);
    }

    public async Task DisposeAsync()
    {
        await Web.DisposeAsync();
        await Database.DisposeAsync();
    }
}
