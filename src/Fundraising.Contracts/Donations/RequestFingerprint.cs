using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Fundraising.Contracts.MonthlyGiving;

namespace Fundraising.Contracts.Donations;

/// <summary>
/// A hash of everything a request asked for, stored with its idempotency key so that a retry (same
/// key, same request) is told apart from a misuse (same key, anything different). The one scheme for
/// every kind of request: online gifts, providers' payments, offline money and goods, monthly gifts.
/// </summary>
/// <remarks>
/// Every field of the request is in its hash except the key itself and who recorded it: two admins
/// entering the same bank reference with the same contents are one gift entered twice. A test mutates
/// each property of each request type in turn, so a field added later cannot be left out silently.
/// </remarks>
public static class RequestFingerprint
{
    public static byte[] Of(NewDonation d) => Online("online", d);

    /// <summary>A payment the provider already took: never the same fingerprint as a donor's request under the same key.</summary>
    public static byte[] OfProviderPayment(NewDonation d) => Online("provider-payment", d);

    // The donor, the team and the sub-plan are appended only when there is one, so gifts without them keep the fingerprints they always had.
    private static byte[] Online(string kind, NewDonation d)
    {
        var parts = new List<string?> { kind, Number(d.Amount), d.Currency, d.DisplayName, Flag(d.Anonymous), d.Message, d.Provider };
        if (d.DonorId is { } donor)
        {
            parts.Add(donor.ToString("N"));
        }
        if (d.TeamId is { } team)
        {
            parts.Add("team:" + team.ToString("N"));
        }
        if (d.SubPlanId is { } subPlan)
        {
            parts.Add("subplan:" + subPlan.ToString("N"));
        }
        return Hash([.. parts]);
    }

    // The sub-plan is appended only when there is one, so entries without one keep the fingerprints they always had.
    public static byte[] Of(NewOfflineDonation d) => d.SubPlanId is { } subPlan
        ? Hash("offline", Number(d.Amount), d.Currency, d.DonorName, Flag(d.Anonymous), d.Reference, d.Method,
            d.Kind.ToString(), d.Item, d.Quantity is { } q ? Number(q) : null, d.PledgeId?.ToString("N"), "subplan:" + subPlan.ToString("N"))
        : Hash("offline", Number(d.Amount), d.Currency, d.DonorName, Flag(d.Anonymous), d.Reference, d.Method,
            d.Kind.ToString(), d.Item, d.Quantity is { } quantity ? Number(quantity) : null, d.PledgeId?.ToString("N"));

    public static byte[] Of(ImportedGift g) =>
        Hash("import", Number(g.Amount), g.Currency, g.DonorName, Flag(g.Anonymous), g.Channel.ToString(), g.Kind.ToString(),
            g.MadeAt.UtcTicks.ToString(CultureInfo.InvariantCulture), g.Source, g.Item, g.Quantity is { } quantity ? Number(quantity) : null);

    // The team and sub-plan are appended only when there is one, so gifts without them keep the fingerprints they always had.
    public static byte[] Of(NewMonthlyGift g) => g.TeamId is null && g.SubPlanId is null
        ? Hash("monthly", Number(g.Amount), g.Currency, g.DisplayName, Flag(g.Anonymous), g.Email)
        : Hash("monthly", Number(g.Amount), g.Currency, g.DisplayName, Flag(g.Anonymous), g.Email,
            "team:" + g.TeamId?.ToString("N"), "subplan:" + g.SubPlanId?.ToString("N"));

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Flag(bool value) => value ? "1" : "0";

    private static byte[] Hash(params string?[] parts)
    {
        // Length-prefix every part so that ("ab","c") and ("a","bc") differ; null differs from "".
        var builder = new StringBuilder();
        foreach (var part in parts)
        {
            builder.Append(part is null ? "-1" : part.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(part).Append('|');
        }
        return SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString()));
    }
}
