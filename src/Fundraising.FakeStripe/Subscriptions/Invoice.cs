using System.Globalization;
using System.Text.Json.Nodes;
using Fundraising.FakeStripe.Api;

namespace Fundraising.FakeStripe.Subscriptions;

/// <summary>
/// A subscription invoice. Since API version 2025-03-31 the subscription id is no longer a top-level field: it is at
/// <c>parent.subscription_details.subscription</c> (with the subscription's metadata beside it) and on each line at
/// <c>parent.subscription_item_details.subscription</c>; the payment is in <c>payments</c> (only when expanded) and
/// <c>GET /v1/invoice_payments?invoice=</c>. Mutated only under <c>StripeStore.Gate</c>.
/// </summary>
internal sealed class Invoice
{
    public required string Id { get; init; }

    public required string Number { get; init; }

    public required string CustomerId { get; init; }

    public string? CustomerEmail { get; init; }

    public required string SubscriptionId { get; init; }

    public required IReadOnlyDictionary<string, string> SubscriptionMetadata { get; init; }

    public required string Currency { get; init; }

    /// <summary><c>subscription_create</c> or <c>subscription_cycle</c>.</summary>
    public required string BillingReason { get; init; }

    public required IReadOnlyList<InvoiceLine> Lines { get; init; }

    public required long Created { get; init; }

    public required long PeriodStart { get; init; }

    public required long PeriodEnd { get; init; }

    public required string PaymentIntentId { get; init; }

    public required string InvoicePaymentId { get; init; }

    /// <summary><c>open</c> or <c>paid</c>.</summary>
    public string Status { get; set; } = "open";

    public long AmountPaid { get; set; }

    public int AttemptCount { get; set; }

    public long? PaidAt { get; set; }

    public long Total => Lines.Sum(line => line.Amount);

    public JsonObject ToJson(bool includePayments = false) => new()
    {
        ["id"] = Id,
        ["object"] = "invoice",
        ["account_country"] = "US",
        ["amount_due"] = Total,
        ["amount_overpaid"] = 0,
        ["amount_paid"] = AmountPaid,
        ["amount_remaining"] = Total - AmountPaid,
        ["amount_shipping"] = 0,
        ["attempt_count"] = AttemptCount,
        ["attempted"] = AttemptCount > 0,
        ["auto_advance"] = Status != "paid",
        ["billing_reason"] = BillingReason,
        ["collection_method"] = "charge_automatically",
        ["created"] = Created,
        ["currency"] = Currency,
        ["customer"] = CustomerId,
        ["customer_email"] = CustomerEmail,
        ["description"] = null,
        ["effective_at"] = Created,
        ["hosted_invoice_url"] = null,
        ["lines"] = StripeJson.List($"/v1/invoices/{Id}/lines", Lines.Select(line => line.ToJson(Id, SubscriptionId, Currency)), hasMore: false),
        ["livemode"] = false,
        ["metadata"] = new JsonObject(),
        ["number"] = Number,
        ["parent"] = new JsonObject
        {
            ["type"] = "subscription_details",
            ["quote_details"] = null,
            ["subscription_details"] = new JsonObject
            {
                ["metadata"] = StripeJson.Metadata(SubscriptionMetadata),
                ["subscription"] = SubscriptionId,
            },
        },
        ["payments"] = includePayments
            ? StripeJson.List($"/v1/invoice_payments?invoice={Id}", [PaymentJson()], hasMore: false)
            : null,
        ["period_end"] = PeriodEnd,
        ["period_start"] = PeriodStart,
        ["status"] = Status,
        ["status_transitions"] = new JsonObject
        {
            ["finalized_at"] = Created,
            ["marked_uncollectible_at"] = null,
            ["paid_at"] = PaidAt,
            ["voided_at"] = null,
        },
        ["subtotal"] = Total,
        ["total"] = Total,
    };

    /// <summary>The invoice's payment (an <c>invoice_payment</c>), which names the payment intent.</summary>
    public JsonObject PaymentJson() => new()
    {
        ["id"] = InvoicePaymentId,
        ["object"] = "invoice_payment",
        ["amount_paid"] = Status == "paid" ? AmountPaid : null,
        ["amount_requested"] = Total,
        ["created"] = Created,
        ["currency"] = Currency,
        ["invoice"] = Id,
        ["is_default"] = true,
        ["livemode"] = false,
        ["payment"] = new JsonObject { ["type"] = "payment_intent", ["payment_intent"] = PaymentIntentId },
        ["status"] = Status == "paid" ? "paid" : "open",
        ["status_transitions"] = new JsonObject { ["canceled_at"] = null, ["paid_at"] = PaidAt },
    };
}

/// <summary>One billed subscription item on an invoice.</summary>
internal sealed record InvoiceLine(string Id, SubscriptionItem Item, long Start, long End)
{
    public long Amount => Item.Price.UnitAmount * Item.Quantity;

    public JsonObject ToJson(string invoiceId, string subscriptionId, string currency) => new()
    {
        ["id"] = Id,
        ["object"] = "line_item",
        ["amount"] = Amount,
        ["currency"] = currency,
        ["description"] = $"{Item.Quantity} × {Item.Price.ProductName}",
        ["discount_amounts"] = new JsonArray(),
        ["discountable"] = true,
        ["discounts"] = new JsonArray(),
        ["invoice"] = invoiceId,
        ["livemode"] = false,
        ["metadata"] = new JsonObject(),
        ["parent"] = new JsonObject
        {
            ["type"] = "subscription_item_details",
            ["invoice_item_details"] = null,
            ["subscription_item_details"] = new JsonObject
            {
                ["invoice_item"] = null,
                ["proration"] = false,
                ["proration_details"] = new JsonObject { ["credited_items"] = null },
                ["subscription"] = subscriptionId,
                ["subscription_item"] = Item.Id,
            },
        },
        ["period"] = new JsonObject { ["end"] = End, ["start"] = Start },
        ["pretax_credit_amounts"] = new JsonArray(),
        ["pricing"] = new JsonObject
        {
            ["type"] = "price_details",
            ["price_details"] = new JsonObject { ["price"] = Item.Price.Id, ["product"] = Item.Price.ProductId },
            ["unit_amount_decimal"] = Item.Price.UnitAmount.ToString(CultureInfo.InvariantCulture),
        },
        ["quantity"] = Item.Quantity,
        ["subscription"] = subscriptionId,
        ["subtotal"] = Amount,
        ["taxes"] = new JsonArray(),
    };
}
