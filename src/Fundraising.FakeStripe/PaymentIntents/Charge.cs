using System.Text.Json.Nodes;
using Fundraising.FakeStripe.Api;

namespace Fundraising.FakeStripe.PaymentIntents;

/// <summary>One attempt to take money, succeeded or failed. Mutated only under <c>StripeStore.Gate</c>.</summary>
internal sealed class Charge
{
    public required string Id { get; init; }

    public required long Amount { get; init; }

    public required string Currency { get; init; }

    public required long Created { get; init; }

    public required string PaymentIntentId { get; init; }

    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    public string? CustomerId { get; init; }

    public string? Description { get; init; }

    /// <summary><c>succeeded</c> or <c>failed</c>.</summary>
    public required string Status { get; init; }

    public CardError? Failure { get; init; }

    public long AmountRefunded { get; set; }

    public bool Paid => Status == "succeeded";

    /// <summary>What is left to refund.</summary>
    public long Refundable => Paid ? Amount - AmountRefunded : 0;

    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["object"] = "charge",
        ["amount"] = Amount,
        ["amount_captured"] = Paid ? Amount : 0,
        ["amount_refunded"] = AmountRefunded,
        ["balance_transaction"] = null,
        ["captured"] = Paid,
        ["created"] = Created,
        ["currency"] = Currency,
        ["customer"] = CustomerId,
        ["description"] = Description,
        ["disputed"] = false,
        ["failure_code"] = Failure?.Code,
        ["failure_message"] = Failure?.Message,
        ["livemode"] = false,
        ["metadata"] = StripeJson.Metadata(Metadata),
        ["outcome"] = new JsonObject
        {
            ["network_status"] = Paid ? "approved_by_network" : "declined_by_network",
            ["reason"] = Failure?.DeclineCode,
            ["seller_message"] = Paid ? "Payment complete." : "The bank did not return any further details with this decline.",
            ["type"] = Paid ? "authorized" : "issuer_declined",
        },
        ["paid"] = Paid,
        ["payment_intent"] = PaymentIntentId,
        ["payment_method_details"] = new JsonObject
        {
            ["type"] = "card",
            ["card"] = new JsonObject { ["brand"] = "visa", ["last4"] = Paid ? "4242" : "0002", ["country"] = "US" },
        },
        ["refunded"] = Paid && AmountRefunded == Amount,
        ["status"] = Status,
    };
}
