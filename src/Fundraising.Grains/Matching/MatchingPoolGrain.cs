using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Matching;
using Fundraising.Contracts.Progress;
using Fundraising.Grains.Progress;
using Fundraising.Persistence.Matching;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Fundraising.Grains.Matching;

/// <summary>
/// A matching pool: its definition and status (the row, written with its audit entry), and the one grantor of its
/// budget. It never sees a gift: campaigns match their own gifts from the slices it grants, in their own commits. Each
/// grant is durable (the slice and the pool's committed amount, in one transaction that the constraints forbid to
/// overcommit) before it is answered.
/// </summary>
/// <remarks>
/// Reentrant so that grants coalesce: at an opening every eligible campaign asks at once, and the asks that arrive while
/// one batch is being written are granted together in the next transaction (group commit, as a campaign does with
/// gifts). Everything that reads or writes the pool's state takes turns through <see cref="_turn"/>, so the grain
/// behaves as if it were not reentrant except that grants wait for a batch instead of for each other.
/// </remarks>
[Reentrant]
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
    private readonly SemaphoreSlim _turn = new(1, 1);
    private List<(Guid CampaignId, long Wanted, TaskCompletionSource<SliceGrant> Answer)> _asks = [];
    private bool _granting;
    private DateTimeOffset _reclaimedAt = DateTimeOffset.MinValue;

    private Guid Id => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _version = time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        _row = await store.LoadAsync(Id, cancellationToken);
    }

    public Task<PoolCommandResult> CreateAsync(PoolDefinition definition, string actor) => InTurnAsync(() => CreateInTurnAsync(definition, actor));

    private async Task<PoolCommandResult> CreateInTurnAsync(PoolDefinition definition, string actor)
    {
        if (_row is not null)
        {
            return new PoolCommandResult(PoolCommandError.AlreadyExists, await SnapshotAsync(), "The pool already exists.");
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
                return new PoolCommandResult(PoolCommandError.AlreadyExists, await SnapshotAsync(), "The pool already exists.");
        }
        _row = await store.LoadAsync(Id);
        LogCreated(Id, definition.SponsorName, definition.Budget);
        await TellCampaignsAsync();
        return new PoolCommandResult(PoolCommandError.None, await SnapshotAsync());
    }

    public Task<PoolSnapshot?> GetAsync() => InTurnAsync(SnapshotAsync);

    private async Task<PoolSnapshot?> SnapshotAsync()
    {
        if (_row is null)
        {
            return null;
        }
        await RefreshStatsAsync(maxAge: options.Value.StatsMaxAge);
        return Snapshot();
    }

    public Task<PoolCommandResult> PauseAsync(string actor) => InTurnAsync(() => SetPausedAsync(true, actor));

    public Task<PoolCommandResult> ResumeAsync(string actor) => InTurnAsync(() => SetPausedAsync(false, actor));

    private async Task<T> InTurnAsync<T>(Func<Task<T>> action)
    {
        await _turn.WaitAsync();
        try
        {
            return await action();
        }
        finally
        {
            _turn.Release();
        }
    }

    private async Task<PoolCommandResult> SetPausedAsync(bool paused, string actor)
    {
        if (_row is null)
        {
            return new PoolCommandResult(PoolCommandError.NotFound, null);
        }
        if (time.GetUtcNow() >= _row.Definition.EventEndsAt)
        {
            return new PoolCommandResult(PoolCommandError.InvalidTransition, await SnapshotAsync(), "The event is over: the pool is closed.");
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

    public Task<SliceGrant> GrantAsync(Guid campaignId, long wanted)
    {
        var answer = new TaskCompletionSource<SliceGrant>();
        _asks.Add((campaignId, wanted, answer));
        if (!_granting)
        {
            // Set before the loop starts: it may finish before returning (a paused pool answers without a query).
            _granting = true;
            _ = GrantAllAsync();
        }
        return answer.Task;
    }

    // Grants every ask queued, a batch per transaction, until none is left. Runs in the grain's turn-taking.
    private async Task GrantAllAsync()
    {
        try
        {
            while (_asks.Count > 0)
            {
                var asks = _asks;
                _asks = [];
                IReadOnlyList<SliceGrant> answers;
                try
                {
                    answers = await InTurnAsync(() => GrantBatchAsync(asks.Select(a => (a.CampaignId, a.Wanted)).ToList()));
                }
                catch (Exception exception)
                {
                    foreach (var ask in asks)
                    {
                        ask.Answer.TrySetException(exception);
                    }
                    continue;
                }
                for (var i = 0; i < asks.Count; i++)
                {
                    asks[i].Answer.TrySetResult(answers[i]);
                }
            }
        }
        finally
        {
            _granting = false;
        }
    }

    private async Task<IReadOnlyList<SliceGrant>> GrantBatchAsync(IReadOnlyList<(Guid CampaignId, long Wanted)> asks)
    {
        var now = time.GetUtcNow();
        if (_row is not { } row)
        {
            return [.. asks.Select(_ => new SliceGrant(null, default, 0, null))];
        }
        var pool = row.Definition;
        var day = PoolSchedule.Today(pool, now);
        if (row.Paused || !PoolSchedule.IsWithinHours(pool, now))
        {
            // Paused: resuming tells the campaigns. Scheduled: ask again at the opening. Over: never.
            var retry = row.Paused || now >= pool.EventEndsAt ? (DateTimeOffset?)null : PoolSchedule.NextOpening(pool, now);
            return [.. asks.Select(_ => new SliceGrant(null, day, 0, retry))];
        }
        if (_slicesDay != day)
        {
            // A new day: yesterday's slices return what they did not use (their money is the budget's again).
            await store.CloseSlicesAsync(Id, beforeDay: day);
            _slicesDay = day;
            await RefreshStatsAsync(TimeSpan.Zero);
        }
        var wanted = asks.Sum(a => a.Wanted);
        if (Uncommitted(pool) < wanted && now - _reclaimedAt >= options.Value.IdleSliceAfter / 2)
        {
            // Not enough left to grant: take back slices that have sat unused, so that busy campaigns can match with them
            // (at most twice per idle period, however many campaigns ask: asking an empty pool costs no query).
            _reclaimedAt = now;
            if (await store.CloseSlicesAsync(Id, idleBefore: now - options.Value.IdleSliceAfter) > 0)
            {
                _version++;
            }
            await RefreshStatsAsync(TimeSpan.Zero);
        }
        // First come, first served, each ask at most what is left after the asks before it.
        var left = Uncommitted(pool);
        var amounts = new long[asks.Count];
        for (var i = 0; i < asks.Count; i++)
        {
            amounts[i] = Math.Max(0, Math.Min(asks[i].Wanted, left));
            left -= amounts[i];
        }
        var granted = Enumerable.Range(0, asks.Count).Where(i => amounts[i] > 0).ToList();
        var empty = new SliceGrant(null, day, 0, now + options.Value.EmptyRetryAfter, Empty: true);
        if (granted.Count == 0)
        {
            return [.. asks.Select(_ => empty)];
        }
        var slices = await store.GrantAsync(Id, day, [.. granted.Select(i => (asks[i].CampaignId, amounts[i]))], pool.DailyBudget);
        if (slices is null)
        {
            // Paused meanwhile, or the day's budget was used by a grant this grain did not see: read again, ask again soon.
            await RefreshStatsAsync(TimeSpan.Zero);
            return [.. asks.Select(_ => empty)];
        }
        var total = slices.Sum(s => s.Amount);
        _stats = _stats with { Committed = _stats.Committed + total, CommittedToday = _stats.CommittedToday + total };
        var answers = asks.Select(_ => empty).ToArray();
        for (var k = 0; k < granted.Count; k++)
        {
            answers[granted[k]] = new SliceGrant(slices[k].SliceId, slices[k].Day, slices[k].Amount, null);
        }
        return answers;
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
        await InTurnAsync(async () =>
        {
            await RefreshStatsAsync(TimeSpan.Zero);
            await PushAsync();
            return true;
        });
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
