using Fundraising.FakeStripe.Api;

namespace Fundraising.FakeStripe.Events;

public static class EventEndpoints
{
    /// <summary><c>GET /v1/events</c> (filters <c>type</c>, <c>types[]</c>, <c>delivery_success</c>, <c>created</c>) and <c>GET /v1/events/{id}</c>.</summary>
    public static IEndpointRouteBuilder MapEvents(this IEndpointRouteBuilder app)
    {
        var events = app.MapGroup("/v1/events").WithTags("Events");
        events.MapGet("/", List);
        events.MapGet("/{id}", (string id, EventLog log) =>
            log.Find(id) is { } stripeEvent
                ? StripeJson.Ok(stripeEvent.ToJson(log.ApiVersion))
                : throw StripeApiException.NotFound("event", id));
        return app;
    }

    private static IResult List(ApiRequest request, EventLog log)
    {
        var query = request.Params;
        var types = query.Strings("types");
        if (query.String("type") is { } type)
        {
            types = [.. types, type];
        }
        var deliverySuccess = query.Bool("delivery_success");
        var created = CreatedRange.From(query);
        var limit = query.Limit();

        var (page, hasMore) = log.List(
            stripeEvent =>
                (types.Count == 0 || types.Any(t => TypeMatches(t, stripeEvent.Type)))
                && (deliverySuccess is null || stripeEvent.DeliverySucceeded == deliverySuccess)
                && created.Contains(stripeEvent.Created),
            limit,
            query.String("starting_after"));
        return StripeJson.Ok(StripeJson.List("/v1/events", page.Select(e => e.ToJson(log.ApiVersion)), hasMore));
    }

    // Stripe accepts wildcards such as "invoice.*".
    private static bool TypeMatches(string pattern, string type) =>
        pattern.EndsWith('*')
            ? type.StartsWith(pattern[..^1], StringComparison.Ordinal)
            : string.Equals(pattern, type, StringComparison.Ordinal);

    private sealed record CreatedRange(long? Equal, long? Gt, long? Gte, long? Lt, long? Lte)
    {
        public static CreatedRange From(StripeParams query) => new(
            query.Long("created"), query.Long("created[gt]"), query.Long("created[gte]"), query.Long("created[lt]"), query.Long("created[lte]"));

        public bool Contains(long created) =>
            (Equal is null || created == Equal)
            && (Gt is null || created > Gt)
            && (Gte is null || created >= Gte)
            && (Lt is null || created < Lt)
            && (Lte is null || created <= Lte);
    }
}
