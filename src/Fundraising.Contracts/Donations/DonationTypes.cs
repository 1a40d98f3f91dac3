namespace Fundraising.Contracts.Donations;

/// <summary>A donation counts toward a campaign only once it has <see cref="Succeeded"/>.</summary>
public enum DonationStatus
{
    Pending,
    Succeeded,
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
    [property: Id(6)] string Provider);

/// <summary>An admin's record of an offline gift. <see cref="Method"/> is e.g. cash or bank transfer.</summary>
[GenerateSerializer, Immutable]
public sealed record NewOfflineDonation(
    [property: Id(0)] string IdempotencyKey,
    [property: Id(1)] long Amount,
    [property: Id(2)] string Currency,
    [property: Id(3)] string DonorName,
    [property: Id(4)] bool Anonymous,
    [property: Id(5)] string Reference,
    [property: Id(6)] string Method,
    [property: Id(7)] string RecordedBy);

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
    [property: Id(11)] DateTimeOffset? SucceededAt)
{
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
}

/// <summary>
/// The outcome of a donation command. <see cref="Replayed"/> is true when an earlier identical
/// request already did the work (a retry), so the caller returns the original result.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DonationResult(
    [property: Id(0)] DonationError Error,
    [property: Id(1)] DonationRecord? Donation,
    [property: Id(2)] bool Replayed = false)
{
    public static DonationResult Failed(DonationError error) => new(error, null);
}
