using System.Net;
using Fundraising.Grains.Campaigns;
using Fundraising.Grains.Leaderboards;
using Fundraising.Grains.Health;
using Fundraising.Grains.Matching;
using Fundraising.Persistence;
using Fundraising.Persistence.Receipts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace Fundraising.Grains.Hosting;

/// <summary>Cluster identity and this silo's endpoints. Bound from the <c>Orleans</c> section.</summary>
public sealed class OrleansHostOptions
{
    public string ClusterId { get; set; } = "fundraising";
    public string ServiceId { get; set; } = "fundraising";
    public string AdvertisedIPAddress { get; set; } = "127.0.0.1";
    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// Running in a Kubernetes pod (<c>Orleans:Kubernetes</c>): the silo is named after the pod, advertises the pod's
    /// address (POD_NAME, POD_IP, POD_NAMESPACE from the downward API) and listens on every address; silos whose pods
    /// Kubernetes has deleted are declared dead without waiting for failure detection. <see cref="AdvertisedIPAddress"/>
    /// is then ignored.
    /// </summary>
    public bool Kubernetes { get; set; }
}

public static class SiloHostingExtensions
{
    /// <summary>
    /// Lets the exceptions a grain call can end in cross the wire with their type and message: Orleans serializes only
    /// exceptions of the Microsoft, System and Azure namespaces by default, and a client of separate silos got "no codec
    /// for Npgsql.NpgsqlException" (a 500 with the cause lost) when the database restarted under a commit. The database's
    /// and the ledger's own exceptions (<c>Npgsql</c>, <c>Fundraising</c>) are the ones callers act on: a 503, a retry.
    /// Both silos and clients must say so, since both ends read and write them.
    /// </summary>
    public static IServiceCollection AddFundraisingExceptionSerialization(this IServiceCollection services) =>
        services.Configure<Orleans.Serialization.ExceptionSerializationOptions>(options =>
        {
            options.SupportedNamespacePrefixes.Add("Npgsql");
            options.SupportedNamespacePrefixes.Add("Fundraising");
        });

    /// <summary>
    /// Makes this host an Orleans silo of the fundraising cluster: ADO.NET clustering and grain
    /// storage on the platform's PostgreSQL (schema migrated first), and the grains' services.
    /// </summary>
    public static IHostApplicationBuilder AddFundraisingSilo(this IHostApplicationBuilder builder)
    {
        builder.AddFundraisingDatabase();
        var host = builder.Configuration.GetSection("Orleans").Get<OrleansHostOptions>() ?? new OrleansHostOptions();
        var connectionString = builder.Configuration.GetFundraisingConnectionString();

        builder.Services.TryAddSingleton(TimeProvider.System);
        // Limits on single gifts: part of every campaign's admission rule, so every silo binds them.
        builder.Services.AddOptions<DonationLimits>().BindConfiguration("Donations")
            .Validate(o => o.MaxOnlineAmount > 0 && o.MaxOfflineAmount > 0, "Donations:MaxOnlineAmount and Donations:MaxOfflineAmount must be positive.")
            .ValidateOnStart();
        // Matching pools: the velocity rule and how campaigns take slices of a pool; part of every campaign's matching.
        builder.Services.AddOptions<MatchingOptions>().BindConfiguration("Matching")
            .Validate(o => o.MinSecondsApart >= 0 && o.MaxGiftsPerMinute > 0 && o.SliceSeconds > 0 && o.MinSliceGifts > 0
                           && o.RefillBelow is > 0 and < 1, "Matching settings are out of range (see MatchingOptions).")
            .ValidateOnStart();
        // Leaderboards: each silo's feed hands its campaigns' deltas to the event boards on a timer (off with
        // Leaderboards:Enabled=false); donors' entry keys are keyed by a secret derived from Donors:AddressKey unless set.
        builder.Services.AddOptions<LeaderboardOptions>().BindConfiguration("Leaderboards")
            .PostConfigure<IConfiguration>((options, configuration) =>
                options.KeySecret ??= configuration["Donors:AddressKey"] is { Length: >= 32 } key ? DonorKeys.Derive(key) : null)
            .Validate(o => o.FeedInterval > TimeSpan.Zero && o.PushInterval > TimeSpan.Zero && o.ReconcileEvery > TimeSpan.Zero
                           && o.EventsRefreshEvery > TimeSpan.Zero && o.GapWait >= TimeSpan.Zero, "Leaderboards intervals must be positive.")
            .Validate(o => !o.Enabled || o.KeySecret is { Length: >= 32 }, "Leaderboards need Leaderboards:KeySecret or Donors:AddressKey (at least 32 characters).")
            .ValidateOnStart();
        builder.Services.AddSingleton<DonorKeys>();
        // Disbursements: their evidence must be photos of the project itself.
        builder.Services.TryAddSingleton<Disbursements.IDisbursementEvidence, Disbursements.ProjectPhotoEvidence>();
        builder.Services.AddSingleton<BoardFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BoardFeed>());
        // Every silo runs an issuer; an advisory lock lets one of them number receipts at a time.
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReceiptIssuer>());
        // Every silo reports its commit batch sizes once a second, for the admins' live dashboard.
        builder.Services.AddHostedService<SiloHealthReporter>();
        builder.Services.AddFundraisingExceptionSerialization();
        // Readiness: PostgreSQL answers and this silo is an active member of the cluster (see HealthProbes).
        builder.Services.AddSiloHealthChecks();
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(options =>
            {
                options.ClusterId = host.ClusterId;
                options.ServiceId = host.ServiceId;
            });
            if (host.Kubernetes)
            {
                silo.Configure<EndpointOptions>(options =>
                {
                    options.SiloPort = host.SiloPort;
                    options.GatewayPort = host.GatewayPort;
                });
                silo.UseKubernetesHosting();
            }
            else
            {
                silo.ConfigureEndpoints(IPAddress.Parse(host.AdvertisedIPAddress), host.SiloPort, host.GatewayPort);
            }
            silo.UseAdoNetClustering(options =>
            {
                options.Invariant = "Npgsql";
                options.ConnectionString = connectionString;
            });
            silo.AddAdoNetGrainStorageAsDefault(options =>
            {
                options.Invariant = "Npgsql";
                options.ConnectionString = connectionString;
            });
            // Failure detection can be tightened per environment (tests kill silos and want a quick verdict; a giving
            // day wants a dead silo declared in seconds): README, "The loopback cluster", names the settings.
            silo.Services.AddOptions<ClusterMembershipOptions>().BindConfiguration("Orleans:Membership");
            // How long a call waits for its answer (ResponseTimeout): a call stuck on a silo that died is given up
            // after it, so its caller can retry on the grain's new activation.
            silo.Services.AddOptions<SiloMessagingOptions>().BindConfiguration("Orleans:Messaging");
            // Grain calls carry the trace they were made in, only when traces are exported (the filters run on every call).
            if (Telemetry.OtlpEndpoint(builder.Configuration) is not null)
            {
                silo.AddActivityPropagation();
            }
            // The Orleans Dashboard's silo side (grain statistics, a profiling filter on every grain call); its pages are
            // mapped by the web host for admins (Fundraising.Web/Operations). Off with OrleansDashboard:Enabled=false.
            if (Telemetry.DashboardEnabled(builder.Configuration))
            {
                silo.AddDashboard(options => builder.Configuration.GetSection("OrleansDashboard").Bind(options));
            }
        });
        return builder;
    }
}
