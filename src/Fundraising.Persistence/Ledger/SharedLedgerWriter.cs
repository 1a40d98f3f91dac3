using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using Fundraising.Persistence.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Fundraising.Persistence.Ledger;

/// <summary>How the silo's shared ledger writer groups batches. Bound from the <c>Ledger</c> section.</summary>
public sealed class LedgerWriterOptions
{
    /// <summary>
    /// Multi-campaign transactions in flight at once. Two overlap one transaction's round trips and commit wait with the
    /// next one's work (measured on 2 cores: see load/README.md); one makes every batch wait for the one before.
    /// </summary>
    [Range(1, 8)]
    public int MaxTransactionsInFlight { get; set; } = 2;

    /// <summary>Rows (inserts, confirmations, refunds) in one transaction; a single batch larger than this goes alone.</summary>
    [Range(1, 100_000)]
    public int MaxRowsPerTransaction { get; set; } = 4_000;

    /// <summary>
    /// Rows that must be waiting before a further transaction starts while one is already in flight; fewer wait for the
    /// one in flight to end and go in the next, larger transaction. An idle writer starts its first transaction at once,
    /// so a lone gift is never held back; under load, transactions grow instead of multiplying, and each statement's
    /// fixed cost (planning, executor start-up, its index and trigger set-up, a commit's flush) is spread over more gifts.
    /// Measured on the 10:00 opening over 200 campaigns (see load/README.md): without it a transaction carried about six
    /// gifts. 1 starts a transaction whenever a slot is free (the behaviour before this option).
    /// </summary>
    [Range(1, 100_000)]
    public int OverlapAfterRows { get; set; } = 64;
}

