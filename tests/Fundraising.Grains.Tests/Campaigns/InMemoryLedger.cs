using Fundraising.Persistence;
using System.Collections.Concurrent;
using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Persistence.Catalog;
using Fundraising.Persistence.Ledger;
using Fundraising.Persistence.Pledges;
using Fundraising.Persistence.Matching;
using Fundraising.Contracts.Matching;

namespace Fundraising.Grains.Tests.Campaigns;

/// <summary>
/// A ledger, catalogue and pledge store in memory, for unit tests of the grain's own logic only (batching,
/// idempotency, acknowledgement after commit, admission). It counts commits and can be told to fail or stall.
/// The real ones are tested against PostgreSQL in Persistence/.
/// </summary>
public sealed class InMemoryLedger : IDonationLedger, ILedgerQueries, ICampaignCatalog, IPledgeStore, ICampaignPools,
    Fundraising.Persistence.Leaderboards.ICampaignEvents, Fundraising.Persistence.Villages.IVillageProjects
{
    // No village projects in memory: sub-plans and posts are PostgreSQL's (their tests run against it through the web host).
    public Task<IReadOnlyList<Fundraising.Contracts.Villages.SubPlanSummary>> SubPlansAsync(Guid campaignId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<Fundraising.Contracts.Villages.SubPlanSummary>>([]);

    public Task<bool> CreateSubPlanAsync(Fundraising.Contracts.Villages.SubPlanSummary subPlan, string actor, CancellationToken cancellationToken = default) =>
        Task.FromResult(false);

    public Task<int> CountPhotosAsync(Guid campaignId, IReadOnlyList<Guid> photoIds, CancellationToken cancellationToken = default) => Task.FromResult(0);

    public Task CreatePostAsync(Fundraising.Contracts.Villages.FeedEntry post, string actor, CancellationToken cancellationToken = default) => Task.CompletedTask;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, Fundraising.Contracts.Teams.TeamRecord> _teams = new();

    // No events in memory: boards are PostgreSQL's (their tests run against it); teams are kept for the team rule.
    public Task<IReadOnlyList<Fundraising.Persistence.Leaderboards.CampaignEventRow>> EventsOfCampaignAsync(Guid campaignId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<Fundraising.Persistence.Leaderboards.CampaignEventRow>>([]);

    public Task<Fundraising.Contracts.Teams.TeamRecord?> FindTeamAsync(Guid teamId, CancellationToken cancellationToken = default) =>
        Task.FromResult(_teams.GetValueOrDefault(teamId));

    public Task CreateTeamAsync(Fundraising.Contracts.Teams.TeamRecord team, Guid createdBy, CancellationToken cancellationToken = default)
    {
        _teams[team.Id] = team;
        return Task.CompletedTask;
    }

    // No matching pools in memory: pools are PostgreSQL's (their tests run against it).
    public Task<IReadOnlyList<PoolTerms>> PoolsForCampaignAsync(Guid campaignId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<PoolTerms>>([]);

    public Task<(FlagDecisionOutcome Outcome, long MatchedDelta)> DecideFlaggedAsync(
        Guid donationId, Guid campaignId, FlagDecision decision, string actor, CancellationToken cancellationToken = default) =>
        Task.FromResult((FlagDecisionOutcome.NotFound, 0L));

    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, (DonationRecord Record, string Key, byte[] Hash)> _rows = [];
    private readonly Dictionary<Guid, CampaignTotals> _totals = [];
    private readonly Dictionary<Guid, (CampaignDefinition Definition, CampaignStatus Status)> _campaigns = [];
    private readonly Dictionary<Guid, PledgeRecord> _pledges = [];

    /// <summary>Audit entries the catalogue and pledge store wrote: (campaign, actor, action).</summary>
    public ConcurrentQueue<(Guid Campaign, string Actor, string Action)> Audit { get; } = new();

    public ConcurrentQueue<int> BatchSizes { get; } = new();

    /// <summary>When set, every commit waits for this task first (to let callers pile up behind it).</summary>
    public TaskCompletionSource? Gate { get; set; }

    /// <summary>When set, commits complete without ever yielding (as a database that answers at once can).</summary>
    public bool Synchronous { get; set; }

    /// <summary>When set, the next commit throws this instead of writing anything.</summary>
    public Exception? FailNext { get; set; }

    /// <summary>When set, the next commit writes its batch and then throws this (its acknowledgement lost).</summary>
    public Exception? LoseNextAcknowledgement { get; set; }

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
            foreach (var (id, provider) in batch.Confirms.Distinct())
            {
                if (!_rows.TryGetValue(id, out var row) || row.Record.CampaignId != batch.CampaignId)
                {
                    missing.Add(id);
                }
                else if (row.Record.Status == DonationStatus.Pending && row.Record.IsPaidThrough(provider))
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
            if (LoseNextAcknowledgement is { } lost)
            {
                LoseNextAcknowledgement = null;
                throw lost;
            }
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

    public Task<DonationRecord?> FindAsync(Guid donationId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_rows.TryGetValue(donationId, out var row) ? row.Record : null);
        }
    }

    public async Task<KeysetPage<DonationRecord>> ListSucceededAsync(Guid campaignId, PageRequest page, CancellationToken cancellationToken = default) =>
        new(await List(campaignId, DonationStatus.Succeeded, FirstPages(page).Skip, page.Size), null);

    public async Task<KeysetPage<DonationRecord>> ListRecordedAsync(Guid campaignId, PageRequest page, CancellationToken cancellationToken = default) =>
        new(await List(campaignId, null, FirstPages(page).Skip, page.Size), null);

    // The grain reads only the first page (its recent donors); walking by keyset is tested against PostgreSQL.
    private static PageRequest FirstPages(PageRequest page) =>
        page.After is null ? page : throw new NotSupportedException("Keyset pages are tested against PostgreSQL.");

    /// <summary>Gifts of one status, or every one that counted (not pending) when <paramref name="status"/> is null; newest first.</summary>
    private Task<IReadOnlyList<DonationRecord>> List(Guid campaignId, DonationStatus? status, long skip, int take)
    {
        lock (_gate)
        {
            IReadOnlyList<DonationRecord> rows = [.. _rows.Values.Select(r => r.Record)
                .Where(r => r.CampaignId == campaignId && (status is { } s ? r.Status == s : r.Status != DonationStatus.Pending))
                .OrderByDescending(r => r.SucceededAt).Skip((int)skip).Take(take)];
            return Task.FromResult(rows);
        }
    }

    public Task<IReadOnlyList<LedgerReconciliationRow>> ReconcileAsync(CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("Reconciliation is tested against PostgreSQL.");

    public Task<CampaignRow?> LoadAsync(Guid id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_campaigns.TryGetValue(id, out var c)
                ? new CampaignRow(c.Definition, c.Status, _totals.GetValueOrDefault(id, CampaignTotals.Zero))
                : null);
        }
    }

    public Task<bool> CreateAsync(Guid id, CampaignDefinition definition, string actor, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_campaigns.TryAdd(id, (definition, CampaignStatus.Draft)))
            {
                return Task.FromResult(false);
            }
            _totals.TryAdd(id, CampaignTotals.Zero);
            Audit.Enqueue((id, actor, "create_campaign"));
            return Task.FromResult(true);
        }
    }

    public Task<bool> ChangeStatusAsync(Guid id, CampaignStatus from, CampaignStatus to, string actor, string action, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_campaigns.TryGetValue(id, out var c) || c.Status != from)
            {
                return Task.FromResult(false);
            }
            _campaigns[id] = (c.Definition, to);
            Audit.Enqueue((id, actor, action));
            return Task.FromResult(true);
        }
    }

    public Task CreateAsync(PledgeRecord pledge, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _pledges.Add(pledge.Id, pledge);
            Audit.Enqueue((pledge.CampaignId, pledge.RecordedBy, "record_pledge"));
        }
        return Task.CompletedTask;
    }

    Task<IReadOnlyList<PledgeRecord>> IPledgeStore.ListAsync(Guid campaignId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<PledgeRecord>>([.. _pledges.Values.Where(p => p.CampaignId == campaignId)]);
        }
    }

    public Task<bool> ExistsAsync(Guid id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_campaigns.ContainsKey(id));
        }
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
