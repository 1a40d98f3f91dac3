using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Fundraising.Web.Tests.Payments;

/// <summary>A monthly gift as its donor holds it after creating it.</summary>
public sealed record StartedMonthlyGift(Guid Id, string SessionId, string CancelToken, JsonElement Body);

/// <summary>The donor's and Stripe's side of monthly giving, as the tests drive them.</summary>
public static class MonthlyGiftFlows
{
    public static Task<HttpResponseMessage> PostMonthlyGiftAsync(this StripePlatform platform, Guid campaign, string? key, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaign}/monthly-gifts") { Content = JsonContent.Create(body) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }
        return platform.Web.Client.SendAsync(request);
    }

    public static async Task<StartedMonthlyGift> StartMonthlyGiftAsync(
        this StripePlatform platform, Guid campaign, long amount, string? name = "月捐人", bool anonymous = false, string? key = null)
    {
        var created = await platform.PostMonthlyGiftAsync(campaign, key ?? Guid.NewGuid().ToString(), new { amount, currency = "CNY", displayName = name, anonymous, email = "donor@example.com" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var checkoutUrl = body.GetProperty("checkoutUrl").GetString()!;
        return new StartedMonthlyGift(body.GetProperty("id").GetGuid(), StripePlatform.SessionId().Match(checkoutUrl).Value, body.GetProperty("cancelToken").GetString()!, body);
    }

    /// <summary>Pays the gift's checkout; returns the Stripe subscription it created.</summary>
    public static async Task<string> PaySubscriptionAsync(this StripePlatform platform, StartedMonthlyGift gift) =>
        (await platform.PayAsync(gift.SessionId)).GetProperty("subscription").GetString()!;

    /// <summary>Stripe bills the next month.</summary>
    public static async Task RenewAsync(this StripePlatform platform, string subscriptionId) =>
        (await platform.StripeControl.PostAsJsonAsync($"/_fake/subscriptions/{subscriptionId}/renew", new { outcome = "succeed" })).EnsureSuccessStatusCode();

    public static Task<HttpResponseMessage> SendWithTokenAsync(this StripePlatform platform, HttpMethod method, string path, string? token)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Add("Monthly-Gift-Token", token);
        }
        return platform.Web.Client.SendAsync(request);
    }

    public static async Task<JsonElement> GetMonthlyGiftAsync(this StripePlatform platform, StartedMonthlyGift gift)
    {
        var response = await platform.SendWithTokenAsync(HttpMethod.Get, $"/api/monthly-gifts/{gift.Id}", gift.CancelToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static async Task<JsonElement> CancelMonthlyGiftAsync(this StripePlatform platform, StartedMonthlyGift gift)
    {
        var response = await platform.SendWithTokenAsync(HttpMethod.Post, $"/api/monthly-gifts/{gift.Id}/cancel", gift.CancelToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static async Task<JsonElement> ReconcileAsync(this StripePlatform platform)
    {
        var response = await platform.Web.Admin.PostAsync("/api/admin/payments/stripe/reconcile", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Every event of <paramref name="type"/> the fake Stripe has, following its pages.</summary>
    public static async Task<List<JsonElement>> StripeEventsAsync(this StripePlatform platform, string type)
    {
        var events = new List<JsonElement>();
        string? after = null;
        while (true)
        {
            var page = await platform.StripeGetAsync($"/v1/events?type={type}&limit=100" + (after is null ? "" : $"&starting_after={after}"));
            var data = page.GetProperty("data").EnumerateArray().ToList();
            events.AddRange(data);
            if (!page.GetProperty("has_more").GetBoolean() || data.Count == 0)
            {
                return events;
            }
            after = data[^1].GetProperty("id").GetString();
        }
    }

    /// <summary>Posts an event to the platform's webhook, signed as Stripe signs it: delivery in an order of the test's choosing.</summary>
    public static async Task<HttpStatusCode> DeliverAsync(this StripePlatform platform, JsonElement stripeEvent)
    {
        var json = stripeEvent.GetRawText();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/payments/stripe/webhook") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Stripe-Signature", StripePlatform.Sign(json, StripePlatform.WebhookSecret, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        return (await platform.Web.Client.SendAsync(request)).StatusCode;
    }
}
