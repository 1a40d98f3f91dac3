using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Fundraising.Persistence.Donors;

namespace Fundraising.Web.Donors;

/// <summary>
/// A donor token that proves itself: <c>fdt_</c> + base64url of the donor's id, the expiry (Unix seconds), the address
/// kind, 8 random bytes (two tokens of one donor in one second differ) and an HMAC-SHA256 of them, cut to 24 bytes, under
/// the server's key (<c>Donors:AddressKey</c>, in a domain of its own), so a
/// gift that carries one needs no database lookup to know its donor. Every verified donor's gift asks, and on a giving
/// day most donors give once or twice: a lookup per donor was a database round trip per gift (see load/README.md).
/// </summary>
/// <remarks>
/// Tokens were never revocable before they expire (the lookup cache already relied on that), so nothing is lost by not
/// asking the database. The token's hash is still stored when it is issued, as before, and tokens of the earlier random
/// format are still looked up there until they expire.
/// </remarks>
internal static class SignedDonorToken
{
    private const int IdBytes = 16;
    private const int ExpiryBytes = 8;
    private const int NonceBytes = 8;
    private const int MacBytes = 24;
    private const int PayloadBytes = IdBytes + ExpiryBytes + 1 + NonceBytes;
    private static readonly byte[] Domain = Encoding.UTF8.GetBytes("donor-token\n");

    public static string Issue(byte[] key, Guid donorId, string kind, DateTimeOffset expiresAt)
    {
        Span<byte> bytes = stackalloc byte[PayloadBytes + MacBytes];
        Write(bytes[..PayloadBytes], donorId, kind, expiresAt);
        Mac(key, bytes[..PayloadBytes], bytes[PayloadBytes..]);
        return DonorVerification.TokenPrefix + DonorVerification.Base64Url(bytes);
    }

    /// <summary>
    /// The donor of a well-formed token whose MAC is right, if it is unexpired at <paramref name="now"/>; null for an
    /// expired, forged or altered one. <paramref name="signed"/> says whether the token had this format at all (a token
    /// that does not is looked up as an earlier random token).
    /// </summary>
    public static VerifiedDonor? Read(byte[] key, string token, DateTimeOffset now, out bool signed)
    {
        signed = false;
        var text = token[DonorVerification.TokenPrefix.Length..];
        Span<byte> bytes = stackalloc byte[PayloadBytes + MacBytes];
        if (text.Length != 76 || !TryDecode(text, bytes))
        {
            return null;
        }
        signed = true;
        Span<byte> expected = stackalloc byte[MacBytes];
        Mac(key, bytes[..PayloadBytes], expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, bytes[PayloadBytes..]))
        {
            return null;
        }
        var donorId = new Guid(bytes[..IdBytes]);
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64BigEndian(bytes[IdBytes..(IdBytes + ExpiryBytes)]));
        var kind = bytes[IdBytes + ExpiryBytes] switch
        {
            1 => DonorAddress.EmailKind,
            2 => DonorAddress.PhoneKind,
            _ => null,
        };
        return kind is null || expiresAt <= now ? null : new VerifiedDonor(donorId, kind, expiresAt);
    }

    private static void Write(Span<byte> payload, Guid donorId, string kind, DateTimeOffset expiresAt)
    {
        donorId.TryWriteBytes(payload[..IdBytes]);
        BinaryPrimitives.WriteInt64BigEndian(payload[IdBytes..(IdBytes + ExpiryBytes)], expiresAt.ToUnixTimeSeconds());
        payload[IdBytes + ExpiryBytes] = kind == DonorAddress.EmailKind ? (byte)1 : (byte)2;
        RandomNumberGenerator.Fill(payload[^NonceBytes..]);
    }

    private static void Mac(byte[] key, ReadOnlySpan<byte> payload, Span<byte> mac)
    {
        Span<byte> message = stackalloc byte[Domain.Length + payload.Length];
        Domain.CopyTo(message);
        payload.CopyTo(message[Domain.Length..]);
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, message, full);
        full[..MacBytes].CopyTo(mac);
    }

    private static bool TryDecode(string text, Span<byte> into)
    {
        Span<char> padded = stackalloc char[text.Length + 4];
        text.AsSpan().CopyTo(padded);
        var length = text.Length;
        for (var i = 0; i < length; i++)
        {
            padded[i] = padded[i] switch { '-' => '+', '_' => '/', var c => c };
        }
        while (length % 4 != 0)
        {
            padded[length++] = '=';
        }
        return Convert.TryFromBase64Chars(padded[..length], into, out var written) && written == into.Length;
    }
}
