using Fundraising.Contracts.Campaigns;
using Fundraising.Persistence.Audit;
using Fundraising.Persistence.Ledger;
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

public sealed record ReconciliationResponse(bool AllAgree, int CampaignCount, IReadOnlyList<CampaignReconciliationResponse> Campaigns);

public static class AdminEndpoints
{
    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin").RequireAuthorization(Access.ReadReports).WithTags("Admin");

        // Per campaign: the grain's in-memory totals, the catalogue row's totals, and the ledger's sums.
        admin.MapGet("/reconciliation", async (ILedgerQueries ledger, IGrainFactory grains, CancellationToken cancellationToken) =>
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
            return TypedResults.Ok(new ReconciliationResponse(campaigns.All(c => c.Agrees), campaigns.Count, campaigns));
        }).WithSummary("Compares each campaign's grain totals with the ledger.").RequireWholeScope();
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
}
