using Microsoft.AspNetCore.SignalR;

namespace Fundraising.Web.Dashboard;

/// <summary>
/// <c>/hubs/dashboard</c>, staff only (the <c>ReadReports</c> policy, set where it is mapped): clients invoke
/// <c>WatchDashboard(eventId)</c> and receive a <c>dashboard</c> message at once, then about one a second from this front
/// end's sampler of that event; <c>UnwatchDashboard(eventId)</c> stops them.
/// </summary>
public sealed class DashboardHub(DashboardSampler sampler) : Hub
{
    public const string DashboardMethod = "dashboard";

    /// <summary>Events one connection may watch at once (a dashboard shows one; a few tabs' worth is plenty).</summary>
    public const int MaxEventsPerConnection = 10;

    public static string GroupName(Guid eventId) => $"dashboard:{eventId:N}";

    public async Task WatchDashboard(string eventId)
    {
        var id = Parse(eventId);
        var current = await sampler.CurrentAsync(id, Context.ConnectionAborted) ?? throw new HubException($"There is no event with id {id}.");
        if (!sampler.Watch(Context.ConnectionId, id))
        {
            throw new HubException($"A connection may watch at most {MaxEventsPerConnection} dashboards at once; unwatch one first.");
        }
        // Join, then send the sample in hand: a push racing it is newer, and clients keep the newest (by `at`).
        await Groups.AddToGroupAsync(Context.ConnectionId, GroupName(id));
        await Clients.Caller.SendAsync(DashboardMethod, current);
    }

    public async Task UnwatchDashboard(string eventId)
    {
        var id = Parse(eventId);
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, GroupName(id));
        sampler.Unwatch(Context.ConnectionId, id);
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        sampler.Forget(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }

    private static Guid Parse(string eventId) =>
        Guid.TryParse(eventId, out var id) ? id : throw new HubException("eventId must be an event's id (a GUID).");
}
