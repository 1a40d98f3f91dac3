using System.Text.Json.Nodes;
using Fundraising.FakeStripe.Api;

namespace Fundraising.FakeStripe.Subscriptions;

/// <summary>A recurring gift. Mutated only under <c>StripeStore.Gate</c>.</summary>
internal sealed class Subscription
{
    public required string Id { get; init; }

    public required string CustomerId { get; init; }

    public required long Created { get; init; }

    public required string Currency { get; init; }

    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    public required IReadOnlyList<SubscriptionItem> Items { get; init; }

    /// <summary><c>active</c>, <c>past_due</c> or <c>canceled</c>.</summary>
    public string Status { get; set; } = "active";

    public string? LatestInvoiceId { get; set; }

    public long? CanceledAt { get; set; }

    public long Amount => Items.Sum(item => item.Price.UnitAmount * item.Quantity);

    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["object"] = "subscription",
        ["billing_cycle_anchor"] = Created,
        ["cancel_at"] = null,
        ["cancel_at_period_end"] = false,
        ["canceled_at"] = CanceledAt,
        ["cancellation_details"] = new JsonObject
        {
            ["comment"] = null,
            ["feedback"] = null,
            ["reason"] = CanceledAt is null ? null : "cancellation_requested",
        },
        ["collection_method"] = "charge_automatically",
        ["created"] = Created,
        ["currency"] = Currency,
        ["customer"] = CustomerId,
        ["ended_at"] = CanceledAt,
        ["items"] = StripeJson.List($"/v1/subscription_items?subscription={Id}", Items.Select(item => item.ToJson(Id)), hasMore: false),
        ["latest_invoice"] = LatestInvoiceId,
        ["livemode"] = false,
        ["metadata"] = StripeJson.Metadata(Metadata),
        ["start_date"] = Created,
        ["status"] = Status,
    };
}

/// <summary>One price on a subscription, and the period it is billed up to (per item since API version 2025-03-31).</summary>
internal sealed class SubscriptionItem
{
    public required string Id { get; init; }

    public required long Created { get; init; }

    public required Price Price { get; init; }

    public required long Quantity { get; init; }

    public DateTimeOffset CurrentPeriodStart { get; set; }

    public DateTimeOffset CurrentPeriodEnd { get; set; }

    public JsonObject ToJson(string subscriptionId) => new()
    {
        ["id"] = Id,
        ["object"] = "subscription_item",
        ["created"] = Created,
        ["current_period_end"] = StripeJson.Unix(CurrentPeriodEnd),
        ["current_period_start"] = StripeJson.Unix(CurrentPeriodStart),
        ["metadata"] = new JsonObject(),
        ["price"] = Price.ToJson(),
        ["quantity"] = Quantity,
        ["subscription"] = subscriptionId,
    };
}

/// <summary>A price made inline from <c>price_data</c>.</summary>
internal sealed record Price(string Id, string ProductId, string ProductName, long UnitAmount, string Currency, string? Interval, long Created)
{
    /// <summary>The end of a billing period that starts at <paramref name="start"/>.</summary>
    public DateTimeOffset PeriodEnd(DateTimeOffset start) => Interval switch
    {
        "day" => start.AddDays(1),
        "week" => start.AddDays(7),
        "year" => start.AddYears(1),
        _ => start.AddMonths(1),
    };

    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["object"] = "price",
        ["active"] = false,
        ["billing_scheme"] = "per_unit",
        ["created"] = Created,
        ["currency"] = Currency,
        ["livemode"] = false,
        ["metadata"] = new JsonObject(),
        ["product"] = ProductId,
        ["recurring"] = Interval is null
            ? null
            : new JsonObject { ["interval"] = Interval, ["interval_count"] = 1, ["usage_type"] = "licensed" },
        ["type"] = Interval is null ? "one_time" : "recurring",
        ["unit_amount"] = UnitAmount,
        ["unit_amount_decimal"] = UnitAmount.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
