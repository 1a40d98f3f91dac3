using System.Text.Json.Nodes;
using System.Threading.Channels;
using Fundraising.FakeStripe.Api;
using Fundraising.FakeStripe.Hosting;
using Microsoft.Extensions.Options;

namespace Fundraising.FakeStripe.Events;

/// <summary>
/// Every event in creation order, what <c>GET /v1/events</c> lists, and the queue the webhook sender reads.
/// Thread-safe; callers may hold <c>StripeStore.Gate</c> (this class never takes it).
/// </summary>
internal sealed class EventLog(IOptions<FakeStripeOptions> options, TimeProvider time)
{
    private readonly Lock gate = new();
    private readonly List<StripeEvent> events = [];
    private readonly Dictionary<string, StripeEvent> byId = new(StringComparer.Ordinal);
    private readonly Channel<StripeEvent> published = Channel.CreateUnbounded<StripeEvent>(new() { SingleReader = true });
    private readonly bool hasEndpoint = options.Value.Webhooks.Url.Length > 0;
    private long attempts;

    /// <summary>Events waiting for the webhook sender, in creation order.</summary>
    public ChannelReader<StripeEvent> Published => published.Reader;

    public string ApiVersion { get; } = options.Value.ApiVersion;

    /// <summary>Records an event about <paramref name="stripeObject"/> as it is now and queues it for delivery.</summary>
    public StripeEvent Publish(string type, JsonObject stripeObject, EventRequest? request)
    {
        var json = stripeObject.ToJsonString(StripeJson.Options);
        StripeEvent stripeEvent;
        lock (gate)
        {
            stripeEvent = new StripeEvent(
                StripeIds.New("evt"), events.Count, type, StripeJson.Unix(time.GetUtcNow()), json, request ?? EventRequest.None)
            {
                State = hasEndpoint ? DeliveryState.Pending : DeliveryState.NoEndpoint,
            };
            events.Add(stripeEvent);
            byId.Add(stripeEvent.Id, stripeEvent);
            if (hasEndpoint)
            {
                // Written under the lock so the sender sees events in the order they were created.
                published.Writer.TryWrite(stripeEvent);
            }
        }
        return stripeEvent;
    }

    public StripeEvent? Find(string id)
    {
        lock (gate)
        {
            return byId.GetValueOrDefault(id);
        }
    }

    /// <summary>One page, newest first, as Stripe lists events.</summary>
    public (IReadOnlyList<StripeEvent> Page, bool HasMore) List(Func<StripeEvent, bool> filter, int limit, string? startingAfter)
    {
        lock (gate)
        {
            var start = events.Count - 1;
            if (startingAfter is not null)
            {
                if (!byId.TryGetValue(startingAfter, out var cursor))
                {
                    throw StripeApiException.NotFound("event", startingAfter, "starting_after");
                }
                start = (int)cursor.Sequence - 1;
            }
            var page = new List<StripeEvent>(limit);
            for (var i = start; i >= 0; i--)
            {
                if (!filter(events[i]))
                {
                    continue;
                }
                if (page.Count == limit)
                {
                    return (page, true);
                }
                page.Add(events[i]);
            }
            return (page, false);
        }
    }

    public void RecordAttempt(StripeEvent stripeEvent)
    {
        lock (gate)
        {
            stripeEvent.Attempts++;
            attempts++;
        }
    }

    /// <summary>Delivery attempts so far, over every event: duplicates and retries included (what the endpoint received).</summary>
    public long Attempts
    {
        get
        {
            lock (gate)
            {
                return attempts;
            }
        }
    }

    public void MarkDelivered(StripeEvent stripeEvent)
    {
        lock (gate)
        {
            stripeEvent.State = DeliveryState.Delivered;
        }
    }

    /// <summary>A copy gave up; the event stays undelivered unless another copy got through.</summary>
    public void MarkFailed(StripeEvent stripeEvent)
    {
        lock (gate)
        {
            if (stripeEvent.State == DeliveryState.Pending)
            {
                stripeEvent.State = DeliveryState.Failed;
            }
        }
    }

    public void MarkDropped(StripeEvent stripeEvent)
    {
        lock (gate)
        {
            if (stripeEvent.State == DeliveryState.Pending)
            {
                stripeEvent.State = DeliveryState.Dropped;
            }
        }
    }

    /// <summary>Failed and dropped events, switched back to pending for another delivery.</summary>
    public IReadOnlyList<StripeEvent> TakeUndelivered()
    {
        lock (gate)
        {
            var undelivered = events.Where(e => e.State is DeliveryState.Failed or DeliveryState.Dropped).ToList();
            foreach (var stripeEvent in undelivered)
            {
                stripeEvent.State = DeliveryState.Pending;
            }
            return undelivered;
        }
    }

    /// <summary>How many events stand in each delivery state.</summary>
    public IReadOnlyDictionary<DeliveryState, int> Counts()
    {
        lock (gate)
        {
            return events.GroupBy(e => e.State).ToDictionary(g => g.Key, g => g.Count());
        }
    }
}
