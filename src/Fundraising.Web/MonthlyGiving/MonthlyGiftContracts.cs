using Fundraising.Contracts.Donations;
using Fundraising.Contracts.MonthlyGiving;
using Fundraising.Persistence.MonthlyGiving;

namespace Fundraising.Web.MonthlyGiving;

/// <summary>
/// Body of <c>POST /api/campaigns/{id}/monthly-gifts</c>. Amount per month in minor units (fen); <c>TeamId</c> and
/// <c>SubPlanId</c> as on a one-off gift (<c>CreateDonationRequest</c>): every month's gift counts for them.
/// </summary>
public sealed record CreateMonthlyGiftRequest(long? Amount, string? Currency, string? DisplayName, bool? Anonymous, string? Email, Guid? TeamId = null, Guid? SubPlanId = null);

/// <summary>
/// The answer to the donor who starts a monthly gift: where to pay, and the <see cref="CancelToken"/> that
/// alone lets them see or cancel the gift later. It is shown only here.
/// </summary>
public sealed record MonthlyGiftCreatedResponse(
    Guid Id, Guid CampaignId, long Amount, string Currency, string Interval, MonthlyGiftStatus Status, string? CheckoutUrl, string CancelToken, DateTimeOffset CreatedAt,
    Guid? TeamId, Guid? SubPlanId);

/// <summary>One month's gift: the invoice Stripe billed and the donation it made.</summary>
public sealed record MonthlyGiftPaymentResponse(Guid DonationId, string InvoiceId, long Amount, string Currency, DonationStatus Status, long RefundedAmount, DateTimeOffset? SucceededAt)
{
    public static MonthlyGiftPaymentResponse From(MonthlyGiftPayment p) => new(p.DonationId, p.InvoiceId, p.Amount, p.Currency, p.Status, p.RefundedAmount, p.SucceededAt);
}

/// <summary>A monthly gift as its donor sees it (with the token): status and the gifts made so far.</summary>
public sealed record MonthlyGiftResponse(
    Guid Id,
    Guid CampaignId,
    long Amount,
    string Currency,
    string Interval,
    string? DisplayName,
    bool Anonymous,
    MonthlyGiftStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CancelledAt,
    long TotalGiven,
    IReadOnlyList<MonthlyGiftPaymentResponse> Gifts,
    Guid? TeamId,
    Guid? SubPlanId)
{
    public static MonthlyGiftResponse From(MonthlyGiftRecord g, IReadOnlyList<MonthlyGiftPayment> payments) => new(
        g.Id, g.CampaignId, g.Amount, g.Currency, "month", g.DisplayName, g.Anonymous, g.Status, g.CreatedAt, g.CancelledAt,
        payments.Sum(p => p.NetAmount), [.. payments.Select(MonthlyGiftPaymentResponse.From)], g.TeamId, g.SubPlanId);
}

/// <summary>
/// A monthly gift as admins see it: the donor's name even when anonymous (marked), what it has given. Never its
/// cancel token, its e-mail or its Stripe ids.
/// </summary>
public sealed record AdminMonthlyGiftResponse(
    Guid Id,
    Guid CampaignId,
    string? DisplayName,
    bool Anonymous,
    long Amount,
    string Currency,
    string Interval,
    MonthlyGiftStatus Status,
    int MonthsPaid,
    long TotalGiven,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CancelledAt)
{
    public static AdminMonthlyGiftResponse From(MonthlyGiftSummary s) => new(
        s.Gift.Id, s.Gift.CampaignId, s.Gift.DisplayName, s.Gift.Anonymous, s.Gift.Amount, s.Gift.Currency, "month", s.Gift.Status,
        s.MonthsPaid, s.TotalGiven, s.Gift.CreatedAt, s.Gift.CancelledAt);
}

public sealed record AdminMonthlyGiftListResponse(IReadOnlyList<AdminMonthlyGiftResponse> Items, int? Page, int PageSize, long Total, string? Next);
