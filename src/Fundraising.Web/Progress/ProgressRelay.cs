using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Matching;
using Fundraising.Contracts.Progress;
using Fundraising.Web.Matching;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Fundraising.Web.Progress;

/// <summary>
/// This front end's single observer of campaign grains. It subscribes to a campaign while at least
/// one of its SignalR connections watches it, renews those subscriptions, and fans each coalesced
/// push out to the campaign's SignalR group. Grains therefore send one message per front end, not
/// per browser.
/// </summary>
public sealed partial class ProgressRelay(
    IGrainFactory grains, IHubContext<ProgressHub> hub, IOptions<ProgressOptions> options, ILogger<ProgressRelay> logger)
    : IProgressObserver, IHostedService, IDisposable
{
    private readonly int _maxWatches = options.Value.MaxWatchesPerConnection;
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, HashSet<string>> _watchers = [];
    private readonly Dictionary<string, HashSet<Guid>> _byConnection = [];
    // Watched ids that are matching pools rather than campaigns (ids are GUIDs: the two never collide).
    private readonly HashSet<Guid> _pools = [];
    private IProgressObserver? _reference;
    private PeriodicTimer? _renewTimer;
    private Task? _renewLoop;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _reference = grains.CreateObjectReference<IProgressObserver>(this);
        _renewTimer = new PeriodicTimer(ProgressSubscription.RenewEvery);
        _renewLoop = RenewAsync(_renewTimer);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _renewTimer?.Dispose();
        if (_renewLoop is not null)
        {
            await _renewLoop;
        }
    }

    /// <summary>
    /// Adds the watch and subscribes to the campaign if nobody here watched it yet; false, and nothing changed, when
    /// the connection already watches <see cref="ProgressOptions.MaxWatchesPerConnection"/> other campaigns.
    /// </summary>
    public Task<bool> WatchAsync(string connectionId, Guid campaignId) => WatchAsync(connectionId, campaignId, pool: false);

    /// <summary>As <see cref="WatchAsync(string, Guid)"/> for a matching pool; a pool counts toward the same per-connection limit.</summary>
    public Task<bool> WatchPoolAsync(string connectionId, Guid poolId) => WatchAsync(connectionId, poolId, pool: true);

    private async Task<bool> WatchAsync(string connectionId, Guid campaignId, bool pool)
    {
        bool first;
        lock (_gate)
        {
            if (!_byConnection.TryGetValue(connectionId, out var campaigns))
            {
                _byConnection[connectionId] = campaigns = [];
            }
            if (!campaigns.Contains(campaignId) && campaigns.Count >= _maxWatches)
            {
                return false;
            }
            campaigns.Add(campaignId);
            if (!_watchers.TryGetValue(campaignId, out var connections))
            {
                _watchers[campaignId] = connections = [];
            }
            first = connections.Count == 0;
            connections.Add(connectionId);
            if (pool)
            {
                _pools.Add(campaignId);
            }
        }
        if (first)
        {
            await SubscribeAsync(campaignId, pool);
        }
        return true;
    }

    private Task SubscribeAsync(Guid id, bool pool) => pool
        ? grains.GetGrain<IMatchingPoolGrain>(id).SubscribeAsync(Reference)
        : grains.GetGrain<ICampaignGrain>(id).SubscribeAsync(Reference);

    public void Unwatch(string connectionId, Guid campaignId)
    {
        lock (_gate)
        {
            RemoveWatcher(connectionId, campaignId);
            if (_byConnection.TryGetValue(connectionId, out var campaigns))
            {
                campaigns.Remove(campaignId);
            }
        }
    }

    public void Forget(string connectionId)
    {
        lock (_gate)
        {
            if (_byConnection.Remove(connectionId, out var campaigns))
            {
                foreach (var campaignId in campaigns)
                {
                    RemoveWatcher(connectionId, campaignId);
                }
            }
        }
    }

    // Nobody here watches it any more: the grain's subscription lapses at its next expiry, since we stop renewing it.
    private void RemoveWatcher(string connectionId, Guid campaignId)
    {
        if (_watchers.TryGetValue(campaignId, out var connections) && connections.Remove(connectionId) && connections.Count == 0)
        {
            _watchers.Remove(campaignId);
            _pools.Remove(campaignId);
        }
    }

    public Task OnProgressAsync(ProgressSnapshot snapshot) =>
        hub.Clients.Group(ProgressHub.GroupName(snapshot.Campaign.Id)).SendAsync(ProgressHub.ProgressMethod, ProgressMessage.From(snapshot));

    public Task OnPoolAsync(PoolSnapshot snapshot) =>
        hub.Clients.Group(ProgressHub.PoolGroupName(snapshot.Id)).SendAsync(ProgressHub.PoolMethod, PoolResponse.From(snapshot));

    private IProgressObserver Reference => _reference ?? throw new InvalidOperationException("The progress relay has not started.");

    private async Task RenewAsync(PeriodicTimer timer)
    {
        while (await timer.WaitForNextTickAsync())
        {
            (Guid Id, bool Pool)[] watched;
            lock (_gate)
            {
                watched = [.. _watchers.Keys.Select(id => (id, _pools.Contains(id)))];
            }
            foreach (var (campaignId, pool) in watched)
            {
                try
                {
                    await SubscribeAsync(campaignId, pool);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // A silo may be down for a few seconds; the next round tries again.
                    LogRenewFailed(exception, campaignId);
                }
            }
        }
    }

    public void Dispose()
    {
        _renewTimer?.Dispose();
        if (_reference is not null)
        {
            try
            {
                grains.DeleteObjectReference<IProgressObserver>(_reference);
            }
            catch (Exception exception) when (exception is ArgumentException or ObjectDisposedException)
            {
                // At shutdown the client may already be gone, and the reference with it.
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the progress subscription to {CampaignId} failed")]
    private partial void LogRenewFailed(Exception exception, Guid campaignId);
}

/// <summary>Limits of the live progress hub, bound from <c>Progress</c>.</summary>
public sealed class ProgressOptions
{
    /// <summary>How many campaigns one SignalR connection may watch at once; each keeps a grain's push timer running.</summary>
    [Range(1, 1000)]
    public int MaxWatchesPerConnection { get; set; } = 20;
}

public static class LiveProgressExtensions
{
    public static WebApplicationBuilder AddLiveProgress(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ProgressOptions>().BindConfiguration("Progress").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSignalR().AddJsonProtocol(options => Http.ApiConventions.ConfigureJson(options.PayloadSerializerOptions));
        builder.Services.AddSingleton<ProgressRelay>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ProgressRelay>());
        return builder;
    }
}
