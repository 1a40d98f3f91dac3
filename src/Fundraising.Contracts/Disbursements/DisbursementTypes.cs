namespace Fundraising.Contracts.Disbursements;

/// <summary>Money going out of a project (拨付/支出), as staff record it. Money is minor units (fen) of <see cref="Currency"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record NewDisbursement(
    [property: Id(0)] long Amount,
    [property: Id(1)] string Currency,
    [property: Id(2)] string Purpose,
    [property: Id(3)] string Payee,
    [property: Id(4)] DateTimeOffset PaidAt,
    [property: Id(5)] IReadOnlyList<Guid> EvidencePhotoIds,
    [property: Id(6)] string RecordedBy,
    [property: Id(7)] string? IdempotencyKey = null);

/// <summary>
/// A correction of a recorded disbursement: a new entry with a signed, non-zero <see cref="Amount"/> (positive: more was
/// paid than recorded; negative: less) and why. The entry it corrects stays as it was.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record NewCorrection(
    [property: Id(0)] Guid DisbursementId,
    [property: Id(1)] long Amount,
    [property: Id(2)] string Reason,
    [property: Id(3)] string RecordedBy,
    [property: Id(4)] string? IdempotencyKey = null);

/// <summary>
/// One entry of a project's money out: an original disbursement (<see cref="Corrects"/> null: purpose, payee, when it
/// was paid, evidence) or a correction naming the original it corrects (signed amount, reason).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DisbursementRecord(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid CampaignId,
    [property: Id(2)] long Amount,
    [property: Id(3)] string Currency,
    [property: Id(4)] string? Purpose,
    [property: Id(5)] string? Payee,
    [property: Id(6)] DateTimeOffset? PaidAt,
    [property: Id(7)] IReadOnlyList<Guid> EvidencePhotoIds,
    [property: Id(8)] string RecordedBy,
    [property: Id(9)] DateTimeOffset RecordedAt,
    [property: Id(10)] Guid? Corrects = null,
    [property: Id(11)] string? Reason = null)
{
    public bool IsCorrection => Corrects is not null;
}

/// <summary>A project's money: raised (款物, net of refunds), matched (配捐, beside it), disbursed, and what is left.</summary>
[GenerateSerializer, Immutable]
public sealed record ProjectBalance(
    [property: Id(0)] long RaisedAmount,
    [property: Id(1)] long MatchedAmount,
    [property: Id(2)] long DisbursedAmount)
{
    /// <summary>
    /// raised + matched - disbursed. Nothing the platform decides takes it below zero (the grain's rule, the database's
    /// CHECK); only a refund the card provider already made can, and that shortfall is flagged for admins (migration 0021).
    /// </summary>
    public long Balance => RaisedAmount + MatchedAmount - DisbursedAmount;
}

/// <summary>Why a disbursement or correction was refused.</summary>
public enum DisbursementError
{
    None,
    CampaignNotFound,
    CurrencyMismatch,
    PaidAtInFuture,
    ExceedsBalance,
    DisbursementNotFound,
    CorrectsACorrection,
    NetBelowZero,
    EvidenceRefused,
    IdempotencyKeyReused,
}

/// <summary>The outcome of a disbursement or correction: the entry, or why not (with the balance as it stands).</summary>
[GenerateSerializer, Immutable]
public sealed record DisbursementResult(
    [property: Id(0)] DisbursementError Error,
    [property: Id(1)] DisbursementRecord? Entry,
    [property: Id(2)] string? Detail = null,
    [property: Id(3)] ProjectBalance? Balance = null,
    [property: Id(4)] bool Replayed = false)
{
    public static DisbursementResult Failed(DisbursementError error, string? detail = null, ProjectBalance? balance = null) => new(error, null, detail, balance);
}

/// <summary>
/// The rules of money going out, written once. The campaign grain decides with them before anything is written; the
/// database's constraints (migration 0017) refuse the same wrong states if a decision was ever made on stale numbers.
/// </summary>
public static class DisbursementRules
{
    /// <summary>How far ahead of now a payment date may be: a day, for time zones and a payment made tomorrow morning.</summary>
    public static readonly TimeSpan PaidAtLeeway = TimeSpan.FromDays(1);

    /// <summary>Whether <paramref name="paidAt"/> is further in the future than <see cref="PaidAtLeeway"/>.</summary>
    public static bool IsTooFarAhead(DateTimeOffset paidAt, DateTimeOffset now) => paidAt > now + PaidAtLeeway;

    /// <summary>
    /// Whether taking <paramref name="amount"/> more out (negative: giving some back) leaves the balance at zero or
    /// above. Every disbursement, every positive correction and every refund (its gift and the match it takes back) asks.
    /// </summary>
    public static bool Fits(ProjectBalance balance, long amount) => amount <= balance.Balance;

    /// <summary>
    /// Whether a correction of <paramref name="amount"/> keeps its original's net amount (the original plus its earlier
    /// corrections, <paramref name="net"/>) at zero or above: a correction can void an entry, never make it negative.
    /// </summary>
    public static bool KeepsNetNonNegative(long net, long amount) => net + amount >= 0;

    /// <summary>
    /// A key used again is a retry when it asks for the same entry: every field but who recorded it and when (a
    /// colleague retrying a dropped request records nothing twice); otherwise it is a misuse of the key.
    /// </summary>
    public static bool IsRetryOf(DisbursementRecord request, DisbursementRecord earlier) =>
        request.CampaignId == earlier.CampaignId && request.Amount == earlier.Amount && request.Currency == earlier.Currency
        && request.Purpose == earlier.Purpose && request.Payee == earlier.Payee && request.PaidAt == earlier.PaidAt
        && request.Corrects == earlier.Corrects && request.Reason == earlier.Reason
        && request.EvidencePhotoIds.Order().SequenceEqual(earlier.EvidencePhotoIds.Order());
}
