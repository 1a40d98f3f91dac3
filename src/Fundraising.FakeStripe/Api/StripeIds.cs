using System.Security.Cryptography;

namespace Fundraising.FakeStripe.Api;

/// <summary>Object ids shaped like Stripe's (<c>pi_3N...</c>): a prefix and random base62 characters.</summary>
internal static class StripeIds
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    // Random rather than sequential: the platform stores these ids, and a restarted fake must not reuse one.
    public static string New(string prefix, int length = 24) =>
        prefix + "_" + RandomNumberGenerator.GetString(Alphabet, length);
}
