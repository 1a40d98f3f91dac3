using System.Security.Claims;
using Fundraising.Contracts.Campaigns;
using Fundraising.Persistence.Ledger;
using Fundraising.Persistence.Pledges;
using Fundraising.Web.Admin;
using Fundraising.Web.Donations;
using Fundraising.Web.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Fundraising.Web.Pledges;

/// <summary>Body of <c>POST /api/campaigns/{id}/pledges</c>: a pledge made on stage (认捐), paid later by offline gifts.</summary>
public sealed record PledgeRequest(string? DonorName, long? Amount, string? Currency, string? Note);

public sealed record PledgeResponse(Guid Id, Guid CampaignId, string DonorName, long Amount, string Currency, string? Note, long PaidAmount, long OutstandingAmount, DateTimeOffset CreatedAt)
{
    public static PledgeResponse From(PledgeRecord p) => new(p.Id, p.CampaignId, p.DonorName, p.Amount, p.Currency, p.Note, p.PaidAmount, p.Amount - p.PaidAmount, p.CreatedAt);
}

public sealed record PledgeListResponse(IReadOnlyList<PledgeResponse> Items, long PledgedAmount, long PaidAmount, long OutstandingAmount);

public static class PledgeEndpoints
{
    public static IEndpointRouteBuilder MapPledges(this IEndpointRouteBuilder app)
    {
        var pledges = app.MapGroup("/api/campaigns/{campaignId:guid}/pledges").WithTags("Pledges").RequireAuthorization(AdminAuthentication.Policy);
        pledges.MapPost("/", CreateAsync);
        pledges.MapGet("/", ListAsync);
        return app;
    }

    private static async Task<Results<Created<PledgeResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        Guid campaignId, PledgeRequest request, ClaimsPrincipal user, IGrainFactory grains, PledgeStore store, IOptions<DonationOptions> options, CancellationToken cancellationToken)
    {
        var v = new Validation();
        var donor = v.Text("donorName", request.DonorName, DonationEndpoints.MaxNameLength);
        var amount = v.Amount("amount", request.Amount, options.Value.MaxOfflineAmount);
        var currency = v.Currency("currency", request.Currency);
        var note = v.Text("note", request.Note, 280, required: false);
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        if (await grains.GetGrain<ICampaignGrain>(campaignId).GetSummaryAsync() is not { } campaign)
        {
            return TypedResults.Problem(Problem.NotFound("campaign", campaignId));
        }
        if (campaign.Definition.Currency != currency)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["currency"] = [$"'currency' must be the campaign's currency, {campaign.Definition.Currency}."] });
        }
        var pledge = new PledgeRecord(Guid.CreateVersion7(), campaignId, donor!, amount, currency!, note, 0, user.Identity?.Name ?? "admin", DateTimeOffset.UtcNow);
        await store.CreateAsync(pledge, cancellationToken);
        return TypedResults.Created($"/api/campaigns/{campaignId}/pledges/{pledge.Id}", PledgeResponse.From(pledge));
    }

    private static async Task<Ok<PledgeListResponse>> ListAsync(Guid campaignId, PledgeStore store, CancellationToken cancellationToken)
    {
        var pledges = await store.ListAsync(campaignId, cancellationToken);
        return TypedResults.Ok(new PledgeListResponse([.. pledges.Select(PledgeResponse.From)],
            pledges.Sum(p => p.Amount), pledges.Sum(p => p.PaidAmount), pledges.Sum(p => p.Amount - p.PaidAmount)));
    }
}
