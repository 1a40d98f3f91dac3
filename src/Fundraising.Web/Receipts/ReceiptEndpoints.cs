using Fundraising.Contracts.Donations;
using Fundraising.Payments.Receipts;
using Fundraising.Persistence.Receipts;
using Fundraising.Web.Http;
using Fundraising.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Fundraising.Web.Receipts;

/// <summary>A receipt as printed. <c>Number</c> is null for the moment between success and numbering (under a second).</summary>
public sealed record ReceiptResponse(
    string? Number, bool Issued, Guid DonationId, string CampaignTitle, string? DonorName, bool Anonymous, long Amount, long RefundedAmount,
    string Currency, DonationKind Kind, DonationChannel Channel, string? Item, long? Quantity, DateTimeOffset DonatedAt)
{
    public static ReceiptResponse From(Receipt r)
    {
        var d = r.Donation;
        return new ReceiptResponse(r.Number, r.Number is not null, d.Id, r.CampaignTitle, d.DisplayName, d.Anonymous, d.Amount, d.RefundedAmount,
            d.Currency, d.Kind, d.Channel, d.Item, d.Quantity, d.SucceededAt ?? d.CreatedAt);
    }
}

public sealed record StatementResponse(string DonorName, int Year, long TotalAmount, int GiftCount, IReadOnlyList<ReceiptResponse> Receipts);

public static class ReceiptEndpoints
{
    /// <summary>The header that carries a donor's receipt token.</summary>
    public const string TokenHeader = "Receipt-Token";

    public static IEndpointRouteBuilder MapReceipts(this IEndpointRouteBuilder app)
    {
        // A receipt names the donor even on an anonymous gift, so it opens only with the donor's own token (header
        // Receipt-Token, from the create answer), never with the donation id alone, which travels in Stripe's return
        // address, admin links and logs. A wrong or missing token looks exactly like an unknown id: 404.
        app.MapGet("/api/donations/{donationId:guid}/receipt", async Task<Results<Ok<ReceiptResponse>, ProblemHttpResult>> (
            Guid donationId, [FromHeader(Name = TokenHeader)] string? token, ReceiptTokens tokens, ReceiptIssuer receipts, CancellationToken cancellationToken) =>
            tokens.Verify(donationId, token) && await receipts.FindAsync(donationId, cancellationToken) is { } receipt
                ? TypedResults.Ok(ReceiptResponse.From(receipt))
                : TypedResults.Problem(Problem.NotFound("receipt", donationId))).WithSummary("A gift's receipt, for the donor holding its receipt token.").WithTags("Receipts").RequireRateLimiting(RateLimits.Receipts).ProducesProblems(404);

        // Staff open any receipt in their scope (the gift lists and statements link here).
        app.MapGet("/api/admin/donations/{donationId:guid}/receipt", async Task<Results<Ok<ReceiptResponse>, ProblemHttpResult>> (
            Guid donationId, ReceiptIssuer receipts, CancellationToken cancellationToken) =>
            await receipts.FindAsync(donationId, cancellationToken) is { } receipt
                ? TypedResults.Ok(ReceiptResponse.From(receipt))
                : TypedResults.Problem(Problem.NotFound("receipt", donationId))).WithSummary("A gift's receipt, for staff.").WithTags("Receipts").RequireAuthorization(Access.ReadDonors).RequireCampaignScope().ProducesProblems(404);

        // A donor's yearly statement, prepared by an admin (donors have no accounts yet).
        app.MapGet("/api/admin/statements/{year:int}", async Task<Results<Ok<StatementResponse>, ValidationProblem>> (
            int year, string? donorName, ReceiptIssuer receipts, CancellationToken cancellationToken) =>
        {
            var v = new Validation();
            var name = v.Text("donorName", donorName, 64);
            if (year is < 2000 or > 2100)
            {
                v.Add("year", "'year' must be between 2000 and 2100.");
            }
            if (!v.IsValid)
            {
                return TypedResults.ValidationProblem(v.Errors);
            }
            var list = await receipts.StatementAsync(name!, year, cancellationToken);
            return TypedResults.Ok(new StatementResponse(name!, year, list.Sum(r => r.Donation.NetAmount), list.Count,
                [.. list.Select(ReceiptResponse.From)]));
        }).WithSummary("A donor's annual statement of gifts.").WithTags("Receipts").RequireAuthorization(Access.ReadDonors).RequireWholeScope();
        return app;
    }
}
