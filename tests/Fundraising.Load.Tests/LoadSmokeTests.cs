using Fundraising.Load.Donors;
using Fundraising.Load.Scenarios;
using Fundraising.TestSupport;
using Xunit.Abstractions;

namespace Fundraising.Load.Tests;

/// <summary>
/// The benchmark's generator, in process, for a few seconds against the real platform: it checks
/// correctness (exact reconciliation, retries answered with the original donation, every watcher
/// shown the final total), never speed, so it holds on a busy 2-core CI machine.
/// </summary>
public sealed class LoadSmokeTests(UnlimitedPlatform platform, ITestOutputHelper output) : IClassFixture<UnlimitedPlatform>
{
    [Fact]
    public async Task BurstWithRetriesAndWatchersReconcilesExactly()
    {
        var result = await ScenarioRunner.RunAsync(new ScenarioSettings
        {
            Name = "smoke-burst",
            Scenario = "burst",
            Target = platform.Web.BaseAddress,
            AdminKey = Platform.AdminKey,
            Workers = 16,
            Duration = TimeSpan.FromSeconds(4),
            Warmup = TimeSpan.Zero,
            RetryShare = 0.25,
            Watchers = 20,
            ProgressInterval = TimeSpan.Zero,
        }, output.WriteLine);

        Assert.True(result.Reconciliation.Exact, result.Reconciliation.Describe());
        Assert.True(result.Load.SucceededTotal > 0, "No donation succeeded.");
        Assert.Equal(result.Load.SucceededTotal, result.Reconciliation.Ledger.Count);
        Assert.True(result.Load.ReplaysChecked > 0, "No retry reused a key.");
        Assert.False(result.Load.Errors.ContainsKey(nameof(ErrorKind.ReplayMismatch)), "A retry with the same key got another donation.");
        Assert.False(result.Load.Errors.ContainsKey(nameof(ErrorKind.Rejected)), "The platform refused a well-formed donation.");
        var watchers = Assert.IsType<Watchers.WatcherResult>(result.Watchers);
        Assert.Equal(20, watchers.Connected);
        Assert.Equal(20, watchers.SawFinalTotal);
        Assert.True(result.Passed, string.Join("; ", result.Failures));
    }

    [Fact]
    public async Task SpreadOverManyCampaignsReconcilesEveryCampaign()
    {
        var result = await ScenarioRunner.RunAsync(new ScenarioSettings
        {
            Name = "smoke-spread",
            Scenario = "spread",
            Target = platform.Web.BaseAddress,
            AdminKey = Platform.AdminKey,
            Workers = 16,
            Campaigns = 40,
            Duration = TimeSpan.FromSeconds(3),
            Warmup = TimeSpan.Zero,
            RetryShare = 0.1,
            ProgressInterval = TimeSpan.Zero,
        }, output.WriteLine);

        Assert.True(result.Reconciliation.Exact, result.Reconciliation.Describe());
        Assert.Equal(40, result.Reconciliation.Campaigns);
        Assert.True(result.Load.SucceededTotal > 0, "No donation succeeded.");
        Assert.True(result.Passed, string.Join("; ", result.Failures));
    }
}