/// <summary>
/// The silo's one ledger writer: group commit across campaigns. Each campaign's commit queue hands it one batch at a
/// time; batches that arrive while a transaction is in flight queue, and when a slot frees, everything queued (up to
/// <see cref="LedgerWriterOptions.MaxRowsPerTransaction"/> rows) goes in the next transaction. A second transaction
/// overlaps the first only once <see cref="LedgerWriterOptions.OverlapAfterRows"/> rows wait, so load makes
/// transactions bigger before it makes them more numerous. Gifts spread over
/// hundreds of campaigns thus share commits the way the gifts of one hot campaign do.
/// </summary>
/// <remarks>
/// Callers are answered through completions that run their continuations asynchronously, so a grain resumes on its own
/// scheduler, never inline in the writer's loop, and the loop itself runs on the thread pool, never on a grain's.
/// A transaction that fails before COMMIT with an error PostgreSQL raised (a campaign without a catalogue row, a
/// constraint) wrote nothing: each of its batches is then committed alone, once, so one bad batch fails only its own
/// caller. A COMMIT whose outcome is unknown fails every batch in it; their grains re-read their totals and callers retry
/// with their idempotency keys. It is never retried as it is: the retry would report its own rows as existing, and
/// the grains would never add the first commit to their totals.
/// </remarks>
public sealed partial class SharedLedgerWriter(PostgresLedgerWriter writer, IOptions<LedgerWriterOptions> options, ILogger<SharedLedgerWriter> logger)
    : IDonationLedger
{
    private readonly LedgerWriterOptions _options = options.Value;
    private readonly Lock _lock = new();
    private readonly Queue<Queued> _queued = new();
    // Campaigns with a batch queued or in a transaction: each campaign's queue keeps one in flight, asserted here.
    private readonly HashSet<Guid> _campaigns = [];
    private int _inFlight;
    private int _queuedRows;
    private long _transactions;
    private long _batches;
    private long _retriedAlone;

    /// <summary>Transactions committed so far (combined ones and batches committed alone after a combined failure).</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>Batches committed so far; divided by <see cref="Transactions"/>, how well campaigns share commits.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Batches committed alone (or failed alone) after the transaction they shared failed before COMMIT.</summary>
    public long RetriedAlone => Interlocked.Read(ref _retriedAlone);

    /// <summary>The rows of each committed transaction, for metrics and the silo's report to the dashboard.</summary>
    public CommitBatchStats CommitStats { get; } = new();

    /// <summary>Queues <paramref name="batch"/> for the next transaction. Once queued it is written whatever the token says.</summary>
    public Task<LedgerBatchOutcome> CommitAsync(LedgerBatch batch, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var queued = new Queued(batch);
        bool start;
        lock (_lock)
        {
            if (!_campaigns.Add(batch.CampaignId))
            {
                // Cannot happen while every campaign's commit queue keeps one batch in flight; if it does, say so loudly
                // rather than let one transaction (or two at once) carry two batches of one campaign.
                LogTwoBatches(batch.CampaignId);
                return Task.FromException<LedgerBatchOutcome>(new InvalidOperationException(
                    $"Campaign {batch.CampaignId} handed the ledger a second batch while one was in flight."));
            }
            _queued.Enqueue(queued);
            _queuedRows += queued.Rows;
            start = _inFlight == 0 || (_inFlight < _options.MaxTransactionsInFlight && _queuedRows >= _options.OverlapAfterRows);
            if (start)
            {
                _inFlight++;
            }
        }
        if (start)
        {
            // On the thread pool: started from inside a grain's turn, the loop would otherwise run on that grain's scheduler.
            _ = Task.Run(DrainAsync);
        }
        return queued.Completion.Task;
    }

    // One of at most MaxTransactionsInFlight loops. The decision to stop and the decision to start one are both taken
    // under the lock, so a batch queued while a loop is leaving is always seen by a loop: a loop leaves work behind only
    // when another loop is in flight (it takes the queue when its transaction ends), and of two loops deciding at once
    // the second sees itself alone.
    private async Task DrainAsync()
    {
        while (true)
        {
            List<Queued> group;
            lock (_lock)
            {
                if (_queued.Count == 0 || (_inFlight > 1 && _queuedRows < _options.OverlapAfterRows))
                {
                    _inFlight--;
                    return;
                }
                group = TakeGroup();
            }
            if (group.Count > 0)
            {
                await CommitGroupAsync(group);
            }
        }
    }

    private List<Queued> TakeGroup()
    {
        var group = new List<Queued>();
        var rows = 0;
        while (_queued.TryPeek(out var next) && (group.Count == 0 || rows + next.Rows <= _options.MaxRowsPerTransaction))
        {
            group.Add(_queued.Dequeue());
            rows += next.Rows;
        }
        _queuedRows -= rows;
        return group;
    }

    private async Task CommitGroupAsync(List<Queued> group)
    {
        try
        {
            var startedAt = Stopwatch.GetTimestamp();
            var outcomes = await writer.CommitManyAsync([.. group.Select(q => q.Batch)]);
            Committed(outcomes, group.Sum(q => q.Rows), startedAt);
            for (var i = 0; i < group.Count; i++)
            {
                Answer(group[i], outcomes[i], null);
            }
        }
        catch (Exception exception) when (group.Count > 1 && WroteNothing(exception))
        {
            LogAlone(group.Count, exception);
            Interlocked.Add(ref _retriedAlone, group.Count);
            foreach (var queued in group)
            {
                await CommitAloneAsync(queued);
            }
        }
        catch (Exception exception)
        {
            foreach (var queued in group)
            {
                Answer(queued, null, exception);
            }
        }
    }

    private async Task CommitAloneAsync(Queued queued)
    {
        try
        {
            var startedAt = Stopwatch.GetTimestamp();
            var outcomes = await writer.CommitManyAsync([queued.Batch]);
            Committed(outcomes, queued.Rows, startedAt);
            Answer(queued, outcomes[0], null);
        }
        catch (Exception exception)
        {
            Answer(queued, null, exception);
        }
    }

    // The campaign is released before its caller hears: the caller may hand in its next batch at once, on another thread.
    private void Answer(Queued queued, LedgerBatchOutcome? outcome, Exception? exception)
    {
        lock (_lock)
        {
            _campaigns.Remove(queued.Batch.CampaignId);
        }
        if (exception is null)
        {
            queued.Completion.TrySetResult(outcome!);
        }
        else
        {
            queued.Completion.TrySetException(exception);
        }
    }

    private void Committed(IReadOnlyList<LedgerBatchOutcome> outcomes, int rows, long startedAt)
    {
        Interlocked.Increment(ref _transactions);
        Interlocked.Add(ref _batches, outcomes.Count);
        CommitStats.Record(rows);
        FundraisingMetrics.Committed(outcomes, rows, startedAt);
    }

    // Failures of COMMIT come as LedgerCommitUncertainException; before it, PostgreSQL's own refusal (or ours, of a
    // campaign without a catalogue row) means the transaction rolled back. Anything else (the connection broke, a
    // timeout) fails every batch: retrying each alone would only multiply the load on a database in trouble.
    private static bool WroteNothing(Exception exception) => exception is PostgresException or CampaignNotInCatalogueException;

    private sealed class Queued(LedgerBatch batch)
    {
        public LedgerBatch Batch { get; } = batch;

        public int Rows { get; } = Math.Max(1, batch.Inserts.Count + batch.Confirms.Count + batch.RefundList.Count);

        public TaskCompletionSource<LedgerBatchOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A ledger transaction of {Count} campaigns' batches failed before COMMIT; committing each alone")]
    private partial void LogAlone(int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Campaign {CampaignId} handed the shared ledger writer a second batch while one was in flight")]
    private partial void LogTwoBatches(Guid campaignId);
}
