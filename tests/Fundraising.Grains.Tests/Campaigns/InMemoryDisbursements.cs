using System.Collections.Concurrent;
using Fundraising.Contracts.Disbursements;
using Fundraising.Persistence.Disbursements;

namespace Fundraising.Grains.Tests.Campaigns;

/// <summary>
/// Money out of projects in memory, for the grain tests that run without PostgreSQL: entries are kept and summed; the
/// schema's refusals (migration 0017) are not imitated, since the grain decides before it writes. The real store is
/// tested against PostgreSQL through the web host (Fundraising.Web.Tests/Disbursements).
/// </summary>
public sealed class InMemoryDisbursements : IDisbursementStore
{
    private readonly ConcurrentDictionary<Guid, DisbursementRecord> _entries = new();
    private readonly ConcurrentDictionary<(Guid Campaign, string Key), Guid> _keys = new();

    public Task<DisbursementWrite> WriteAsync(DisbursementRecord entry, string? idempotencyKey, CancellationToken cancellationToken = default)
    {
        if (idempotencyKey is not null && !_keys.TryAdd((entry.CampaignId, idempotencyKey), entry.Id))
        {
            return Task.FromResult(DisbursementWrite.KeyTaken);
        }
        _entries[entry.Id] = entry;
        return Task.FromResult(DisbursementWrite.Written);
    }

    public Task<DisbursementRecord?> FindByKeyAsync(Guid campaignId, string idempotencyKey, CancellationToken cancellationToken = default) =>
        Task.FromResult(_keys.TryGetValue((campaignId, idempotencyKey), out var id) ? _entries.GetValueOrDefault(id) : null);

    // Raised and matched are the grain's own (its catalogue row); only what went out is kept here.
    public Task<ProjectBalance?> LoadBalanceAsync(Guid campaignId, CancellationToken cancellationToken = default) =>
        Task.FromResult<ProjectBalance?>(new ProjectBalance(0, 0, _entries.Values.Where(e => e.CampaignId == campaignId).Sum(e => e.Amount)));

    public Task<(DisbursementRecord Entry, long Net)?> FindAsync(Guid id, CancellationToken cancellationToken = default) =>
        Task.FromResult<(DisbursementRecord, long)?>(_entries.TryGetValue(id, out var entry)
            ? (entry, _entries.Values.Where(e => e.Id == id || e.Corrects == id).Sum(e => e.Amount))
            : null);

    public Task<(long Amount, long Reversed)> MatchOnGiftAsync(Guid donationId, CancellationToken cancellationToken = default) => Task.FromResult((0L, 0L));

    public Task<bool> IsRefundRecordedAsync(Guid donationId, string idempotencyKey, CancellationToken cancellationToken = default) => Task.FromResult(false);

    public Task<IReadOnlyList<DisbursementRecord>> ListAsync(Guid campaignId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<DisbursementRecord>>([.. _entries.Values.Where(e => e.CampaignId == campaignId).OrderBy(e => e.RecordedAt)]);

    // No schema to loosen here; the shortfalls of provider refunds are tested against PostgreSQL (ProviderRefundShortfallTests).
    public Task AllowShortfallAsync(Guid campaignId, long amount, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task RecordShortfallAsync(BalanceShortfall shortfall, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<IReadOnlyList<ProjectShortfall>> ListShortfallsAsync(CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<ProjectShortfall>>([]);
}
