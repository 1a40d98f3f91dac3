using System.Net.Http.Headers;

namespace Fundraising.TestSupport;

/// <summary>
/// A running web front end, in the test process (<see cref="Platform.StartCoHostedWebAsync"/>) or as a
/// process of its own (<see cref="Platform.StartClientWebAsync"/>): its base address, clients with and
/// without the admin key, and its log.
/// </summary>
public sealed class WebFrontEnd : IAsyncDisposable
{
    private readonly IAsyncDisposable _host;
    private readonly Func<string> _output;
    private readonly TestLogFile? _log;

    private WebFrontEnd(IAsyncDisposable host, Uri baseAddress, string logPath, Func<string> output, TestLogFile? log, IServiceProvider? services = null)
    {
        Services = services;
        _host = host;
        Services = services;
        _output = output;
        _log = log;
        BaseAddress = baseAddress;
        LogPath = logPath;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        Admin = new HttpClient
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(60),
            DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", Platform.AdminKey) },
        };
    }

    public Uri BaseAddress { get; }

    /// <summary>The host's services when it runs in the test process (its endpoints, options); null for a process.</summary>
    public IServiceProvider? Services { get; }

    public HttpClient Client { get; }

    public HttpClient Admin { get; }

    /// <summary>Where the front end's log is written (under <c>.data/test-logs</c>).</summary>
    public string LogPath { get; }

    /// <summary>The front end's last log lines (a process's output, or an in-process host's log).</summary>
    public string Output => _output();

    internal static WebFrontEnd InProcess(InProcessWebHost host, Uri baseAddress, TestLogFile log) =>
        new(host, baseAddress, log.LogPath, () => log.Output, log, host.Services);

    internal static WebFrontEnd OfProcess(AppProcess process, Uri baseAddress) =>
        new(process, baseAddress, process.LogPath, () => process.Output, null);

    /// <summary>Stops the front end: an in-process host stops gracefully (its silo leaves the cluster); a process is killed.</summary>
    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Admin.Dispose();
        await _host.DisposeAsync();
        _log?.Dispose();
    }
}

/// <summary>Starts the platform against a test database, on free loopback ports.</summary>
public static class Platform
{
    /// <summary>The admin key every test front end is configured with (a test-only secret).</summary>
    public const string AdminKey = "test-admin-key-not-a-secret-0123456789";

    /// <summary>
    /// Rate limits off: for suites that send far more from one address (127.0.0.1) than a person would, such as the
    /// load generator (see <see cref="UnlimitedPlatform"/>). Every other suite runs with the limits' defaults.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> WithoutRateLimits = new Dictionary<string, string>
    {
        ["RateLimits__Enabled"] = "false",
    };

    /// <summary>The key of receipt tokens every test host is configured with (a test-only secret).</summary>
    public const string ReceiptTokenSecret = "test-receipt-token-secret-not-a-secret-0123456789";

    /// <summary>The key of donors' address hashes every test host is configured with (a test-only secret).</summary>
    public const string DonorAddressKey = "test-donor-address-key-not-a-secret-0123456789";

    /// <summary>Tight failure detection, so that tests which kill a silo get a verdict in seconds.</summary>
    private static readonly Dictionary<string, string> FastMembership = new()
    {
        ["Orleans__Membership__ProbeTimeout"] = "00:00:01",
        ["Orleans__Membership__NumMissedProbesLimit"] = "2",
        ["Orleans__Membership__NumVotesForDeathDeclaration"] = "1",
        ["Orleans__Membership__TableRefreshTimeout"] = "00:00:02",
        ["Orleans__Membership__IAmAliveTablePublishTimeout"] = "00:00:05",
    };

