using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Fundraising.Grains.Leaderboards;

/// <summary>The leaderboards' feed and pushes, bound from <c>Leaderboards</c>. Read by every silo.</summary>
public sealed class LeaderboardOptions
{
    /// <summary>When false, campaigns hand nothing to the boards (the load benchmark compares with and without).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often each silo's feed hands its campaigns' deltas to the event boards: one call per event per interval.</summary>
    public TimeSpan FeedInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>At most one push of an event's boards to each front end per interval, and only when something changed.</summary>
    public TimeSpan PushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a board compares every campaign's totals version with what it applied, and re-reads those behind.</summary>
    public TimeSpan ReconcileEvery { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a board waits for a missing delta (it may be on its way from another silo) before re-reading the campaign.</summary>
    public TimeSpan GapWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a campaign re-reads which events it takes part in.</summary>
    public TimeSpan EventsRefreshEvery { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Key of the donors board's opaque entry keys (≥ 32 characters). Unset: derived from <c>Donors:AddressKey</c>, so
    /// every silo makes the same keys without another secret to configure.
    /// </summary>
    public string? KeySecret { get; set; }
}

/// <summary>
/// The donors board's entry keys: an HMAC-SHA256 of (event, donor, named or anonymous) under a configured secret, cut to
/// 128 bits. The same donor has unrelated keys on different events and for their named and anonymous gifts, and a key
/// tells nothing about who gave without the secret: no donor id, phone or e-mail is ever in a key.
/// </summary>
public sealed class DonorKeys(IOptions<LeaderboardOptions> options)
{
    private readonly Lazy<byte[]> _secret = new(() => Encoding.UTF8.GetBytes(options.Value.KeySecret is { Length: >= 32 } secret
        ? secret
        : throw new InvalidOperationException("Leaderboards:KeySecret (or Donors:AddressKey, from which it is derived) of at least 32 characters is required.")));

    /// <summary>Derives the boards' secret from another configured secret, so that the two are never the same bytes.</summary>
    public static string Derive(string secret) =>
        Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), "fundraising leaderboard donor keys"u8));

    public Func<Guid, bool, string> For(Guid eventId) => (donorId, anonymous) =>
    {
        Span<byte> message = stackalloc byte[33];
        eventId.TryWriteBytes(message[..16]);
        donorId.TryWriteBytes(message[16..32]);
        message[32] = anonymous ? (byte)1 : (byte)0;
        var hash = HMACSHA256.HashData(_secret.Value, message);
        return "d" + Convert.ToHexString(hash.AsSpan(0, 16)).ToLowerInvariant();
    };
}
