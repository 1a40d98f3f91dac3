using System.Text.Json.Nodes;
using Fundraising.FakeStripe.Api;
using Fundraising.FakeStripe.Checkout;
using Fundraising.FakeStripe.PaymentIntents;
using Fundraising.FakeStripe.Refunds;
using Fundraising.FakeStripe.Subscriptions;

namespace Fundraising.FakeStripe.Store;

/// <summary>
/// Every Stripe object the fake holds, in memory. One lock guards them all: an operation that touches several
/// objects (a refund and its charge, a checkout and the subscription it starts) is atomic, and its events are
/// published under the same lock, so event order follows the order of changes.
/// </summary>
internal sealed class StripeStore
{
    public Lock Gate { get; } = new();

    public Dictionary<string, CheckoutSession> Sessions { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, PaymentIntent> PaymentIntents { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, Charge> Charges { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, Refund> Refunds { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, Customer> Customers { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, Subscription> Subscriptions { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, Invoice> Invoices { get; } = new(StringComparer.Ordinal);

    /// <summary>The object with this id or Stripe's 404 <c>resource_missing</c>. Caller holds <see cref="Gate"/>.</summary>
    public static T Get<T>(Dictionary<string, T> objects, string id, string objectName, string param = "id") =>
        objects.TryGetValue(id, out var found) ? found : throw StripeApiException.NotFound(objectName, id, param);

    /// <summary>
    /// Renders <paramref name="json"/> with the <c>expand[]</c> paths replaced by the objects their ids name
    /// (<c>payment_intent</c>, <c>latest_invoice</c>, <c>data.object</c>...). Caller holds <see cref="Gate"/>.
    /// </summary>
    public JsonObject Expand(JsonObject json, IReadOnlyList<string> paths)
    {
        foreach (var path in paths)
        {
            var segments = path.Split('.');
            JsonObject? parent = json;
            for (var i = 0; i < segments.Length - 1 && parent is not null; i++)
            {
                parent = parent[segments[i]] as JsonObject;
            }
            var last = segments[^1];
            if (parent?[last] is JsonValue value && value.TryGetValue<string>(out var id) && Render(id) is { } expanded)
            {
                parent[last] = expanded;
            }
        }
        return json;
    }

    private JsonObject? Render(string id) => id[..Math.Max(0, id.IndexOf('_', StringComparison.Ordinal))] switch
    {
        "cs" => Sessions.GetValueOrDefault(id)?.ToJson(),
        "pi" => PaymentIntents.GetValueOrDefault(id)?.ToJson(),
        "ch" => Charges.GetValueOrDefault(id)?.ToJson(),
        "re" => Refunds.GetValueOrDefault(id)?.ToJson(),
        "cus" => Customers.GetValueOrDefault(id)?.ToJson(),
        "sub" => Subscriptions.GetValueOrDefault(id)?.ToJson(),
        "in" => Invoices.GetValueOrDefault(id)?.ToJson(),
        _ => null,
    };
}
