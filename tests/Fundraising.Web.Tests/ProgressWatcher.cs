using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace Fundraising.Web.Tests;

/// <summary>A real SignalR client of <c>/hubs/progress</c> that records every progress (and pool) message.</summary>
public sealed class ProgressWatcher : IAsyncDisposable
{
    private readonly HubConnection _connection;
    // Campaigns' "progress" and pools' "pool" messages, in the order they came (a pool's has a sponsorName).
    private readonly HubMessages _messages;

    private ProgressWatcher(HubConnection connection)
    {
        _connection = connection;
        _messages = new HubMessages(connection, "progress", "pool");
    }

    public IReadOnlyCollection<JsonElement> Messages => _messages.All;

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

    public Task WatchPoolAsync(Guid poolId) => _connection.InvokeAsync("WatchPool", poolId.ToString());

    /// <summary>Waits for a message that satisfies <paramref name="predicate"/> (already received or arriving later).</summary>
    public Task<JsonElement> WaitForAsync(Func<JsonElement, bool> predicate, TimeSpan timeout) => _messages.WaitForAsync(predicate, timeout);

    public Task<JsonElement> WaitForRaisedAsync(Guid campaignId, long raisedAmount, TimeSpan? timeout = null) =>
        WaitForAsync(m => m.GetProperty("id").GetGuid() == campaignId && m.GetProperty("raisedAmount").GetInt64() == raisedAmount,
            timeout ?? TimeSpan.FromSeconds(15));

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}
