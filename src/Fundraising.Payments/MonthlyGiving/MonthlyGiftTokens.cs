using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
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
/// A donor's secret for managing a monthly gift: an HMAC of the gift's id under a server key. Nothing is
/// stored, so a database leak reveals no token, and a retried create (same Idempotency-Key) answers the
/// same token again.
/// </summary>
public sealed class MonthlyGiftTokens(IOptions<MonthlyGivingOptions> options)
{
    /// <summary>False until a secret is configured: then no token is issued or accepted.</summary>
    public bool CanIssue => options.Value.TokenSecret.Length > 0;

    public string Issue(Guid monthlyGiftId) => WebEncoders.Base64UrlEncode(Mac(monthlyGiftId));

    public bool Verify(Guid monthlyGiftId, string? token)
    {
        if (!CanIssue || string.IsNullOrEmpty(token) || token.Length > 64)
        {
            return false;
        }
        byte[] given;
        try
        {
            given = WebEncoders.Base64UrlDecode(token);
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(given, Mac(monthlyGiftId));
    }

    private byte[] Mac(Guid monthlyGiftId) =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(options.Value.TokenSecret), Encoding.UTF8.GetBytes("monthly-gift:" + monthlyGiftId.ToString("N")));
}
