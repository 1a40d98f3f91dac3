using Fundraising.Contracts.Donations;
using Fundraising.Contracts.Matching;
using Fundraising.Payments.Providers;
using Fundraising.Web.Matching;

namespace Fundraising.Web.Donations;

/// <summary>
/// Body of <c>POST /api/campaigns/{id}/donations</c>. Amount in minor units (fen); <c>TeamId</c> is the team (一起捐) whose share
/// link the gift came through; <c>SubPlanId</c> the village project's sub-plan the gift is for (none: the project as a whole).
/// </summary>
public sealed record CreateDonationRequest(long? Amount, string? Currency, string? DisplayName, bool? Anonymous, string? Message, Guid? TeamId = null, Guid? SubPlanId = null);

/// <summary>
/// Body of <c>POST /api/campaigns/{id}/offline-donations</c> (admin). Money: cash, bank transfer, or a
/// payment against a stage pledge (<c>pledgeId</c>). Goods: <c>kind: goods</c> with item and quantity,
/// <c>amount</c> being their valuation (折价) in fen.
/// </summary>
public sealed record OfflineDonationRequest(
    long? Amount,
    string? Currency,
    string? DonorName,
    string? Reference,
    OfflineMethod? Method,
    bool? Anonymous,
    DonationKind? Kind,
    string? Item,
    long? Quantity,
    Guid? PledgeId,
    Guid? SubPlanId = null);

public enum OfflineMethod
{
    Cash,
    BankTransfer,
    PledgePayment,
    InKind,
}

/// <summary>Sandbox: POST <c>confirmUrl</c>. Card providers: send the donor to <c>redirectUrl</c>.</summary>
public sealed record PaymentResponse(string Provider, string? ConfirmUrl, string? RedirectUrl);

/// <summary>
/// A donation as its donor or an admin sees it. The public list uses <see cref="PublicDonationResponse"/>.
/// <c>ReceiptToken</c> opens the gift's receipt (header <c>Receipt-Token</c>); only the donor's own create answer carries it.
/// <c>Match</c> is null while the gift is pending, then what a matching pool gave it (perhaps nothing).
/// </summary>
public sealed record DonationResponse(
    Guid Id,
    Guid CampaignId,
    long Amount,
    string Currency,
    DonationStatus Status,
    DonationChannel Channel,
    string? DisplayName,
    bool Anonymous,
    string? Message,
    DateTimeOffset CreatedAt,
    DateTimeOffset? SucceededAt,
    PaymentResponse? Payment,
    DonationKind Kind,
    string? Item,
    long? Quantity,
    long RefundedAmount,
    Guid? PledgeId,
    string? ReceiptToken,
    MatchResponse? Match,
    Guid? SubPlanId = null)
{
    public static DonationResponse From(DonationRecord d, PaymentInstruction? payment, string? receiptToken = null, MatchOutcome? match = null) => new(
        d.Id, d.CampaignId, d.Amount, d.Currency, d.Status, d.Channel, d.DisplayName, d.Anonymous, d.Message, d.CreatedAt, d.SucceededAt,
        payment is null ? null : new PaymentResponse(payment.Provider, payment.ConfirmUrl, payment.RedirectUrl), d.Kind, d.Item, d.Quantity, d.RefundedAmount, d.PledgeId,
        receiptToken, MatchResponse.From(match), d.SubPlanId);
}

/// <summary>A succeeded gift as anyone may see it: no name when the donor chose anonymity.</summary>
public sealed record PublicDonationResponse(
    string? DisplayName, bool Anonymous, long Amount, string Currency, string? Message, DonationChannel Channel, DateTimeOffset SucceededAt,
    DonationKind Kind, string? Item, long? Quantity, long RefundedAmount)
{
    public static PublicDonationResponse From(DonationRecord d) =>
        new(d.PublicName, d.Anonymous, d.Amount, d.Currency, d.Message, d.Channel, d.SucceededAt ?? d.CreatedAt, d.Kind, d.Item, d.Quantity, d.RefundedAmount);
}

/// <summary>A page of a campaign's gifts; <c>Next</c> is the cursor of the page after it (null on the last), <c>Page</c> null when read by cursor.</summary>
public sealed record DonationListResponse(IReadOnlyList<PublicDonationResponse> Items, int? Page, int PageSize, string? Next);

/// <summary>An admin's page of a campaign's gifts (not pending), newest first: ids, donors' names even when anonymous, refunds.</summary>
public sealed record AdminDonationListResponse(IReadOnlyList<DonationResponse> Items, int? Page, int PageSize, string? Next);
