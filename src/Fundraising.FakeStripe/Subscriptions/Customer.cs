using System.Text.Json.Nodes;
using Fundraising.FakeStripe.Api;

namespace Fundraising.FakeStripe.Subscriptions;

/// <summary>A customer, created by a subscription checkout.</summary>
internal sealed class Customer
{
    public required string Id { get; init; }

    public required long Created { get; init; }

    public string? Email { get; init; }

    public required string InvoicePrefix { get; init; }

    /// <summary>Next invoice number for this customer. Mutated only under <c>StripeStore.Gate</c>.</summary>
    public int NextInvoiceSequence { get; set; } = 1;

    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["object"] = "customer",
        ["balance"] = 0,
        ["created"] = Created,
        ["currency"] = null,
        ["delinquent"] = false,
        ["description"] = null,
        ["email"] = Email,
        ["invoice_prefix"] = InvoicePrefix,
        ["livemode"] = false,
        ["metadata"] = new JsonObject(),
        ["name"] = null,
        ["next_invoice_sequence"] = NextInvoiceSequence,
    };
}
