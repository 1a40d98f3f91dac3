using System.Text.Json.Nodes;
using Fundraising.FakeStripe.Api;

namespace Fundraising.FakeStripe.Checkout;

/// <summary>A hosted checkout. Mutated only under <c>StripeStore.Gate</c>.</summary>
internal sealed class CheckoutSession
{
    public required string Id { get; init; }

    /// <summary><c>payment</c> or <c>subscription</c>.</summary>
    public required string Mode { get; init; }

    public required IReadOnlyList<CheckoutLineItem> LineItems { get; init; }

    public required string Currency { get; init; }

    public required long Created { get; init; }

    public required long ExpiresAt { get; init; }

    /// <summary>The hosted page, <c>{base}/checkout/{id}</c>.</summary>
    public required string HostedUrl { get; init; }

    public string? SuccessUrl { get; init; }

    public string? CancelUrl { get; init; }

    public string? ClientReferenceId { get; init; }

    public string? CustomerEmail { get; init; }

    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    /// <summary><c>payment_intent_data[metadata]</c>: copied onto the payment intent.</summary>
    public required IReadOnlyDictionary<string, string> PaymentIntentMetadata { get; init; }

    /// <summary><c>subscription_data[metadata]</c>: copied onto the subscription.</summary>
    public required IReadOnlyDictionary<string, string> SubscriptionMetadata { get; init; }

    /// <summary><c>open</c>, <c>complete</c> or <c>expired</c>.</summary>
    public string Status { get; set; } = "open";

    public string PaymentStatus { get; set; } = "unpaid";

    public string? PaymentIntentId { get; set; }

    public string? CustomerId { get; set; }

    public string? SubscriptionId { get; set; }

    public string? InvoiceId { get; set; }

    /// <summary>The donor chose "requires action" and has not authenticated yet.</summary>
    public bool AwaitingAuthentication { get; set; }

    public long AmountTotal => LineItems.Sum(item => item.UnitAmount * item.Quantity);

    public string? SuccessRedirect => SuccessUrl?.Replace("{CHECKOUT_SESSION_ID}", Id, StringComparison.Ordinal);

    public string? CancelRedirect => CancelUrl?.Replace("{CHECKOUT_SESSION_ID}", Id, StringComparison.Ordinal);

    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["object"] = "checkout.session",
        ["amount_subtotal"] = AmountTotal,
        ["amount_total"] = AmountTotal,
        ["cancel_url"] = CancelUrl,
        ["client_reference_id"] = ClientReferenceId,
        ["created"] = Created,
        ["currency"] = Currency,
        ["customer"] = CustomerId,
        ["customer_creation"] = Mode == "payment" ? "if_required" : "always",
        ["customer_details"] = Status == "complete"
            ? new JsonObject { ["email"] = CustomerEmail, ["name"] = null }
            : null,
        ["customer_email"] = CustomerEmail,
        ["expires_at"] = ExpiresAt,
        ["invoice"] = InvoiceId,
        ["livemode"] = false,
        ["metadata"] = StripeJson.Metadata(Metadata),
        ["mode"] = Mode,
        ["payment_intent"] = PaymentIntentId,
        ["payment_method_types"] = new JsonArray("card"),
        ["payment_status"] = PaymentStatus,
        ["status"] = Status,
        ["subscription"] = SubscriptionId,
        ["success_url"] = SuccessUrl,
        ["ui_mode"] = "hosted",
        // Stripe clears the URL once the session is no longer open.
        ["url"] = Status == "open" ? HostedUrl : null,
    };
}

/// <summary>A line from <c>line_items[n][price_data]</c>.</summary>
internal sealed record CheckoutLineItem(string Name, long UnitAmount, long Quantity, string Currency, string? Interval);
