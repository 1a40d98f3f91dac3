using System.Globalization;
using System.Security.Claims;
using System.Text.RegularExpressions;
using Fundraising.Contracts.Campaigns;
using Fundraising.Persistence.Catalog;
using Fundraising.Persistence.Events;
using Fundraising.Web.Http;
using Fundraising.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Fundraising.Web.Events;

/// <summary>Giving-day events: public to read (with live totals), created by those who manage campaigns, in their scope.</summary>
public static partial class EventEndpoints
{
    public const int MaxNameLength = 120;
    public const int MaxCampaignIds = 1000;
    public const int MaxRegions = 200;
    public const int MaxRegionLength = 40;
    public const int MaxListed = 200;

    public static IEndpointRouteBuilder MapEvents(this IEndpointRouteBuilder app)
    {
        var events = app.MapGroup("/api/events").WithTags("Events").ProducesProblems(404);
        events.MapGet("/", ListAsync).WithSummary("Lists giving-day events.");
        events.MapGet("/{id:guid}", GetAsync).WithSummary("One giving-day event with its campaigns' totals.").WithName("GetEvent");

        var admin = app.MapGroup("/api/events").WithTags("Events").RequireAuthorization(Access.ManageCampaigns).ProducesProblems(404);
        admin.MapPost("/", CreateAsync).WithSummary("Creates a giving-day event of campaigns.");
        return app;
    }

