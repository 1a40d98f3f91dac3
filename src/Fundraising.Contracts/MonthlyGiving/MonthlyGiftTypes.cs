namespace Fundraising.Contracts.MonthlyGiving;

public enum MonthlyGiftStatus
{
    /// <summary>Checkout started; Stripe has not reported a payment yet.</summary>
    Pending,
    Active,
    Cancelled,
}

/// <summary>
/// A donor's request for a monthly gift (月捐). Amount per month in minor units of <see cref="Currency"/>.
/// Each paid month becomes one gift on the campaign; the request itself counts nothing.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record NewMonthlyGift(
    [property: Id(0)] string IdempotencyKey,
    [property: Id(1)] long Amount,
    [property: Id(2)] string Currency,
    [property: Id(3)] string? DisplayName,
    [property: Id(4)] bool Anonymous,
    [property: Id(5)] string? Email);
