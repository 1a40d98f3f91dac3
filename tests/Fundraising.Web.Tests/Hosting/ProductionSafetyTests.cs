using System.Net;

namespace Fundraising.Web.Tests.Hosting;

public sealed class ProductionSafetyTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync(migrate: false);

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task TheHostRefusesToStartInProductionWithTheSandboxProvider()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => Platform.StartCoHostedWebAsync(_database, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Payments__Sandbox__Enabled"] = "true",
        }));
        Assert.Contains("Payments:Sandbox:Enabled is true in Production", failure.Message);
    }

    [Fact]
    public async Task InProductionHttpsRequestsThroughTheKnownProxyGetHsts()
    {
        await using var web = await Platform.StartCoHostedWebAsync(_database, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            // The test client is the proxy here: nginx terminating TLS would send X-Forwarded-Proto: https.
            ["ForwardedHeaders__KnownProxies"] = "127.0.0.1",
        });
        async Task<HttpResponseMessage> GetAsync(string? proto)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/healthz");
            request.Headers.Host = "giving.example.org";
            if (proto is not null)
            {
                request.Headers.Add("X-Forwarded-Proto", proto);
            }
            return await web.Client.SendAsync(request);
        }
        var https = await GetAsync("https");
        Assert.Contains("max-age=", Assert.Single(https.Headers.GetValues("Strict-Transport-Security")));
        Assert.False((await GetAsync(null)).Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task InProductionTheSandboxConfirmEndpointDoesNotExist()
    {
        await using var web = await Platform.StartCoHostedWebAsync(_database, new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" });
        var campaign = await ApiCalls.CreateLiveCampaignAsync(web);
        var response = await web.Client.PostAsync($"/api/payments/sandbox/campaigns/{campaign}/donations/{Guid.NewGuid()}/confirm", null);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);

        var donation = await ApiCalls.PostDonationAsync(web.Client, campaign, "prod-1", new { amount = 100, currency = "CNY" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, donation.StatusCode);
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM donations"));
    }

    [Fact]
    public async Task InProductionStripeNeedsThePublicAddressItSendsDonorsBackTo()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => Platform.StartCoHostedWebAsync(_database, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Payments__Stripe__Enabled"] = "true",
            ["Payments__Stripe__SecretKey"] = "sk_test_production_safety_0123456789",
            ["Payments__Stripe__WebhookSecrets"] = "whsec_production_safety_0123456789",
        }));
        Assert.Contains("Payments:Stripe:PublicBaseUrl is required when Stripe is enabled in Production", failure.Message);
    }

    [Fact]
    public async Task TheHostRefusesToStartWithoutAKeyForReceiptTokens()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => Platform.StartCoHostedWebAsync(_database, new Dictionary<string, string>
        {
            ["Receipts__TokenSecret"] = "too-short",
        }));
        Assert.Contains("Receipts:TokenSecret is required", failure.Message);
    }

    [Fact]
    public async Task TheHostRefusesToStartWithoutAnAdminKey()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => Platform.StartCoHostedWebAsync(_database, new Dictionary<string, string>
        {
            ["Admin__ApiKey"] = "",
        }));
        Assert.Contains("Admin:ApiKey is required", failure.Message);
    }
}
