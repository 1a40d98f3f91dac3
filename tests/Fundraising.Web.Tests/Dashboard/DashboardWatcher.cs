using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace Fundraising.Web.Tests.Dashboard;

/// <summary>A real SignalR client of <c>/hubs/dashboard</c> (staff: a bearer token) that records every <c>dashboard</c> message.</summary>
public sealed class DashboardWatcher : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly HubMessages _messages;

    private DashboardWatcher(HubConnection connection)
    {
        _connection = connection;
        _messages = new HubMessages(connection, "dashboard");
    }

    public IReadOnlyCollection<JsonElement> Messages => _messages.All;

    public static async Task<DashboardWatcher> ConnectAsync(Uri baseAddress, string? bearer)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, "/hubs/dashboard"), options => options.AccessTokenProvider = () => Task.FromResult(bearer))
            .Build();
        var watcher = new DashboardWatcher(connection);
        try
        {
            await connection.StartAsync();
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        return watcher;
    }

    public Task WatchAsync(Guid eventId) => WatchAsync(eventId.ToString());

    public Task WatchAsync(string eventId) => _connection.InvokeAsync("WatchDashboard", eventId);

    public Task UnwatchAsync(Guid eventId) => _connection.InvokeAsync("UnwatchDashboard", eventId.ToString());

    public Task<JsonElement> WaitForAsync(Func<JsonElement, bool> predicate, TimeSpan? timeout = null) =>
        _messages.WaitForAsync(predicate, timeout ?? TimeSpan.FromSeconds(15));

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}

/// <summary>What the dashboard tests read and make: the dashboard, the ledger's own sums, and gifts.</summary>
public static class DashboardCalls
{
    public static async Task<JsonElement> GetAsync(HttpClient staff, Guid eventId)
    {
        var response = await staff.GetAsync($"/api/admin/events/{eventId}/dashboard");
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>(raised net of refunds, gifts, matched) of these campaigns, summed from the ledger's rows, not the totals rows.</summary>
    public static async Task<(long Raised, long Count, long Matched)> LedgerAsync(TestDatabase database, params Guid[] campaigns) => (
        await database.ScalarAsync<long>(
            "SELECT coalesce(sum(amount - refunded_amount), 0)::bigint FROM donations WHERE status = 'succeeded' AND campaign_id = ANY($1)", campaigns),
        await database.ScalarAsync<long>("SELECT count(*) FROM donations WHERE status = 'succeeded' AND campaign_id = ANY($1)", campaigns),
        await database.ScalarAsync<long>(
            "SELECT coalesce(sum(amount - reversed_amount), 0)::bigint FROM donation_matches WHERE status = 'matched' AND campaign_id = ANY($1)", campaigns));

    public static long Totals(JsonElement dashboard, string field) => dashboard.GetProperty("totals").GetProperty(field).GetInt64();
}
