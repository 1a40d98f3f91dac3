using System.Globalization;
using System.Net;
using Fundraising.TestSupport;

namespace Fundraising.Web.Tests.Operations;

/// <summary>A standalone silo process with its metrics on a port of its own, and a client front end (in process).</summary>
public sealed class SiloAndClient : IAsyncLifetime
{
    public int MetricsPort { get; } = TestEnvironment.FreePort();

    public TestDatabase Database { get; private set; } = null!;

    public AppProcess Silo { get; private set; } = null!;

    public WebFrontEnd Web { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync(migrate: false);
        Silo = await Platform.StartSiloAsync(Database, "silo-metrics", new Dictionary<string, string> { ["Metrics__Port"] = MetricsPort.ToString(CultureInfo.InvariantCulture) });
        Web = await Platform.StartClientWebAsync(Database);
    }

    public async Task DisposeAsync()
    {
        await Web.DisposeAsync();
        await Silo.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>What an operator of separate silos watches: each silo's own scrape port, and the dashboard through a client front end.</summary>
public sealed class ClusterObservabilityTests(SiloAndClient cluster) : IClassFixture<SiloAndClient>
{
    [Fact]
    public async Task AStandaloneSiloServesItsMetricsOnItsOwnPortAndCountsTheGiftsItCommitted()
    {
        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{cluster.MetricsPort}") };
        var campaign = await ApiCalls.CreateLiveCampaignAsync(cluster.Web);
        var before = ObservabilityCalls.Sum(await ObservabilityCalls.ScrapeAsync(scraper), "fundraising_donations_acknowledged_total");

        await ApiCalls.DonateAsync(cluster.Web.Client, campaign, 1_200);
        await ApiCalls.DonateAsync(cluster.Web.Client, campaign, 1_300);

        var text = await ObservabilityCalls.ScrapeAsync(scraper);
        Assert.Equal(before + 2, ObservabilityCalls.Sum(text, "fundraising_donations_acknowledged_total"));
        Assert.Contains("\norleans_", text);
        Assert.Contains("fundraising_commit_batch_size_bucket", text);
        // Only /metrics is served there.
        Assert.Equal(HttpStatusCode.NotFound, (await scraper.GetAsync("/api/campaigns")).StatusCode);
    }

    [Fact]
    public async Task TheOrleansDashboardOfAClientFrontEndShowsTheSilosGrainsToAnAdminOnly()
    {
        using var anonymous = new HttpClient { BaseAddress = cluster.Web.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/orleans-dashboard/DashboardCounters")).StatusCode);

        var campaign = await ApiCalls.CreateLiveCampaignAsync(cluster.Web);
        await ApiCalls.DonateAsync(cluster.Web.Client, campaign, 1_000);
        var counters = await ObservabilityCalls.CountersWithCampaignGrainsAsync(cluster.Web.Admin);
        Assert.Equal(1, counters.GetProperty("totalActiveHostCount").GetInt32());
    }
}
