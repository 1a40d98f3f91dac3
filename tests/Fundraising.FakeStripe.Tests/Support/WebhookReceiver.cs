using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Stripe;

namespace Fundraising.FakeStripe.Tests.Support;

/// <summary>A delivery that passed <c>EventUtility.ConstructEvent</c> with one of the receiver's secrets.</summary>
public sealed record ReceivedWebhook(Event Event, string Payload, string Signature, IReadOnlyList<string> VerifiedWith);

/// <summary>
/// A webhook endpoint on 127.0.0.1 that verifies every delivery with Stripe.net's <c>EventUtility.ConstructEvent</c>
/// against each of its secrets, as the platform's endpoint will, and records what it accepted.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly IReadOnlyList<string> secrets;
    private readonly ConcurrentQueue<ReceivedWebhook> accepted = new();
    private readonly ConcurrentQueue<string> attempts = new();
    private int failuresLeft;
    private volatile bool failAlways;

    private WebhookReceiver(WebApplication app, IReadOnlyList<string> secrets)
    {
        this.app = app;
        this.secrets = secrets;
    }

    public string Url { get; private set; } = "";

    /// <summary>Deliveries verified and answered 200, in arrival order.</summary>
    public IReadOnlyList<ReceivedWebhook> Accepted => accepted.ToArray();

    /// <summary>The event id of every request, answered or not, in arrival order.</summary>
    public IReadOnlyList<string> Attempts => attempts.ToArray();

    /// <summary>Signatures no secret verified.</summary>
    public int Rejected { get; private set; }

    public static async Task<WebhookReceiver> StartAsync(params string[] secrets)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, secrets);
        app.MapPost("/webhooks", receiver.ReceiveAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = $"{address.TrimEnd('/')}/webhooks";
        return receiver;
    }

    /// <summary>Answers the next <paramref name="count"/> deliveries with 500.</summary>
    public void FailNext(int count) => Interlocked.Exchange(ref failuresLeft, count);

    /// <summary>Answers every delivery with 500 until switched back.</summary>
    public void FailAlways(bool fail) => failAlways = fail;

    public IReadOnlyList<ReceivedWebhook> OfType(string type) => Accepted.Where(w => w.Event.Type == type).ToList();

    /// <summary>Waits until the accepted deliveries satisfy <paramref name="condition"/>.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(
        Func<IReadOnlyList<ReceivedWebhook>, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var snapshot = Accepted;
            if (condition(snapshot))
            {
                return snapshot;
            }
            if (DateTime.UtcNow > deadline)
            {
                var seen = string.Join(", ", snapshot.Select(w => w.Event.Type));
                throw new TimeoutException($"Webhooks did not arrive in time. Accepted so far: [{seen}]");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>Waits for at least one accepted delivery of each type and returns the first of each.</summary>
    public async Task<IReadOnlyDictionary<string, Event>> WaitForTypesAsync(params string[] types)
    {
        var received = await WaitForAsync(all => types.All(type => all.Any(w => w.Event.Type == type)));
        return types.ToDictionary(type => type, type => received.First(w => w.Event.Type == type).Event);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private async Task<IResult> ReceiveAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        var payload = await reader.ReadToEndAsync();
        var signature = request.Headers["Stripe-Signature"].ToString();
        Event? parsed = null;
        var verifiedWith = new List<string>();
        foreach (var secret in secrets)
        {
            try
            {
                parsed = EventUtility.ConstructEvent(payload, signature, secret);
                verifiedWith.Add(secret);
            }
            catch (StripeException)
            {
            }
        }
        if (parsed is null)
        {
            Rejected++;
            return Results.BadRequest();
        }
        attempts.Enqueue(parsed.Id);
        if (failAlways || Interlocked.Decrement(ref failuresLeft) >= 0)
        {
            return Results.StatusCode(StatusCodes.Status500InternalServerError);
        }
        accepted.Enqueue(new ReceivedWebhook(parsed, payload, signature, verifiedWith));
        return Results.Ok();
    }
}
