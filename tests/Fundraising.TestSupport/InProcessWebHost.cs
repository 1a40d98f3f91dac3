using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Fundraising.TestSupport;

/// <summary>
/// Fundraising.Web's own <c>Program</c>, hosted in the test process on Kestrel at a real loopback port
/// (browsers, SignalR clients, the load generator and the fake Stripe's webhooks need a socket).
/// </summary>
/// <remarks>
/// Settings are given as the environment variables a process would get (<c>Orleans__Mode</c>).
/// They become host settings (<c>IWebHostBuilder.UseSetting</c>), which
/// <see cref="WebApplicationFactory{TEntryPoint}"/> hands to <c>WebApplication.CreateBuilder(args)</c> as
/// command-line arguments: they are in <c>builder.Configuration</c> before Program's first line reads it
/// (Orleans:Mode, Payments:Sandbox), above appsettings.json as a process's environment would be.
/// <c>ConfigureAppConfiguration</c> would not do: with minimal hosting it is applied only when
/// <c>builder.Build()</c> runs, after Program has read its settings.
/// </remarks>
internal sealed class InProcessWebHost : WebApplicationFactory<Program>
{
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly TestLogFile _log;

    public InProcessWebHost(IReadOnlyDictionary<string, string> environment, int port, TestLogFile log)
    {
        _environment = environment;
        _log = log;
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_environment.GetValueOrDefault("ASPNETCORE_ENVIRONMENT", "Development"));
        builder.UseContentRoot(Path.Combine(TestEnvironment.RepositoryRoot, "src", "Fundraising.Web"));
        foreach (var (key, value) in _environment)
        {
            if (key != "ASPNETCORE_ENVIRONMENT")
            {
                // The environment variable provider's rule: "__" separates sections.
                builder.UseSetting(key.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal), value);
            }
        }
        // The host's log goes to its own file rather than the test process's console.
        builder.ConfigureLogging(logging =>
        {
            logging.ClearProviders();
            logging.AddProvider(_log);
        });
    }
}
