using Fundraising.Persistence.Events;

namespace Fundraising.Web.Events;

/// <summary>
/// Body of <c>POST /api/events</c>. The window's ends are ISO 8601 text with an offset (kept as text so that a time
/// without one is refused rather than read in the server's zone); <c>regions</c> are county names.
/// </summary>
public sealed record CreateEventRequest(
    string? Name, string? StartsAt, string? EndsAt, string? TimeZone, Guid[]? CampaignIds, string[]? Regions, EventBoardsRequest? Boards = null);

/// <summary>Which gifts the event's leaderboards count beside online money; each defaults to true (款物合计, like the totals).</summary>
public sealed record EventBoardsRequest(bool? CountOffline, bool? CountGoods);

public sealed record EventBoardsResponse(bool CountOffline, bool CountGoods);

/// <summary>Money is minor units (fen). <c>MatchedAmount</c> is 0 until matching pools exist.</summary>
public sealed record EventTotalsResponse(long RaisedAmount, long DonationCount, long MatchedAmount);

public sealed record EventResponse(
    Guid Id, string Name, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string TimeZone,
    IReadOnlyList<Guid> CampaignIds, IReadOnlyList<string> Regions, EventTotalsResponse Totals, string Currency, EventBoardsResponse Boards)
{
    /// <summary>The event as the caller may see it: listed drafts only for staff whose scope is the whole platform.</summary>
    public static EventResponse From(EventRow row, bool showDrafts) => new(
        row.Id, row.Definition.Name, row.Definition.StartsAt, row.Definition.EndsAt, row.Definition.TimeZone,
        showDrafts ? row.Definition.CampaignIds : [.. row.Definition.CampaignIds.Where(id => !row.DraftCampaignIds.Contains(id))],
        row.Definition.Counties,
        new EventTotalsResponse(row.Totals.RaisedAmount, row.Totals.DonationCount, row.Totals.MatchedAmount), row.Currency,
        new EventBoardsResponse(row.Definition.BoardOptions.CountOffline, row.Definition.BoardOptions.CountGoods));
}

public sealed record EventListResponse(IReadOnlyList<EventResponse> Items);
