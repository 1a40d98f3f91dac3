using System.Net.Http.Json;
using Xunit;

namespace Fundraising.TestSupport;

/// <summary>
/// The platform with Stripe enabled (in the test process, on a real port), talking through the real
/// Stripe.net client to our local fake Stripe (a process of its own), which sends signed webhooks back
/// to the platform. Shared by the web tests of card payments and the load smoke test of the card path.
/// </summary>
public class StripeCoHostedPlatform : IAsyncLifetime
{
    public const string SecretKey = "sk_test_fundraising_local_0123456789";
    public const string WebhookSecret = "whsec_test_fundraising_local_0123456789";

    public TestDatabase Database { get; private set; } = null!;

    public AppProcess Stripe { get; private set; } = null!;

    public HttpClient StripeControl { get; private set; } = null!;

    public WebFrontEnd Web { get; private set; } = null!;

    /// <summary>Settings for the front end beyond the Stripe ones (environment-variable style); none by default.</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>();

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync(migrate: false);
        var stripePort = TestEnvironment.FreePort();
        var webPort = TestEnvironment.FreePort();
        var stripeBase = $"http://127.0.0.1:{stripePort}";
        Stripe = await AppProcess.StartAsync("Fundraising.FakeStripe", "fake-stripe", new Dictionary<string, string>
        {
            ["FakeStripe__ApiKey"] = SecretKey,
            ["FakeStripe__Webhooks__Url"] = $"http://127.0.0.1:{webPort}/api/payments/stripe/webhook",
            ["FakeStripe__Webhooks__Secret"] = WebhookSecret,
            ["FakeStripe__PublicBaseUrl"] = stripeBase,
        }, $"--urls {stripeBase}");
        StripeControl = new HttpClient { BaseAddress = new Uri(stripeBase) };
        Web = await Platform.StartCoHostedWebAsync(Database, new Dictionary<string, string>(Settings)
        {
            ["Payments__Stripe__Enabled"] = "true",
            ["Payments__Stripe__SecretKey"] = SecretKey,
            ["Payments__Stripe__WebhookSecrets"] = "whsec_an_older_secret_still_accepted," + WebhookSecret,
            ["Payments__Stripe__ApiBase"] = stripeBase,
            ["Payments__Stripe__PublicBaseUrl"] = $"http://127.0.0.1:{webPort}",
            ["MonthlyGiving__TokenSecret"] = "test-monthly-gift-token-secret-0123456789",
            // Tests run the reconciliation job through the admin endpoint, never on a timer, and look at every pending gift.
            ["Payments__Stripe__Reconciliation__Interval"] = "01:00:00",
            ["Payments__Stripe__Reconciliation__PendingAfter"] = "00:00:00",
        }, port: webPort);
    }

    public async Task DisposeAsync()
    {
        await Web.DisposeAsync();
        StripeControl.Dispose();
        await Stripe.DisposeAsync();
        await Database.DisposeAsync();
    }

    public Task SetChaosAsync(object chaos) => StripeControl.PostAsJsonAsync("/_fake/chaos", chaos).ContinueWith(t => t.Result.EnsureSuccessStatusCode());
}
