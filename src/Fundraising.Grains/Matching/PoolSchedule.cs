using Fundraising.Contracts.Matching;

namespace Fundraising.Grains.Matching;

/// <summary>
/// When a pool matches: every day of its event's window from the local opening time (in the event's zone) to the end of
/// that local day, unless paused, empty, or the event is over. The one place this is said.
/// </summary>
public static class PoolSchedule
{
    public static TimeZoneInfo Zone(string timeZone) => TimeZoneInfo.FindSystemTimeZoneById(timeZone);

    /// <summary>The local date in the pool's zone: the day donors' caps and daily budgets count for.</summary>
    public static DateOnly Today(PoolDefinition pool, DateTimeOffset now) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, Zone(pool.TimeZone)).DateTime);

    /// <summary>The instant of the opening on a local day.</summary>
    public static DateTimeOffset OpeningOn(PoolDefinition pool, DateOnly day)
    {
        var zone = Zone(pool.TimeZone);
        var local = day.ToDateTime(pool.OpensAt);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    /// <summary>The first opening at or after <paramref name="now"/> within the event, or null when none is left.</summary>
    public static DateTimeOffset? NextOpening(PoolDefinition pool, DateTimeOffset now)
    {
        // Today's opening, or else tomorrow's (which is always after now).
        var today = Today(pool, Max(now, pool.EventStartsAt));
        foreach (var day in new[] { today, today.AddDays(1) })
        {
            var opening = Max(OpeningOn(pool, day), pool.EventStartsAt);
            if (opening >= pool.EventEndsAt)
            {
                return null;
            }
            if (opening >= now)
            {
                return opening;
            }
        }
        return null;
    }

    /// <summary>Whether the clock allows matching now (not whether money is left).</summary>
    public static bool IsWithinHours(PoolDefinition pool, DateTimeOffset now) =>
        now >= pool.EventStartsAt && now < pool.EventEndsAt && now >= OpeningOn(pool, Today(pool, now));

    public static PoolStatus StatusAt(PoolDefinition pool, bool paused, long leftToday, DateTimeOffset now) => true switch
    {
        _ when now >= pool.EventEndsAt => PoolStatus.Closed,
        _ when paused => PoolStatus.Paused,
        _ when !IsWithinHours(pool, now) => PoolStatus.Scheduled,
        _ when leftToday <= 0 => PoolStatus.Exhausted,
        _ => PoolStatus.Open,
    };

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
