using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Runtime;

namespace Fundraising.Web.Tests.Health;

/// <summary>What the probes answer: <c>{status, checks: [{name, status, description}]}</c>, read back by the tests.</summary>
internal static class Probes
{
    public static async Task<(HttpStatusCode Status, JsonElement Body)> AskAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    public static string CheckStatus(JsonElement body, string name) =>
        body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name).GetProperty("status").GetString()!;

    /// <summary>Asks <paramref name="path"/> until it answers <paramref name="expected"/>, for at most <paramref name="within"/>.</summary>
    public static async Task<JsonElement> WaitForAsync(HttpClient client, string path, HttpStatusCode expected, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var (status, body) = await AskAsync(client, path);
            if (status == expected)
            {
                return body;
            }
            Assert.True(DateTime.UtcNow < deadline, $"{path} still answers {(int)status} {body} after {within}");
            await Task.Delay(250);
        }
    }
}

/// <summary>A co-hosted front end's probes on a healthy platform.</summary>
public sealed class HealthProbeTests(CoHostedPlatform platform) : IClassFixture<CoHostedPlatform>
{
    [Fact]
    public async Task ReadinessIs200OnAHealthyPlatformWithTheSiloAndTheDatabaseHealthy()
    {
        var (status, body) = await Probes.AskAsync(platform.Web.Client, "/health/ready");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal("healthy", Probes.CheckStatus(body, "database"));
        Assert.Equal("healthy", Probes.CheckStatus(body, "silo"));
        // The silo check asks Orleans' own participants (the watchdog's): there are some to ask.
        Assert.NotEmpty(platform.Web.Services!.GetServices<IHealthCheckParticipant>());
    }

    [Fact]
    public async Task LivenessRunsNoCheckAndAnswers200()
    {
        var (status, body) = await Probes.AskAsync(platform.Web.Client, "/health/live");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Empty(body.GetProperty("checks").EnumerateArray());
    }

    [Fact]
    public async Task TheOldProbesStillAnswer()
    {
        Assert.Equal("ok", await platform.Web.Client.GetStringAsync("/healthz"));
        Assert.Equal(HttpStatusCode.OK, (await platform.Web.Admin.GetAsync("/api/admin/health")).StatusCode);
    }
}

/// <summary>
/// PostgreSQL stops answering (the test's own database refuses connections and loses the ones it had): the front end is
/// not ready, names the database, and stays live; when the database comes back, so does readiness.
/// </summary>
public sealed class DatabaseOutageProbeTests(CoHostedPlatform platform) : IClassFixture<CoHostedPlatform>
{
    [Fact]
    public async Task ReadinessTurns503WhenPostgreSqlIsUnreachableWhileLivenessStays200()
    {
        await Probes.WaitForAsync(platform.Web.Client, "/health/ready", HttpStatusCode.OK, TimeSpan.FromSeconds(30));
        try
        {
            await AllowConnectionsAsync(false);
            var body = await Probes.WaitForAsync(platform.Web.Client, "/health/ready", HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(30));
            Assert.Equal("unhealthy", body.GetProperty("status").GetString());
            Assert.Equal("unhealthy", Probes.CheckStatus(body, "database"));
            // The anonymous answer says which check failed, not the server's error text.
            Assert.DoesNotContain("accepting connections", body.ToString());

            var (live, _) = await Probes.AskAsync(platform.Web.Client, "/health/live");
            Assert.Equal(HttpStatusCode.OK, live);
        }
        finally
        {
            await AllowConnectionsAsync(true);
        }
        var recovered = await Probes.WaitForAsync(platform.Web.Client, "/health/ready", HttpStatusCode.OK, TimeSpan.FromSeconds(60));
        Assert.Equal("healthy", Probes.CheckStatus(recovered, "database"));
    }

    private async Task AllowConnectionsAsync(bool allow)
    {
        await using var server = NpgsqlDataSource.Create(TestEnvironment.ServerConnectionString);
        await using (var alter = server.CreateCommand($"ALTER DATABASE {platform.Database.Name} ALLOW_CONNECTIONS {(allow ? "true" : "false")}"))
        {
            await alter.ExecuteNonQueryAsync();
        }
        if (!allow)
        {
            await using var terminate = server.CreateCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1");
            terminate.Parameters.Add(new NpgsqlParameter { Value = platform.Database.Name });
            await terminate.ExecuteScalarAsync();
        }
    }
}

/// <summary>
/// A standalone silo answers its probes on its own health port, and a client-mode front end is ready only while it
/// reaches a silo: once the cluster's only silo is gone, it is not ready (and still live).
/// </summary>
public sealed class ClusterProbeTests
{
    [Fact]
    public async Task ASiloAnswersItsProbesOnItsHealthPortAndAClientFrontEndIsNotReadyOnceNoSiloIsReachable()
    {
        await using var database = await TestDatabase.CreateAsync(migrate: false);
        var healthPort = TestEnvironment.FreePort();
        var silo = await Platform.StartSiloAsync(database, "silo-probed", new Dictionary<string, string> { ["Health__Port"] = healthPort.ToString() });
        try
        {
            using var siloProbes = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{healthPort}") };
            var siloReady = await Probes.WaitForAsync(siloProbes, "/health/ready", HttpStatusCode.OK, TimeSpan.FromSeconds(30));
            Assert.Equal("healthy", Probes.CheckStatus(siloReady, "silo"));
            Assert.Equal("healthy", Probes.CheckStatus(siloReady, "database"));
            Assert.Equal(HttpStatusCode.OK, (await Probes.AskAsync(siloProbes, "/health/live")).Status);
            // The health port serves the probes and nothing else.
            Assert.Equal(HttpStatusCode.NotFound, (await siloProbes.GetAsync("/api/campaigns")).StatusCode);

            await using var web = await Platform.StartClientWebAsync(database);
            var ready = await Probes.WaitForAsync(web.Client, "/health/ready", HttpStatusCode.OK, TimeSpan.FromSeconds(30));
            Assert.Equal("healthy", Probes.CheckStatus(ready, "gateway"));
            Assert.Equal("healthy", Probes.CheckStatus(ready, "database"));

            silo.Kill();
            var notReady = await Probes.WaitForAsync(web.Client, "/health/ready", HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(60));
            Assert.Equal("unhealthy", Probes.CheckStatus(notReady, "gateway"));
            Assert.Equal("healthy", Probes.CheckStatus(notReady, "database"));
            Assert.Equal(HttpStatusCode.OK, (await Probes.AskAsync(web.Client, "/health/live")).Status);
        }
        finally
        {
            await silo.DisposeAsync();
        }
    }
}
