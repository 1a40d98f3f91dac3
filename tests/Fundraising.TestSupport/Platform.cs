using System.Net.Http.Headers;

namespace Fundraising.TestSupport;

/// <summary>A running web front end: its process, base address, and clients with and without the admin key.</summary>
public sealed class WebFrontEnd(AppProcess process, Uri baseAddress) : IAsyncDisposable
{
    public AppProcess Process { get; } = process;

    public Uri BaseAddress { get; } = baseAddress;

    public HttpClient Client { get; } = new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };

    public HttpClient Admin { get; } = new()
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromSeconds(60),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", Platform.AdminKey) },
    };

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Admin.Dispose();
        await Process.DisposeAsync();
    }
}

/// <summary>Starts the platform's real programs against a test database, on free loopback ports.</summary>
public static class Platform
{
    /// <summary>The admin key every test front end is configured with (a test-only secret).</summary>
    public const string AdminKey = "test-admin-key-not-a-secret-0123456789";

    /// <summary>Tight failure detection, so that tests which kill a silo get a verdict in seconds.</summary>
    private static readonly Dictionary<string, string> FastMembership = new()
    {
        ["Orleans__Membership__ProbeTimeout"] = "00:00:01",
        ["Orleans__Membership__NumMissedProbesLimit"] = "2",
        ["Orleans__Membership__NumVotesForDeathDeclaration"] = "1",
        ["Orleans__Membership__TableRefreshTimeout"] = "00:00:02",
        ["Orleans__Membership__IAmAliveTablePublishTimeout"] = "00:00:05",
    };

    public static Task<WebFrontEnd> StartCoHostedWebAsync(TestDatabase database, IReadOnlyDictionary<string, string>? settings = null, int? port = null) =>
        StartWebAsync(database, "CoHosted", settings, port);

    public static Task<WebFrontEnd> StartClientWebAsync(TestDatabase database, IReadOnlyDictionary<string, string>? settings = null) =>
        StartWebAsync(database, "Client", settings);

    public static Task<AppProcess> StartSiloAsync(TestDatabase database, string name = "silo")
    {
        return RetryWhilePortTaken(() =>
        {
            var environment = Common(database);
            environment["Orleans__SiloPort"] = TestEnvironment.FreePort().ToString();
            environment["Orleans__GatewayPort"] = TestEnvironment.FreePort().ToString();
            return AppProcess.StartAsync("Fundraising.Silo", name, environment);
        });
    }

    private static Task<WebFrontEnd> StartWebAsync(TestDatabase database, string mode, IReadOnlyDictionary<string, string>? settings, int? port = null) =>
        RetryWhilePortTaken(async () =>
        {
            var environment = Common(database);
            environment["Orleans__Mode"] = mode;
            environment["Orleans__SiloPort"] = TestEnvironment.FreePort().ToString();
            environment["Orleans__GatewayPort"] = TestEnvironment.FreePort().ToString();
            environment["Admin__ApiKey"] = AdminKey;
            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            {
                environment[key] = value;
            }
            var address = new Uri($"http://127.0.0.1:{port ?? TestEnvironment.FreePort()}");
            var contentRoot = Path.Combine(TestEnvironment.RepositoryRoot, "src", "Fundraising.Web");
            var process = await AppProcess.StartAsync("Fundraising.Web", $"web-{mode}", environment, $"--urls {address} --contentRoot \"{contentRoot}\"");
            return new WebFrontEnd(process, address);
        });

    /// <summary>
    /// A port found free can still be bound by someone else before our program binds it; when that
    /// happens the program exits at start, and we try again with fresh ports.
    /// </summary>
    private static async Task<T> RetryWhilePortTaken<T>(Func<Task<T>> start)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await start();
            }
            catch (InvalidOperationException e) when (attempt < 3 && e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
            }
        }
    }

    private static Dictionary<string, string> Common(TestDatabase database)
    {
        var environment = new Dictionary<string, string>(FastMembership)
        {
            ["ConnectionStrings__Fundraising"] = database.ConnectionString,
            ["Orleans__ClusterId"] = "test-" + database.Name,
            ["Logging__LogLevel__Orleans"] = "Warning",
            ["Logging__LogLevel__Fundraising"] = "Debug",
        };
        return environment;
    }
}
