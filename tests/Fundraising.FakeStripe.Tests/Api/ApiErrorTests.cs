using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fundraising.FakeStripe.Tests.Support;
using Stripe;

namespace Fundraising.FakeStripe.Tests.Api;

public sealed class ApiErrorTests : IAsyncLifetime
{
    private FakeStripeHarness stripe = null!;

    public async Task InitializeAsync() => stripe = await FakeStripeHarness.StartAsync();

    public async Task DisposeAsync() => await stripe.DisposeAsync();

    [Fact]
    public async Task WrongApiKeyIsRefusedWith401InStripesShape()
    {
        var client = stripe.NewClient("sk_test_not_the_right_key");

        var refused = await Assert.ThrowsAsync<StripeException>(() => client.V1.Checkout.Sessions.CreateAsync(FakeStripeHarness.PaymentSessionOptions(100, "d")));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.HttpStatusCode);
        Assert.Equal("invalid_request_error", refused.StripeError.Type);
        Assert.StartsWith("Invalid API Key provided", refused.StripeError.Message);
        Assert.DoesNotContain("not_the_right", refused.StripeError.Message);
    }

    [Fact]
    public async Task MissingApiKeyIsRefusedWith401()
    {
        using var response = await stripe.Http.GetAsync("/v1/events");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task UnknownObjectIsNotFound()
    {
        var refused = await Assert.ThrowsAsync<StripeException>(() => stripe.Client.V1.PaymentIntents.GetAsync("pi_missing"));

        Assert.Equal(HttpStatusCode.NotFound, refused.HttpStatusCode);
        Assert.Equal("resource_missing", refused.StripeError.Code);
        Assert.Contains("pi_missing", refused.StripeError.Message);
    }

    [Fact]
    public async Task UnrecognizedUrlIsNotFoundInStripesShape()
    {
        var refused = await Assert.ThrowsAsync<StripeException>(() => stripe.Client.V1.Products.GetAsync("prod_1"));

        Assert.Equal(HttpStatusCode.NotFound, refused.HttpStatusCode);
        Assert.StartsWith("Unrecognized request URL", refused.StripeError.Message);
    }

    [Fact]
    public async Task ApiFault500SurfacesAsStripeExceptionThenClears()
    {
        await stripe.SetChaosAsync(new { apiFault = "500", apiFaultCount = 1 });

        var fault = await Assert.ThrowsAsync<StripeException>(() => stripe.CreatePaymentSessionAsync(100, "d-500"));

        Assert.Equal(HttpStatusCode.InternalServerError, fault.HttpStatusCode);
        Assert.Equal("api_error", fault.StripeError.Type);
        var session = await stripe.CreatePaymentSessionAsync(100, "d-500");
        Assert.Equal("open", session.Status);
        var chaos = await stripe.Http.GetFromJsonAsync<JsonElement>("/_fake/chaos");
        Assert.Equal(0, chaos.GetProperty("apiFaultCount").GetInt32());
    }

    [Fact]
    public async Task FaultedCreateIsNotExecutedSoTheSameKeyWorksAfterwards()
    {
        await stripe.SetChaosAsync(new { apiFault = "500" });
        var key = new RequestOptions { IdempotencyKey = "donation-faulted" };

        await Assert.ThrowsAsync<StripeException>(() => stripe.CreatePaymentSessionAsync(100, "d-f", key));
        var session = await stripe.CreatePaymentSessionAsync(100, "d-f", key);

        Assert.False(session.StripeResponse.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("open", session.Status);
    }

    [Fact]
    public async Task ApiFaultTimeoutHangsUntilTheClientGivesUp()
    {
        await stripe.SetChaosAsync(new { apiFault = "timeout", apiFaultCount = 1 });
        var impatient = stripe.NewClient(FakeStripeHarness.ApiKey, TimeSpan.FromSeconds(1));

        var started = DateTime.UtcNow;
        // Stripe.net lets HttpClient's timeout through as TaskCanceledException, not StripeException.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => impatient.V1.Checkout.Sessions.CreateAsync(FakeStripeHarness.PaymentSessionOptions(100, "d-t")));

        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(900));
        Assert.Equal("open", (await impatient.V1.Checkout.Sessions.CreateAsync(FakeStripeHarness.PaymentSessionOptions(100, "d-t"))).Status);
    }

    [Fact]
    public async Task ApiFaultPathLimitsFaultsToMatchingCalls()
    {
        var (_, intentId) = await stripe.PaidDonationAsync(1000, "d-path");
        await stripe.SetChaosAsync(new { apiFault = "500", apiFaultCount = -1, apiFaultPath = "/v1/refunds" });

        await Assert.ThrowsAsync<StripeException>(() => stripe.Client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intentId }));
        await Assert.ThrowsAsync<StripeException>(() => stripe.Client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intentId }));
        Assert.Equal("succeeded", (await stripe.Client.V1.PaymentIntents.GetAsync(intentId)).Status);

        await stripe.SetChaosAsync(new { });
        Assert.Equal(1000, (await stripe.Client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intentId })).Amount);
    }

    [Fact]
    public async Task InvalidChaosSwitchesAreRefused()
    {
        using var response = await stripe.Http.PostAsJsonAsync("/_fake/chaos", new { dropRate = 2, apiFault = "teapot" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task HealthzAnswers200()
    {
        using var response = await stripe.Http.GetAsync("/_fake/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
