using Fundraising.Load.Donors;
using Fundraising.Load.Opening;
using Fundraising.Load.Scenarios;
using Fundraising.TestSupport;
using Xunit.Abstractions;

namespace Fundraising.Load.Tests;

/// <summary>
/// The 10:00 opening in a few seconds: verified donors (a few of them much too fast), one event, one small pool that
/// opens two seconds into the run (on a whole minute: the run waits up to a minute for it, doing nothing) and drains.
/// Correctness only, never speed: the pool is never overdrawn, no donor is matched above the cap, gifts and matches
/// reconcile exactly, at least one gift is matched and one is held and flagged.
/// </summary>
internal static class OpeningSmoke
{
    public static ScenarioSettings Settings(string name, Uri target) => new()
    {
        Name = name,
        Scenario = "opening",
        Target = target,
        AdminKey = Platform.AdminKey,
        Workers = 8,
        // Few campaigns: on the platform a campaign matches only from a slice of the pool it asks for after its first gift
        // of the opening, so each campaign's first gift or so is not matched; five campaigns get their slices at once.
        Campaigns = 5,
        Duration = TimeSpan.FromSeconds(10),
        Warmup = TimeSpan.Zero,
        RetryShare = 0.1,
        ProgressInterval = TimeSpan.Zero,
        Opening = new OpeningSettings
        {
            // 200 people arrive over the first 16 s (about 12 gifts a second) and 10 give every 2 to 4 s, so that there are
            // matched gifts after the opening and held ones. Small matches (at most 1,000 fen, 2,000 a donor a day: a fast
            // donor's second match is held) because the platform hands each campaign a slice of at least ten gifts' worth:
            // 60,000 fen is the five campaigns' first slices and ten matches more, so it runs out during the smoke.
            Pace = new DonorPace(Donors: 200, FastDonors: 10, FastGapMinSeconds: 2, FastGapMaxSeconds: 4),
            VerifyParallel = 16,
            OpensAfter = TimeSpan.FromSeconds(2),
            PoolBudget = 60_000,
            MaxPerGift = 1_000,
            MaxPerDonorPerDay = 2_000,
        },
    };

    public static void AssertCorrect(ScenarioResult result)
    {
        var opening = Assert.IsType<OpeningReport>(result.Opening);
        Assert.True(result.Reconciliation.Exact, result.Reconciliation.Describe());
        Assert.Equal(0, opening.Overdraw);
        Assert.Equal(0, opening.DonorCapViolations);
        Assert.Equal(0, opening.Reconciliation.DonorCapViolations);
        Assert.Equal(0, opening.Generator.GiftCapViolations);
        Assert.True(opening.MatchesExact, opening.Describe());
        Assert.True(opening.Generator.MatchedCount > 0, "No gift was matched. " + opening.Describe());
        Assert.True(opening.Generator.HeldCount > 0 && opening.FlaggedHeld > 0, "No gift was held and flagged. " + opening.Describe());
        Assert.True(opening.Generator.MatchedAmount + opening.Generator.HeldAmount <= opening.Budget, opening.Describe());
        Assert.False(result.Load.Errors.ContainsKey(nameof(ErrorKind.ReplayMismatch)), "A retry with the same key got another donation.");
        Assert.False(result.Load.Errors.ContainsKey(nameof(ErrorKind.Rejected)), "The server refused a well-formed donation.");
        Assert.True(result.Passed, string.Join("; ", result.Failures));
    }
}

/// <summary>The opening against the naive baseline (a process on its own test database): the comparison the benchmark makes.</summary>
public sealed class OpeningBaselineSmokeTests(NaiveBaseline baseline, ITestOutputHelper output) : IClassFixture<NaiveBaseline>
{
    [Fact]
    public async Task OpeningOnTheNaiveBaselineNeverOverdrawsAndReconcilesExactly()
    {
        var result = await ScenarioRunner.RunAsync(OpeningSmoke.Settings("smoke-opening-baseline", baseline.BaseAddress), output.WriteLine);
        OpeningSmoke.AssertCorrect(result);
    }
}

/// <summary>The opening against the real platform (rate limits off), with its pools, Donor-Token and velocity flags.</summary>
public sealed class OpeningSmokeTests(UnlimitedPlatform platform, ITestOutputHelper output) : IClassFixture<UnlimitedPlatform>
{
    [Fact]
    public async Task OpeningOnThePlatformNeverOverdrawsAndReconcilesExactly()
    {
        // With watchers on the event's boards: the run then checks every board against the acknowledged gifts.
        var result = await ScenarioRunner.RunAsync(OpeningSmoke.Settings("smoke-opening", platform.Web.BaseAddress) with { BoardWatchers = 12 }, output.WriteLine);
        OpeningSmoke.AssertCorrect(result);
        var boards = Assert.IsType<BoardsReport>(result.Boards);
        Assert.True(boards.Exact, string.Join("; ", boards.Failures));
        Assert.Equal(12, boards.Watchers.SawFinalTotal);
        Assert.Equal(6, boards.Boards.Count);
        Assert.All(boards.Boards, b => Assert.Equal(b.Expected, b.Shown));
        Assert.True(boards.Boards.Single(b => b.Board == "campaigns").Shown.Count > 0, boards.Describe());
    }
}

/// <summary>The naive comparison server (<c>load/Fundraising.Load.Baseline</c>, <c>Baseline:Mode=naive</c>) as a process on a fresh test database.</summary>
public sealed class NaiveBaseline : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private AppProcess _server = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(migrate: false);
        BaseAddress = new Uri($"http://127.0.0.1:{TestEnvironment.FreePort()}");
        _server = await AppProcess.StartAsync("Fundraising.Load.Baseline", "naive-baseline", new Dictionary<string, string>
        {
            ["Baseline__Mode"] = "naive",
            ["Admin__ApiKey"] = Platform.AdminKey,
            ["ConnectionStrings__Baseline"] = _database.ConnectionString + ";Maximum Pool Size=16",
        }, $"--urls {BaseAddress}");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _database.DisposeAsync();
    }
}
