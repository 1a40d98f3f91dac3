using Fundraising.Contracts.Progress;

namespace Fundraising.Grains.Progress;

/// <summary>
/// The front ends subscribed to one grain's pushes (a campaign's or a pool's), each with when it last renewed; one not
/// renewed within <see cref="ProgressSubscription.Lifetime"/> is dropped, since its front end may have died.
/// </summary>
/// <remarks>Not thread-safe: it lives inside its grain.</remarks>
internal sealed class ProgressSubscribers
{
    private readonly Dictionary<IProgressObserver, DateTimeOffset> _renewed = [];

    public IEnumerable<IProgressObserver> All => _renewed.Keys;

    public int Count => _renewed.Count;

    public void Renew(IProgressObserver observer, DateTimeOffset now) => _renewed[observer] = now;

    public void Remove(IProgressObserver observer) => _renewed.Remove(observer);

    /// <summary>Drops the lapsed subscriptions; true while someone is still subscribed.</summary>
    public bool DropLapsed(DateTimeOffset now)
    {
        var expiry = now - ProgressSubscription.Lifetime;
        foreach (var stale in _renewed.Where(o => o.Value < expiry).Select(o => o.Key).ToList())
        {
            _renewed.Remove(stale);
        }
        return _renewed.Count > 0;
    }
}
