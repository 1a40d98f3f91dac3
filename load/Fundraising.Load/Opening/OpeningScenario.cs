using System.Globalization;
using Fundraising.Load.Api;
using Fundraising.Load.Donors;

namespace Fundraising.Load.Opening;

/// <summary>How the opening's pool and donors are set up (the <c>opening</c> scenario's own settings).</summary>
public sealed record OpeningSettings
{
    public DonorPace Pace { get; init; } = new();

    /// <summary>Donor verifications in flight at once before the run.</summary>
    public int VerifyParallel { get; init; } = 64;

    /// <summary>When the pool opens, from the start of the measured window (the opening is moved to a whole minute; see <see cref="OpeningScenario.PlanAsync"/>).</summary>
    public TimeSpan OpensAfter { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The pool's budget in fen; null sizes it from <see cref="PoolRate"/> and <see cref="PoolDrain"/>.</summary>
    public long? PoolBudget { get; init; }

    /// <summary>Donations a second expected after the opening (for sizing the budget when none is given).</summary>
    public double PoolRate { get; init; } = 1_000;

    /// <summary>How long after the opening the sized budget should last at <see cref="PoolRate"/>.</summary>
    public TimeSpan PoolDrain { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Largest match of one gift, in fen (¥50).</summary>
    public long MaxPerGift { get; init; } = 5_000;

    /// <summary>Most matched for one donor in one local day, in fen (¥100: with gifts of up to ¥50 matched, a donor's third gift can reach it).</summary>
    public long MaxPerDonorPerDay { get; init; } = 10_000;

    public string TimeZone { get; init; } = "Asia/Shanghai";
}

/// <summary>The opening as planned: the pool, its donors and when the load starts so that the pool opens inside the measured window.</summary>
public sealed record OpeningPlan(
    DonorRoster Roster, MatchTally Matches, Guid EventId, PoolDto Pool, string OpensAtLocal, DateTimeOffset OpensAtUtc, DateTimeOffset LoadStartsAt);

/// <summary>When the pool's status changed, seen by polling <c>GET /api/pools/{id}</c> four times a second during the run.</summary>
public sealed record PoolTimeline(double? OpenedAfterSeconds, double? ExhaustedAfterSeconds, int Polls, int PollFailures);

/// <summary>Everything the opening measured about matching, and whether it all adds up.</summary>
public sealed record OpeningReport(
    int Donors,
    int FastDonors,
    double VerifySeconds,
    double VerifiedPerSecond,
    double DonorPaceLimitPerSecond,
    Guid EventId,
    Guid PoolId,
    string TimeZone,
    string OpensAtLocal,
    DateTimeOffset OpensAtUtc,
    double OpensAfterSeconds,
    long Budget,
    long MaxPerGift,
    long MaxPerDonorPerDay,
    double BeforePerSecond,
    double AfterPerSecond,
    double AfterRequestP50,
    double AfterRequestP99,
    PoolTimeline Timeline,
    MatchSummary Generator,
    PoolDto Pool,
    PoolReconciliationDto Reconciliation,
    long FlaggedHeld,
    long Overdraw,
    long DonorCapViolations,
    bool MatchesExact,
    IReadOnlyList<string> Failures)
{
    public string Describe() =>
        $"pool {PoolId}: budget {Budget:N0} fen; generator matched {Generator.MatchedCount:N0} gifts {Generator.MatchedAmount:N0} fen + held {Generator.HeldCount:N0} {Generator.HeldAmount:N0} fen; " +
        $"pool matched {Pool.MatchedAmount:N0} + held {Pool.HeldAmount:N0} (status {Pool.Status}); reconciliation rows {Reconciliation.RowsMatchedAmount:N0}, slices {Reconciliation.SlicesUsedAmount:N0}; " +
        $"overdraw {Overdraw:N0}; donor cap violations {DonorCapViolations:N0} (server {Reconciliation.DonorCapViolations:N0}); flagged {FlaggedHeld:N0}; " +
        $"opened {Seconds(Timeline.OpenedAfterSeconds)}, ran out {Seconds(Timeline.ExhaustedAfterSeconds)} after the opening; matches {(MatchesExact ? "exact" : "NOT exact")}";

    private static string Seconds(double? s) => s is { } v ? $"{v:N1} s" : "not within the run";
}

/// <summary>
/// The 10:00 opening (配捐): campaigns in the seed's shape, one event over them, one matching pool that opens a set
/// time into the measured window and drains during it, and verified donors whose gifts carry their Donor-Token.
/// </summary>
public static class OpeningScenario
{
    /// <summary>
    /// Verifies the donors, creates the event and the pool and says when the load must start. A pool opens at a local
    /// HH:mm, so the opening is always on a whole minute (every zone's offset is whole minutes): the first whole minute
    /// at least warm-up + <see cref="OpeningSettings.OpensAfter"/> (+ 2 s to create the pool) from now. The load then
    /// starts exactly warm-up + OpensAfter before it, so the pool opens OpensAfter into the measured window; the wait
    /// before the load is under a minute and nothing runs during it.
    /// </summary>
    public static async Task<OpeningPlan> PlanAsync(PlatformApi api, Uri target, IReadOnlyList<Guid> campaigns, OpeningSettings settings, TimeSpan warmup,
        string label, Action<string> log, CancellationToken cancellationToken)
    {
        log($"{label}: verifying {settings.Pace.Donors:N0} donors ({settings.Pace.FastDonors:N0} fast) through {target}, {settings.VerifyParallel} at a time...");
        var roster = await DonorRoster.VerifyAsync(target, settings.Pace, settings.VerifyParallel, log, cancellationToken);
        log($"{label}: {roster.Count:N0} donors verified in {roster.VerifySeconds:N1} s ({roster.Count / Math.Max(0.001, roster.VerifySeconds):N0}/s); " +
            $"at their pace they can give at most {settings.Pace.MostPerSecond:N0} gifts a second");

        var zone = TimeZoneInfo.FindSystemTimeZoneById(settings.TimeZone);
        var now = DateTimeOffset.UtcNow;
        var eventId = await api.CreateEventAsync($"99公益日 · 配捐开场 ({label})", now.AddHours(-1), now.AddDays(1), settings.TimeZone, campaigns, cancellationToken);

        var earliest = now + warmup + settings.OpensAfter + TimeSpan.FromSeconds(2);
        var opensAt = new DateTimeOffset(earliest.UtcTicks - earliest.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero).AddMinutes(1);
        var local = TimeZoneInfo.ConvertTime(opensAt, zone).ToString("HH:mm", CultureInfo.InvariantCulture);
        var budget = settings.PoolBudget ?? SizeBudget(settings);
        var pool = await api.CreatePoolAsync(eventId, new
        {
            sponsorName = $"商洛爱心企业配捐 ({label})",
            budget,
            currency = "CNY",
            opensAt = local,
            ratio = new { match = 1, per = 1 },
            maxPerGift = settings.MaxPerGift,
            maxPerDonorPerDay = settings.MaxPerDonorPerDay,
        }, cancellationToken);
        var loadStartsAt = opensAt - warmup - settings.OpensAfter;
        log($"{label}: pool {pool.Id} ({pool.Status}), budget {budget:N0} fen, opens at {local} {settings.TimeZone} ({opensAt:HH:mm:ss} UTC); " +
            $"the load starts in {(loadStartsAt - DateTimeOffset.UtcNow).TotalSeconds:N1} s");
        var matches = new MatchTally(zone, settings.MaxPerGift, 1, 1, settings.MaxPerDonorPerDay);
        return new OpeningPlan(roster, matches, eventId, pool, local, opensAt, loadStartsAt);
    }

    /// <summary>Budget for <see cref="OpeningSettings.PoolDrain"/> of gifts at <see cref="OpeningSettings.PoolRate"/>, each matched 1:1 up to the cap per gift.</summary>
    public static long SizeBudget(OpeningSettings settings)
    {
        var meanMatch = DonationBodies.Gifts.Average(g => Math.Min(g.Amount, settings.MaxPerGift));
        return (long)(settings.PoolRate * settings.PoolDrain.TotalSeconds * meanMatch);
    }

    /// <summary>Waits until the planned start of the load.</summary>
    public static async Task WaitForStartAsync(OpeningPlan plan, CancellationToken cancellationToken)
    {
        var wait = plan.LoadStartsAt - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, cancellationToken);
        }
    }

