using System.Collections.Concurrent;
using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Persistence.Catalog;
using Fundraising.Persistence.Ledger;

namespace Fundraising.Grains.Tests.Campaigns;

/// <summary>
/// A ledger and catalogue in memory, for unit tests of the grain's own logic only (batching,
/// idempotency, acknowledgement after commit). It counts commits and can be told to fail or stall.
/// The real one is tested against PostgreSQL in Persistence/.
/// </summary>
public sealed class InMemoryLedger : IDonationLedger, ICampaignCatalog
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, (DonationRecord Record, string Key, byte[] Hash)> _rows = [];
    private readonly Dictionary<Guid, CampaignTotals> _totals = [];

    public ConcurrentQueue<int> BatchSizes { get; } = new();

    /// <summary>When set, every commit waits for this task first (to let callers pile up behind it).</summary>
    public TaskCompletionSource? Gate { get; set; }

    /// <summary>When set, commits complete without ever yielding (as a database that answers at once can).</summary>
    public bool Synchronous { get; set; }

    /// <summary>When set, the next commit throws this instead of writing anything.</summary>
    public Exception? FailNext { get; set; }

    public async Task<LedgerBatchOutcome> CommitAsync(LedgerBatch batch, CancellationToken cancellationToken = default)
    {
        if (Gate is { } gate)
        {
            await gate.Task;
        }
        if (!Synchronous)
        {
            await Task.Yield();
        }
        if (FailNext is { } failure)
        {
            FailNext = null;
            throw failure;
        }
        if (batch.RefundList.Count > 0)
        {
            throw new NotSupportedException("Refunds are decided by the ledger's row lock: tested against PostgreSQL.");
        }
        lock (_gate)
        {
            BatchSizes.Enqueue(batch.Inserts.Count + batch.Confirms.Count);
            var inserted = new List<DonationRecord>();
            var existing = new List<ExistingDonation>();
            foreach (var insert in batch.Inserts)
            {
                var earlier = _rows.Values.FirstOrDefault(r => r.Record.CampaignId == batch.CampaignId && r.Key == insert.IdempotencyKey);
                if (earlier.Record is not null)
                {
                    existing.Add(new ExistingDonation(earlier.Record, earlier.Key, earlier.Hash));
                    continue;
                }
                _rows[insert.Record.Id] = (insert.Record, insert.IdempotencyKey, insert.RequestHash);
                inserted.Add(insert.Record);
            }
            var confirmed = new List<DonationRecord>();
            var unchanged = new List<DonationRecord>();
            var missing = new List<Guid>();
            foreach (var id in batch.Confirms.Distinct())
            {
                if (!_rows.TryGetValue(id, out var row) || row.Record.CampaignId != batch.CampaignId)
                {
                    missing.Add(id);
                }
                else if (row.Record.Status == DonationStatus.Pending)
                {
                    var succeeded = row.Record with { Status = DonationStatus.Succeeded, SucceededAt = DateTimeOffset.UtcNow };
                    _rows[id] = (succeeded, row.Key, row.Hash);
                    confirmed.Add(succeeded);
                }
                else
                {
                    unchanged.Add(row.Record);
                }
            }
            var outcome = new LedgerBatchOutcome(inserted, existing, confirmed, unchanged, missing);
            _totals[batch.CampaignId] = _totals.GetValueOrDefault(batch.CampaignId, CampaignTotals.Zero).Add(outcome.TotalsDelta());
            return outcome;
        }
    }

    public (long Amount, long Count) SucceededSum(Guid campaignId)
    {
        lock (_gate)
        {
            var rows = _rows.Values.Where(r => r.Record.CampaignId == campaignId && r.Record.Status == DonationStatus.Succeeded).ToList();
            return (rows.Sum(r => r.Record.Amount), rows.Count);
        }
    }

    public Task<Guid?> FindCampaignOfDonationAsync(Guid donationId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_rows.TryGetValue(donationId, out var row) ? row.Record.CampaignId : (Guid?)null);
        }
    }

    public Task<DonationRecord?> FindAsync(Guid donationId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_rows.TryGetValue(donationId, out var row) ? row.Record : null);
        }
    }

    public Task<IReadOnlyList<DonationRecord>> ListSucceededAsync(Guid campaignId, int skip, int take, CancellationToken cancellationToken = default) =>
        List(campaignId, DonationStatus.Succeeded, skip, take);

    public Task<IReadOnlyList<DonationRecord>> ListRecordedAsync(Guid campaignId, int skip, int take, CancellationToken cancellationToken = default) =>
        List(campaignId, null, skip, take);

    /// <summary>Gifts of one status, or every one that counted (not pending) when <paramref name="status"/> is null; newest first.</summary>
    private Task<IReadOnlyList<DonationRecord>> List(Guid campaignId, DonationStatus? status, int skip, int take)
    {
        lock (_gate)
        {
            IReadOnlyList<DonationRecord> rows = [.. _rows.Values.Select(r => r.Record)
                .Where(r => r.CampaignId == campaignId && (status is { } s ? r.Status == s : r.Status != DonationStatus.Pending))
                .OrderByDescending(r => r.SucceededAt).Skip(skip).Take(take)];
            return Task.FromResult(rows);
        }
    }

    public Task<IReadOnlyList<LedgerReconciliationRow>> ReconcileAsync(CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("Reconciliation is tested against PostgreSQL.");

    public Task UpsertAsync(Guid id, CampaignDefinition definition, CampaignStatus status, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _totals.TryAdd(id, new CampaignTotals(0, 0));
        }
        return Task.CompletedTask;
    }

    public Task<CampaignTotals?> LoadTotalsAsync(Guid id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_totals.TryGetValue(id, out var totals) ? totals : null);
        }
    }

    public Task<CampaignPage> ListAsync(CampaignListQuery query, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("Listing is tested against PostgreSQL.");
}
