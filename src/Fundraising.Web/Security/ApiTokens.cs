using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Fundraising.Web.Security;

/// <summary>
/// An account's API token: <c>frt_</c> and 32 random bytes (base64url). Only its SHA-256 is stored; a token of that
/// much entropy needs no slow hash, and a lookup by digest costs one index probe.
/// </summary>
public static class ApiTokens
{
    public const string Prefix = "frt_";

    public static string NewToken() => Prefix + WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    public static bool LooksLikeToken(string presented) => presented.StartsWith(Prefix, StringComparison.Ordinal) && presented.Length <= 100;

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