    private static async Task<Ok<EventListResponse>> ListAsync(EventStore store, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        TypedResults.Ok(new EventListResponse([.. (await store.ListAsync(MaxListed, cancellationToken)).Select(row => EventResponse.From(row, ShowsDrafts(user)))]));

    private static async Task<Results<Ok<EventResponse>, ProblemHttpResult>> GetAsync(Guid id, EventStore store, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        await store.FindAsync(id, cancellationToken) is { } row
            ? TypedResults.Ok(EventResponse.From(row, ShowsDrafts(user)))
            : TypedResults.Problem(Problem.NotFound("event", id));

    // Drafts are not public (DraftVisibility): an event's campaign list shows them to whole-platform staff only.
    private static bool ShowsDrafts(ClaimsPrincipal user) => StaffScope.Of(user) is { IsWhole: true };

    private static async Task<Results<Created<EventResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateEventRequest request, EventStore store, ICampaignCatalog catalog, Persistence.Leaderboards.BoardStore boards, IGrainFactory grains,
        LinkGenerator links, HttpContext http)
    {
        var validation = new Validation();
        var definition = Build(request, validation);
        if (!validation.IsValid)
        {
            return TypedResults.ValidationProblem(validation.Errors);
        }
        if (StaffScope.Of(http.User) is not { } scope)
        {
            return TypedResults.Problem(CampaignAccess.Forbidden("This account has no role that may do this."));
        }
        if (!scope.IsWhole)
        {
            // An association of one county may run an event of its own county only: every region and campaign in it.
            if (definition.Counties.FirstOrDefault(county => !scope.CoversRegion(new Region("", "", county, null))) is { } outside)
            {
                return TypedResults.Problem(CampaignAccess.Forbidden($"The region '{outside}' is outside this account's region ({scope.County})."));
            }
            foreach (var campaignId in definition.CampaignIds)
            {
                var row = await catalog.LoadAsync(campaignId, http.RequestAborted);
                if (row is null)
                {
                    return UnknownCampaign();
                }
                if (!scope.Covers(campaignId, row.Definition.Region))
                {
                    return TypedResults.Problem(CampaignAccess.Forbidden($"The campaign {campaignId} is outside this account's region ({scope.County})."));
                }
            }
        }
        var id = Guid.CreateVersion7();
        switch (await store.CreateAsync(id, definition, Actor.Of(http.User), http.RequestAborted))
        {
            case EventCreateOutcome.UnknownCampaign:
                return UnknownCampaign();
            case EventCreateOutcome.MixedCurrencies:
                const string mixed = "The campaigns taking part are in more than one currency; an event's totals are in one.";
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["campaignIds"] = [mixed], ["regions"] = [mixed] });
        }
        // The campaigns taking part learn of the event now, so that their next gifts reach its boards.
        foreach (var campaignId in await boards.CampaignsOfEventAsync(id, http.RequestAborted))
        {
            await grains.GetGrain<ICampaignGrain>(campaignId).EventsChangedAsync();
        }
        var created = await store.FindAsync(id, http.RequestAborted) ?? throw new InvalidOperationException($"Event {id} was created but cannot be read back.");
        return TypedResults.Created(links.GetPathByName(http, "GetEvent", new { id }), EventResponse.From(created, showDrafts: true));
    }

    private static ValidationProblem UnknownCampaign() => TypedResults.ValidationProblem(new Dictionary<string, string[]>
    {
        ["campaignIds"] = ["'campaignIds' names a campaign that does not exist."],
    });

    private static EventDefinition Build(CreateEventRequest request, Validation v)
    {
        var name = v.Text("name", request.Name, MaxNameLength);
        var startsAt = Instant(v, "startsAt", request.StartsAt);
        var endsAt = Instant(v, "endsAt", request.EndsAt);
        if (startsAt is not null && endsAt is not null && endsAt <= startsAt)
        {
            v.Add("endsAt", "'endsAt' must be after 'startsAt'.");
        }
        var timeZone = request.TimeZone?.Trim();
        if (string.IsNullOrEmpty(timeZone))
        {
            v.Add("timeZone", "'timeZone' is required: an IANA zone such as Asia/Shanghai.");
        }
        else if (timeZone.Length > 64 || !TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var zone) || !zone.HasIanaId)
        {
            v.Add("timeZone", "'timeZone' must be an IANA zone such as Asia/Shanghai.");
        }
        var campaignIds = request.CampaignIds ?? [];
        if (campaignIds.Length > MaxCampaignIds)
        {
            v.Add("campaignIds", $"'campaignIds' may name at most {MaxCampaignIds} campaigns.");
        }
        if (campaignIds.Contains(Guid.Empty))
        {
            v.Add("campaignIds", "'campaignIds' must not contain the empty id.");
        }
        var regions = new List<string>();
        if ((request.Regions?.Length ?? 0) > MaxRegions)
        {
            v.Add("regions", $"'regions' may name at most {MaxRegions} counties.");
        }
        else
        {
            foreach (var region in request.Regions ?? [])
            {
                if (v.Text("regions", region, MaxRegionLength) is { } county)
                {
                    regions.Add(county);
                }
            }
        }
        if (campaignIds.Length == 0 && (request.Regions?.Length ?? 0) == 0)
        {
            v.Add("campaignIds", "An event needs 'campaignIds' or 'regions' (county names), or both.");
            v.Add("regions", "An event needs 'campaignIds' or 'regions' (county names), or both.");
        }
        return new EventDefinition(name ?? "", startsAt ?? default, endsAt ?? default, timeZone ?? "",
            [.. campaignIds.Distinct()], [.. regions.Distinct(StringComparer.Ordinal)],
            new Contracts.Leaderboards.BoardOptions(request.Boards?.CountOffline ?? true, request.Boards?.CountGoods ?? true));
    }

    /// <summary>An instant written as ISO 8601 with an explicit offset (Z or ±hh:mm); null (and an error) otherwise.</summary>
    private static DateTimeOffset? Instant(Validation v, string field, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            v.Add(field, $"'{field}' is required (ISO 8601 with offset, e.g. 2026-09-07T00:00:00+08:00).");
            return null;
        }
        if (!WithOffset().IsMatch(text)
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value))
        {
            v.Add(field, $"'{field}' must be ISO 8601 with an offset, e.g. 2026-09-07T00:00:00+08:00.");
            return null;
        }
        return value;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex WithOffset();
}
