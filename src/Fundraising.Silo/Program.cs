using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Fundraising.Grains.Health;
using Fundraising.Grains.Hosting;

// A web host only for its probes: the silo's grains are reached over Orleans' own ports, never over HTTP.
var builder = WebApplication.CreateSlimBuilder(args);

// A silo of the fundraising cluster: ADO.NET clustering and grain storage on PostgreSQL.
builder.AddFundraisingSilo();

// A graceful stop ends within the host's shutdown timeout (and a little), even with PostgreSQL unreachable. Only in the
// standalone silo: it ends the process, which a host inside another process (a test, a co-hosted web app) must not do.
builder.Services.AddHostedService<StopDeadline>();

// Liveness and readiness on a small HTTP port of the silo's own (Health:Port), for a load balancer or a kubelet.
builder.AddSiloHealthPort();

// Metrics and traces (OpenTelemetry): scraped on Metrics:Port (a listener of its own), traces over OTLP when configured.
builder.AddFundraisingTelemetry("fundraising-silo");

var app = builder.Build();

app.MapHealthProbes();

await app.RunAsync();
