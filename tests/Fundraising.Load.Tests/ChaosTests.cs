using System.Diagnostics;
using System.Text.Json;
using Fundraising.TestSupport;
using Xunit.Abstractions;

namespace Fundraising.Load.Tests;

/// <summary>
/// The four faults of issue 12 on the real loopback cluster (3 silos, 2 front ends, nginx, PostgreSQL on 55432 and the
/// ports of deploy/local/cluster.sh): <c>load/chaos.sh --quick</c>, a process of its own, while gifts and watchers flow.
/// Asserts on the run's chaos-summary.json: nothing acknowledged lost, exact reconciliation, every watcher saw the final
/// total, no failed donor request during the rolling restart, and in the two kill cases failures for no longer than the
/// cluster's failure-detection time plus <see cref="MarginSeconds"/>.
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output)
{
    /// <summary>Beyond the detection time: the vote and membership write that follow it, and a loaded machine's jitter.</summary>
    public const int MarginSeconds = 3;

    [Fact]
    public async Task FaultsOnTheClusterLoseNothingAndDonorsSeeErrorsOnlyWhileADeadProcessIsDetected()
    {
        var results = Path.Combine(TestEnvironment.RepositoryRoot, ".data", "test-logs", $"chaos-{DateTime.UtcNow:HHmmss}");
        var run = new ProcessStartInfo("bash", ["load/chaos.sh", "--quick", "--name", "chaos-test", "--out", results])
        {
            WorkingDirectory = TestEnvironment.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(run)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10)))
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"load/chaos.sh --quick did not end within 10 minutes; see {results}");
            }
        }
        output.WriteLine(await stdout);
        output.WriteLine(await stderr);
        Assert.True(process.ExitCode == 0, $"load/chaos.sh --quick ended with {process.ExitCode}; see {results}");

        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(results, "chaos-summary.json")));
        var root = summary.RootElement;
        Assert.True(root.GetProperty("acknowledged").GetInt64() > 0, "No gift was acknowledged.");
        Assert.Equal(0, root.GetProperty("unresolved").GetInt64());
        Assert.True(root.GetProperty("reconciled").GetBoolean(), "Generator, API, ledger, grains and catalogue do not agree.");
        Assert.Equal(root.GetProperty("watchers").GetInt32(), root.GetProperty("watchersSawFinalTotal").GetInt32());

        var detection = root.GetProperty("detectionSeconds").GetInt32();
        var faults = root.GetProperty("faults").EnumerateArray().ToDictionary(f => f.GetProperty("key").GetString()!, f => f);
        Assert.Equal(["a", "b", "c", "d"], faults.Keys.Order());
        Assert.True(faults["d"].GetProperty("failedRequests").GetInt64() == 0, $"Donors saw failures in the rolling restart: {faults["d"]}");
        foreach (var kill in new[] { "a", "b" })
        {
            var seconds = faults[kill].GetProperty("errorSeconds").GetInt32();
            Assert.True(seconds <= detection + MarginSeconds,
                $"Fault {kill}: failures over {seconds} s, more than the detection time {detection} s + {MarginSeconds} s: {faults[kill]}");
        }
    }
}
