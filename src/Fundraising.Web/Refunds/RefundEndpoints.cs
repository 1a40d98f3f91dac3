using System.Security.Claims;
using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Persistence.Ledger;
using Fundraising.Web.Admin;
using Fundraising.Web.Payments;
using Fundraising.Web.Payments.Stripe;
using Fundraising.Web.Donations;
using Fundraising.Web.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Fundraising.Web.Refunds;

/// <summary>Body of <c>POST /api/donations/{id}/refunds</c>: an amount in fen (all that is left when omitted) and why.</summary>
public sealed record RefundRequest(long? Amount, string? Reason);

public sealed record RefundResponse(Guid Id, Guid DonationId, Guid CampaignId, long Amount, string Reason, DateTimeOffset CreatedAt, DonationResponse Donation);

public static class RefundEndpoints
{
    /// <summary>
    /// Refunds are compensating entries: the gift stays in the ledger with a refunded amount, the
    /// campaign's totals and live progress go down, and no refund can exceed what was paid.
    /// </summary>
    public static IEndpointRouteBuilder MapRefunds(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/donations").WithTags("Refunds").RequireAuthorization(AdminAuthentication.Policy)
            .MapPost("/{donationId:guid}/refunds", RefundAsync);
        return app;
    }

    private static async Task<Results<Created<RefundResponse>, ValidationProblem, ProblemHttpResult>> RefundAsync(
        Guid donationId, RefundRequest request, HttpContext http, ClaimsPrincipal user, IDonationLedger ledger, PaymentProviders providers,
        IGrainFactory grains, CancellationToken cancellationToken)
    {
        var v = new Validation();
        var key = DonationEndpoints.IdempotencyKey(http, v, required: true);
        if (request.Amount is { } amount)
        {
            v.Amount("amount", amount, long.MaxValue);
        }
        var reason = v.Text("reason", request.Reason, 280);
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        if (await ledger.FindAsync(donationId, cancellationToken) is not { } donation)
        {
            return TypedResults.Problem(Problem.NotFound("donation", donationId));
        }
        var ledgerKey = key!;
        var amountToRefund = request.Amount;
        if (donation.Channel == DonationChannel.Online && providers.Named(donation.Provider) is { } provider)
        {
            // Card money goes back through the provider first (it refuses to exceed the charge, atomically);
            // its refund id then keys the ledger entry, so the provider's webhook for it counts once.
            var remaining = donation.Amount - donation.RefundedAmount;
            amountToRefund ??= remaining;
            if (donation.Status == DonationStatus.Pending || remaining == 0)
            {
                return TypedResults.Problem(Problem.Conflict("Only a succeeded gift with money left on it can be refunded."));
            }
            if (amountToRefund > remaining)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["amount"] = [$"'amount' is more than the {remaining} fen still refundable on this gift."],
                });
            }
            if (await provider.RefundAsync(donation, amountToRefund.Value, reason!, ledgerKey, cancellationToken) is { } providerRefundId)
            {
                ledgerKey = StripeEventProcessor.RefundKey(providerRefundId);
            }
        }
        var campaignId = donation.CampaignId;
        var result = await grains.GetGrain<ICampaignGrain>(campaignId)
            .RefundAsync(new NewRefund(donationId, amountToRefund, reason!, user.Identity?.Name ?? "admin", ledgerKey));
        switch (result.Error)
        {
            case RefundError.None:
                if (result.Replayed)
                {
                    http.Response.Headers[DonationEndpoints.ReplayedHeader] = "true";
                }
                var refund = result.Refund!;
                return TypedResults.Created($"/api/donations/{donationId}/refunds/{refund.Id}",
                    new RefundResponse(refund.Id, donationId, campaignId, refund.Amount, refund.Reason, refund.CreatedAt, DonationResponse.From(result.Donation!, null)));
            case RefundError.DonationNotFound:
                return TypedResults.Problem(Problem.NotFound("donation", donationId));
            case RefundError.NotRefundable:
                return TypedResults.Problem(Problem.Conflict("Only a succeeded gift with money left on it can be refunded."));
            case RefundError.ExceedsRemaining:
                var left = result.Donation is { } d ? d.Amount - d.RefundedAmount : 0;
                return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["amount"] = [$"'amount' is more than the {left} fen still refundable on this gift."],
                });
            default:
                return TypedResults.Problem(Problem.Unprocessable(
                    "The Idempotency-Key was already used for a different refund.", "Use a new key for a new refund."));
        }
    }
}
