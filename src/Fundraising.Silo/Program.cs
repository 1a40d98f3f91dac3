using Fundraising.Grains.Hosting;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);

// A silo of the fundraising cluster: ADO.NET clustering and grain storage on PostgreSQL.
builder.AddFundraisingSilo();

// Metrics and traces (OpenTelemetry): scraped on Metrics:Port (a listener of its own), traces over OTLP when configured.
builder.AddFundraisingTelemetry("fundraising-silo");

await builder.Build().RunAsync();
