using System.Diagnostics;
using Fundraising.Load.Measurement;
using Fundraising.Load.Api;

namespace Fundraising.Load.Capacity;

/// <summary>The memory of one silo holding many active campaigns (village projects at province scale).</summary>
public sealed record CapacityResult(
    string Name,
    DateTimeOffset StartedAt,
    int Campaigns,
    int Activated,
    double Seconds,
    double ActivationsPerSecond,
    long ResidentBytesBefore,
    long ResidentBytesAfter,
    long ResidentBytesSettled,
    long LimitBytes,
    bool Passed);

/// <summary>
/// Creates campaigns once, and (after the server restarted, so that none is active) reads every one
/// through the public API, which activates its grain; then reads the server's resident set size.
/// </summary>
public static class CapacityScenario
{
    public const long TwoGiB = 2L * 1024 * 1024 * 1024;

    public static async Task CreateAsync(Uri target, string adminKey, int count, string idsFile, Action<string> log, CancellationToken cancellationToken)
    {
        using var api = new PlatformApi(target, adminKey);
        var started = Stopwatch.StartNew();
        var specs = PlatformApi.SpreadCampaigns(count, villageShare: 0.95);
        var ids = await api.CreateCampaignsAsync(specs, open: false, parallel: 64,
            progress: n => { if (n % 10_000 == 0) { log($"  {n:N0} campaigns created ({n / started.Elapsed.TotalSeconds:N0}/s)"); } }, cancellationToken: cancellationToken);
        await File.WriteAllLinesAsync(idsFile, ids.Select(i => i.ToString()), cancellationToken);
        log($"Created {count:N0} campaigns in {started.Elapsed.TotalSeconds:F1} s; ids in {idsFile}");
    }

    public static async Task<CapacityResult> ActivateAsync(Uri target, string adminKey, string idsFile, int serverPid, Action<string> log, CancellationToken cancellationToken)
    {
        var ids = (await File.ReadAllLinesAsync(idsFile, cancellationToken)).Where(l => l.Length > 0).Select(Guid.Parse).ToArray();
        using var api = new PlatformApi(target, adminKey);
        var startedAt = DateTimeOffset.UtcNow;
        var before = CpuSampler.ResidentBytes(serverPid);
        log($"Activating {ids.Length:N0} campaigns by reading each; server RSS before: {before / 1048576.0:N0} MiB");
        var started = Stopwatch.StartNew();
        var activated = 0;
        await Parallel.ForAsync(0, ids.Length, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            await api.GetCampaignTotalsAsync(ids[i], ct);
            var n = Interlocked.Increment(ref activated);
            if (n % 10_000 == 0)
            {
                log($"  {n:N0} active ({n / started.Elapsed.TotalSeconds:N0}/s), server RSS {CpuSampler.ResidentBytes(serverPid) / 1048576.0:N0} MiB");
            }
        });
        started.Stop();
        var after = CpuSampler.ResidentBytes(serverPid);
        // Let the server settle (background GC, timers) before the reading that counts.
        await Task.Delay(TimeSpan.FromSeconds(10), cancellationToken);
        var settled = CpuSampler.ResidentBytes(serverPid);
        var passed = activated == ids.Length && Math.Max(after, settled) <= TwoGiB;
        log($"{activated:N0} campaigns active in {started.Elapsed.TotalSeconds:F1} s; server RSS {after / 1048576.0:N0} MiB, settled {settled / 1048576.0:N0} MiB (limit 2,048 MiB)");
        return new CapacityResult("capacity", startedAt, ids.Length, activated, Math.Round(started.Elapsed.TotalSeconds, 1),
            Math.Round(activated / started.Elapsed.TotalSeconds, 1), before, after, settled, TwoGiB, passed);
    }
}
