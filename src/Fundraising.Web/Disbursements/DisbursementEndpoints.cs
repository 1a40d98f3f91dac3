using System.Security.Claims;
using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Disbursements;
using Fundraising.Persistence.Disbursements;
using Fundraising.Web.Campaigns;
using Fundraising.Web.Http;
using Fundraising.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Fundraising.Web.Disbursements;

/// <summary>
/// Money going out of a project (拨付/支出) and its corrections, recorded by the project's coordinators, its county's
/// association staff and admins. Whether the money is there, the currency, the payment date and the correction rules are
/// the campaign grain's decisions (<see cref="DisbursementRules"/>); this checks shapes and says the answer in HTTP.
/// Both POSTs take an optional <c>Idempotency-Key</c>: a retry with it records nothing twice.
/// </summary>
public static class DisbursementEndpoints
{
    public const long MaxAmount = 100_000_000_000; // ¥1,000,000,000 in fen: far above any one payment
    public const int MaxPurposeLength = 200;
    public const int MaxPayeeLength = 100;
    public const int MaxReasonLength = 500;
    public const int MaxEvidencePhotos = 20;

    public static IEndpointRouteBuilder MapDisbursements(this IEndpointRouteBuilder app)
    {
        var project = app.MapGroup("/api/campaigns/{campaignId:guid}/disbursements").WithTags("Disbursements").ProducesProblems(404, 409, 422)
            .RequireAuthorization(Access.Disburse).AddEndpointFilter(CampaignDirectory.RequireKnownAsync).RequireCampaignScope();
        project.MapPost("/", CreateAsync).WithSummary("Records money going out of a project (a disbursement or an expense).");
        project.MapGet("/", ListAsync).WithSummary("A project's disbursements.");
        // The scope is checked against the corrected entry's campaign, found from its id (CampaignAccess knows no such route).
        app.MapGroup("/api/disbursements").WithTags("Disbursements").RequireAuthorization(Access.Disburse).ProducesProblems(404, 409, 422)
            .MapPost("/{disbursementId:guid}/corrections", CorrectAsync).WithSummary("Corrects a recorded disbursement.");
        return app;
    }

