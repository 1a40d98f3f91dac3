using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fundraising.Grains.Hosting;

/// <summary>
/// Bounds a silo's graceful stop. The host gives its services <see cref="HostOptions.ShutdownTimeout"/> after SIGTERM;
/// the silo leaves the cluster, finishes the commit in flight and hands its grains over within it. Some of that waits on
/// PostgreSQL (the membership row, grain state), and with the database unreachable those waits were not all bounded: the
/// stop hung for minutes. A stop still running <see cref="Grace"/> after the host's timeout is ended here, with a log line
/// saying what was left undone; nothing is lost by it, since nothing is acknowledged before it is durable (the other silos
/// declare this one dead, as after a kill, and its grains come back with their committed state). A stop that finishes
/// (<see cref="IHostApplicationLifetime.ApplicationStopped"/>) disarms it. Registered by the standalone silo only: it ends
/// the whole process, so it has no place in a host that shares its process (a test's, or a web app's co-hosted silo).
/// </summary>
public sealed class StopDeadline(IHostApplicationLifetime lifetime, IOptions<HostOptions> host, ILogger<StopDeadline> logger) : IHostedService
{
    /// <summary>Beyond the host's own shutdown timeout, for the host to finish what it cancelled.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    private CancellationTokenRegistration _stopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = lifetime.ApplicationStopping.Register(() =>
        {
            var deadline = host.Value.ShutdownTimeout + Grace;
            var watch = new Thread(() =>
            {
                if (lifetime.ApplicationStopped.WaitHandle.WaitOne(deadline))
                {
                    return;
                }
                logger.LogCritical(
                    "The graceful stop did not finish within {Deadline} s (shutdown timeout {Timeout} s); ending the process. Not done: leaving the " +
                    "membership table and handing grains over (the other silos declare this one dead), writes still waiting for PostgreSQL (nothing " +
                    "acknowledged is among them)", (int)deadline.TotalSeconds, (int)host.Value.ShutdownTimeout.TotalSeconds);
                // The console logger writes from a queue of its own: give it a moment. Environment.Exit would wait for
                // the host's stop, which is what hangs; killing this process is what a kubelet or down.sh would do next.
                Thread.Sleep(500);
                Process.GetCurrentProcess().Kill();
            })
            { IsBackground = true, Name = "stop deadline" };
            watch.Start();
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Dispose();
        return Task.CompletedTask;
    }
}
