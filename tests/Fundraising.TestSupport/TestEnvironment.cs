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

    /// <summary>The built assembly of one of the repository's programs, e.g. <c>Fundraising.Web</c>.</summary>
    public static string ProgramAssembly(string project) =>
        Path.Combine(RepositoryRoot, "src", project, "bin", Configuration, "net10.0", project + ".dll");

    /// <summary>A TCP port on 127.0.0.1 that is free right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
