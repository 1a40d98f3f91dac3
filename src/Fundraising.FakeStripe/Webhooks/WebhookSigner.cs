using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Fundraising.FakeStripe.Webhooks;

/// <summary>Stripe's webhook signature: <c>t=&lt;unix&gt;,v1=&lt;hex HMAC-SHA256 of "t.payload"&gt;</c>, one <c>v1</c> per secret.</summary>
internal static class WebhookSigner
{
    public static string Header(string payload, long timestamp, IReadOnlyList<string> secrets)
    {
        var header = new StringBuilder("t=").Append(timestamp.ToString(CultureInfo.InvariantCulture));
        var signed = Encoding.UTF8.GetBytes($"{timestamp.ToString(CultureInfo.InvariantCulture)}.{payload}");
        foreach (var secret in secrets)
        {
            // The key is the whole secret string, "whsec_" included, as Stripe's libraries use it.
            var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
            header.Append(",v1=").Append(Convert.ToHexStringLower(mac));
        }
        return header.ToString();
    }
}
