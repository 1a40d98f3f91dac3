using Microsoft.AspNetCore.Builder;
using Fundraising.Grains.Health;
using Fundraising.Grains.Hosting;

// A web host only for its probes: the silo's grains are reached over Orleans' own ports, never over HTTP.
var builder = WebApplication.CreateSlimBuilder(args);

// A silo of the fundraising cluster: ADO.NET clustering and grain storage on PostgreSQL.
builder.AddFundraisingSilo();

// Liveness and readiness on a small HTTP port of the silo's own (Health:Port), for a load balancer or a kubelet.
builder.AddSiloHealthPort();

// Metrics and traces (OpenTelemetry): scraped on Metrics:Port (a listener of its own), traces over OTLP when configured.
builder.AddFundraisingTelemetry("fundraising-silo");

var app = builder.Build();

app.MapHealthProbes();

await app.RunAsync();