    private static async Task<Results<Created<DisbursementResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        Guid campaignId, DisbursementRequest request, HttpContext http, ClaimsPrincipal user, IGrainFactory grains)
    {
        var v = new Validation();
        var key = Idempotency.Key(http, v, required: false);
        var amount = v.Amount("amount", request.Amount, MaxAmount);
        var currency = v.Currency("currency", request.Currency);
        var purpose = v.Text("purpose", request.Purpose, MaxPurposeLength);
        var payee = v.Text("payee", request.Payee, MaxPayeeLength);
        if (request.PaidAt is null)
        {
            v.Add("paidAt", "'paidAt' is required: when the money went out (ISO 8601, e.g. 2026-12-03T10:00:00+08:00).");
        }
        var photos = request.EvidencePhotoIds ?? [];
        if (photos.Length > MaxEvidencePhotos)
        {
            v.Add("evidencePhotoIds", $"'evidencePhotoIds' holds at most {MaxEvidencePhotos} photos.");
        }
        if (photos.Contains(Guid.Empty))
        {
            v.Add("evidencePhotoIds", "'evidencePhotoIds' must hold photo ids (the 'id' of each uploaded photo).");
        }
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        var result = await grains.GetGrain<ICampaignGrain>(campaignId).DisburseAsync(
            new NewDisbursement(amount, currency!, purpose!, payee!, request.PaidAt!.Value, photos, Actor.Of(user), key));
        return Answer(http, result, campaignId, null);
    }

    private static async Task<Results<Created<DisbursementResponse>, ValidationProblem, ProblemHttpResult>> CorrectAsync(
        Guid disbursementId, CorrectionRequest request, HttpContext http, ClaimsPrincipal user, IDisbursementStore store, IGrainFactory grains)
    {
        var v = new Validation();
        var key = Idempotency.Key(http, v, required: false);
        if (request.Amount is not { } amount || amount == 0)
        {
            v.Add("amount", "'amount' is required and not zero: signed fen, positive when more was paid than recorded, negative when less.");
        }
        else if (Math.Abs(amount) > MaxAmount)
        {
            v.Add("amount", $"'amount' must be between -{MaxAmount} and {MaxAmount} (minor units, fen).");
        }
        var reason = v.Text("reason", request.Reason, MaxReasonLength);
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        if (await store.FindAsync(disbursementId, http.RequestAborted) is not var (entry, _))
        {
            return TypedResults.Problem(Problem.NotFound("disbursement", disbursementId));
        }
        if (await CampaignAccess.CheckAsync(http, entry.CampaignId) is { } refusal)
        {
            return TypedResults.Problem(refusal);
        }
        var result = await grains.GetGrain<ICampaignGrain>(entry.CampaignId).CorrectDisbursementAsync(
            new NewCorrection(disbursementId, request.Amount!.Value, reason!, Actor.Of(user), key));
        return Answer(http, result, entry.CampaignId, disbursementId);
    }

    private static async Task<Ok<DisbursementListResponse>> ListAsync(Guid campaignId, IDisbursementStore store, CancellationToken cancellationToken)
    {
        var entries = await store.ListAsync(campaignId, cancellationToken);
        var balance = await store.LoadBalanceAsync(campaignId, cancellationToken) ?? new ProjectBalance(0, 0, 0);
        var nets = entries.GroupBy(e => e.Corrects ?? e.Id).ToDictionary(g => g.Key, g => g.Sum(e => e.Amount));
        return TypedResults.Ok(new DisbursementListResponse(
            [.. entries.Select(e => new DisbursementListItem(DisbursementResponse.From(e), e.IsCorrection ? e.Amount : nets[e.Id]))],
            balance.RaisedAmount, balance.MatchedAmount, balance.DisbursedAmount, balance.Balance));
    }

    private static Results<Created<DisbursementResponse>, ValidationProblem, ProblemHttpResult> Answer(HttpContext http, DisbursementResult result, Guid campaignId, Guid? corrected)
    {
        if (result.Replayed)
        {
            Idempotency.MarkReplayed(http);
        }
        ValidationProblem Field(string field, string message) => TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });
        return result.Error switch
        {
            DisbursementError.None => TypedResults.Created($"/api/campaigns/{campaignId}/disbursements/{result.Entry!.Id}", DisbursementResponse.From(result.Entry)),
            DisbursementError.CampaignNotFound => TypedResults.Problem(Problem.NotFound("campaign", campaignId)),
            DisbursementError.DisbursementNotFound => TypedResults.Problem(Problem.NotFound("disbursement", corrected)),
            DisbursementError.CurrencyMismatch => Field("currency", result.Detail!),
            DisbursementError.PaidAtInFuture => Field("paidAt", result.Detail!),
            DisbursementError.EvidenceRefused => Field("evidencePhotoIds", result.Detail!),
            DisbursementError.ExceedsBalance => TypedResults.Problem(WithBalance(Problem.Conflict(result.Detail!), result.Balance)),
            DisbursementError.IdempotencyKeyReused => TypedResults.Problem(Idempotency.KeyReused(corrected is null ? "disbursement" : "correction")),
            DisbursementError.CorrectsACorrection => TypedResults.Problem(Problem.Unprocessable("A correction cannot be corrected.", result.Detail!)),
            _ => TypedResults.Problem(Problem.Unprocessable("The correction would take the entry below zero.", result.Detail!)),
        };
    }

    private static ProblemDetails WithBalance(ProblemDetails problem, ProjectBalance? balance)
    {
        problem.Title = "The project's balance is not enough.";
        if (balance is not null)
        {
            problem.Extensions["balance"] = balance.Balance;
            problem.Extensions["raisedAmount"] = balance.RaisedAmount;
            problem.Extensions["matchedAmount"] = balance.MatchedAmount;
            problem.Extensions["disbursedAmount"] = balance.DisbursedAmount;
        }
        return problem;
    }
}
