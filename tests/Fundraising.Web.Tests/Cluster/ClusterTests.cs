using System.Net.Http.Json;
using System.Text.Json;

namespace Fundraising.Web.Tests.Cluster;

/// <summary>Two standalone silos and two web front ends that are Orleans clients of them (ADO.NET clustering).</summary>
public sealed class SeparateSilosCluster : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;

    public List<AppProcess> Silos { get; } = [];

    public List<WebFrontEnd> FrontEnds { get; } = [];

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync(migrate: false);
        Silos.Add(await Platform.StartSiloAsync(Database, "silo-1"));
        Silos.Add(await Platform.StartSiloAsync(Database, "silo-2"));
        FrontEnds.Add(await Platform.StartClientWebAsync(Database));
        FrontEnds.Add(await Platform.StartClientWebAsync(Database));
    }

    public async Task DisposeAsync()
    {
        foreach (var web in FrontEnds)
        {
            await web.DisposeAsync();
        }
        foreach (var silo in Silos)
        {
            await silo.DisposeAsync();
        }
        await Database.DisposeAsync();
    }
}

public sealed class ClusterTests(SeparateSilosCluster cluster) : IClassFixture<SeparateSilosCluster>
{
    [Fact]
    public async Task BothSilosJoinTheClusterThroughTheMembershipTable()
    {
        Assert.Equal(2L, await cluster.Database.ScalarAsync<long>("SELECT count(*) FROM orleans_cluster_member WHERE status = 3"));
        foreach (var web in cluster.FrontEnds)
        {
            Assert.Equal("ok", await web.Client.GetStringAsync("/healthz"));
        }
    }

    [Fact]
    public async Task FrontEndsAsClientsShareOneCampaignGrain()
    {
        var (a, b) = (cluster.FrontEnds[0], cluster.FrontEnds[1]);
        var campaign = await ApiCalls.CreateLiveCampaignAsync(a);
        await Task.WhenAll(
            Enumerable.Range(0, 20).Select(i => ApiCalls.DonateAsync((i % 2 == 0 ? a : b).Client, campaign, 100 + i)));
        var expected = Enumerable.Range(0, 20).Sum(i => 100L + i);
        Assert.Equal(expected, (await ApiCalls.GetCampaignAsync(a.Client, campaign)).GetProperty("raisedAmount").GetInt64());
        Assert.Equal(expected, (await ApiCalls.GetCampaignAsync(b.Client, campaign)).GetProperty("raisedAmount").GetInt64());
    }

    [Fact]
    public async Task AWatcherOnOneFrontEndSeesDonationsMadeThroughTheOther()
    {
        var (a, b) = (cluster.FrontEnds[0], cluster.FrontEnds[1]);
        var campaign = await ApiCalls.CreateLiveCampaignAsync(a);
        await using var watcherOnA = await ProgressWatcher.ConnectAsync(a.BaseAddress);
        await using var watcherOnB = await ProgressWatcher.ConnectAsync(b.BaseAddress);
        await watcherOnA.WatchAsync(campaign);
        await watcherOnB.WatchAsync(campaign);

        await ApiCalls.DonateAsync(a.Client, campaign, 1_111);
        await ApiCalls.DonateAsync(b.Client, campaign, 2_222);
        await watcherOnB.WaitForRaisedAsync(campaign, 3_333);
        await watcherOnA.WaitForRaisedAsync(campaign, 3_333);
    }
}