    /// <summary>
    /// Fundraising.Web co-hosting its silo, run in the test process (see <see cref="InProcessWebHost"/>).
    /// <paramref name="settings"/> are environment-variable style (<c>Payments__Stripe__Enabled</c>,
    /// <c>ASPNETCORE_ENVIRONMENT</c>), as a process would be given them.
    /// </summary>
    public static Task<WebFrontEnd> StartCoHostedWebAsync(TestDatabase database, IReadOnlyDictionary<string, string>? settings = null, int? port = null) =>
        RetryWhilePortTaken(async () =>
        {
            var environment = WebEnvironment(database, "CoHosted", settings);
            var address = new Uri($"http://127.0.0.1:{port ?? TestEnvironment.FreePort()}");
            var log = new TestLogFile("web-CoHosted-in-process");
            var host = new InProcessWebHost(environment, address.Port, log);
            try
            {
                // StartServer builds Program's host and starts it (migrations, the silo, Kestrel) synchronously.
                await Task.Run(host.StartServer).WaitAsync(TimeSpan.FromSeconds(90));
            }
            catch (Exception e)
            {
                await StopAfterFailedStartAsync(host, log);
                // The same failure a process would report: the host's own words, then what it had logged.
                throw new InvalidOperationException($"web-CoHosted did not start: {e}\n{log.Output}", e);
            }
            return WebFrontEnd.InProcess(host, address, log);
        });

    /// <summary>Fundraising.Web as an Orleans client of separate silos: a process of its own, like the silos it talks to.</summary>
    public static Task<WebFrontEnd> StartClientWebAsync(TestDatabase database, IReadOnlyDictionary<string, string>? settings = null) =>
        RetryWhilePortTaken(async () =>
        {
            var environment = WebEnvironment(database, "Client", settings);
            var address = new Uri($"http://127.0.0.1:{TestEnvironment.FreePort()}");
            var contentRoot = Path.Combine(TestEnvironment.RepositoryRoot, "src", "Fundraising.Web");
            var process = await AppProcess.StartAsync("Fundraising.Web", "web-Client", environment, $"--urls {address} --contentRoot \"{contentRoot}\"");
            return WebFrontEnd.OfProcess(process, address);
        });

    /// <summary>A standalone silo (Fundraising.Silo) as a process, so that tests can kill it the way a crash would.</summary>
    public static Task<AppProcess> StartSiloAsync(TestDatabase database, string name = "silo", IReadOnlyDictionary<string, string>? settings = null)
    {
        return RetryWhilePortTaken(() =>
        {
            var environment = Common(database);
            environment["Orleans__SiloPort"] = TestEnvironment.FreePort().ToString();
            environment["Orleans__GatewayPort"] = TestEnvironment.FreePort().ToString();
            // The probes' port (a test that asks the probes names its own), on loopback only.
            environment["Health__Port"] = TestEnvironment.FreePort().ToString();
            environment["Health__Address"] = "127.0.0.1";
            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            {
                environment[key] = value;
            }
            return AppProcess.StartAsync("Fundraising.Silo", name, environment);
        });
    }

    private static Dictionary<string, string> WebEnvironment(TestDatabase database, string mode, IReadOnlyDictionary<string, string>? settings)
    {
        var environment = Common(database);
        environment["Orleans__Mode"] = mode;
        environment["Orleans__SiloPort"] = TestEnvironment.FreePort().ToString();
        environment["Orleans__GatewayPort"] = TestEnvironment.FreePort().ToString();
        environment["Admin__ApiKey"] = AdminKey;
        // Production will not start without an SMTP server for donors' codes. Hosts that send none get a closed
        // port on loopback; a test that sends codes (or wants none) names its own, settings win.
        if (settings is not null && settings.TryGetValue("ASPNETCORE_ENVIRONMENT", out var name) && name == "Production")
        {
            environment["Donors__Smtp__Host"] = "127.0.0.1";
            environment["Donors__Smtp__Port"] = "9";
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }
        return environment;
    }

    private static async Task StopAfterFailedStartAsync(InProcessWebHost host, TestLogFile log)
    {
        try
        {
            await host.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception)
        {
            // The start failure is what the caller needs to see; a host that never started may not stop cleanly.
        }
        log.Dispose();
    }

    /// <summary>
    /// A port found free can still be bound by someone else before our program binds it; when that
    /// happens the program fails at start, and we try again with fresh ports.
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
            ["Receipts__TokenSecret"] = ReceiptTokenSecret,
            ["Donors__AddressKey"] = DonorAddressKey,
            ["Donors__Smtp__From"] = "Fundraising tests <noreply@fundraising.test>",
            ["Orleans__ClusterId"] = "test-" + database.Name,
            ["Logging__LogLevel__Orleans"] = "Warning",
            ["Logging__LogLevel__Fundraising"] = "Debug",
        };
        return environment;
    }
}
