using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Fundraising.Web.Tests.Hosting;

/// <summary>
/// The in-process front end that most web tests run on (see <see cref="Platform.StartCoHostedWebAsync"/>):
/// it must be configured the way a process is, serve the pages, and leave nothing running once disposed.
/// </summary>
public sealed class InProcessHostTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync(migrate: false);

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task SettingsReachProgramBeforeItReadsThem()
    {
        // Both are read while Program builds its host: Payments:Sandbox by AddPayments, the Orleans section by AddFundraisingOrleans.
        await using var web = await Platform.StartCoHostedWebAsync(_database, new Dictionary<string, string>
        {
            ["Payments__Sandbox__Enabled"] = "false",
            ["Orleans__ClusterId"] = "settings-" + _database.Name,
        });

        var options = await web.Client.GetFromJsonAsync<JsonElement>("/api/payments/options");
        Assert.Equal(JsonValueKind.Null, options.GetProperty("provider").ValueKind);
        Assert.Equal(HttpStatusCode.NotFound, (await web.Client.PostAsync($"/api/payments/sandbox/{Guid.NewGuid()}/confirm", null)).StatusCode);
        Assert.Equal(1L, await _database.ScalarAsync<long>(
            "SELECT count(*) FROM orleans_cluster_member WHERE cluster_id = $1 AND status = 3", "settings-" + _database.Name));
        Assert.Equal(0L, await _database.ScalarAsync<long>(
            "SELECT count(*) FROM orleans_cluster_member WHERE cluster_id <> $1", "settings-" + _database.Name));
    }

    [Fact]
    public async Task ThePagesAreServedFromTheWebProjectsWwwroot()
    {
        await using var web = await Platform.StartCoHostedWebAsync(_database);

        var index = await web.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal("text/html", index.Content.Headers.ContentType?.MediaType);
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(TestEnvironment.RepositoryRoot, "src", "Fundraising.Web", "wwwroot", "index.html")),
            await index.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await web.Client.GetAsync("/lib/signalr/signalr.min.js")).StatusCode);
    }

    [Fact]
    public async Task DisposingTheHostStopsItsSiloAndFreesItsPorts()
    {
        var web = await Platform.StartCoHostedWebAsync(_database);
        var siloPort = (int)await _database.ScalarAsync<int>("SELECT port FROM orleans_cluster_member WHERE status = 3");
        var gatewayPort = (int)await _database.ScalarAsync<int>("SELECT proxy_port FROM orleans_cluster_member WHERE status = 3");

        await web.DisposeAsync();

        // The silo left the cluster gracefully (6 = Dead), and nothing listens on its ports or the front end's.
        Assert.Equal(6, await _database.ScalarAsync<int>("SELECT status FROM orleans_cluster_member WHERE port = $1", siloPort));
        foreach (var port in new[] { siloPort, gatewayPort, web.BaseAddress.Port })
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
        }
        Assert.Contains("Application is shutting down", web.Output);
    }
}
