using System.Net;
using Fundraising.Persistence.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Fundraising.Grains.Hosting;

/// <summary>
/// Where metrics can be scraped besides the web host's own <c>/metrics</c>. Bound from <c>Metrics</c>. A standalone silo
/// has no other HTTP server, so this is its only scrape endpoint.
/// </summary>
public sealed class MetricsOptions
{
    /// <summary>A port of its own serving <c>/metrics</c> without sign-in (for a scraper on a private network); none by default.</summary>
    public int? Port { get; set; }

    /// <summary>The address that port listens on: loopback unless an operator opens it to the network.</summary>
    public string Address { get; set; } = "127.0.0.1";
}

public static partial class Telemetry
{
    /// <summary>Orleans' runtime and application activity sources (the second carries grain calls when propagation is on).</summary>
    private static readonly string[] OrleansSources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    /// <summary>
    /// The OTLP endpoint traces go to: <c>Telemetry:Otlp:Endpoint</c>, else the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>;
    /// null when neither is set, and then no trace is recorded at all (no exporter, no grain-call propagation).
    /// </summary>
    public static string? OtlpEndpoint(IConfiguration configuration) =>
        configuration["Telemetry:Otlp:Endpoint"] is { Length: > 0 } endpoint ? endpoint
        : configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 } standard ? standard
        : null;

    /// <summary>Whether the Orleans Dashboard is on (<c>OrleansDashboard:Enabled</c>, default true): silos and front ends must agree.</summary>
    public static bool DashboardEnabled(IConfiguration configuration) => configuration.GetValue("OrleansDashboard:Enabled", true);

    /// <summary>
    /// Metrics and traces with OpenTelemetry: the meters <c>Microsoft.Orleans</c>, ASP.NET Core's, Npgsql's and the
    /// platform's own (<see cref="FundraisingMetrics"/>), read by the Prometheus exporter (the web host maps
    /// <c>/metrics</c>; <c>Metrics:Port</c> opens a listener of its own); traces of Orleans, ASP.NET Core and Npgsql over
    /// OTLP only when an endpoint is configured (<see cref="OtlpEndpoint"/>). <paramref name="serviceName"/> names this
    /// kind of process in the traces.
    /// </summary>
    public static IHostApplicationBuilder AddFundraisingTelemetry(this IHostApplicationBuilder builder, string serviceName)
    {
        builder.Services.AddOptions<MetricsOptions>().BindConfiguration("Metrics")
            .Validate(o => o.Port is null or > 0 and < 65536, "Metrics:Port must be a TCP port.")
            .Validate(o => IPAddress.TryParse(o.Address, out _), "Metrics:Address must be an IP address.")
            .ValidateOnStart();
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(metrics => metrics
                .AddMeter("Microsoft.Orleans", FundraisingMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddPrometheusExporter());
        if (OtlpEndpoint(builder.Configuration) is { } endpoint)
        {
            var protocol = builder.Configuration["Telemetry:Otlp:Protocol"] ?? builder.Configuration["OTEL_EXPORTER_OTLP_PROTOCOL"];
            telemetry.WithTracing(tracing => tracing
                .AddSource(OrleansSources)
                .AddAspNetCoreInstrumentation()
                .AddNpgsql()
                .AddOtlpExporter(options =>
                {
                    options.Protocol = protocol == "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
                    // Over HTTP an endpoint given in code is used as it is: the signal's path is ours to add.
                    options.Endpoint = options.Protocol == OtlpExportProtocol.HttpProtobuf && !endpoint.EndsWith("/v1/traces", StringComparison.Ordinal)
                        ? new Uri(endpoint.TrimEnd('/') + "/v1/traces")
                        : new Uri(endpoint);
                }));
        }
        builder.Services.AddHostedService<MetricsListener>();
        return builder;
    }

    /// <summary>
    /// <c>/metrics</c> on <c>Metrics:Port</c> when configured: a small Kestrel server of its own in this process, reading the
    /// host's meter provider, so a scraper needs no account and the public port serves none of it.
    /// </summary>
    private sealed partial class MetricsListener(IServiceProvider services, Microsoft.Extensions.Options.IOptions<MetricsOptions> options, ILogger<MetricsListener> logger)
        : IHostedService, IAsyncDisposable
    {
        private WebApplication? _app;

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            if (options.Value.Port is not { } port)
            {
                return;
            }
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
            builder.Logging.ClearProviders();
            // The process's own host answers SIGTERM and Ctrl+C (a silo's graceful stop); this one is only stopped by it.
            builder.Services.AddSingleton<IHostLifetime, ContainedLifetime>();
            builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Parse(options.Value.Address), port));
            var app = builder.Build();
            app.UseOpenTelemetryPrometheusScrapingEndpoint(
                services.GetRequiredService<MeterProvider>(), predicate: null, path: "/metrics", configureBranchedPipeline: null, optionsName: null);
            await app.StartAsync(cancellationToken);
            _app = app;
            LogListening(options.Value.Address, port);
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            if (_app is not null)
            {
                await _app.StopAsync(cancellationToken);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_app is not null)
            {
                await _app.DisposeAsync();
            }
        }

        [LoggerMessage(Level = LogLevel.Information, Message = "Metrics for scrapers on http://{Address}:{Port}/metrics")]
        private partial void LogListening(string address, int port);
    }

    /// <summary>A host lifetime that listens to no signal: the listener lives and stops with the host that started it.</summary>
    private sealed class ContainedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
