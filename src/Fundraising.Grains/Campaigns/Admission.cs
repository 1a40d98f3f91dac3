using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;

namespace Fundraising.Grains.Campaigns;

/// <summary>Limits on single gifts, bound from <c>Donations</c> in every silo.</summary>
public sealed class DonationLimits
{
    /// <summary>Largest single online gift, in fen (default ¥1,000,000). Monthly gifts are online gifts, month by month.</summary>
    public long MaxOnlineAmount { get; set; } = 100_000_000;

    /// <summary>Largest single offline gift or pledge, in fen (default ¥10 billion: stage pledges are large).</summary>
    public long MaxOfflineAmount { get; set; } = 1_000_000_000_000;
}

/// <summary>
/// Whether a campaign takes a gift: the one place this is decided, for one-off and monthly online gifts,
/// providers' payments, offline gifts and pledges alike.
/// </summary>
internal static class Admission
{
    /// <summary>
    /// What an admission check has to know about the request. <c>MustBeLive</c> is false for money a provider
    /// has already taken (a renewal after the campaign closed still happened) and for pledges.
    /// </summary>
    public readonly record struct Request(string Currency, long Amount, long MaxAmount, bool MustBeLive = true);

    /// <summary>Null when admitted; otherwise the refusal and, where it helps, a sentence saying why.</summary>
    public static (DonationError Error, string? Detail)? Refuse(CampaignDefinition? definition, CampaignStatus status, DateTimeOffset now, Request request)
    {
        if (definition is null)
        {
            return (DonationError.CampaignNotFound, null);
        }
        // Both halves of the live window belong to "must be live": a provider's payment after the end still counts.
        if (request.MustBeLive && (status != CampaignStatus.Live || now >= definition.EndsAt))
        {
            return (DonationError.CampaignNotLive, null);
        }
        if (!string.Equals(request.Currency, definition.Currency, StringComparison.Ordinal))
        {
            return (DonationError.CurrencyMismatch, $"'currency' must be the campaign's currency, {definition.Currency}; '{request.Currency}' is not.");
        }
        if (request.Amount > request.MaxAmount)
        {
            return (DonationError.AmountAboveLimit, $"'amount' must be at most {request.MaxAmount} (minor units, fen) for a single gift.");
        }
        return null;
    }
}
