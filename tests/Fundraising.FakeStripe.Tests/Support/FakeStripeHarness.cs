using System.Net.Http.Json;
using System.Text.Json;
using Fundraising.FakeStripe.Hosting;
using Stripe;
using Stripe.Checkout;

namespace Fundraising.FakeStripe.Tests.Support;

/// <summary>
/// One fake Stripe in-process on a free 127.0.0.1 port, a webhook receiver it delivers to, and the real Stripe.net
/// client pointed at it (no retries, telemetry off). One per test: chaos switches and state never leak.
/// </summary>
public sealed class FakeStripeHarness : IAsyncDisposable
{
    public const string ApiKey = "sk_test_fakestripe_tests";
    public const string WebhookSecret = "whsec_fakestripe_tests";

    private FakeStripeHarness(FakeStripeServer server, WebhookReceiver receiver)
    {
        Server = server;
        Receiver = receiver;
        Client = NewClient(ApiKey);
        Http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(server.BaseUrl) };
    }

    public FakeStripeServer Server { get; }

    public WebhookReceiver Receiver { get; }

    public StripeClient Client { get; }

    /// <summary>Plain HTTP to the fake (control endpoints, hosted page, raw API calls); redirects are not followed.</summary>
    public HttpClient Http { get; }

    /// <summary>
    /// Starts a fake whose webhooks go to a fresh receiver. <paramref name="secrets"/> are what the fake signs with
    /// (comma-separated in configuration); the receiver verifies with each of them.
    /// </summary>
    public static async Task<FakeStripeHarness> StartAsync(Action<FakeStripeOptions>? configure = null, string[]? secrets = null)
    {
        secrets ??= [WebhookSecret];
        var receiver = await WebhookReceiver.StartAsync(secrets);
        var options = new FakeStripeOptions
        {
            ApiKey = ApiKey,
            Seed = 7,
            Webhooks = new WebhookOptions
            {
                Url = receiver.Url,
                Secret = string.Join(",", secrets),
                RetryBaseDelayMs = 50,
                TimeoutSeconds = 5,
            },
        };
        configure?.Invoke(options);
        var server = await FakeStripeServer.StartAsync(options);
        return new FakeStripeHarness(server, receiver);
    }

    /// <summary>A Stripe.net client for this fake: the given key, no network retries, no telemetry.</summary>
    public StripeClient NewClient(string apiKey, TimeSpan? timeout = null) => new(new StripeClientOptions
    {
        ApiKey = apiKey,
        ApiBase = Server.BaseUrl,
        HttpClient = new SystemNetHttpClient(
            new HttpClient { Timeout = timeout ?? TimeSpan.FromSeconds(30) }, maxNetworkRetries: 0, appInfo: null, enableTelemetry: false),
    });

    public Task<Session> CreatePaymentSessionAsync(long amount, string donationId, RequestOptions? requestOptions = null) =>
        Client.V1.Checkout.Sessions.CreateAsync(PaymentSessionOptions(amount, donationId), requestOptions);

    public static SessionCreateOptions PaymentSessionOptions(long amount, string donationId) => new()
    {
        Mode = "payment",
        SuccessUrl = "http://127.0.0.1:1/donations/" + donationId + "/thanks?session={CHECKOUT_SESSION_ID}",
        CancelUrl = "http://127.0.0.1:1/donations/" + donationId + "/cancelled",
        ClientReferenceId = donationId,
        CustomerEmail = "donor@example.org",
        Metadata = new() { ["donation_id"] = donationId },
        PaymentIntentData = new SessionPaymentIntentDataOptions { Metadata = new() { ["donation_id"] = donationId } },
        LineItems =
        [
            new SessionLineItemOptions
            {
                Quantity = 1,
                PriceData = new SessionLineItemPriceDataOptions
                {
                    Currency = "cny",
                    UnitAmount = amount,
                    ProductData = new SessionLineItemPriceDataProductDataOptions { Name = "Gift to 水滴计划" },
                },
            },
        ],
    };

    public Task<Session> CreateSubscriptionSessionAsync(long monthlyAmount, string pledgeId) =>
        Client.V1.Checkout.Sessions.CreateAsync(new SessionCreateOptions
        {
            Mode = "subscription",
            SuccessUrl = "http://127.0.0.1:1/monthly/thanks?session={CHECKOUT_SESSION_ID}",
            CancelUrl = "http://127.0.0.1:1/monthly/cancelled",
            ClientReferenceId = pledgeId,
            CustomerEmail = "monthly@example.org",
            Metadata = new() { ["pledge_id"] = pledgeId },
            SubscriptionData = new SessionSubscriptionDataOptions { Metadata = new() { ["pledge_id"] = pledgeId, ["campaign_id"] = "c-1" } },
            LineItems =
            [
                new SessionLineItemOptions
                {
                    Quantity = 1,
                    PriceData = new SessionLineItemPriceDataOptions
                    {
                        Currency = "cny",
                        UnitAmount = monthlyAmount,
                        ProductData = new SessionLineItemPriceDataProductDataOptions { Name = "Monthly gift" },
                        Recurring = new SessionLineItemPriceDataRecurringOptions { Interval = "month" },
                    },
                },
            ],
        });

    /// <summary>The hosted page's choice through the JSON shortcut; returns the session as the fake answers it.</summary>
    public async Task<JsonElement> PayAsync(string sessionId, string outcome)
    {
        using var response = await Http.PostAsJsonAsync($"/_fake/checkout/{sessionId}/pay", new { outcome });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, $"pay {outcome}: {(int)response.StatusCode} {body}");
        return body;
    }

    /// <summary>A payment session paid by a card that succeeds; returns the session id and its payment intent id.</summary>
    public async Task<(string SessionId, string PaymentIntentId)> PaidDonationAsync(long amount, string donationId)
    {
        var session = await CreatePaymentSessionAsync(amount, donationId);
        var paid = await PayAsync(session.Id, "succeed");
        return (session.Id, paid.GetProperty("payment_intent").GetString()!);
    }

    public async Task SetChaosAsync(object switches)
    {
        using var response = await Http.PostAsJsonAsync("/_fake/chaos", switches);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}
