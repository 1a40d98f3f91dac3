using Fundraising.Contracts.Disbursements;
using Fundraising.Persistence.Disbursements;

namespace Fundraising.Web.Disbursements;

/// <summary>Body of <c>POST /api/campaigns/{id}/disbursements</c>: money gone out of the project. Amount in fen.</summary>
public sealed record DisbursementRequest(long? Amount, string? Currency, string? Purpose, string? Payee, DateTimeOffset? PaidAt, Guid[]? EvidencePhotoIds);

/// <summary>Body of <c>POST /api/disbursements/{id}/corrections</c>: a signed, non-zero amount in fen and why.</summary>
public sealed record CorrectionRequest(long? Amount, string? Reason);

public sealed record DisbursementResponse(
    Guid Id, Guid CampaignId, long Amount, string Currency, string? Purpose, string? Payee, DateTimeOffset? PaidAt,
    IReadOnlyList<Guid> EvidencePhotoIds, string RecordedBy, DateTimeOffset RecordedAt, Guid? Corrects, string? Reason)
{
    public static DisbursementResponse From(DisbursementRecord d) =>
        new(d.Id, d.CampaignId, d.Amount, d.Currency, d.Purpose, d.Payee, d.PaidAt, d.EvidencePhotoIds, d.RecordedBy, d.RecordedAt, d.Corrects, d.Reason);
}

/// <summary>A project's disbursements for staff: every entry in the order recorded, each original with its net amount.</summary>
public sealed record DisbursementListResponse(
    IReadOnlyList<DisbursementListItem> Items, long RaisedAmount, long MatchedAmount, long DisbursedAmount, long Balance);

public sealed record DisbursementListItem(DisbursementResponse Entry, long NetAmount);

/// <summary>The public ledger of a project: its totals and a page of entries, oldest first.</summary>
public sealed record LedgerResponse(
    Guid CampaignId, string Currency, long RaisedAmount, long MatchedAmount, long DisbursedAmount, long Balance,
    IReadOnlyList<LedgerEntryResponse> Entries, int PageSize, string? Next);

/// <summary>
/// One line: <c>type</c> gift | refund | disbursement | correction; <c>amount</c> the entry's own (a correction's signed);
/// <c>balanceEffect</c> what it does to the balance. Gifts name their donor, or 匿名爱心人士 when anonymous.
/// </summary>
public sealed record LedgerEntryResponse(
    string Type, Guid Id, DateTimeOffset At, long Amount, string Currency, long BalanceEffect,
    string? DonorName, string? GiftKind, string? Channel, string? Item, long? Quantity, long MatchedAmount, Guid? DonationId,
    string? Purpose, string? Payee, DateTimeOffset? PaidAt, IReadOnlyList<Guid>? EvidencePhotoIds, Guid? Corrects, string? Reason)
{
    /// <summary>How an anonymous donor is shown everywhere (pages, APIs, CSV, the feed).</summary>
    public const string AnonymousName = "匿名爱心人士";

    public static LedgerEntryResponse From(ProjectLedgerEntry e) => new(
        TypeName(e.Type), e.Id, e.At, e.Amount, e.Currency, e.BalanceEffect,
        e.Type == ProjectLedgerEntryType.Gift ? e.PublicName ?? AnonymousName : null,
        e.GiftKind, e.Channel, e.Item, e.Quantity, e.MatchedAmount, e.DonationId,
        e.Purpose, e.Payee, e.PaidAt, e.Type == ProjectLedgerEntryType.Disbursement ? e.EvidencePhotoIds : null, e.Corrects, e.Reason);

    public static string TypeName(ProjectLedgerEntryType type) => type switch
    {
        ProjectLedgerEntryType.Gift => "gift",
        ProjectLedgerEntryType.Refund => "refund",
        ProjectLedgerEntryType.Disbursement => "disbursement",
        _ => "correction",
    };
}
