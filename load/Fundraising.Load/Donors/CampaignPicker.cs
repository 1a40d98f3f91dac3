namespace Fundraising.Load.Donors;

/// <summary>
/// Picks a campaign index with Zipf-like popularity (rank k has weight 1/k^s): a few campaigns take
/// most gifts, a long tail of village projects takes a few each. Sampling is a binary search over a
/// precomputed cumulative table: no allocation.
/// </summary>
public sealed class CampaignPicker
{
    private readonly double[] _cumulative;

    public CampaignPicker(int count, double exponent)
    {
        _cumulative = new double[count];
        double sum = 0;
        for (var k = 0; k < count; k++)
        {
            sum += 1.0 / Math.Pow(k + 1, exponent);
            _cumulative[k] = sum;
        }
        for (var k = 0; k < count; k++)
        {
            _cumulative[k] /= sum;
        }
    }

    public int Count => _cumulative.Length;

    /// <summary>The index whose cumulative share first reaches <paramref name="uniform"/> (in [0, 1)).</summary>
    public int Pick(double uniform)
    {
        if (_cumulative.Length == 1)
        {
            return 0;
        }
        var index = Array.BinarySearch(_cumulative, uniform);
        index = index < 0 ? ~index : index;
        return Math.Min(index, _cumulative.Length - 1);
    }
}

/// <summary>xorshift64*: a per-worker random source with no locking and no allocation.</summary>
public struct FastRandom(ulong seed)
{
    private ulong _state = seed == 0 ? 0x9E3779B97F4A7C15UL : seed;

    public ulong NextUInt64()
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        return _state * 0x2545F4914F6CDD1DUL;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public int Next(int maxExclusive) => (int)(NextUInt64() % (ulong)maxExclusive);
}
