namespace Fundraising.Contracts.Donations;

/// <summary>
/// How much of a gift can be given back: the one place this is decided. The campaign grain asks it
/// before a provider is told to refund; the ledger's writer asks it again under the gift's row lock,
/// so concurrent refunds (from any activation or process) see each other and never exceed the gift.
/// </summary>
public static class RefundRules
{
    /// <summary>
    /// The amount to refund for a request of <paramref name="requested"/> fen (0 or null: everything still
    /// refundable), or why the gift cannot be refunded by that much.
    /// </summary>
    public static (RefundError Error, long Amount) Decide(DonationRecord donation, long? requested)
    {
        var remaining = Refundable(donation);
        if (remaining == 0)
        {
            return (RefundError.NotRefundable, 0);
        }
        var amount = requested is null or 0 ? remaining : requested.Value;
        return amount > remaining ? (RefundError.ExceedsRemaining, 0) : (RefundError.None, amount);
    }

    /// <summary>What is still refundable: nothing on a gift that has not succeeded, else what is left after earlier refunds.</summary>
    public static long Refundable(DonationRecord donation) => donation.NetAmount;

    /// <summary>
    /// A refund key used again is a retry when it asks for the same thing: the same reason, and the same
    /// amount (or "everything", which the first request turned into an amount).
    /// </summary>
    public static bool IsRetryOf(RefundRecord request, RefundRecord earlier) =>
        (request.Amount == 0 || request.Amount == earlier.Amount) && request.Reason == earlier.Reason;
}
