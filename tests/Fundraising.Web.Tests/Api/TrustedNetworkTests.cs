using System.Net;
using Fundraising.Web.Http;
using Microsoft.Extensions.Configuration;

namespace Fundraising.Web.Tests.Api;

/// <summary>
/// A platform behind proxies whose addresses are not fixed (a Kubernetes ingress controller's pods): it trusts a whole
/// network (<c>ForwardedHeaders:KnownNetworks</c>), with tiny receipt-lookup limits so that whose address counts shows.
/// </summary>
public sealed class TrustedNetworkPlatform : CoHostedPlatform
{
    public const int Limit = 3;

    /// <summary>The trusted network: on Linux all of 127.0.0.0/8 is loopback, so its addresses are proxies a test can be.</summary>
    public const string Network = "127.0.1.0/24";

    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string>
    {
        ["RateLimits__Receipts__PermitLimit"] = $"{Limit}",
        ["ForwardedHeaders__KnownNetworks"] = $"{Network}, fd00:1::/64",
    };
}

public sealed class TrustedNetworkTests(TrustedNetworkPlatform platform) : IClassFixture<TrustedNetworkPlatform>
{
    private static HttpRequestMessage ReceiptLookup(string forwardedFor)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/donations/{Guid.NewGuid()}/receipt");
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return request;
    }

    [Fact]
    public async Task ThroughAnyAddressOfATrustedNetworkTheForwardedClientIsWhatTheLimitCounts()
    {
        // Two ingress pods of the trusted network forward the same donor: the donor's one budget is spent across both.
        using var firstPod = RateLimitTests.ClientFrom(platform.Web.BaseAddress, "127.0.1.5");
        using var secondPod = RateLimitTests.ClientFrom(platform.Web.BaseAddress, "127.0.1.200");
        for (var i = 0; i < TrustedNetworkPlatform.Limit; i++)
        {
            var pod = i % 2 == 0 ? firstPod : secondPod;
            Assert.Equal(HttpStatusCode.NotFound, (await pod.SendAsync(ReceiptLookup("203.0.113.20"))).StatusCode);
        }
        var refused = await secondPod.SendAsync(ReceiptLookup("203.0.113.20"));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);

        // Another donor through the same pods is served: the pods' own addresses were never what was counted.
        Assert.Equal(HttpStatusCode.NotFound, (await firstPod.SendAsync(ReceiptLookup("203.0.113.21"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await secondPod.SendAsync(ReceiptLookup("203.0.113.21"))).StatusCode);
    }

    [Fact]
    public async Task FromAnAddressOutsideTheTrustedNetworksTheForwardedHeaderIsIgnored()
    {
        // A client outside 127.0.1.0/24 names a new "donor" on every request: the limit still counts its own address.
        using var outsider = RateLimitTests.ClientFrom(platform.Web.BaseAddress, "127.0.2.7");
        for (var i = 0; i < TrustedNetworkPlatform.Limit; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await outsider.SendAsync(ReceiptLookup($"198.51.100.{i + 1}"))).StatusCode);
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, (await outsider.SendAsync(ReceiptLookup("198.51.100.99"))).StatusCode);

        // And the forwarded addresses it named were not charged: a trusted pod forwarding one of them is served.
        using var pod = RateLimitTests.ClientFrom(platform.Web.BaseAddress, "127.0.1.9");
        Assert.Equal(HttpStatusCode.NotFound, (await pod.SendAsync(ReceiptLookup("198.51.100.1"))).StatusCode);
    }
}

/// <summary>A trusted network that is not one stops the host at start, naming the setting and the value.</summary>
public sealed class TrustedNetworkSettingTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync(migrate: false);

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public void TrustedNetworksAreReadCommaSeparatedInOneValueOrAsAList()
    {
        static List<string> Read(params (string Key, string Value)[] settings) =>
            [.. ClientAddress.KnownNetworks(new ConfigurationBuilder()
                .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build()
                .GetSection("ForwardedHeaders")).Select(network => network.ToString())];

        Assert.Equal(["10.0.0.0/8", "fd00::/8"], Read(("ForwardedHeaders:KnownNetworks", " 10.0.0.0/8 ,fd00::/8,")));
        Assert.Equal(["10.244.0.0/16", "192.168.0.0/16"], Read(("ForwardedHeaders:KnownNetworks:0", "10.244.0.0/16"), ("ForwardedHeaders:KnownNetworks:1", "192.168.0.0/16")));
        Assert.Empty(Read());
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.0")]
    [InlineData("10.0.0.1/8")]
    [InlineData("ingress-nginx")]
    public async Task TheHostRefusesToStartWithATrustedNetworkThatIsNotACidr(string network)
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => Platform.StartCoHostedWebAsync(_database, new Dictionary<string, string>
        {
            ["ForwardedHeaders__KnownNetworks"] = $"10.0.0.0/8,{network}",
        }));
        Assert.Contains($"ForwardedHeaders:KnownNetworks: '{network}' is not a network in CIDR notation", failure.Message);
    }
}
