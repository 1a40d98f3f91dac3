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
/// Each paid month becomes one gift on the campaign; the request itself counts nothing. <see cref="TeamId"/> (一起捐) and
/// <see cref="SubPlanId"/> (a village project's sub-plan) are what every month's gift counts for, as on a one-off gift.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record NewMonthlyGift(
    [property: Id(0)] string IdempotencyKey,
    [property: Id(1)] long Amount,
    [property: Id(2)] string Currency,
    [property: Id(3)] string? DisplayName,
    [property: Id(4)] bool Anonymous,
    [property: Id(5)] string? Email,
    [property: Id(6)] Guid? TeamId = null,
    [property: Id(7)] Guid? SubPlanId = null);
