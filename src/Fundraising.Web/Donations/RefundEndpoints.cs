using System.Security.Claims;
using Fundraising.Contracts.Donations;
using Fundraising.Payments.Refunds;
using Fundraising.Web.Http;
using Fundraising.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Fundraising.Web.Donations;

/// <summary>Body of <c>POST /api/donations/{id}/refunds</c>: an amount in fen (all that is left when omitted) and why.</summary>
public sealed record RefundRequest(long? Amount, string? Reason);

public sealed record RefundResponse(Guid Id, Guid DonationId, Guid CampaignId, long Amount, string Reason, DateTimeOffset CreatedAt, DonationResponse Donation);

public static class RefundEndpoints
{
    /// <summary>
    /// An admin's refund. How much may go back, and through which provider, is decided in the payment domain
    /// (<see cref="DonationRefunds"/>) and the campaign's grain; this maps the request and the answer.
    /// </summary>
    public static IEndpointRouteBuilder MapRefunds(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/donations").WithTags("Refunds").RequireAuthorization(Access.Refund).RequireCampaignScope().ProducesProblems(404, 409, 422)
            .MapPost("/{donationId:guid}/refunds", RefundAsync).WithSummary("Refunds all or part of a gift through its provider.");
        return app;
    }

    private static async Task<Results<Created<RefundResponse>, ValidationProblem, ProblemHttpResult>> RefundAsync(
        Guid donationId, RefundRequest request, HttpContext http, ClaimsPrincipal user, DonationRefunds refunds, CancellationToken cancellationToken)
    {
        var v = new Validation();
        var key = Idempotency.Key(http, v, required: true);
        if (request.Amount is { } amount)
        {
            v.Amount("amount", amount, long.MaxValue);
        }
        var reason = v.Text("reason", request.Reason, 280);
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        var result = await refunds.RefundAsync(new NewRefund(donationId, request.Amount, reason!, Actor.Of(user), key!), cancellationToken);
        if (Refusal.Of(result.Error, result.Donation, donationId) is { } refusal)
        {
            return refusal.Errors is { } errors ? TypedResults.ValidationProblem(errors) : TypedResults.Problem(refusal.Problem!);
        }
        if (result.Replayed)
        {
            Idempotency.MarkReplayed(http);
        }
        var refund = result.Refund!;
        var donation = result.Donation!;
        return TypedResults.Created($"/api/donations/{donationId}/refunds/{refund.Id}",
            new RefundResponse(refund.Id, donationId, donation.CampaignId, refund.Amount, refund.Reason, refund.CreatedAt, DonationResponse.From(donation, null)));
    }
}
