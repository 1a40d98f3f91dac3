using Fundraising.Grains.Hosting;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);

// A silo of the fundraising cluster: ADO.NET clustering and grain storage on PostgreSQL.
builder.AddFundraisingSilo();

await builder.Build().RunAsync();
