using Fundraising.Contracts.Matching;
using Fundraising.Persistence.Matching;

namespace Fundraising.Grains.Matching;

/// <summary>
/// What a campaign grain knows of its pools: their terms, its open slice of each (as the last commit or grant saw it),
/// how fast it has been matching, and when asking a pool again makes sense. Memory only decides when to ask for money
/// and which pools to name in a plan; what a gift is matched is decided against the slice rows locked in the commit.
/// </summary>
/// <remarks>Not thread-safe: it lives inside its grain.</remarks>
internal sealed class CampaignSlices
{
    private readonly Dictionary<Guid, Slice> _slices = [];
    private readonly Dictionary<string, TimeZoneInfo> _zones = [];
    private DateTimeOffset _plannedAt = DateTimeOffset.MinValue;

    public IReadOnlyList<PoolTerms> Terms { get; private set; } = [];

    /// <summary>The pools that may match now; a pool created or resumed is asked again at once.</summary>
    public void SetTerms(IReadOnlyList<PoolTerms> terms)
    {
        Terms = terms;
        foreach (var gone in _slices.Keys.Where(id => terms.All(t => t.PoolId != id)).ToList())
        {
            _slices.Remove(gone);
        }
        foreach (var slice in _slices.Values)
        {
            slice.RetryAfter = null;
        }
    }

    public DateOnly DayOf(PoolTerms terms, DateTimeOffset now)
    {
        if (!_zones.TryGetValue(terms.TimeZone, out var zone))
        {
            _zones[terms.TimeZone] = zone = PoolSchedule.Zone(terms.TimeZone);
        }
        return DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
    }

    /// <summary>
    /// The pools to name in a commit's plan: those of which the campaign holds a slice for today with money left. Called
    /// as a batch is formed (one at a time per campaign): grants answered after this moment may be unseen by its commit.
    /// </summary>
    public IReadOnlyList<(PoolTerms Terms, DateOnly Day)> PlanPools(DateTimeOffset now)
    {
        _plannedAt = now;
        return [.. Terms.Select(t => (Terms: t, Day: DayOf(t, now)))
            .Where(p => _slices.TryGetValue(p.Terms.PoolId, out var s) && s.SliceId is not null && s.Day == p.Day && s.Left > 0)];
    }

    /// <summary>Pools worth asking for money now: no slice for today, or less than <paramref name="refillBelow"/> of the last grant left.</summary>
    public IReadOnlyList<PoolTerms> NeedsGrant(DateTimeOffset now, double refillBelow) =>
        [.. Terms.Where(t =>
        {
            if (!_slices.TryGetValue(t.PoolId, out var s))
            {
                return true;
            }
            return (s.RetryAfter is null || s.RetryAfter <= now)
                && (s.SliceId is null || s.Day != DayOf(t, now) || s.Left < s.LastGrant * refillBelow);
        })];

    /// <summary>
    /// Whether a gift should wait for this pool's grant before it is committed: the campaign has nothing of it for today, and
    /// the pool did not last say that it has nothing left (then the next ask goes on in the background).
    /// </summary>
    public bool WorthWaitingFor(PoolTerms terms, DateTimeOffset now) =>
        !_slices.TryGetValue(terms.PoolId, out var s) || (!s.Empty && (s.SliceId is null || s.Day != DayOf(terms, now) || s.Left <= 0));

    /// <summary>About <see cref="MatchingOptions.SliceSeconds"/> of the campaign's recent matching, and never less than a few gifts' worth.</summary>
    public long Wanted(PoolTerms terms, MatchingOptions options, DateTimeOffset now)
    {
        var floor = terms.Rule.MaxPerGift * options.MinSliceGifts;
        if (!_slices.TryGetValue(terms.PoolId, out var s) || s.MatchedSinceGrant == 0)
        {
            return floor;
        }
        var seconds = Math.Max(0.25, (now - s.GrantedAt).TotalSeconds);
        return Math.Max(floor, (long)(s.MatchedSinceGrant / seconds * options.SliceSeconds));
    }

    /// <summary>A pool's answer: a new slice (folded into the open one by the next commit), or nothing with when to ask again (null: when told).</summary>
    public void Granted(Guid poolId, SliceGrant grant, DateTimeOffset now)
    {
        if (!_slices.TryGetValue(poolId, out var s))
        {
            _slices[poolId] = s = new Slice();
        }
        s.Empty = grant.Empty;
        if (grant.SliceId is not { } id)
        {
            // Nothing now: ask again when the pool said (its opening, a moment later), or when told (paused, over).
            s.RetryAfter = grant.RetryAfter ?? DateTimeOffset.MaxValue;
            return;
        }
        if (s.SliceId is not null && s.Day == grant.Day)
        {
            s.Amount += grant.Amount;
        }
        else
        {
            (s.SliceId, s.Day, s.Amount, s.Used) = (id, grant.Day, grant.Amount, 0);
        }
        (s.LastGrant, s.GrantedAt, s.MatchedSinceGrant, s.RetryAfter) = (Math.Max(1, grant.Amount), now, 0, null);
    }

    /// <summary>A commit's view of the slices it locked (the truth at that moment, its grants folded) and what it matched from them.</summary>
    public void Committed(MatchBatchOutcome outcome)
    {
        if (!outcome.SlicesKnown)
        {
            return;
        }
        foreach (var (poolId, slice) in _slices)
        {
            // A grant answered after the batch was planned may not have been seen by its commit: memory keeps it.
            var unseen = slice.GrantedAt > _plannedAt ? slice.LastGrant : 0;
            var after = outcome.SlicesAfter.FirstOrDefault(a => a.PoolId == poolId);
            if (after is null)
            {
                if (unseen == 0)
                {
                    // Closed by the pool (paused, reclaimed, a new day): ask again when next needed.
                    slice.SliceId = null;
                }
                continue;
            }
            (slice.SliceId, slice.Day, slice.Amount, slice.Used) = (after.SliceId, after.Day, after.Amount + unseen, after.Used);
        }
        foreach (var match in outcome.Matches.Values.Where(m => m.PoolId is not null && m.Amount > 0))
        {
            if (_slices.TryGetValue(match.PoolId!.Value, out var slice))
            {
                slice.MatchedSinceGrant += match.Amount;
            }
        }
    }

    private sealed class Slice
    {
        public Guid? SliceId { get; set; }
        public DateOnly Day { get; set; }
        public long Amount { get; set; }
        public long Used { get; set; }
        public long Left => Amount - Used;
        public long LastGrant { get; set; } = 1;
        public DateTimeOffset GrantedAt { get; set; }
        public long MatchedSinceGrant { get; set; }
        public DateTimeOffset? RetryAfter { get; set; }

        /// <summary>The pool's last answer was that it is open with nothing left.</summary>
        public bool Empty { get; set; }
    }
}
