using System.Reflection;
using Fundraising.FakeStripe.Events;

namespace Fundraising.FakeStripe.Api;

/// <summary>
/// One call to the <c>/v1</c> API as <see cref="StripeApiMiddleware"/> read it: its request id, idempotency key and
/// form or query parameters. Endpoints take it as a parameter.
/// </summary>
internal sealed record ApiRequest(string RequestId, string? IdempotencyKey, StripeParams Params)
{
    private const string ItemKey = "FakeStripe.ApiRequest";

    /// <summary>The event's <c>request</c>: which API call caused it (null for the hosted page and the clock).</summary>
    public EventRequest EventRequest => new(RequestId, IdempotencyKey);

    public static ValueTask<ApiRequest?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        ValueTask.FromResult(context.Items[ItemKey] as ApiRequest);

    public void Attach(HttpContext context) => context.Items[ItemKey] = this;

    /// <summary>The <c>expand[]</c> parameter.</summary>
    public IReadOnlyList<string> Expand => Params.Strings("expand");
}
