using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Fundraising.FakeStripe.Hosting;

/// <summary>
/// The fake Stripe hosted in-process on a free 127.0.0.1 port, for tests and load runs:
/// <c>await using var stripe = await FakeStripeServer.StartAsync(options);</c> then point Stripe.net's
/// <c>ApiBase</c> at <see cref="BaseUrl"/>.
/// </summary>
public sealed class FakeStripeServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private FakeStripeServer(WebApplication app, string baseUrl)
    {
        this.app = app;
        BaseUrl = baseUrl;
    }

    /// <summary><c>http://127.0.0.1:PORT</c>, no trailing slash.</summary>
    public string BaseUrl { get; }

    public IServiceProvider Services => app.Services;

    /// <summary>Starts a fake Stripe with these options; <paramref name="port"/> 0 picks a free port.</summary>
    public static async Task<FakeStripeServer> StartAsync(
        FakeStripeOptions options, int port = 0, Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        if (options.Validate() is { Count: > 0 } errors)
        {
            throw new OptionsValidationException(FakeStripeOptions.SectionName, typeof(FakeStripeOptions), errors);
        }
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(FakeStripeServer).Assembly.GetName().Name });
        // Only what the caller passed: no appsettings, environment variables or command line of the host process.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        builder.Services.AddSingleton(Options.Create(options));
        FakeStripeHosting.AddFakeStripeServices(builder.Services);

        var app = builder.Build();
        app.MapFakeStripe();
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new FakeStripeServer(app, address.TrimEnd('/'));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
