using Fundraising.Contracts.Campaigns;
using Fundraising.Persistence.Audit;
using Fundraising.Persistence.Disbursements;
using Fundraising.Persistence.Ledger;
using Fundraising.Persistence.Villages;
using Fundraising.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Fundraising.Web.Admin;

/// <summary>Totals in fen: all (款物合计), online money, offline money, goods at valuation; and the number of gifts (人次).</summary>
public sealed record TotalsResponse(long RaisedAmount, long DonationCount, long OnlineAmount, long OfflineAmount, long GoodsAmount)
{
    public static TotalsResponse From(CampaignTotals t) => new(t.RaisedAmount, t.DonationCount, t.OnlineAmount, t.OfflineAmount, t.GoodsAmount);
}

public sealed record CampaignReconciliationResponse(
    Guid CampaignId, string Title, string Currency, TotalsResponse Grain, TotalsResponse Catalogue, TotalsResponse Ledger, bool Agrees);

/// <summary>One entry of the audit trail: who did what, when, to which campaign and subject.</summary>
public sealed record AuditEntryResponse(long Id, DateTimeOffset At, string Actor, string Action, Guid? CampaignId, Guid? SubjectId, System.Text.Json.JsonElement Details)
{
    public static AuditEntryResponse From(AuditEntry e) => new(e.Id, e.At, e.Actor, e.Action, e.CampaignId, e.SubjectId, e.Details);
}

/// <summary>A sub-plan's raised amount (net of refunds) and 人次, as one of the three places holds them.</summary>
public sealed record SubPlanTotalsResponse(long RaisedAmount, long DonationCount);

/// <summary>
/// A sub-plan three ways: its campaign grain's memory (null when the grain does not hold it), its row in <c>sub_plans</c>,
/// and the sums of the ledger rows that name it.
/// </summary>
public sealed record SubPlanReconciliationResponse(
    Guid SubPlanId, Guid CampaignId, string Title, SubPlanTotalsResponse? Grain, SubPlanTotalsResponse Row, SubPlanTotalsResponse Ledger, bool Agrees);

/// <summary>A refund the card provider made after the money was paid out, and what it left the project short (fen).</summary>
public sealed record ShortfallRefundResponse(string RefundKey, Guid DonationId, long RefundAmount, long ShortfallAmount, DateTimeOffset RecordedAt);

/// <summary>
/// A project whose balance is below zero now (only a provider's refund can do that): its figures, by how much it is short
/// (<c>shortfallAmount</c> = -balance), and the refunds that took it there. No money goes out of it until it is above zero.
/// </summary>
public sealed record ProjectShortfallResponse(
    Guid CampaignId, string Title, string Currency, long RaisedAmount, long MatchedAmount, long DisbursedAmount, long Balance, long ShortfallAmount,
    IReadOnlyList<ShortfallRefundResponse> Refunds);

/// <summary><c>allAgree</c> holds when every campaign and every sub-plan agrees; <c>shortfalls</c> are the projects below zero.</summary>
public sealed record ReconciliationResponse(
    bool AllAgree, int CampaignCount, IReadOnlyList<CampaignReconciliationResponse> Campaigns, int SubPlanCount, IReadOnlyList<SubPlanReconciliationResponse> SubPlans,
    int ShortfallCount, IReadOnlyList<ProjectShortfallResponse> Shortfalls);

public static class AdminEndpoints
{
    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin").RequireAuthorization(Access.ReadReports).WithTags("Admin");

