using Fundraising.Contracts.Health;
using Fundraising.Persistence.Ledger;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fundraising.Grains.Health;

/// <summary>
/// Every silo's once-a-second report to <see cref="IClusterHealthGrain"/>: the ledger transactions its shared writer
/// committed in the last interval. One grain call per silo per second, whatever the number of gifts.
/// </summary>
public sealed partial class SiloHealthReporter(
    SharedLedgerWriter ledger, ILocalSiloDetails silo, IGrainFactory grains, IHostApplicationLifetime lifetime, ILogger<SiloHealthReporter> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Grain calls work once the silo has started (it starts as a hosted service too, after this one).
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            try
            {
                await started.Task.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        var name = silo.SiloAddress.ToParsableString();
        using var timer = new PeriodicTimer(Interval);
        ledger.CommitStats.TakeInterval(); // the first interval starts now
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var interval = ledger.CommitStats.TakeInterval();
                try
                {
                    await grains.GetGrain<IClusterHealthGrain>(0).ReportAsync(
                        new SiloReport(name, new CommitBatchSummary(interval.Count, interval.Rows, interval.MaxSize)));
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // The grain's silo may be failing over: this second is lost from the dashboard, nothing else.
                    LogReportFailed(exception);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "The silo's health report could not be delivered")]
    private partial void LogReportFailed(Exception exception);
}
