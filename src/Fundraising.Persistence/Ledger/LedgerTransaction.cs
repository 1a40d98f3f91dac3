using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Npgsql;

namespace Fundraising.Persistence.Ledger;

/// <summary>
/// One ledger transaction over the batches of several campaigns, as it passes through the writer's steps
/// (<see cref="PostgresLedgerWriter.CommitManyAsync"/>): the open connection and transaction, the batches, and what
/// each step has found so far for each batch. Steps read what earlier steps recorded and add their own findings;
/// the outcomes are made from it at the end.
/// </summary>
internal sealed class LedgerTransaction
{
    private readonly Dictionary<Guid, LedgerBatchWork> _byCampaign = [];

    public LedgerTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<LedgerBatch> batches)
    {
        Connection = connection;
        Transaction = transaction;
        Work = [.. batches.Select(b => new LedgerBatchWork(b))];
        foreach (var work in Work)
        {
            // Rows the database returns are given back to their batch by campaign id, so a campaign may have only one.
            if (!_byCampaign.TryAdd(work.Batch.CampaignId, work))
            {
                throw new ArgumentException($"Campaign {work.Batch.CampaignId} has two batches in one transaction; its commit queue keeps one in flight.", nameof(batches));
            }
        }
    }

    public NpgsqlConnection Connection { get; }

    public NpgsqlTransaction Transaction { get; }

    /// <summary>One entry per batch, in the order the batches were given.</summary>
    public IReadOnlyList<LedgerBatchWork> Work { get; }

    /// <summary>Admin audit entries of this transaction's changes, written together by the audit step.</summary>
    public List<LedgerAuditEntry> Audit { get; } = [];

    public NpgsqlCommand Command(string sql) => new(sql, Connection, Transaction);

    /// <summary>The batch of the campaign a returned row belongs to; none when the row is another campaign's.</summary>
    public LedgerBatchWork? Of(Guid campaignId) => _byCampaign.GetValueOrDefault(campaignId);

    public IReadOnlyList<LedgerBatchOutcome> Outcomes() => [.. Work.Select(w => w.Outcome())];
}

/// <summary>What the steps found for one campaign's batch within a <see cref="LedgerTransaction"/>.</summary>
internal sealed class LedgerBatchWork(LedgerBatch batch)
{
    public LedgerBatch Batch { get; } = batch;

    /// <summary>Ids of this batch's rows the insert wrote (not kept by an idempotency conflict).</summary>
    public HashSet<Guid> Written { get; } = [];

    public List<DonationRecord> Inserted { get; } = [];
    public List<ExistingDonation> Existing { get; } = [];
    public Dictionary<Guid, DonationError> Refused { get; } = [];
    public List<DonationRecord> Confirmed { get; } = [];
    public List<DonationRecord> Unchanged { get; } = [];
    public List<Guid> Missing { get; } = [];
    public List<LedgerRefundOutcome> Refunds { get; } = [];

    /// <summary>What the matching step did for this batch; null when it took no part.</summary>
    public Matching.MatchBatchOutcome? Matching { get; set; }

    /// <summary>The campaign's <c>totals_version</c> after this batch; null when the batch changed nothing that counts.</summary>
    public long? TotalsVersion { get; set; }

    /// <summary>The campaign's totals as this batch's transaction left them; null when the batch changed nothing that counts.</summary>
    public CampaignTotals? Totals { get; set; }

    public LedgerBatchOutcome Outcome() => new(Inserted, Existing, Confirmed, Unchanged, Missing, Refunds, Refused, Matching, TotalsVersion, Totals);
}

/// <summary>One row of <c>admin_audit</c>; <paramref name="Details"/> is its JSON.</summary>
internal sealed record LedgerAuditEntry(string Actor, string Action, Guid CampaignId, Guid SubjectId, string Details);