        // Per campaign: the grain's in-memory totals, the catalogue row's totals, and the ledger's sums.
        // Per sub-plan likewise: the grain's memory, its row, and the ledger rows that name it.
        admin.MapGet("/reconciliation", async (ILedgerQueries ledger, VillageStore villages, IDisbursementStore disbursements, IGrainFactory grains, CancellationToken cancellationToken) =>
        {
            var rows = await ledger.ReconcileAsync(cancellationToken);
            var campaigns = new List<CampaignReconciliationResponse>(rows.Count);
            foreach (var chunk in rows.Chunk(64))
            {
                var totals = await Task.WhenAll(chunk.Select(r => grains.GetGrain<ICampaignGrain>(r.CampaignId).GetTotalsAsync()));
                campaigns.AddRange(chunk.Zip(totals, (row, grain) => new CampaignReconciliationResponse(
                    row.CampaignId, row.Title, row.Currency, TotalsResponse.From(grain), TotalsResponse.From(row.Catalogue), TotalsResponse.From(row.Ledger),
                    grain == row.Ledger && row.Catalogue == row.Ledger)));
            }
            var subPlans = await ReconcileSubPlansAsync(villages, grains, cancellationToken);
            var names = rows.ToDictionary(r => r.CampaignId, r => (r.Title, r.Currency));
            var shortfalls = (await disbursements.ListShortfallsAsync(cancellationToken)).Select(s => new ProjectShortfallResponse(
                s.CampaignId, names.GetValueOrDefault(s.CampaignId).Title ?? "", names.GetValueOrDefault(s.CampaignId).Currency ?? "",
                s.Balance.RaisedAmount, s.Balance.MatchedAmount, s.Balance.DisbursedAmount, s.Balance.Balance, -s.Balance.Balance,
                [.. s.Refunds.Select(r => new ShortfallRefundResponse(r.RefundKey, r.DonationId, r.RefundAmount, r.ShortfallAmount, r.RecordedAt))])).ToList();
            return TypedResults.Ok(new ReconciliationResponse(
                campaigns.All(c => c.Agrees) && subPlans.All(p => p.Agrees), campaigns.Count, campaigns, subPlans.Count, subPlans, shortfalls.Count, shortfalls));
        }).WithSummary("Compares each campaign's and sub-plan's grain totals with the ledger, and lists projects a provider's refund left short.").RequireWholeScope();
        // The audit trail, newest first: every admin entry, who made it and when.
        // A narrower scope reads one of its campaigns' trail at a time.
        admin.MapGet("/audit", async Task<Results<Ok<List<AuditEntryResponse>>, ProblemHttpResult>> (
            Guid? campaignId, int? limit, AuditLog audit, HttpContext http, CancellationToken cancellationToken) =>
        {
            var refusal = campaignId is { } id ? await CampaignAccess.CheckAsync(http, id)
                : StaffScope.Of(http.User) is { IsWhole: true } ? null : CampaignAccess.NarrowScope();
            if (refusal is not null)
            {
                return TypedResults.Problem(refusal);
            }
            var entries = await audit.ListAsync(campaignId, Math.Clamp(limit ?? 100, 1, 1000), cancellationToken);
            return TypedResults.Ok(entries.Select(AuditEntryResponse.From).ToList());
        }).WithSummary("The audit trail of staff actions (in scope).");
        return app;
    }

    private static async Task<List<SubPlanReconciliationResponse>> ReconcileSubPlansAsync(VillageStore villages, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var rows = await villages.ReconcileSubPlansAsync(cancellationToken);
        // One grain call per project that has sub-plans (few): its sub-plans as it holds them in memory.
        var inMemory = new Dictionary<Guid, SubPlanTotalsResponse>();
        foreach (var campaign in rows.Select(r => r.CampaignId).Distinct().Chunk(64))
        {
            foreach (var plans in await Task.WhenAll(campaign.Select(id => grains.GetGrain<ICampaignGrain>(id).GetSubPlansAsync())))
            {
                foreach (var plan in plans)
                {
                    inMemory[plan.Id] = new SubPlanTotalsResponse(plan.RaisedAmount, plan.DonationCount);
                }
            }
        }
        return [.. rows.Select(r =>
        {
            var row = new SubPlanTotalsResponse(r.RowRaised, r.RowCount);
            var ledger = new SubPlanTotalsResponse(r.LedgerRaised, r.LedgerCount);
            // A sub-plan its grain does not hold is a disagreement too (it was added behind the grain's back).
            var grain = inMemory.GetValueOrDefault(r.SubPlanId);
            return new SubPlanReconciliationResponse(r.SubPlanId, r.CampaignId, r.Title, grain, row, ledger, grain == ledger && row == ledger);
        })];
    }
}
