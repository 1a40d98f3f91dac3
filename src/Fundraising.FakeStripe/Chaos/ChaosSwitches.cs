using Fundraising.FakeStripe.Hosting;
using Microsoft.Extensions.Options;

namespace Fundraising.FakeStripe.Chaos;

/// <summary>A fault to inject into one API call.</summary>
internal enum ApiFault
{
    ServerError,
    Timeout,

    /// <summary>The call is carried out (and kept for its idempotency key), then the connection is cut before the answer.</summary>
    AnswerLost,
}

/// <summary>How one event will be delivered.</summary>
internal sealed record DeliveryPlan(bool Drop, int Copies, TimeSpan Delay, TimeSpan ReorderWindow);

/// <summary>
/// The switches in force and the seeded random source that applies them. Thread-safe. Decisions are drawn in event
/// order by the single webhook sender loop, so a given seed and sequence of events meet the same chaos.
/// </summary>
internal sealed class ChaosSwitches(IOptions<FakeStripeOptions> options)
{
    private readonly Lock gate = new();
    private Random random = new(options.Value.Seed);
    private ChaosSettings settings = new();
    private int faultsLeft;

    public ChaosSettings Current
    {
        get
        {
            lock (gate)
            {
                return settings with { ApiFaultCount = faultsLeft, Seed = null };
            }
        }
    }

    public void Apply(ChaosSettings next)
    {
        lock (gate)
        {
            if (next.Seed is { } seed)
            {
                random = new Random(seed);
            }
            settings = next;
            faultsLeft = next.ApiFault is null ? 0 : next.ApiFaultCount == 0 ? 1 : next.ApiFaultCount;
        }
    }

    /// <summary>The fault for this API call, if one is switched on for its path; counts it.</summary>
    public ApiFault? TakeApiFault(string path)
    {
        lock (gate)
        {
            if (faultsLeft == 0 || settings.ApiFault is null
                || (settings.ApiFaultPath is { } prefix && !path.StartsWith(prefix, StringComparison.Ordinal)))
            {
                return null;
            }
            if (faultsLeft > 0)
            {
                faultsLeft--;
            }
            return settings.ApiFault switch { "timeout" => ApiFault.Timeout, "lost" => ApiFault.AnswerLost, _ => ApiFault.ServerError };
        }
    }

    public DeliveryPlan PlanDelivery()
    {
        lock (gate)
        {
            // Always draw both numbers so that switching one rate does not shift the other's sequence.
            var drop = random.NextDouble() < settings.DropRate;
            var duplicate = random.NextDouble() < settings.DuplicateRate;
            return new DeliveryPlan(
                drop, duplicate ? 2 : 1, TimeSpan.FromMilliseconds(settings.DelayMs), TimeSpan.FromMilliseconds(settings.ReorderWindowMs));
        }
    }

    public void Shuffle<T>(IList<T> items)
    {
        lock (gate)
        {
            for (var i = items.Count - 1; i > 0; i--)
            {
                var j = random.Next(i + 1);
                (items[i], items[j]) = (items[j], items[i]);
            }
        }
    }
}
