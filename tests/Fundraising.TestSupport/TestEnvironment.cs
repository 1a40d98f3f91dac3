using System.Net;
using System.Net.Sockets;

namespace Fundraising.TestSupport;

/// <summary>What tests/run.sh provides: the PostgreSQL server, Chromium, and the built repository.</summary>
public static class TestEnvironment
{
    /// <summary>Connection string of the test PostgreSQL server's maintenance database.</summary>
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("FUNDRAISING_TEST_PG")
        ?? throw new InvalidOperationException("FUNDRAISING_TEST_PG is not set: run the tests through tests/run.sh, which starts PostgreSQL.");

    public static string ChromiumPath => Environment.GetEnvironmentVariable("FUNDRAISING_CHROMIUM") ?? "/usr/bin/chromium";

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Debug or Release: whichever the test assembly itself was built in.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>The folder of one of the repository's programs: under <c>src/</c>, or under <c>load/</c> for the benchmark's comparison servers.</summary>
    public static string ProgramFolder(string project)
    {
        var source = Path.Combine(RepositoryRoot, "src", project);
        return Directory.Exists(source) ? source : Path.Combine(RepositoryRoot, "load", project);
    }

    /// <summary>The built assembly of one of the repository's programs, e.g. <c>Fundraising.Web</c>.</summary>
    public static string ProgramAssembly(string project) =>
        Path.Combine(ProgramFolder(project), "bin", Configuration, "net10.0", project + ".dll");

    // Ports come from 20000-32767, below Linux's ephemeral range (32768-60999). A port the kernel hands
    // out for "port 0" can be taken a moment later by any outgoing connection (to PostgreSQL, between
    // silos), which made a front end fail to bind in CI; ports below that range are only ever taken by
    // someone who binds them on purpose. Each test process starts at its own offset to keep test
    // processes that run side by side apart, and every candidate is checked by binding it.
    private const int FirstPort = 20000;
    private const int PortCount = 12768;
    private static int nextPort = Environment.ProcessId * 131 % PortCount;

    // The loopback cluster's silo gateways (deploy/local/cluster.sh, 30000-30002), which the chaos test starts while
    // other test projects run: never handed out here. Its other ports (5080-5082, 8081-8083, 11111-11113, PostgreSQL
    // on 55432) are outside this range, as the test PostgreSQL's 55433 is.
    private const int LoopbackClusterGateways = 30000;

    /// <summary>A TCP port on 127.0.0.1 that is free right now and outside the kernel's ephemeral range.</summary>
    public static int FreePort()
    {
        for (var attempt = 0; attempt < PortCount; attempt++)
        {
            var port = FirstPort + (int)((uint)Interlocked.Increment(ref nextPort) % PortCount);
            if (port is >= LoopbackClusterGateways and < LoopbackClusterGateways + 3)
            {
                continue;
            }
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try the next one.
            }
        }
        throw new InvalidOperationException("No free TCP port on 127.0.0.1 between 20000 and 32767.");
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Fundraising.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Fundraising.sln not found above " + AppContext.BaseDirectory);
    }
}
