using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Fundraising.Persistence.Donors;
using Microsoft.Extensions.Options;

namespace Fundraising.Web.Donors;

/// <summary>An address a donor verifies, normalized: e-mail trimmed and in lower case, phone as <c>+</c> and digits.</summary>
public sealed record DonorAddress(string Kind, string Value)
{
    public const string EmailKind = "email";
    public const string PhoneKind = "phone";
}

public enum VerificationRequestResult
{
    Sent,
    NoSender,
    SendFailed,
}

/// <summary>
/// The rules of verified donors: a 6-digit code from <see cref="RandomNumberGenerator"/>, valid
/// <c>Donors:CodeLifetime</c>, dead after <see cref="MaxWrongAttempts"/> wrong tries, used once, replaced by a new
/// request; then a donor token (<see cref="SignedDonorToken"/>: the donor's id and expiry under the server's HMAC) valid
/// <c>Donors:TokenLifetime</c>.
/// Only keyed hashes of addresses and codes and the SHA-256 of tokens are stored; nothing plain is logged.
/// </summary>
public sealed partial class DonorVerification(
    DonorStore store, VerificationSenders senders, IOptions<DonorOptions> options, TimeProvider time, ILogger<DonorVerification> logger)
{
    public const int MaxWrongAttempts = 5;
    public const string TokenPrefix = "fdt_";

    /// <summary>Normalizes an e-mail address; null when it is not one.</summary>
    public static DonorAddress? NormalizeEmail(string value)
    {
        var email = value.Trim().ToLowerInvariant();
        return email.Length <= 254 && EmailShape().IsMatch(email) ? new DonorAddress(DonorAddress.EmailKind, email) : null;
    }

    /// <summary>
    /// Normalizes a phone number (spaces and hyphens dropped): a Chinese mobile number of 11 digits becomes
    /// <c>+86…</c>, an E.164 number stays as it is; null for anything else.
    /// </summary>
    public static DonorAddress? NormalizePhone(string value)
    {
        var phone = value.Trim().Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        if (ChineseMobile().IsMatch(phone))
        {
            return new DonorAddress(DonorAddress.PhoneKind, "+86" + phone);
        }
        return E164().IsMatch(phone) ? new DonorAddress(DonorAddress.PhoneKind, phone) : null;
    }

    /// <summary>
    /// Makes and sends a new code for the address, replacing any earlier one. The caller answers the same whether or
    /// not the address was seen before. <see cref="VerificationRequestResult.NoSender"/> when its kind has no sender.
    /// </summary>
    public async Task<VerificationRequestResult> RequestAsync(DonorAddress address, CancellationToken cancellationToken)
    {
        var sender = address.Kind == DonorAddress.EmailKind ? senders.Email : senders.Phone;
        if (sender is null)
        {
            return VerificationRequestResult.NoSender;
        }
        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        var now = time.GetUtcNow();
        var lifetime = options.Value.CodeLifetime;
        await store.ReplaceCodeAsync(new NewVerification(AddressHash(address), address.Kind, CodeHash(address, code), now, now + lifetime), cancellationToken);
        var minutes = Math.Max(1, (int)Math.Round(lifetime.TotalMinutes));
        try
        {
            await sender.SendAsync(new VerificationMessage(
                address.Value,
                $"您的验证码 / Your verification code: {code}",
                $"您的捐赠人验证码是 {code}，{minutes} 分钟内有效。如非本人操作，请忽略。\n\nYour donor verification code is {code}. It is valid for {minutes} minutes. If you did not ask for it, ignore this message.",
                code), cancellationToken);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or MailKit.ProtocolException or MailKit.CommandException)
        {
            // The stored code is never delivered: the donor asks again, which replaces it. The exception's own text
            // is not logged, since SMTP servers echo the recipient in their replies.
            LogSendFailed(logger, address.Kind, e.GetType().Name);
            return VerificationRequestResult.SendFailed;
        }
        LogCodeSent(logger, address.Kind);
        return VerificationRequestResult.Sent;
    }

    /// <summary>A new donor token when <paramref name="code"/> is the address's live code; null otherwise (wrong, expired, used, dead).</summary>
    public async Task<DonorTokenIssued?> ConfirmAsync(DonorAddress address, string code, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var expiresAt = now + options.Value.TokenLifetime;
        // The token names its donor, whose id the store decides (a new donor, or the one who verified this address before).
        var token = "";
        var donorId = await store.ConfirmAsync(new VerificationAttempt(
            AddressHash(address), CodeHash(address, code), MaxWrongAttempts, now, id =>
            {
                token = SignedDonorToken.Issue(Key, id, address.Kind, expiresAt);
                return TokenHash(token);
            }, expiresAt), cancellationToken);
        if (donorId is null)
        {
            LogCodeRefused(logger, address.Kind);
            return null;
        }
        LogDonorVerified(logger, donorId.Value, address.Kind);
        return new DonorTokenIssued(donorId.Value, token, expiresAt);
    }

    /// <summary>
    /// The donor a token belongs to while it is unexpired; null for anything else. Every gift of a verified donor asks: a
    /// signed token (<see cref="SignedDonorToken"/>) answers by itself; a token of the earlier random format is looked up,
    /// and found ones are remembered (by digest) until they expire: tokens cannot be revoked early, so memory cannot be stale.
    /// </summary>
    public async Task<VerifiedDonor?> FindAsync(string? token, CancellationToken cancellationToken)
    {
        if (token is not { Length: > 4 and < 100 } || !token.StartsWith(TokenPrefix, StringComparison.Ordinal))
        {
            return null;
        }
        var now = time.GetUtcNow();
        if (SignedDonorToken.Read(Key, token, now, out var signed) is { } proven)
        {
            return proven;
        }
        if (signed)
        {
            return null;
        }
        var hash = TokenHash(token);
        var digest = Convert.ToHexString(hash);
        if (_known.TryGetValue(digest, out var known) && known.TokenExpiresAt > now)
        {
            return known;
        }
        var donor = await store.FindByTokenAsync(hash, now, cancellationToken);
        if (donor is not null)
        {
            if (_known.Count >= KnownTokensLimit)
            {
                _known.Clear();
            }
            _known[digest] = donor;
        }
        return donor;
    }

    private const int KnownTokensLimit = 200_000;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, VerifiedDonor> _known = new(StringComparer.Ordinal);

    public static byte[] TokenHash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private byte[] AddressHash(DonorAddress address) =>
        HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes($"address\n{address.Kind}\n{address.Value}"));

    // Keyed and bound to the address: a stolen table gives neither the code nor a way to try all million offline without the key.
    private byte[] CodeHash(DonorAddress address, string code) =>
        HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes($"code\n{address.Kind}\n{address.Value}\n{code}"));

    private byte[] Key => Encoding.UTF8.GetBytes(options.Value.AddressKey);

    internal static string Base64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex(@"^[^@\s\p{Cc}]+@[^@\s\p{Cc}]+\.[^@\s\p{Cc}]+$")]
    private static partial Regex EmailShape();

    [GeneratedRegex(@"^1[3-9]\d{9}$")]
    private static partial Regex ChineseMobile();

    [GeneratedRegex(@"^\+[1-9]\d{7,14}$")]
    private static partial Regex E164();

    [LoggerMessage(LogLevel.Information, "Verification code sent to a {Kind} address")]
    private static partial void LogCodeSent(ILogger logger, string kind);

    [LoggerMessage(LogLevel.Warning, "Verification code to a {Kind} address could not be sent ({Failure})")]
    private static partial void LogSendFailed(ILogger logger, string kind, string failure);

    [LoggerMessage(LogLevel.Information, "Verification code refused for a {Kind} address")]
    private static partial void LogCodeRefused(ILogger logger, string kind);

    [LoggerMessage(LogLevel.Information, "Donor {DonorId} verified a {Kind} address")]
    private static partial void LogDonorVerified(ILogger logger, Guid donorId, string kind);
}

/// <summary>A donor token just issued: shown once.</summary>
public sealed record DonorTokenIssued(Guid DonorId, string Token, DateTimeOffset ExpiresAt);