    /// <summary>Polls the pool until <paramref name="stop"/> is cancelled: when it opened and when it ran out.</summary>
    public static async Task<PoolTimeline> WatchPoolAsync(PlatformApi api, OpeningPlan plan, CancellationToken stop)
    {
        double? opened = null, exhausted = null;
        int polls = 0, failures = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var pool = await api.GetPoolAsync(plan.Pool.Id, stop);
                polls++;
                var at = Math.Round((DateTimeOffset.UtcNow - plan.OpensAtUtc).TotalSeconds, 2);
                if (opened is null && pool.Status is "open" or "exhausted")
                {
                    opened = at;
                }
                if (exhausted is null && opened is not null && (pool.Status == "exhausted" || pool.RemainingAmount == 0))
                {
                    exhausted = at;
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (HttpRequestException)
            {
                failures++;
            }
            try
            {
                await Task.Delay(250, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return new PoolTimeline(opened, exhausted, polls, failures);
    }

    /// <summary>
    /// After the run (every gift settled): the pool, the server's pool reconciliation and flagged gifts against the
    /// generator's own sums. The matched money must add up exactly on every side, never above the budget, and no donor
    /// may have been matched above the cap in one local day.
    /// </summary>
    public static async Task<OpeningReport> CheckAsync(PlatformApi api, OpeningPlan plan, OpeningSettings settings, DonorLoadResult load, PoolTimeline timeline,
        CancellationToken cancellationToken)
    {
        // A pool's sums may be up to 250 ms old (GET /api/pools/{id}): read it once that has passed since the last gift.
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var pool = await api.GetPoolAsync(plan.Pool.Id, cancellationToken);
        var reconciliation = await api.GetPoolReconciliationAsync(plan.Pool.Id, cancellationToken);
        var flagged = (await api.GetFlaggedGiftsAsync("held", cancellationToken)).LongCount(f => f.PoolId == plan.Pool.Id);
        var generator = plan.Matches.Summarize();

        var failures = new List<string>();
        var overdraw = Math.Max(reconciliation.Overdraw, Math.Max(
            Math.Max(0, pool.MatchedAmount + pool.HeldAmount - pool.Budget), Math.Max(0, generator.ReservedAmount - pool.Budget)));
        if (overdraw != 0)
        {
            failures.Add($"The pool paid out {overdraw:N0} fen more than its budget {pool.Budget:N0}.");
        }
        var capViolations = Math.Max(generator.DonorCapViolations, reconciliation.DonorCapViolations);
        if (capViolations != 0 || generator.GiftCapViolations != 0)
        {
            failures.Add($"Caps broken: {generator.DonorCapViolations:N0} (donor, day) pairs matched above {settings.MaxPerDonorPerDay:N0} fen by the acknowledged gifts, " +
                $"{reconciliation.DonorCapViolations:N0} by the server's reconciliation; {generator.GiftCapViolations:N0} gifts matched above the per-gift cap or the ratio.");
        }
        var exact = generator.MatchedAmount == pool.MatchedAmount && generator.HeldAmount == pool.HeldAmount
            && pool.MatchedAmount + pool.HeldAmount == reconciliation.RowsMatchedAmount
            && reconciliation.RowsMatchedAmount == reconciliation.SlicesUsedAmount
            && reconciliation.Exact && generator.MissingCount == 0;
        if (!exact)
        {
            failures.Add($"Matches do not add up: acknowledged matched {generator.MatchedAmount:N0} + held {generator.HeldAmount:N0} fen ({generator.MissingCount:N0} answers without a match); " +
                $"pool matched {pool.MatchedAmount:N0} + held {pool.HeldAmount:N0}; reconciliation rows {reconciliation.RowsMatchedAmount:N0}, slices {reconciliation.SlicesUsedAmount:N0}, exact {reconciliation.Exact}.");
        }
        if (flagged != generator.HeldCount)
        {
            failures.Add($"{generator.HeldCount:N0} acknowledged gifts were held, but the server lists {flagged:N0} held flagged gifts of this pool.");
        }
        if (generator.MatchedCount == 0)
        {
            failures.Add("No gift was matched: the pool did not open within the run.");
        }
        var split = load.Opening!;
        return new OpeningReport(plan.Roster.Count, plan.Roster.Pace.FastDonors, plan.Roster.VerifySeconds,
            Math.Round(plan.Roster.Count / Math.Max(0.001, plan.Roster.VerifySeconds), 1), Math.Round(plan.Roster.Pace.MostPerSecond, 1),
            plan.EventId, plan.Pool.Id, settings.TimeZone, plan.OpensAtLocal, plan.OpensAtUtc, split.OpensAfterSeconds, pool.Budget,
            settings.MaxPerGift, settings.MaxPerDonorPerDay, split.BeforePerSecond, split.AfterPerSecond, split.RequestAfter.P50, split.RequestAfter.P99,
            timeline, generator, pool, reconciliation, flagged, overdraw, capViolations, exact, failures);
    }
}
