using Fundraising.Contracts.Progress;

namespace Fundraising.Web.Progress;

/// <summary>
/// What every relay of grain pushes on this front end shares: one Orleans observer reference for the host, which of its
/// SignalR connections watch which keys (each connection up to a limit), and the renewal of the grains' subscriptions
/// every <see cref="ProgressSubscription.RenewEvery"/> while anything is watched. A subclass says how a key is
/// subscribed (<see cref="Renewals"/>) and fans the pushes out.
/// </summary>
public abstract partial class ObserverRelay<TObserver, TKey>(IGrainFactory grains, int maxWatchesPerConnection, ILogger logger)
    : IHostedService, IDisposable
    where TObserver : class, IGrainObserver
    where TKey : notnull
{
    private readonly Dictionary<TKey, HashSet<string>> _watchers = [];
    private readonly Dictionary<string, HashSet<TKey>> _byConnection = [];
    private TObserver? _reference;
    private PeriodicTimer? _renewTimer;
    private Task? _renewLoop;

    /// <summary>Guards the watch tables; subclasses take it to read them consistently.</summary>
    protected Lock Gate { get; } = new();

    protected IGrainFactory Grains => grains;

    protected TObserver Reference => _reference ?? throw new InvalidOperationException($"The {GetType().Name} has not started.");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _reference = grains.CreateObjectReference<TObserver>((TObserver)(object)this);
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
    /// Adds the watch: null when the connection already watches as many other keys as it may (nothing
    /// changed), true when nobody here watched the key before (subscribe now), false otherwise. Call under <see cref="Gate"/>.
    /// </summary>
    protected bool? AddWatch(string connectionId, TKey key)
    {
        if (!_byConnection.TryGetValue(connectionId, out var keys))
        {
            _byConnection[connectionId] = keys = [];
        }
        if (!keys.Contains(key) && keys.Count >= maxWatchesPerConnection)
        {
            return null;
        }
        keys.Add(key);
        if (!_watchers.TryGetValue(key, out var connections))
        {
            _watchers[key] = connections = [];
        }
        var first = connections.Count == 0;
        connections.Add(connectionId);
        return first;
    }

    /// <summary>Whether any connection here watches <paramref name="key"/>. Call under <see cref="Gate"/>.</summary>
    protected bool IsWatched(TKey key) => _watchers.ContainsKey(key);

    /// <summary>Every key watched here. Call under <see cref="Gate"/>.</summary>
    protected IEnumerable<TKey> Watched => _watchers.Keys;

    public void Unwatch(string connectionId, TKey key)
    {
        lock (Gate)
        {
            RemoveWatcher(connectionId, key);
            if (_byConnection.TryGetValue(connectionId, out var keys))
            {
                keys.Remove(key);
            }
        }
    }

    public void Forget(string connectionId)
    {
        lock (Gate)
        {
            if (_byConnection.Remove(connectionId, out var keys))
            {
                foreach (var key in keys)
                {
                    RemoveWatcher(connectionId, key);
                }
            }
        }
    }

    /// <summary>Nobody here watches <paramref name="key"/> any more (called under <see cref="Gate"/>); its subscription lapses unrenewed.</summary>
    protected virtual void OnUnwatched(TKey key)
    {
    }

    /// <summary>The subscriptions to renew for what is watched now: a name for the log, and the call.</summary>
    protected abstract IEnumerable<(object What, Func<Task> Renew)> Renewals(IReadOnlyList<TKey> watched);

    private void RemoveWatcher(string connectionId, TKey key)
    {
        if (_watchers.TryGetValue(key, out var connections) && connections.Remove(connectionId) && connections.Count == 0)
        {
            _watchers.Remove(key);
            OnUnwatched(key);
        }
    }

    private async Task RenewAsync(PeriodicTimer timer)
    {
        while (await timer.WaitForNextTickAsync())
        {
            List<TKey> watched;
            lock (Gate)
            {
                watched = [.. _watchers.Keys];
            }
            foreach (var (what, renew) in Renewals(watched))
            {
                try
                {
                    await renew();
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // A silo may be down for a few seconds; the next round tries again.
                    LogRenewFailed(exception, GetType().Name, what);
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
                grains.DeleteObjectReference<TObserver>(_reference);
            }
            catch (Exception exception) when (exception is ArgumentException or ObjectDisposedException)
            {
                // At shutdown the client may already be gone, and the reference with it.
            }
        }
        GC.SuppressFinalize(this);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Relay}: renewing the subscription to {Subscription} failed")]
    private partial void LogRenewFailed(Exception exception, string relay, object subscription);
}
