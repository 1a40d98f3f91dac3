using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Fundraising.Payments;

/// <summary>
/// A donor's secret for one of their things (a monthly gift, a receipt): an HMAC-SHA256 of its id and purpose under a
/// server key. Nothing is stored, so a database leak reveals no token, and asking again answers the same token.
/// Purposes keep one kind's token from opening another kind. <paramref name="secret"/> is read at each use (options).
/// </summary>
public abstract class DonorTokens(Func<string> secret, string purpose)
{
    public string Issue(Guid id) => WebEncoders.Base64UrlEncode(Mac(secret(), purpose, id));

    /// <summary>True only when a secret is configured and <paramref name="token"/> is the one issued for this id and purpose.</summary>
    public bool Verify(Guid id, string? token)
    {
        var key = secret();
        if (key.Length == 0 || string.IsNullOrEmpty(token) || token.Length > 64)
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
        return CryptographicOperations.FixedTimeEquals(given, Mac(key, purpose, id));
    }

    private static byte[] Mac(string secret, string purpose, Guid id) =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(purpose + ":" + id.ToString("N")));
}
