namespace Fundraising.Contracts.Matching;

/// <summary>
/// One sponsor's matching pool (配捐), keyed by the pool's <see cref="Guid"/>. It never matches a gift itself: it grants
/// budget slices to campaigns (durably, before the grant is answered) and campaigns match their own gifts from their
/// slices inside their commits. So the pool is touched once per slice, not once per gift.
/// </summary>
public interface IMatchingPoolGrain : IGrainWithGuidKey
{
    /// <summary>Creates the pool with its audit entry; the eligible campaigns learn of it at once.</summary>
    Task<PoolCommandResult> CreateAsync(PoolDefinition definition, string actor);

    /// <summary>The pool, or null when it was never created. Matched sums are at most a moment old.</summary>
    Task<PoolSnapshot?> GetAsync();

    /// <summary>Stops matching: every open slice is closed and its unused money returns to the pool.</summary>
    Task<PoolCommandResult> PauseAsync(string actor);

    Task<PoolCommandResult> ResumeAsync(string actor);

    /// <summary>
    /// Grants <paramref name="campaignId"/> up to <paramref name="wanted"/> more fen for today, recorded before it is answered:
    /// nothing when the pool is not open, or empty. Asks that arrive together are granted in one transaction.
    /// </summary>
    Task<SliceGrant> GrantAsync(Guid campaignId, long wanted);

    /// <summary>Subscribes a front end to pushes of this pool. Renew within ProgressSubscription.Lifetime.</summary>
    Task SubscribeAsync(Progress.IProgressObserver observer);

    Task UnsubscribeAsync(Progress.IProgressObserver observer);
}
