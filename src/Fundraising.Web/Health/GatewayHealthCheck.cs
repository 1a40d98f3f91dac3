using Fundraising.Contracts.Health;
using Fundraising.Grains.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Fundraising.Web.Health;

/// <summary>
/// How many gateways this client-mode front end is connected to, as the Orleans client reports it. Null until the
/// client first says: the check then asks the cluster itself.
/// </summary>
public sealed class GatewayConnections : IClusterConnectionStatusObserver
{
    private int _connected = -1;

    public int? Connected => Volatile.Read(ref _connected) is var connected and >= 0 ? connected : null;

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered) =>
        Volatile.Write(ref _connected, currentNumberOfGateways);

    public void NotifyClusterConnectionLost() => Volatile.Write(ref _connected, 0);
}

/// <summary>
/// A client-mode front end reaches the cluster: the Orleans client has a gateway connected (its own notification says
/// so at once when the last one is lost), and a call through it is answered by a silo.
/// </summary>
public sealed class GatewayHealthCheck(GatewayConnections gateways, IGrainFactory grains, ILogger<GatewayHealthCheck> logger) : IHealthCheck
{
    /// <summary>Pings, each through the next gateway, before the front end is said to reach none.</summary>
    public const int MaxPings = 3;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (gateways.Connected == 0)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("No Orleans gateway is connected."));
        }
        return HealthProbes.WithinTimeoutAsync(async token =>
        {
            // A gateway whose silo has just died refuses the first call sent its way, and the client then skips it: one
            // dead silo of several does not make this front end unready (nginx would drop it for nothing), so a
            // refused ping is tried again on the next gateway, within the probe's timeout.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    _ = await grains.GetGrain<IPingGrain>(0).PingAsync().WaitAsync(token);
                    return HealthCheckResult.Healthy($"A gateway answers ({gateways.Connected?.ToString() ?? "some"} connected).");
                }
                catch (OrleansMessageRejectionException) when (attempt < MaxPings)
                {
                }
            }
        }, "No silo answers through a gateway", logger, cancellationToken);
    }
}
