using System.Globalization;
using System.Net;
using System.Text;
using Fundraising.FakeStripe.Api;
using Fundraising.FakeStripe.Store;

namespace Fundraising.FakeStripe.Checkout;

/// <summary>
/// The hosted checkout page a session's <c>url</c> points at: the amount and three test cards (succeeds, declined,
/// needs 3-D Secure), then a redirect to <c>success_url</c> or <c>cancel_url</c>.
/// </summary>
internal static class HostedCheckoutPage
{
    private static readonly string[] ZeroDecimalCurrencies =
        ["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"];

    public static IEndpointRouteBuilder MapHostedCheckout(this IEndpointRouteBuilder app)
    {
        var page = app.MapGroup("/checkout/{id}").WithTags("Hosted checkout").ExcludeFromDescription();
        page.MapGet("/", (string id, string? declined, StripeStore store) => Render(store, id, session => session.Status switch
        {
            "complete" => Html(Page("Paid", $"<p>This payment is complete.</p>{Link(session.SuccessRedirect, "Continue")}")),
            "expired" => Html(Page("Expired", $"<p>This checkout session has expired.</p>{Link(session.CancelRedirect, "Back")}")),
            _ when session.AwaitingAuthentication => Html(AuthenticationPage(session)),
            _ => Html(ChoicePage(session, declined is not null)),
        }));
        page.MapPost("/", async (string id, HttpContext context, CheckoutFlow flow) =>
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            CardOutcome? outcome = form["outcome"].ToString() switch
            {
                "succeed" => CardOutcome.Succeed,
                "decline" => CardOutcome.Decline,
                "requires_action" => CardOutcome.RequiresAction,
                _ => null,
            };
            return outcome is { } chosen
                ? Complete(flow, id, chosen)
                : Html(Page("Unknown choice", "<p>Choose one of the cards.</p>"), StatusCodes.Status400BadRequest);
        });
        page.MapGet("/authenticate", (string id, StripeStore store) => Render(store, id, session => session.AwaitingAuthentication
            ? Html(AuthenticationPage(session))
            : SeeOther(session.HostedUrl)));
        page.MapPost("/authenticate", async (string id, HttpContext context, CheckoutFlow flow) =>
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            return Complete(flow, id, form["result"] == "succeed" ? CardOutcome.Authenticate : CardOutcome.FailAuthentication);
        });
        return app;
    }

    /// <summary>Carries out the choice and sends the donor on: paid to success_url, declined to cancel_url, 3-D Secure to its page.</summary>
    private static IResult Complete(CheckoutFlow flow, string id, CardOutcome outcome)
    {
        CheckoutSession session;
        try
        {
            session = flow.Pay(id, outcome);
        }
        catch (StripeApiException refused)
        {
            return Html(Page("Cannot pay", $"<p>{Encode(refused.Message)}</p>"), refused.Status);
        }
        if (session.Status == "complete")
        {
            return session.SuccessRedirect is { } success ? SeeOther(success) : SeeOther(session.HostedUrl);
        }
        if (session.AwaitingAuthentication)
        {
            return SeeOther($"{session.HostedUrl}/authenticate");
        }
        return session.CancelRedirect is { } cancel ? SeeOther(cancel) : SeeOther($"{session.HostedUrl}?declined=1");
    }

    private static IResult Render(StripeStore store, string id, Func<CheckoutSession, IResult> render)
    {
        lock (store.Gate)
        {
            return store.Sessions.TryGetValue(id, out var session)
                ? render(session)
                : Html(Page("Not found", "<p>No such checkout session.</p>"), StatusCodes.Status404NotFound);
        }
    }

    private static string ChoicePage(CheckoutSession session, bool declined)
    {
        var body = new StringBuilder();
        if (declined)
        {
            body.Append("<p class=\"error\">Your card was declined. Try another card.</p>");
        }
        body.Append("<table>");
        foreach (var item in session.LineItems)
        {
            var per = item.Interval is null ? "" : $" / {item.Interval}";
            body.Append(CultureInfo.InvariantCulture, $"<tr><td>{Encode(item.Name)} × {item.Quantity}</td><td>{Money(item.UnitAmount * item.Quantity, item.Currency)}{per}</td></tr>");
        }
        body.Append(CultureInfo.InvariantCulture, $"<tr class=\"total\"><td>Total</td><td id=\"amount\">{Money(session.AmountTotal, session.Currency)}</td></tr></table>");
        if (session.CustomerEmail is { } email)
        {
            body.Append(CultureInfo.InvariantCulture, $"<p>Email: {Encode(email)}</p>");
        }
        body.Append(CultureInfo.InvariantCulture, $"""
            <form method="post" action="/checkout/{Encode(session.Id)}">
              <button name="outcome" value="succeed" id="succeed">Pay with 4242 4242 4242 4242 (succeeds)</button>
              <button name="outcome" value="decline" id="decline">Pay with 4000 0000 0000 0002 (declined)</button>
              <button name="outcome" value="requires_action" id="requires-action">Pay with 4000 0027 6000 3184 (3-D Secure)</button>
            </form>
            """);
        body.Append(Link(session.CancelRedirect, "Cancel and go back"));
        return Page(session.Mode == "subscription" ? "Monthly gift" : "Gift", body.ToString());
    }

    private static string AuthenticationPage(CheckoutSession session) => Page("3-D Secure", $"""
        <p>Your bank asks you to confirm this payment of {Money(session.AmountTotal, session.Currency)}.</p>
        <form method="post" action="/checkout/{Encode(session.Id)}/authenticate">
          <button name="result" value="succeed" id="authenticate">Authenticate</button>
          <button name="result" value="fail" id="fail-authentication">Fail authentication</button>
        </form>
        """);

    private static string Page(string title, string body) => $$"""
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>{{Encode(title)}} · Fake Stripe Checkout</title>
          <style>
            body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; color: #1a1f36; }
            .banner { background: #fff4e5; border: 1px solid #f5a623; padding: .5rem .75rem; border-radius: 4px; font-size: .85rem; }
            table { width: 100%; border-collapse: collapse; margin: 1rem 0; }
            td { padding: .4rem 0; border-bottom: 1px solid #e3e8ee; } td:last-child { text-align: right; }
            .total td { font-weight: 600; border-bottom: none; }
            button { display: block; width: 100%; margin: .5rem 0; padding: .75rem; font-size: 1rem; border: 0; border-radius: 6px; background: #635bff; color: #fff; cursor: pointer; }
            button[value=decline], button[value=fail] { background: #df1b41; } button[value=requires_action] { background: #0a2540; }
            .error { color: #df1b41; }
          </style>
        </head>
        <body>
          <p class="banner">Test mode: fake Stripe. No real card is charged.</p>
          <h1>{{Encode(title)}}</h1>
          {{body}}
        </body>
        </html>
        """;

    private static string Link(string? url, string text) =>
        url is null ? "" : $"<p><a href=\"{Encode(url)}\">{Encode(text)}</a></p>";

    internal static string Money(long amount, string currency)
    {
        var major = ZeroDecimalCurrencies.Contains(currency)
            ? amount.ToString("#,0", CultureInfo.InvariantCulture)
            : (amount / 100m).ToString("#,0.00", CultureInfo.InvariantCulture);
        return $"{major} {currency.ToUpperInvariant()}";
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static IResult Html(string html, int status = StatusCodes.Status200OK) =>
        Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);

    private static IResult SeeOther(string url) => new SeeOtherResult(url);

    private sealed class SeeOtherResult(string url) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = url;
            return Task.CompletedTask;
        }
    }
}
