using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Matching;
using Fundraising.Contracts.Progress;
using Fundraising.Grains.Progress;
using Fundraising.Persistence.Matching;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fundraising.Grains.Matching;

/// <summary>
/// A matching pool: its definition and status (the row, written with its audit entry), and the one grantor of its
/// budget. It never sees a gift: campaigns match their own gifts from the slices it grants, in their own commits. Grants
/// take turns (the grain is not reentrant), and each is durable (the slice and the pool's committed amount, in one
/// transaction that the constraints forbid to overcommit) before it is answered.
/// </summary>
public sealed partial class MatchingPoolGrain(PoolStore store, IOptions<MatchingOptions> options, TimeProvider time, ILogger<MatchingPoolGrain> logger)
    : Grain, IMatchingPoolGrain
{
    private readonly ProgressSubscribers _observers = new();
    private PoolRow? _row;
    private PoolStats _stats = new(0, 0, 0, 0, 0, 0);
    private DateTimeOffset _statsAt = DateTimeOffset.MinValue;
    private DateOnly? _slicesDay;
    private long _version;
    private PoolSnapshot? _pushed;
    private IGrainTimer? _pushTimer;

    private Guid Id => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _version = time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        _row = await store.LoadAsync(Id, cancellationToken);
    }

    public async Task<PoolCommandResult> CreateAsync(PoolDefinition definition, string actor)
    {
        if (_row is not null)
        {
            return new PoolCommandResult(PoolCommandError.AlreadyExists, await GetAsync(), "The pool already exists.");
        }
        if (time.GetUtcNow() >= definition.EventEndsAt)
        {
            return new PoolCommandResult(PoolCommandError.EventOver, null, "A pool cannot be added to an event that has ended.");
        }
        switch (await store.CreateAsync(Id, definition, actor))
        {
            case PoolCreateOutcome.UnknownCampaign:
                return new PoolCommandResult(PoolCommandError.NotFound, null, "A listed campaign does not take part in the event.");
            case PoolCreateOutcome.AlreadyExists:
                _row = await store.LoadAsync(Id);
                return new PoolCommandResult(PoolCommandError.AlreadyExists, await GetAsync(), "The pool already exists.");
        }
        _row = await store.LoadAsync(Id);
        LogCreated(Id, definition.SponsorName, definition.Budget);
        await TellCampaignsAsync();
        return new PoolCommandResult(PoolCommandError.None, await GetAsync());
    }

    public async Task<PoolSnapshot?> GetAsync()
    {
        if (_row is null)
        {
            return null;
        }
        await RefreshStatsAsync(maxAge: options.Value.StatsMaxAge);
        return Snapshot();
    }

    public Task<PoolCommandResult> PauseAsync(string actor) => SetPausedAsync(true, actor);

    public Task<PoolCommandResult> ResumeAsync(string actor) => SetPausedAsync(false, actor);

    private async Task<PoolCommandResult> SetPausedAsync(bool paused, string actor)
    {
        if (_row is null)
        {
            return new PoolCommandResult(PoolCommandError.NotFound, null);
        }
        if (time.GetUtcNow() >= _row.Definition.EventEndsAt)
        {
            return new PoolCommandResult(PoolCommandError.InvalidTransition, await GetAsync(), "The event is over: the pool is closed.");
        }
        if (await store.SetPausedAsync(Id, paused, actor))
        {
            _row = _row with { Paused = paused };
            _version++;
            if (!paused)
            {
                await TellCampaignsAsync();
            }
        }
        await RefreshStatsAsync(TimeSpan.Zero);
        await PushAsync();
        return new PoolCommandResult(PoolCommandError.None, Snapshot());
    }

    public async Task<SliceGrant> GrantAsync(Guid campaignId, long wanted)
    {
        var now = time.GetUtcNow();
        if (_row is not { } row)
        {
            return new SliceGrant(null, default, 0, 0, null);
        }
        var pool = row.Definition;
        var day = PoolSchedule.Today(pool, now);
        if (row.Paused || !PoolSchedule.IsWithinHours(pool, now))
        {
            // Paused: resuming tells the campaigns. Scheduled: ask again at the opening. Over: never.
            var retry = row.Paused || now >= pool.EventEndsAt ? (DateTimeOffset?)null : PoolSchedule.NextOpening(pool, now);
            return new SliceGrant(null, day, 0, 0, retry);
        }
        if (_slicesDay != day)
        {
            // A new day: yesterday's slices return what they did not use (their money is the budget's again).
            await store.CloseSlicesAsync(Id, beforeDay: day);
            _slicesDay = day;
            await RefreshStatsAsync(TimeSpan.Zero);
        }
        var amount = Math.Min(wanted, Uncommitted(pool));
        if (amount <= 0)
        {
            // Everything is granted: take back slices that have sat unused, so that busy campaigns can match with them.
            if (await store.CloseSlicesAsync(Id, idleBefore: now - options.Value.IdleSliceAfter) > 0)
            {
                _version++;
            }
            await RefreshStatsAsync(TimeSpan.Zero);
            amount = Math.Min(wanted, Uncommitted(pool));
        }
        if (amount <= 0)
        {
            return new SliceGrant(null, day, 0, 0, now + options.Value.EmptyRetryAfter);
        }
        var slice = await store.GrantAsync(Id, campaignId, day, amount, pool.DailyBudget);
        if (slice is null)
        {
            // Paused meanwhile, or the day's budget was used by a grant this grain did not see: read again, ask again soon.
            await RefreshStatsAsync(TimeSpan.Zero);
            return new SliceGrant(null, day, 0, 0, now + options.Value.EmptyRetryAfter);
        }
        _stats = _stats with { Committed = _stats.Committed + amount, CommittedToday = _stats.CommittedToday + amount };
        return new SliceGrant(slice.SliceId, slice.Day, slice.Amount, slice.Used, null);
    }

    private long Uncommitted(PoolDefinition pool)
    {
        var left = pool.Budget - _stats.Committed;
        return pool.DailyBudget is { } daily ? Math.Min(left, daily - _stats.CommittedToday) : left;
    }

    private async Task RefreshStatsAsync(TimeSpan maxAge)
    {
        var now = time.GetUtcNow();
        if (_row is null || now - _statsAt < maxAge)
        {
            return;
        }
        var stats = await store.StatsAsync(Id, PoolSchedule.Today(_row.Definition, now));
        if (stats != _stats)
        {
            _version++;
        }
        (_stats, _statsAt) = (stats, now);
    }

    private PoolSnapshot? Snapshot()
    {
        if (_row is not { } row)
        {
            return null;
        }
        var now = time.GetUtcNow();
        var pool = row.Definition;
        var left = Math.Max(0, pool.Budget - _stats.Matched - _stats.Held);
        var leftToday = pool.DailyBudget is { } daily ? Math.Min(left, Math.Max(0, daily - _stats.UsedToday)) : left;
        var status = PoolSchedule.StatusAt(pool, row.Paused, leftToday, now);
        // Scheduled: the coming opening. Out of today's budget with money left for later days: tomorrow's opening.
        var next = status == PoolStatus.Scheduled || (status == PoolStatus.Exhausted && left > 0) ? PoolSchedule.NextOpening(pool, now) : null;
        return new PoolSnapshot(Id, pool, status, _stats.Matched, _stats.Held, _stats.MatchCount, left, next, now, _version);
    }

    // The eligible campaigns learn of a new (or resumed) pool at once rather than at their next refresh.
    private async Task TellCampaignsAsync()
    {
        var campaigns = await store.EligibleCampaignsAsync(Id);
        if (campaigns.Count <= options.Value.MaxCampaignsTold)
        {
            await Task.WhenAll(campaigns.Select(c => GrainFactory.GetGrain<ICampaignGrain>(c).PoolsChangedAsync()));
        }
    }

    public Task SubscribeAsync(IProgressObserver observer)
    {
        _observers.Renew(observer, time.GetUtcNow());
        _pushTimer ??= this.RegisterGrainTimer(PushOnTimerAsync, new GrainTimerCreationOptions
        {
            DueTime = TimeSpan.Zero,
            Period = ProgressSubscription.PushInterval,
        });
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(IProgressObserver observer)
    {
        _observers.Remove(observer);
        return Task.CompletedTask;
    }

    // While watched, the slices' sums are read at most every push interval (one small query over the pool's slices,
    // not over its gifts) and pushed when they changed.
    private async Task PushOnTimerAsync(CancellationToken cancellationToken)
    {
        if (!_observers.DropLapsed(time.GetUtcNow()))
        {
            _pushTimer?.Dispose();
            _pushTimer = null;
            return;
        }
        await RefreshStatsAsync(TimeSpan.Zero);
        await PushAsync();
    }

    private async Task PushAsync()
    {
        if (Snapshot() is not { } snapshot || _observers.Count == 0)
        {
            return;
        }
        // The status can change with the clock alone (the opening): push when anything a watcher sees differs.
        if (_pushed is { } pushed && pushed with { AsOf = snapshot.AsOf, Version = snapshot.Version } == snapshot)
        {
            return;
        }
        _pushed = snapshot;
        await Task.WhenAll(_observers.All.Select(o => o.OnPoolAsync(snapshot)));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pool {PoolId} of {Sponsor} created with a budget of {Budget}")]
    private partial void LogCreated(Guid poolId, string sponsor, long budget);
}

/// <summary>Matching's settings (configuration <c>Matching</c>).</summary>
public sealed class MatchingOptions
{
    /// <summary>The velocity rule: seconds a person needs between gifts, and gifts a minute beyond which matching is held.</summary>
    public int MinSecondsApart { get; set; } = 15;

    public int MaxGiftsPerMinute { get; set; } = 5;

    /// <summary>A campaign asks for about this many seconds of its recent matching at a time (at least <see cref="MinSliceGifts"/> gifts' worth).</summary>
    public double SliceSeconds { get; set; } = 2;

    public int MinSliceGifts { get; set; } = 10;

    /// <summary>A campaign asks for its next slice when less than this share of its last one is left.</summary>
    public double RefillBelow { get; set; } = 0.5;

    /// <summary>When everything is granted, slices unused this long are taken back for busier campaigns.</summary>
    public TimeSpan IdleSliceAfter { get; set; } = TimeSpan.FromSeconds(3);

    public TimeSpan EmptyRetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How old a pool's sums may be when read.</summary>
    public TimeSpan StatsMaxAge { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often a campaign re-reads which pools it may match from (they also tell it when created or resumed).</summary>
    public TimeSpan PoolsRefreshEvery { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A pool with more eligible campaigns than this does not tell each at creation; they learn at their next refresh.</summary>
    public int MaxCampaignsTold { get; set; } = 2_000;

    public VelocityLimits Velocity => new(MinSecondsApart, MaxGiftsPerMinute);
}
