using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using Fundraising.FakeStripe.Api;
using Fundraising.FakeStripe.Chaos;
using Fundraising.FakeStripe.Events;
using Fundraising.FakeStripe.Hosting;
using Microsoft.Extensions.Options;

namespace Fundraising.FakeStripe.Webhooks;

/// <summary>
/// Delivers events to the webhook endpoint: signs each attempt, retries failures with doubling backoff a bounded
/// number of times, and applies the chaos switches (drop, duplicate, delay, reorder). One loop takes events in
/// creation order and plans them; deliveries then run concurrently, as Stripe's do.
/// </summary>
internal sealed partial class WebhookSender : BackgroundService
{
    private readonly EventLog events;
    private readonly ChaosSwitches chaos;
    private readonly TimeProvider time;
    private readonly ILogger<WebhookSender> logger;
    private readonly WebhookOptions options;
    private readonly Uri? endpoint;
    private readonly HttpClient http;
    private readonly SemaphoreSlim slots;
    private readonly ConcurrentDictionary<Task, bool> running = new();
    private CancellationToken stopping;

    public WebhookSender(EventLog events, ChaosSwitches chaos, TimeProvider time, IOptions<FakeStripeOptions> options, ILogger<WebhookSender> logger)
    {
        this.events = events;
        this.chaos = chaos;
        this.time = time;
        this.logger = logger;
        this.options = options.Value.Webhooks;
        endpoint = this.options.Url.Length > 0 ? new Uri(this.options.Url) : null;
        http = new HttpClient { Timeout = TimeSpan.FromSeconds(this.options.TimeoutSeconds) };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("Stripe/1.0 (+https://stripe.com/docs/webhooks)");
        slots = new SemaphoreSlim(this.options.MaxConcurrency);
    }

    /// <summary>Sends failed and dropped events again, once each and without chaos; returns their ids.</summary>
    public IReadOnlyList<string> Redeliver()
    {
        if (endpoint is null)
        {
            return [];
        }
        var undelivered = events.TakeUndelivered();
        foreach (var stripeEvent in undelivered)
        {
            Start(stripeEvent, TimeSpan.Zero);
        }
        return undelivered.Select(e => e.Id).ToList();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        stopping = stoppingToken;
        if (endpoint is null)
        {
            return;
        }
        var reader = events.Published;
        var held = new List<(StripeEvent Event, DeliveryPlan Plan)>();
        var releaseAt = DateTimeOffset.MaxValue;
        Task<bool>? waiting = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                while (reader.TryRead(out var stripeEvent))
                {
                    var plan = chaos.PlanDelivery();
                    if (plan.Drop)
                    {
                        events.MarkDropped(stripeEvent);
                        LogDropped(stripeEvent.Id, stripeEvent.Type);
                    }
                    else if (plan.ReorderWindow > TimeSpan.Zero)
                    {
                        if (held.Count == 0)
                        {
                            releaseAt = time.GetUtcNow() + plan.ReorderWindow;
                        }
                        held.Add((stripeEvent, plan));
                    }
                    else
                    {
                        Dispatch(stripeEvent, plan);
                    }
                }
                if (held.Count > 0 && time.GetUtcNow() >= releaseAt)
                {
                    chaos.Shuffle(held);
                    foreach (var (stripeEvent, plan) in held)
                    {
                        Dispatch(stripeEvent, plan);
                    }
                    held.Clear();
                }

                waiting ??= reader.WaitToReadAsync(stoppingToken).AsTask();
                if (held.Count > 0)
                {
                    var remaining = releaseAt - time.GetUtcNow();
                    if (remaining > TimeSpan.Zero)
                    {
                        await Task.WhenAny(waiting, Task.Delay(remaining, time, stoppingToken));
                    }
                }
                else
                {
                    await waiting;
                }
                if (waiting.IsCompleted)
                {
                    if (!await waiting)
                    {
                        break;
                    }
                    waiting = null;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await Task.WhenAll(running.Keys).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override void Dispose()
    {
        http.Dispose();
        slots.Dispose();
        base.Dispose();
    }

    private void Dispatch(StripeEvent stripeEvent, DeliveryPlan plan)
    {
        for (var copy = 0; copy < plan.Copies; copy++)
        {
            Start(stripeEvent, plan.Delay);
        }
    }

    private void Start(StripeEvent stripeEvent, TimeSpan delay)
    {
        var delivery = DeliverAsync(stripeEvent, delay);
        running.TryAdd(delivery, true);
        delivery.ContinueWith(done => running.TryRemove(done, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task DeliverAsync(StripeEvent stripeEvent, TimeSpan delay)
    {
        try
        {
            await Task.Yield();
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, time, stopping);
            }
            for (var attempt = 1; attempt <= options.MaxAttempts; attempt++)
            {
                if (await TryOnceAsync(stripeEvent, attempt))
                {
                    events.MarkDelivered(stripeEvent);
                    return;
                }
                if (attempt < options.MaxAttempts)
                {
                    var backoff = TimeSpan.FromMilliseconds(options.RetryBaseDelayMs * Math.Pow(2, attempt - 1));
                    await Task.Delay(backoff, time, stopping);
                }
            }
            events.MarkFailed(stripeEvent);
            LogGaveUp(stripeEvent.Id, stripeEvent.Type, options.MaxAttempts);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task<bool> TryOnceAsync(StripeEvent stripeEvent, int attempt)
    {
        await slots.WaitAsync(stopping);
        try
        {
            events.RecordAttempt(stripeEvent);
            var payload = stripeEvent.ToJson(events.ApiVersion).ToJsonString(StripeJson.Options);
            var signature = WebhookSigner.Header(payload, StripeJson.Unix(time.GetUtcNow()), options.Secrets);
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
            {
                Content = new StringContent(payload, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
            };
            request.Headers.Add("Stripe-Signature", signature);
            using var response = await http.SendAsync(request, stopping);
            if (response.IsSuccessStatusCode)
            {
                LogDelivered(stripeEvent.Id, stripeEvent.Type, attempt);
                return true;
            }
            LogRefused(stripeEvent.Id, stripeEvent.Type, attempt, (int)response.StatusCode);
            return false;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !stopping.IsCancellationRequested)
        {
            LogUnreachable(stripeEvent.Id, stripeEvent.Type, attempt, exception.Message);
            return false;
        }
        finally
        {
            slots.Release();
        }
    }

    [LoggerMessage(LogLevel.Debug, "Delivered {EventId} ({Type}) on attempt {Attempt}")]
    private partial void LogDelivered(string eventId, string type, int attempt);

    [LoggerMessage(LogLevel.Warning, "Webhook endpoint answered {Status} to {EventId} ({Type}), attempt {Attempt}")]
    private partial void LogRefused(string eventId, string type, int attempt, int status);

    [LoggerMessage(LogLevel.Warning, "Webhook endpoint unreachable for {EventId} ({Type}), attempt {Attempt}: {Reason}")]
    private partial void LogUnreachable(string eventId, string type, int attempt, string reason);

    [LoggerMessage(LogLevel.Warning, "Gave up on {EventId} ({Type}) after {Attempts} attempts")]
    private partial void LogGaveUp(string eventId, string type, int attempts);

    [LoggerMessage(LogLevel.Information, "Chaos dropped {EventId} ({Type})")]
    private partial void LogDropped(string eventId, string type);
}
