using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.AspNetCore.SignalR;

namespace Fundraising.Web.Tests.Api;

/// <summary>Rate limits at their defaults: one address's burst is refused while another address is served.</summary>
public sealed class RateLimitTests(CoHostedPlatform platform) : IClassFixture<CoHostedPlatform>
{
    /// <summary>
    /// A client whose connections leave from <paramref name="source"/>: on Linux all of 127.0.0.0/8 is loopback,
    /// so 127.0.0.2 is a second client address to the server on 127.0.0.1.
    /// </summary>
    public static HttpClient ClientFrom(Uri baseAddress, string source) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 100,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };

    private static Task<HttpResponseMessage> CreateAsync(HttpClient client, Guid campaign) =>
        ApiCalls.PostDonationAsync(client, campaign, Guid.NewGuid().ToString(), new { amount = 100, currency = "CNY" });

    [Fact]
    public async Task ABurstOfTwoThousandCreatesFromOneAddressGets429sWhileASecondAddressIsServed()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        using var attacker = ClientFrom(platform.Web.BaseAddress, "127.0.0.1");
        using var donor = ClientFrom(platform.Web.BaseAddress, "127.0.0.2");

        var burst = Enumerable.Range(0, 2_000).Select(_ => CreateAsync(attacker, campaign)).ToList();
        var served = Enumerable.Range(0, 10).Select(_ => CreateAsync(donor, campaign)).ToList();
        var burstAnswers = await Task.WhenAll(burst);
        var donorAnswers = await Task.WhenAll(served);

        Assert.All(donorAnswers, answer => Assert.Equal(HttpStatusCode.Created, answer.StatusCode));
        var refused = burstAnswers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(refused.Count, 1_900, 2_000);
        Assert.All(burstAnswers, a => Assert.Contains(a.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.TooManyRequests }));
        var first = refused[0];
        Assert.True(first.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 and <= 60 }, $"Retry-After: {first.Headers.RetryAfter}");
        var problem = await ApiCalls.ProblemAsync(first);
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task AForwardedForHeaderFromAnUnconfiguredProxyDoesNotChangeTheAddress()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        using var client = ClientFrom(platform.Web.BaseAddress, "127.0.0.3");
        var answers = await Task.WhenAll(Enumerable.Range(0, 60).Select(i =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaign}/donations")
            {
                Content = JsonContent.Create(new { amount = 100, currency = "CNY" }),
            };
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            request.Headers.Add("X-Forwarded-For", $"203.0.113.{i + 1}");
            return client.SendAsync(request);
        }));
        Assert.True(answers.Any(a => a.StatusCode == HttpStatusCode.TooManyRequests), string.Join(",", answers.GroupBy(a => a.StatusCode).Select(g => $"{g.Key}:{g.Count()}")));
    }
}

/// <summary>A platform whose limits are tiny, to show which endpoints each policy is attached to.</summary>
public sealed class TightRateLimitsPlatform : CoHostedPlatform
{
    public const int Limit = 3;

    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string>
    {
        ["RateLimits__Receipts__PermitLimit"] = $"{Limit}",
        ["RateLimits__MonthlyGifts__PermitLimit"] = $"{Limit}",
        ["RateLimits__HubConnections__PermitLimit"] = $"{Limit}",
        ["RateLimits__Watches__PermitLimit"] = $"{Limit}",
        ["ForwardedHeaders__KnownProxies"] = Proxy,
    };

    /// <summary>The one address whose X-Forwarded-For is believed, as nginx's would be.</summary>
    public const string Proxy = "127.0.0.14";
}

public sealed class RateLimitPolicyTests(TightRateLimitsPlatform platform) : IClassFixture<TightRateLimitsPlatform>
{
    private static async Task AssertLimitedAsync(Func<Task<HttpResponseMessage>> call)
    {
        for (var i = 0; i < TightRateLimitsPlatform.Limit; i++)
        {
            Assert.NotEqual(HttpStatusCode.TooManyRequests, (await call()).StatusCode);
        }
        var refused = await call();
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        await ApiCalls.ProblemAsync(refused);
    }

    [Fact]
    public async Task ReceiptLookupsAreLimitedPerAddress()
    {
        using var client = RateLimitTests.ClientFrom(platform.Web.BaseAddress, "127.0.0.11");
        await AssertLimitedAsync(() => client.GetAsync($"/api/donations/{Guid.NewGuid()}/receipt"));
    }

    [Fact]
    public async Task BehindAConfiguredProxyTheForwardedAddressIsTheClient()
    {
        using var proxy = RateLimitTests.ClientFrom(platform.Web.BaseAddress, TightRateLimitsPlatform.Proxy);
        HttpRequestMessage Forwarded(string client)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"/api/donations/{Guid.NewGuid()}/receipt");
            request.Headers.Add("X-Forwarded-For", client);
            return request;
        }
        await AssertLimitedAsync(() => proxy.SendAsync(Forwarded("203.0.113.7")));
        Assert.Equal(HttpStatusCode.NotFound, (await proxy.SendAsync(Forwarded("203.0.113.8"))).StatusCode);
    }

    [Fact]
    public async Task MonthlyGiftCreatesAreLimitedPerAddress()
    {
        using var client = RateLimitTests.ClientFrom(platform.Web.BaseAddress, "127.0.0.12");
        await AssertLimitedAsync(() => client.PostAsJsonAsync($"/api/campaigns/{Guid.NewGuid()}/monthly-gifts", new { amount = 100, currency = "CNY" }));
    }

    [Fact]
    public async Task HubConnectionsAreLimitedPerAddress()
    {
        using var client = RateLimitTests.ClientFrom(platform.Web.BaseAddress, "127.0.0.13");
        await AssertLimitedAsync(() => client.PostAsync("/hubs/progress/negotiate?negotiateVersion=1", null));
    }

    [Fact]
    public async Task WatchCallsAreLimitedPerAddress()
    {
        await using var watcher = await ProgressWatcher.ConnectAsync(platform.Web.BaseAddress);
        for (var i = 0; i < TightRateLimitsPlatform.Limit; i++)
        {
            var unknown = await Assert.ThrowsAsync<HubException>(() => watcher.WatchAsync(Guid.NewGuid()));
            Assert.Contains("no campaign", unknown.Message);
        }
        var refused = await Assert.ThrowsAsync<HubException>(() => watcher.WatchAsync(Guid.NewGuid()));
        Assert.Contains("Too many Watch calls", refused.Message);
    }
}
