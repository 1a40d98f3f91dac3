using System.Security.Cryptography;
using System.Text;
using Fundraising.Contracts.Donations;

namespace Fundraising.Grains.Campaigns;

/// <summary>
/// A hash of what a donation request asked for, stored with its idempotency key so that a retry
/// (same key, same body) is told apart from a misuse (same key, different body).
/// </summary>
internal static class RequestFingerprint
{
    public static byte[] Of(NewDonation d) => Online("online", d);

    /// <summary>A payment the provider already took: never the same fingerprint as a donor's request under the same key.</summary>
    public static byte[] OfProviderPayment(NewDonation d) => Online("provider-payment", d);

    private static byte[] Online(string kind, NewDonation d) =>
        Hash(kind, d.Amount.ToString(System.Globalization.CultureInfo.InvariantCulture), d.Currency, d.DisplayName, d.Anonymous ? "1" : "0", d.Message, d.Provider);

    public static byte[] Of(NewOfflineDonation d) =>
        Hash("offline", d.Amount.ToString(System.Globalization.CultureInfo.InvariantCulture), d.Currency, d.DonorName, d.Anonymous ? "1" : "0", d.Reference, d.Method);

    private static byte[] Hash(params string?[] parts)
    {
        // Length-prefix every part so that ("ab","c") and ("a","bc") differ; null differs from "".
        var builder = new StringBuilder();
        foreach (var part in parts)
        {
            builder.Append(part is null ? "-1" : part.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(':').Append(part).Append('|');
        }
        return SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString()));
    }
}
