using Fundraising.FakeStripe.Events;

namespace Fundraising.FakeStripe.Webhooks;

public static class WebhookEndpoints
{
    /// <summary><c>GET /_fake/webhooks</c> (delivery counts) and <c>POST /_fake/webhooks/redeliver</c> (resend failed and dropped events).</summary>
    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder app)
    {
        var webhooks = app.MapGroup("/_fake/webhooks").WithTags("Fake");
        webhooks.MapGet("/", (EventLog events) =>
        {
            var counts = events.Counts();
            return TypedResults.Ok(new WebhookStatus(
                counts.GetValueOrDefault(DeliveryState.Pending),
                counts.GetValueOrDefault(DeliveryState.Delivered),
                counts.GetValueOrDefault(DeliveryState.Failed),
                counts.GetValueOrDefault(DeliveryState.Dropped),
                counts.GetValueOrDefault(DeliveryState.NoEndpoint),
                events.Attempts));
        });
        webhooks.MapPost("/redeliver", (WebhookSender sender) => TypedResults.Ok(new RedeliveryResponse(sender.Redeliver())));
        return app;
    }
}

/// <summary>How many events stand in each delivery state, and how many delivery attempts were made in all (duplicates and retries included).</summary>
public sealed record WebhookStatus(int Pending, int Delivered, int Failed, int Dropped, int NoEndpoint, long Attempts);

/// <summary>The events queued again by <c>POST /_fake/webhooks/redeliver</c>.</summary>
public sealed record RedeliveryResponse(IReadOnlyList<string> Redelivered);
