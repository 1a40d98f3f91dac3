using Fundraising.Grains.Hosting;
using Fundraising.Persistence;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace Fundraising.Web.Hosting;

/// <summary>How this front end reaches the grains.</summary>
public enum OrleansMode
{
    /// <summary>The front end is itself a silo of the cluster (one process does everything).</summary>
    CoHosted,

    /// <summary>The front end is an Orleans client of separate silos (Fundraising.Silo).</summary>
    Client,
}

public static class OrleansHosting
{
    /// <summary>
    /// Joins the cluster as configured by <c>Orleans:Mode</c>: co-hosts a silo, or connects to the
    /// silos listed in the ADO.NET membership table as a client.
    /// </summary>
    public static WebApplicationBuilder AddFundraisingOrleans(this WebApplicationBuilder builder)
    {
        var mode = ModeOf(builder.Configuration);
        if (mode == OrleansMode.CoHosted)
        {
            builder.AddFundraisingSilo();
            return builder;
        }

        builder.AddFundraisingDatabase();
        var host = builder.Configuration.GetSection("Orleans").Get<OrleansHostOptions>() ?? new OrleansHostOptions();
        var connectionString = builder.Configuration.GetFundraisingConnectionString();
        var connectTimeout = builder.Configuration.GetValue("Orleans:ClientConnectTimeout", TimeSpan.FromSeconds(60));
        builder.Services.AddFundraisingExceptionSerialization();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(options =>
            {
                options.ClusterId = host.ClusterId;
                options.ServiceId = host.ServiceId;
            });
            client.UseAdoNetClustering(options =>
            {
                options.Invariant = "Npgsql";
                options.ConnectionString = connectionString;
            });
            // A call stuck on a silo that died fails after Orleans:Messaging:ResponseTimeout (the front end then retries
            // it, see GrainRetry); the gateway list is read again every Orleans:Gateway:GatewayListRefreshPeriod.
            client.Services.AddOptions<ClientMessagingOptions>().BindConfiguration("Orleans:Messaging");
            client.Services.AddOptions<GatewayOptions>().BindConfiguration("Orleans:Gateway");
            // Silos may still be starting when the front end does: keep trying for a while.
            client.UseConnectionRetryFilter(new RetryUntil(DateTime.UtcNow + connectTimeout).ShouldRetryAsync);
            // Grain calls carry the request's trace, only when traces are exported (Hosting/Telemetry.cs in Fundraising.Grains).
            if (Telemetry.OtlpEndpoint(builder.Configuration) is not null)
            {
                client.AddActivityPropagation();
            }
            // The Orleans Dashboard's pages, answered by the silos' dashboard grains (they have it on unless told otherwise).
            if (Telemetry.DashboardEnabled(builder.Configuration))
            {
                client.AddDashboard(options => builder.Configuration.GetSection("OrleansDashboard").Bind(options));
            }
        });
        return builder;
    }

    /// <summary>How this front end reaches the grains (<c>Orleans:Mode</c>, co-hosted unless said).</summary>
    public static OrleansMode ModeOf(IConfiguration configuration) => configuration.GetValue("Orleans:Mode", OrleansMode.CoHosted);

    private sealed class RetryUntil(DateTime deadline)
    {
        public async Task<bool> ShouldRetryAsync(Exception exception, CancellationToken cancellationToken)
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            return true;
        }
    }
}
