using Fundraising.Contracts.Donations;
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
internal sealed partial class DonationCommitQueue(Guid campaignId, IDonationLedger ledger, Func<LedgerBatchOutcome, Task> onCommitted, Func<Task> onFailed, ILogger logger)
{
    private const int MaxBatchSize = 2_000;

    private List<Command> _queued = [];
    private Task? _flushing;

    public int Queued => _queued.Count;

    public Task<DonationResult> InsertAsync(LedgerInsert insert) => Enqueue(new Command(insert, null));

    public Task<DonationResult> ConfirmAsync(Guid donationId) => Enqueue(new Command(null, donationId));

    private Task<DonationResult> Enqueue(Command command)
    {
        _queued.Add(command);
        _flushing ??= FlushAsync();
        return command.Completion.Task;
    }

    private async Task FlushAsync()
    {
        try
        {
            while (_queued.Count > 0)
            {
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
            var confirms = batch.Where(c => c.ConfirmId is not null).Select(c => c.ConfirmId!.Value).ToList();
            outcome = await ledger.CommitAsync(new LedgerBatch(campaignId, inserts, confirms));
            await onCommitted(outcome);
        }
        catch (Exception exception)
        {
            // The transaction may or may not have committed (a lost commit acknowledgement looks the
            // same as a failure): let the owner reload durable state before it trusts memory again.
            await onFailed();
            foreach (var command in batch)
            {
                command.Completion.TrySetException(exception);
            }
            return;
        }

        try
        {
            var inserted = outcome.Inserted.ToDictionary(r => r.Id);
            var existing = new Dictionary<string, ExistingDonation>();
            foreach (var earlier in outcome.Existing)
            {
                existing.TryAdd(earlier.IdempotencyKey, earlier);
            }
            var confirmed = outcome.Confirmed.ToDictionary(r => r.Id);
            var unchanged = outcome.Unchanged.ToDictionary(r => r.Id);
            var answered = new HashSet<Guid>();
            foreach (var command in batch)
            {
                command.Completion.TrySetResult(command.Insert is { } insert
                    ? InsertResult(insert, inserted, existing)
                    : ConfirmResult(command.ConfirmId!.Value, confirmed, unchanged, answered));
            }
        }
        catch (Exception exception)
        {
            // Never leave a caller waiting forever: whoever was not answered gets the error.
            foreach (var command in batch)
            {
                command.Completion.TrySetException(exception);
            }
        }
    }

    private static DonationResult InsertResult(LedgerInsert insert, Dictionary<Guid, DonationRecord> inserted, Dictionary<string, ExistingDonation> existing)
    {
        if (inserted.TryGetValue(insert.Record.Id, out var record))
        {
            return new DonationResult(DonationError.None, record);
        }
        if (existing.TryGetValue(insert.IdempotencyKey, out var earlier))
        {
            return earlier.RequestHash.AsSpan().SequenceEqual(insert.RequestHash)
                ? new DonationResult(DonationError.None, earlier.Record, Replayed: true)
                : DonationResult.Failed(DonationError.IdempotencyKeyReused);
        }
        throw new InvalidOperationException($"The ledger neither inserted nor found donation {insert.Record.Id}.");
    }

    private static DonationResult ConfirmResult(Guid id, Dictionary<Guid, DonationRecord> confirmed, Dictionary<Guid, DonationRecord> unchanged, HashSet<Guid> answered)
    {
        if (confirmed.TryGetValue(id, out var record))
        {
            // A donation confirmed twice in one batch changed once; the second caller is a replay.
            return new DonationResult(DonationError.None, record, Replayed: !answered.Add(id));
        }
        return unchanged.TryGetValue(id, out var current)
            ? new DonationResult(DonationError.None, current, Replayed: true)
            : DonationResult.Failed(DonationError.DonationNotFound);
    }

    private sealed class Command(LedgerInsert? insert, Guid? confirmId)
    {
        public LedgerInsert? Insert { get; } = insert;
        public Guid? ConfirmId { get; } = confirmId;
        // Callers resume as their own work items on the grain's scheduler, never inline inside the flush loop.
        public TaskCompletionSource<DonationResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Campaign {CampaignId}: committing a batch of {Count}")]
    private partial void LogCommitting(Guid campaignId, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Campaign {CampaignId}: committed a batch of {Count}")]
    private partial void LogCommitted(Guid campaignId, int count);
}
