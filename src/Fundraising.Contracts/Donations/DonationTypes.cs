namespace Fundraising.Contracts.Donations;

/// <summary>A donation counts toward a campaign only once it has <see cref="Succeeded"/>.</summary>
public enum DonationStatus
{
    Pending,
    Succeeded,

    /// <summary>Refunded in full. A partly refunded gift stays <see cref="Succeeded"/> with a refunded amount.</summary>
    Refunded,
}

/// <summary>Money, or goods counted at their valuation (款物: 款 money, 物 goods).</summary>
public enum DonationKind
{
    Money,
    Goods,
}

/// <summary>How the money came in (线上 online through a provider, 线下 offline recorded by an admin).</summary>
public enum DonationChannel
{
    Online,
    Offline,
}

/// <summary>A donor's request for a new online donation. Amount is in minor units of <see cref="Currency"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record NewDonation(
    [property: Id(0)] string IdempotencyKey,
    [property: Id(1)] long Amount,
    [property: Id(2)] string Currency,
    [property: Id(3)] string? DisplayName,
    [property: Id(4)] bool Anonymous,
    [property: Id(5)] string? Message,
    [property: Id(6)] string Provider,
    [property: Id(7)] Guid? DonorId = null,
    [property: Id(8)] Guid? TeamId = null,
    [property: Id(9)] Guid? SubPlanId = null);

/// <summary>
/// An admin's record of an offline gift: money (<see cref="Method"/> cash, bank transfer, or a payment
/// against a stage pledge) or goods (<see cref="Item"/> and <see cref="Quantity"/>, valued at <see cref="Amount"/>).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record NewOfflineDonation(
    [property: Id(0)] string IdempotencyKey,
    [property: Id(1)] long Amount,
    [property: Id(2)] string Currency,
    [property: Id(3)] string DonorName,
    [property: Id(4)] bool Anonymous,
    [property: Id(5)] string Reference,
    [property: Id(6)] string Method,
    [property: Id(7)] string RecordedBy,
    [property: Id(8)] DonationKind Kind = DonationKind.Money,
    [property: Id(9)] string? Item = null,
    [property: Id(10)] long? Quantity = null,
    [property: Id(11)] Guid? PledgeId = null,
    [property: Id(12)] Guid? SubPlanId = null);

/// <summary>
/// A gift from an earlier year's records, imported into the ledger with the date it was made. Online gifts came through
/// a provider at the time; offline ones are money (cash, transfers) or goods at their valuation.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ImportedGift(
    [property: Id(0)] string IdempotencyKey,
    [property: Id(1)] long Amount,
    [property: Id(2)] string Currency,
    [property: Id(3)] string? DonorName,
    [property: Id(4)] bool Anonymous,
    [property: Id(5)] DonationChannel Channel,
    [property: Id(6)] DonationKind Kind,
    [property: Id(7)] DateTimeOffset MadeAt,
    [property: Id(8)] string Source,
    [property: Id(9)] string ImportedBy,
    [property: Id(10)] string? Item = null,
    [property: Id(11)] long? Quantity = null);

/// <summary>One ledger entry.</summary>
[GenerateSerializer, Immutable]
public sealed record DonationRecord(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid CampaignId,
    [property: Id(2)] long Amount,
    [property: Id(3)] string Currency,
    [property: Id(4)] string? DisplayName,
    [property: Id(5)] bool Anonymous,
    [property: Id(6)] string? Message,
    [property: Id(7)] DonationStatus Status,
    [property: Id(8)] DonationChannel Channel,
    [property: Id(9)] string Provider,
    [property: Id(10)] DateTimeOffset CreatedAt,
    [property: Id(11)] DateTimeOffset? SucceededAt,
    [property: Id(12)] DonationKind Kind = DonationKind.Money,
    [property: Id(13)] long RefundedAmount = 0,
    [property: Id(14)] string? Item = null,
    [property: Id(15)] long? Quantity = null,
    [property: Id(16)] string? ReceiptNumber = null,
    [property: Id(17)] Guid? PledgeId = null,
    [property: Id(18)] Guid? DonorId = null,
    [property: Id(19)] Guid? TeamId = null,
    [property: Id(20)] Guid? SubPlanId = null)
{
    /// <summary>What this gift adds to its campaign's total now: nothing until it succeeds, less any refunds.</summary>
    public long NetAmount => Net(Status, Amount, RefundedAmount);

    /// <summary>What a gift counts for: nothing until it succeeds, then its amount less refunds. The one place this is said.</summary>
    public static long Net(DonationStatus status, long amount, long refundedAmount) => status == DonationStatus.Pending ? 0 : amount - refundedAmount;

    /// <summary>
    /// Whether <paramref name="provider"/> is the one that takes this gift's money, and so the only one whose word
    /// confirms it: a sandbox confirmation can never pay for a card gift, nor Stripe for a sandbox one.
    /// </summary>
    public bool IsPaidThrough(string provider) => Channel == DonationChannel.Online && Provider == provider;

    /// <summary>The name the public may see: none for anonymous gifts.</summary>
    public string? PublicName => Anonymous ? null : DisplayName;
}

