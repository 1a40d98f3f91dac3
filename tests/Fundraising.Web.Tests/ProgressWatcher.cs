using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace Fundraising.Web.Tests;

/// <summary>A real SignalR client of <c>/hubs/progress</c> that records every progress (and pool) message.</summary>
public sealed class ProgressWatcher : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly ConcurrentQueue<JsonElement> _messages = new();
    private readonly SemaphoreSlim _arrived = new(0);

    private ProgressWatcher(HubConnection connection)
    {
        _connection = connection;
        // Campaigns' "progress" and pools' "pool" messages, in the order they came (a pool's has a sponsorName); boards'
        // messages too, each kept with its method name in BoardMessages.
        foreach (var method in new[] { "progress", "pool", "leaderboard", "leaderboardEntry", "team", "feed" })
        {
            _connection.On<JsonElement>(method, message =>
            {
                if (method is "progress" or "pool")
                {
                    _messages.Enqueue(message.Clone());
                }
                _methods.Enqueue((method, message.Clone()));
                _arrived.Release();
            });
        }
    }

    private readonly ConcurrentQueue<(string Method, JsonElement Message)> _methods = new();

    public IReadOnlyCollection<JsonElement> Messages => _messages;

    /// <summary>Every message with the name of the method it came as, in order.</summary>
    public IReadOnlyCollection<(string Method, JsonElement Message)> MessagesByMethod => _methods;

    public Task InvokeAsync(string method, params object[] arguments) => _connection.InvokeCoreAsync(method, arguments);

    /// <summary>Waits for a message of <paramref name="method"/> that satisfies <paramref name="predicate"/>.</summary>
    public async Task<JsonElement> WaitForAsync(string method, Func<JsonElement, bool> predicate, TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        while (true)
        {
            foreach (var (name, message) in _methods)
            {
                if (name == method && predicate(message))
                {
                    return message;
                }
            }
            try
            {
                await _arrived.WaitAsync(cancellation.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No matching {method} message within {timeout}. Last: {_methods.LastOrDefault().Message}");
            }
        }
    }

    /// <summary>Connects anonymously, or with <paramref name="bearer"/> (the admin key) as the connection's credentials.</summary>
    public static async Task<ProgressWatcher> ConnectAsync(Uri baseAddress, string? bearer = null)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, "/hubs/progress"), options => options.AccessTokenProvider = () => Task.FromResult(bearer))
            .Build();
        var watcher = new ProgressWatcher(connection);
        await connection.StartAsync();
        return watcher;
    }

    public Task WatchAsync(Guid campaignId) => _connection.InvokeAsync("Watch", campaignId.ToString());

    public Task UnwatchAsync(Guid campaignId) => _connection.InvokeAsync("Unwatch", campaignId.ToString());

    /// <summary>A project's live feed: its <c>feed</c> messages land in <see cref="MessagesByMethod"/>.</summary>
    public Task WatchFeedAsync(Guid campaignId) => _connection.InvokeAsync("WatchFeed", campaignId.ToString());

    public Task WatchPoolAsync(Guid poolId) => _connection.InvokeAsync("WatchPool", poolId.ToString());

    /// <summary>Waits for a message that satisfies <paramref name="predicate"/> (already received or arriving later).</summary>
    public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> predicate, TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        while (true)
        {
            foreach (var message in _messages)
            {
                if (predicate(message))
                {
                    return message;
                }
            }
            try
            {
                await _arrived.WaitAsync(cancellation.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No matching progress message within {timeout}. Last: {_messages.LastOrDefault()}");
            }
        }
    }

    public Task<JsonElement> WaitForRaisedAsync(Guid campaignId, long raisedAmount, TimeSpan? timeout = null) =>
        WaitForAsync(m => m.GetProperty("id").GetGuid() == campaignId && m.GetProperty("raisedAmount").GetInt64() == raisedAmount,
            timeout ?? TimeSpan.FromSeconds(15));

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}
