using Microsoft.Extensions.Options;

namespace Fundraising.Payments.MonthlyGiving;

/// <summary>Bound from <c>MonthlyGiving</c>.</summary>
public sealed class MonthlyGivingOptions
{
    /// <summary>
    /// Key of the donors' cancel tokens (at least 32 characters, from the environment or a secret store).
    /// Changing it invalidates every token handed out so far.
    /// </summary>
    public string TokenSecret { get; set; } = "";
}

/// <summary>
/// A donor's secret for managing a monthly gift (<see cref="DonorTokens"/>): a retried create (same Idempotency-Key)
/// answers the same token again.
/// </summary>
public sealed class MonthlyGiftTokens(IOptions<MonthlyGivingOptions> options) : DonorTokens(() => options.Value.TokenSecret, "monthly-gift")
{
    /// <summary>False until a secret is configured: then no token is issued or accepted.</summary>
    public bool CanIssue => options.Value.TokenSecret.Length > 0;
}