/// <summary>Why a donation command was refused.</summary>
public enum DonationError
{
    None,
    CampaignNotFound,
    CampaignNotLive,
    CurrencyMismatch,
    IdempotencyKeyReused,
    DonationNotFound,
    PledgeNotFound,
    PledgeOverpaid,

    /// <summary>The amount is above the largest single gift the platform takes on this channel.</summary>
    AmountAboveLimit,

    /// <summary>A provider tried to confirm a gift that another provider (or none: an offline gift) takes the money for.</summary>
    ProviderMismatch,

    /// <summary>The gift names a team (一起捐) that is not one of this campaign's.</summary>
    TeamNotFound,

    /// <summary>The gift names a sub-plan that is not one of this project's.</summary>
    SubPlanNotFound,
}

/// <summary>
/// The outcome of a donation command. <see cref="Replayed"/> is true when an earlier identical
/// request already did the work (a retry), so the caller returns the original result.
/// <see cref="Detail"/> says, for people, why a request was refused when the error alone does not.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DonationResult(
    [property: Id(0)] DonationError Error,
    [property: Id(1)] DonationRecord? Donation,
    [property: Id(2)] bool Replayed = false,
    [property: Id(3)] string? Detail = null,
    [property: Id(4)] Matching.MatchOutcome? Match = null)
{
    public static DonationResult Failed(DonationError error, string? detail = null) => new(error, null, Detail: detail);

    /// <summary>An admission check passed; nothing was written.</summary>
    public static readonly DonationResult Admitted = new(DonationError.None, null);
}

/// <summary>
/// An admin's request to give money back (all of it when <see cref="Amount"/> is null). <see cref="MadeByProvider"/>: the
/// card provider has already given it back (Stripe's refund event, or an admin refund once Stripe made it), so the
/// ledger records it whatever the project's balance, and a balance it takes below zero is a shortfall for admins.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record NewRefund(
    [property: Id(0)] Guid DonationId,
    [property: Id(1)] long? Amount,
    [property: Id(2)] string Reason,
    [property: Id(3)] string RequestedBy,
    [property: Id(4)] string IdempotencyKey,
    [property: Id(5)] bool MadeByProvider = false);

/// <summary>A refund: a compensating entry, the gift itself is never edited away.</summary>
[GenerateSerializer, Immutable]
public sealed record RefundRecord(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid DonationId,
    [property: Id(2)] Guid CampaignId,
    [property: Id(3)] long Amount,
    [property: Id(4)] string Reason,
    [property: Id(5)] string RequestedBy,
    [property: Id(6)] DateTimeOffset CreatedAt);

public enum RefundError
{
    None,
    DonationNotFound,
    NotRefundable,
    ExceedsRemaining,
    IdempotencyKeyReused,
    /// <summary>The project has disbursed money: giving this back would take its balance below zero.</summary>
    ExceedsBalance,
}

/// <summary>The outcome of a refund command, with the donation as it stands afterwards.</summary>
[GenerateSerializer, Immutable]
public sealed record RefundResult(
    [property: Id(0)] RefundError Error,
    [property: Id(1)] RefundRecord? Refund,
    [property: Id(2)] DonationRecord? Donation,
    [property: Id(3)] bool Replayed = false)
{
    public static RefundResult Failed(RefundError error, DonationRecord? donation = null) => new(error, null, donation);
}
