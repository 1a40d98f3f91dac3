using System.Text.Json.Nodes;

namespace Fundraising.FakeStripe.Events;

/// <summary>The <c>request</c> of an event: the API request that caused it and its idempotency key (null for the hosted page).</summary>
internal sealed record EventRequest(string? Id, string? IdempotencyKey)
{
    public static EventRequest None { get; } = new(null, null);
}

/// <summary>Where an event stands with the webhook endpoint.</summary>
internal enum DeliveryState
{
    /// <summary>No endpoint is configured: nothing to deliver, so it counts as delivered.</summary>
    NoEndpoint,

    /// <summary>Queued, held by the reorder switch, or being delivered.</summary>
    Pending,

    /// <summary>The endpoint answered 2xx at least once.</summary>
    Delivered,

    /// <summary>Every attempt failed.</summary>
    Failed,

    /// <summary>The drop switch threw it away; only a redelivery or a reconciliation job will see it.</summary>
    Dropped,
}

/// <summary>
/// An event as Stripe keeps it: a snapshot of the object at the moment it happened. Delivery fields are guarded by
/// the <see cref="EventLog"/>.
/// </summary>
internal sealed class StripeEvent(string id, long sequence, string type, long created, string objectJson, EventRequest request)
{
    public string Id { get; } = id;

    /// <summary>Position in the log; orders events created within the same second.</summary>
    public long Sequence { get; } = sequence;

    public string Type { get; } = type;

    public long Created { get; } = created;

    /// <summary>The object as JSON text: immutable, so deliveries and listings can render it concurrently.</summary>
    public string ObjectJson { get; } = objectJson;

    public EventRequest Request { get; } = request;

    public DeliveryState State { get; set; }

    public int Attempts { get; set; }

    public bool DeliverySucceeded => State is DeliveryState.Delivered or DeliveryState.NoEndpoint;

    public JsonObject ToJson(string apiVersion) => new()
    {
        ["id"] = Id,
        ["object"] = "event",
        ["api_version"] = apiVersion,
        ["created"] = Created,
        ["data"] = new JsonObject { ["object"] = JsonNode.Parse(ObjectJson) },
        ["livemode"] = false,
        ["pending_webhooks"] = DeliverySucceeded ? 0 : 1,
        ["request"] = new JsonObject { ["id"] = Request.Id, ["idempotency_key"] = Request.IdempotencyKey },
        ["type"] = Type,
    };
}
