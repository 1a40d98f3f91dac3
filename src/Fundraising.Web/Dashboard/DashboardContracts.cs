namespace Fundraising.Web.Dashboard;

/// <summary>
/// The <c>dashboard</c> message and the body of <c>GET /api/admin/events/{id}/dashboard</c>. Money in minor units (fen)
/// of <c>Currency</c>; the rates are per second since the sample before (matched money: fen a second).
/// </summary>
public sealed record DashboardMessage(
    Guid EventId,
    DateTimeOffset At,
    string Currency,
    DashboardTotals Totals,
    double DonationsPerSecond,
    double MatchedPerSecond,
    IReadOnlyList<DashboardPool> Pools,
    long FlaggedCount,
    DashboardHealth Health);

/// <summary>The event's totals as <c>GET /api/events/{id}</c> has them: matched money beside the gifts, never in them.</summary>
public sealed record DashboardTotals(long RaisedAmount, long DonationCount, long MatchedAmount);

public sealed record DashboardPool(Guid Id, string SponsorName, string Status, long Budget, long MatchedAmount, long RemainingAmount);

/// <summary>
/// The platform's own health: the cluster's silos, its grain activations, the ledger transactions of the last second
/// (summed over silos: how many, rows per transaction on average and at most), and the Stripe events not yet applied.
/// </summary>
public sealed record DashboardHealth(IReadOnlyList<DashboardSilo> Silos, int Activations, DashboardCommitBatches CommitBatches, long WebhookBacklog);

public sealed record DashboardSilo(string Address, string Status);

public sealed record DashboardCommitBatches(long Count, double MeanSize, int MaxSize);
