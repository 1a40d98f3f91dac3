using Fundraising.Contracts.Donations;
using Microsoft.AspNetCore.Mvc;

namespace Fundraising.Web.Http;

/// <summary>
/// A domain refusal as an HTTP problem: either field errors (a 400 validation problem) or a problem with its
/// own status. The grain decides; this only says it in HTTP.
/// </summary>
public sealed record Refusal(ProblemDetails? Problem, IDictionary<string, string[]>? Errors)
{
    /// <summary>The problem for a refused donation command, or null when nothing was refused.</summary>
    public static Refusal? Of(DonationError error, string? detail, Guid campaignId, string what = "donation") => error switch
    {
        DonationError.None => null,
        DonationError.CampaignNotFound => new(Http.Problem.NotFound("campaign", campaignId), null),
        DonationError.CampaignNotLive => new(Http.Problem.Conflict($"The campaign is not accepting {what}s: it is not live."), null),
        DonationError.CurrencyMismatch => Field("currency", detail ?? "'currency' must be the campaign's currency."),
        DonationError.AmountAboveLimit => Field("amount", detail ?? "'amount' is above the largest single gift."),
        DonationError.IdempotencyKeyReused => new(Idempotency.KeyReused(what), null),
        DonationError.PledgeNotFound => Field("pledgeId", "'pledgeId' is not a pledge of this campaign."),
        DonationError.TeamNotFound => Field("teamId", "'teamId' is not a team of this campaign."),
        DonationError.SubPlanNotFound => Field("subPlanId", "'subPlanId' is not a sub-plan of this project."),
        DonationError.PledgeOverpaid => new(Http.Problem.Unprocessable(
            "The payment is more than the pledge has left.", "A pledge can be paid in parts, but never beyond the amount pledged."), null),
        _ => new(Http.Problem.NotFound(what, null), null),
    };

    /// <summary>The problem for a refused refund, or null when nothing was refused.</summary>
    public static Refusal? Of(RefundError error, DonationRecord? donation, Guid donationId) => error switch
    {
        RefundError.None => null,
        RefundError.DonationNotFound => new(Http.Problem.NotFound("donation", donationId), null),
        RefundError.NotRefundable => new(Http.Problem.Conflict("Only a succeeded gift with money left on it can be refunded."), null),
        RefundError.ExceedsRemaining => Field("amount",
            $"'amount' is more than the {(donation is null ? 0 : RefundRules.Refundable(donation))} fen still refundable on this gift."),
        RefundError.ExceedsBalance => new(Http.Problem.Conflict(
            "Money has been disbursed from this project: giving this gift back (with the matching it takes back) would take the project's balance below zero. Nothing was refunded."), null),
        _ => new(Http.Problem.Unprocessable("The Idempotency-Key was already used for a different refund.", "Use a new key for a new refund."), null),
    };

    private static Refusal Field(string field, string message) => new(null, new Dictionary<string, string[]> { [field] = [message] });
}
