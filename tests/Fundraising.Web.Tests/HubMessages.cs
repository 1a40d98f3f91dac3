using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace Fundraising.Web.Tests;

/// <summary>Every message a real SignalR client received for the given methods, in order, and a wait for one that matches.</summary>
public sealed class HubMessages
{
    private readonly ConcurrentQueue<JsonElement> _messages = new();
    private readonly SemaphoreSlim _arrived = new(0);

    public HubMessages(HubConnection connection, params string[] methods)
    {
        foreach (var method in methods)
        {
            connection.On<JsonElement>(method, message =>
            {
                _messages.Enqueue(message.Clone());
                _arrived.Release();
            });
        }
    }

    public IReadOnlyCollection<JsonElement> All => _messages;

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
                throw new TimeoutException($"No matching message within {timeout}. Last: {_messages.LastOrDefault()}");
            }
        }
    }
}
