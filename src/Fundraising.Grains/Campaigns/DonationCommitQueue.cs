using Fundraising.Contracts.Donations;
using Fundraising.Contracts.Matching;
using Fundraising.Persistence.Matching;
using Fundraising.Persistence.Ledger;
using Microsoft.Extensions.Logging;

namespace Fundraising.Grains.Campaigns;

/// <summary>
/// Group commit for one campaign. Commands queue up while one batch is being written; when it is
/// durable, everything that queued behind it becomes the next batch. One write is ever in flight,
/// so a hot campaign pays one transaction per batch, not per donation, and callers are answered
/// only after their batch has committed.
/// </summary>
/// <remarks>
/// Not thread-safe by design: it lives inside a (reentrant) grain, whose turns never run in parallel.
/// </remarks>
/// <remarks>
/// <paramref name="matching"/> gives the campaign's matching plan as it stands when a batch is formed (null without pools).
/// A batch that fails may still have committed (a lost commit acknowledgement looks the same as a failure), so after one
/// the owner's durable state is read again (<paramref name="resync"/>) before the next batch, with no batch in flight:
/// from then on its totals are the ledger's. Waiting for a quiet moment instead never came on a busy campaign, and a
/// campaign whose gifts stopped kept totals short of its ledger (found by load/chaos.sh: a PostgreSQL restart under a
/// burst left two campaigns one gift short each).
/// </remarks>
internal sealed partial class DonationCommitQueue(
    Guid campaignId, IDonationLedger ledger, Func<IMatchPlan?> matching, Func<LedgerBatchOutcome, Task> onCommitted, Func<Task> onFailed,
    Func<Task> resync, ILogger logger)
{
    private const int MaxBatchSize = 2_000;
    // While the database does not answer, the read is tried again this many times (0.5 s, 1 s, 1.5 s ... apart); after
    // that the next command tries first.
    private const int MaxResyncAttempts = 20;

    private List<Command> _queued = [];
    private Task? _flushing;
    private bool _resync;

    public int Queued => _queued.Count;

    public Task<DonationResult> InsertAsync(LedgerInsert insert) => Enqueue(new Command(insert, null, null)).Donation!.Task;

    public Task<DonationResult> ConfirmAsync(LedgerConfirm confirm) => Enqueue(new Command(null, confirm, null)).Donation!.Task;

    public Task<RefundResult> RefundAsync(LedgerRefund refund) => Enqueue(new Command(null, null, refund)).RefundCompletion!.Task;

    private Command Enqueue(Command command)
    {
        _queued.Add(command);
        if (_flushing is null)
        {
            // FlushAsync can finish without ever yielding (the database answered before it was awaited): its
            // finally has then already cleared _flushing, and storing the completed task would stop every
            // later flush, leaving commands queued forever. Only a flush still running is remembered.
            var flushing = FlushAsync();
            if (!flushing.IsCompleted)
            {
                _flushing = flushing;
            }
        }
        return command;
    }

    private async Task FlushAsync()
    {
        try
        {
            var attempts = 0;
            while (_queued.Count > 0 || _resync)
            {
                if (_resync)
                {
                    try
                    {
                        await resync();
                        _resync = false;
                        LogResynced(campaignId);
                    }
                    catch (Exception exception)
                    {
                        // The database still does not answer: whoever queued hears it now (and retries with its key)
                        // rather than wait behind a read that may take a while.
                        var waiting = _queued;
                        _queued = [];
                        foreach (var command in waiting)
                        {
                            command.Fail(exception);
                        }
                        if (++attempts >= MaxResyncAttempts)
                        {
                            LogResyncGivenUp(exception, campaignId, attempts);
                            return;
                        }
                        await Task.Delay(TimeSpan.FromMilliseconds(500 * attempts));
                    }
                    continue;
                }
                List<Command> batch;
                if (_queued.Count <= MaxBatchSize)
                {
                    batch = _queued;
                    _queued = [];
                }
                else
                {
                    batch = _queued.GetRange(0, MaxBatchSize);
                    _queued.RemoveRange(0, MaxBatchSize);
                }
                LogCommitting(campaignId, batch.Count);
                await CommitAsync(batch);
                LogCommitted(campaignId, batch.Count);
            }
        }
        finally
        {
            _flushing = null;
        }
    }

    private async Task CommitAsync(List<Command> batch)
    {
        LedgerBatchOutcome outcome;
        try
        {
            var inserts = batch.Where(c => c.Insert is not null).Select(c => c.Insert!).ToList();
            var confirms = batch.Where(c => c.Confirm is not null).Select(c => c.Confirm!).ToList();
            var refunds = batch.Where(c => c.Refund is not null).Select(c => c.Refund!).ToList();
            outcome = await ledger.CommitAsync(new LedgerBatch(campaignId, inserts, confirms, refunds, matching()));
            await onCommitted(outcome);
        }
        catch (Exception exception)
        {
            // The transaction may or may not have committed (a lost commit acknowledgement looks the
            // same as a failure): the owner reloads durable state before the next batch.
            _resync = true;
            await onFailed();
            foreach (var command in batch)
            {
                command.Fail(exception);
            }
            return;
        }

        try
        {
            var results = new BatchResults(outcome);
            foreach (var command in batch)
            {
                command.Complete(results);
            }
        }
        catch (Exception exception)
        {
            // Never leave a caller waiting forever: whoever was not answered gets the error.
            foreach (var command in batch)
            {
                command.Fail(exception);
            }
        }
    }

    /// <summary>The outcome of a batch, indexed for answering each caller.</summary>
    private sealed class BatchResults
    {
        private readonly Dictionary<Guid, DonationRecord> _inserted;
        private readonly Dictionary<string, ExistingDonation> _existing = [];
        private readonly Dictionary<Guid, DonationRecord> _confirmed;
        private readonly Dictionary<Guid, DonationRecord> _unchanged;
        private readonly Dictionary<Guid, RefundResult> _refunds;
        private readonly IReadOnlyDictionary<Guid, DonationError> _refused;
        private readonly HashSet<Guid> _answered = [];
        private readonly IReadOnlyDictionary<Guid, MatchOutcome> _matches;

        public BatchResults(LedgerBatchOutcome outcome)
        {
            _inserted = outcome.Inserted.ToDictionary(r => r.Id);
            foreach (var earlier in outcome.Existing)
            {
                _existing.TryAdd(earlier.IdempotencyKey, earlier);
            }
            _confirmed = outcome.Confirmed.ToDictionary(r => r.Id);
            _unchanged = outcome.Unchanged.ToDictionary(r => r.Id);
            _refunds = outcome.RefundList.ToDictionary(r => r.RefundId, r => r.Result);
            _refused = outcome.RefusedInserts ?? new Dictionary<Guid, DonationError>();
            _matches = outcome.Matching?.Matches ?? new Dictionary<Guid, MatchOutcome>();
        }

        // A succeeded gift always says what it was matched (perhaps nothing); a pending one has no match yet.
        private MatchOutcome? MatchOf(DonationRecord record) =>
            record.Status == DonationStatus.Pending ? null : _matches.GetValueOrDefault(record.Id, MatchOutcome.NotMatched);

        public DonationResult Insert(LedgerInsert insert)
        {
            if (_inserted.TryGetValue(insert.Record.Id, out var record))
            {
                return new DonationResult(DonationError.None, record, Match: MatchOf(record));
            }
            if (_refused.TryGetValue(insert.Record.Id, out var error))
            {
                return DonationResult.Failed(error);
            }
            if (_existing.TryGetValue(insert.IdempotencyKey, out var earlier))
            {
                return earlier.RequestHash.AsSpan().SequenceEqual(insert.RequestHash)
                    ? new DonationResult(DonationError.None, earlier.Record, Replayed: true, Match: MatchOf(earlier.Record))
                    : DonationResult.Failed(DonationError.IdempotencyKeyReused);
            }
            throw new InvalidOperationException($"The ledger neither inserted nor found donation {insert.Record.Id}.");
        }

        public DonationResult Confirm(LedgerConfirm confirm)
        {
            var id = confirm.DonationId;
            if (!_confirmed.TryGetValue(id, out var record) && !_unchanged.TryGetValue(id, out record))
            {
                return DonationResult.Failed(DonationError.DonationNotFound);
            }
            if (!record.IsPaidThrough(confirm.Provider))
            {
                // The ledger changed nothing for it; another provider's confirmation in the same batch may have.
                return DonationResult.Failed(DonationError.ProviderMismatch, $"This gift is paid through '{record.Provider}', not '{confirm.Provider}'.");
            }
            // A donation confirmed twice in one batch changed once; the second caller is a replay.
            return _confirmed.ContainsKey(id)
                ? new DonationResult(DonationError.None, record, Replayed: !_answered.Add(id), Match: MatchOf(record))
                : new DonationResult(DonationError.None, record, Replayed: true, Match: MatchOf(record));
        }

        public RefundResult Refund(LedgerRefund refund) =>
            _refunds.TryGetValue(refund.Record.Id, out var result)
                ? result
                : throw new InvalidOperationException($"The ledger did not answer refund {refund.Record.Id}.");
    }

    private sealed class Command(LedgerInsert? insert, LedgerConfirm? confirm, LedgerRefund? refund)
    {
        public LedgerInsert? Insert { get; } = insert;
        public LedgerConfirm? Confirm { get; } = confirm;
        public LedgerRefund? Refund { get; } = refund;

        // Callers resume as their own work items on the grain's scheduler, never inline inside the flush loop.
        public TaskCompletionSource<DonationResult>? Donation { get; } =
            refund is null ? new(TaskCreationOptions.RunContinuationsAsynchronously) : null;

        public TaskCompletionSource<RefundResult>? RefundCompletion { get; } =
            refund is not null ? new(TaskCreationOptions.RunContinuationsAsynchronously) : null;

        public void Complete(BatchResults results)
        {
            if (Refund is { } refund)
            {
                RefundCompletion!.TrySetResult(results.Refund(refund));
            }
            else
            {
                Donation!.TrySetResult(Insert is { } insert ? results.Insert(insert) : results.Confirm(Confirm!));
            }
        }

        public void Fail(Exception exception)
        {
            Donation?.TrySetException(exception);
            RefundCompletion?.TrySetException(exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Campaign {CampaignId}: committing a batch of {Count}")]
    private partial void LogCommitting(Guid campaignId, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} read its totals again from the ledger after a failed batch")]
    private partial void LogResynced(Guid campaignId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {CampaignId} could not read its totals again after {Attempts} attempts; the next command tries first")]
    private partial void LogResyncGivenUp(Exception exception, Guid campaignId, int attempts);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Campaign {CampaignId}: committed a batch of {Count}")]
    private partial void LogCommitted(Guid campaignId, int count);
}
