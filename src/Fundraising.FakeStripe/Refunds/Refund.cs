using System.Text.Json.Nodes;
using Fundraising.FakeStripe.Api;

namespace Fundraising.FakeStripe.Refunds;

/// <summary>Money given back on a charge; succeeds at once in the fake.</summary>
internal sealed class Refund
{
    public required string Id { get; init; }

    public required long Amount { get; init; }

    public required string Currency { get; init; }

    public required long Created { get; init; }

    public required string ChargeId { get; init; }

    public required string PaymentIntentId { get; init; }

    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    public string? Reason { get; init; }

    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["object"] = "refund",
        ["amount"] = Amount,
        ["balance_transaction"] = null,
        ["charge"] = ChargeId,
        ["created"] = Created,
        ["currency"] = Currency,
        ["metadata"] = StripeJson.Metadata(Metadata),
        ["payment_intent"] = PaymentIntentId,
        ["reason"] = Reason,
        ["receipt_number"] = null,
        ["status"] = "succeeded",
    };
}
