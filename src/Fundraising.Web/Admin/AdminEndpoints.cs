using Fundraising.Contracts.Campaigns;
using Fundraising.Persistence.Ledger;

namespace Fundraising.Web.Admin;

public sealed record TotalsResponse(long RaisedAmount, long DonationCount);

public sealed record CampaignReconciliationResponse(
    Guid CampaignId, string Title, string Currency, TotalsResponse Grain, TotalsResponse Catalogue, TotalsResponse Ledger, bool Agrees);

public sealed record ReconciliationResponse(bool AllAgree, int CampaignCount, IReadOnlyList<CampaignReconciliationResponse> Campaigns);

public static class AdminEndpoints
{
    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin").RequireAuthorization(AdminAuthentication.Policy).WithTags("Admin");

        // Per campaign: the grain's in-memory totals, the catalogue row's totals, and the ledger's sums.
        admin.MapGet("/reconciliation", async (IDonationLedger ledger, IGrainFactory grains, CancellationToken cancellationToken) =>
        {
            var rows = await ledger.ReconcileAsync(cancellationToken);
            var campaigns = new List<CampaignReconciliationResponse>(rows.Count);
            foreach (var chunk in rows.Chunk(64))
            {
                var totals = await Task.WhenAll(chunk.Select(r => grains.GetGrain<ICampaignGrain>(r.CampaignId).GetTotalsAsync()));
                campaigns.AddRange(chunk.Zip(totals, (row, grain) =>
                {
                    var catalogue = new TotalsResponse(row.CatalogueRaised, row.CatalogueCount);
                    var sums = new TotalsResponse(row.LedgerRaised, row.LedgerCount);
                    var inMemory = new TotalsResponse(grain.RaisedAmount, grain.DonationCount);
                    return new CampaignReconciliationResponse(row.CampaignId, row.Title, row.Currency, inMemory, catalogue, sums,
                        inMemory == sums && catalogue == sums);
                }));
            }
            return TypedResults.Ok(new ReconciliationResponse(campaigns.All(c => c.Agrees), campaigns.Count, campaigns));
        });
        return app;
    }
}
