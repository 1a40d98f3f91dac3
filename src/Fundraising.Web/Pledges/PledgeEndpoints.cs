using System.Security.Claims;
using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Persistence.Pledges;
using Fundraising.Web.Campaigns;
using Fundraising.Web.Http;
using Fundraising.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Fundraising.Web.Pledges;

/// <summary>Body of <c>POST /api/campaigns/{id}/pledges</c>: a pledge made on stage (认捐), paid later by offline gifts.</summary>
public sealed record PledgeRequest(string? DonorName, long? Amount, string? Currency, string? Note);

public sealed record PledgeResponse(Guid Id, Guid CampaignId, string DonorName, long Amount, string Currency, string? Note, long PaidAmount, long OutstandingAmount, DateTimeOffset CreatedAt)
{
    public static PledgeResponse From(PledgeRecord p) => new(p.Id, p.CampaignId, p.DonorName, p.Amount, p.Currency, p.Note, p.PaidAmount, p.OutstandingAmount, p.CreatedAt);
}

public sealed record PledgeListResponse(IReadOnlyList<PledgeResponse> Items, long PledgedAmount, long PaidAmount, long OutstandingAmount);

public static class PledgeEndpoints
{
    /// <summary>Pledges are recorded by the campaign's grain (currency, limit, audit); the list is a query.</summary>
    public static IEndpointRouteBuilder MapPledges(this IEndpointRouteBuilder app)
    {
        var pledges = app.MapGroup("/api/campaigns/{campaignId:guid}/pledges").WithTags("Pledges").ProducesProblems(404, 409, 422)
            .AddEndpointFilter(CampaignDirectory.RequireKnownAsync).RequireCampaignScope();
        pledges.MapPost("/", CreateAsync).WithSummary("Records a pledge (认捐) to be paid later.").RequireAuthorization(Access.RecordGifts);
        pledges.MapGet("/", ListAsync).WithSummary("A campaign's pledges and what each still allows.").RequireAuthorization(Access.ReadDonors);
        return app;
    }

    private static async Task<Results<Created<PledgeResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        Guid campaignId, PledgeRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var v = new Validation();
        var donor = v.Text("donorName", request.DonorName, FieldLimits.MaxNameLength);
        var amount = v.Amount("amount", request.Amount, long.MaxValue);
        var currency = v.Currency("currency", request.Currency);
        var note = v.Text("note", request.Note, 280, required: false);
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        var result = await grains.GetGrain<ICampaignGrain>(campaignId).RecordPledgeAsync(new NewPledge(donor!, amount, currency!, note, Actor.Of(user)));
        if (Refusal.Of(result.Error, result.Detail, campaignId, "pledge") is { } refusal)
        {
            return refusal.Errors is { } errors ? TypedResults.ValidationProblem(errors) : TypedResults.Problem(refusal.Problem!);
        }
        var pledge = result.Pledge!;
        return TypedResults.Created($"/api/campaigns/{campaignId}/pledges/{pledge.Id}", PledgeResponse.From(pledge));
    }

    private static async Task<Ok<PledgeListResponse>> ListAsync(Guid campaignId, IPledgeStore store, CancellationToken cancellationToken)
    {
        var pledges = await store.ListAsync(campaignId, cancellationToken);
        return TypedResults.Ok(new PledgeListResponse([.. pledges.Select(PledgeResponse.From)],
            pledges.Sum(p => p.Amount), pledges.Sum(p => p.PaidAmount), pledges.Sum(p => p.OutstandingAmount)));
    }
}
