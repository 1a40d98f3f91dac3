using System.Globalization;
using System.Security.Claims;
using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Matching;
using Fundraising.Persistence.Events;
using Fundraising.Persistence.Matching;
using Fundraising.Web.Http;
using Fundraising.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Fundraising.Web.Matching;

/// <summary>
/// Matching pools (配捐): public to read; created, paused and resumed by whole-platform staff who manage campaigns; their
/// held (flagged) gifts reviewed by the same; their reconciliation read by those who read reports. The request's shape is
/// checked here; whether a pool grants, matches or is open is the pool's and the campaigns' grains' decision.
/// </summary>
public static class PoolEndpoints
{
    public const int MaxSponsorLength = 120;
    public const int MaxEligibleCampaigns = 1000;
    public const int MaxEligibleCounties = 200;
    public const int MaxFlaggedListed = 200;

    public static IEndpointRouteBuilder MapPools(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api").WithTags("Matching").ProducesProblems(404);
        read.MapGet("/events/{eventId:guid}/pools", ListAsync).WithSummary("An event's matching pools (配捐) and what is left in each.");
        read.MapGet("/pools/{id:guid}", GetAsync).WithSummary("One matching pool.").WithName("GetPool");

        var manage = app.MapGroup("/api").WithTags("Matching").RequireAuthorization(Access.ManageCampaigns).RequireWholeScope().ProducesProblems(404, 409, 422);
        manage.MapPost("/events/{eventId:guid}/pools", CreateAsync).WithSummary("Creates a sponsor's matching pool for an event.");
        manage.MapPost("/pools/{id:guid}/pause", (Guid id, ClaimsPrincipal user, IGrainFactory grains) =>
            CommandAsync(grains.GetGrain<IMatchingPoolGrain>(id).PauseAsync(Actor.Of(user)), id)).WithSummary("Pauses a matching pool.");
        manage.MapPost("/pools/{id:guid}/resume", (Guid id, ClaimsPrincipal user, IGrainFactory grains) =>
            CommandAsync(grains.GetGrain<IMatchingPoolGrain>(id).ResumeAsync(Actor.Of(user)), id)).WithSummary("Resumes a paused matching pool.");

        var flagged = app.MapGroup("/api/admin/flagged-gifts").WithTags("Matching").RequireAuthorization(Access.ManageCampaigns).RequireWholeScope().ProducesProblems(404, 409);
        flagged.MapGet("/", ListFlaggedAsync).WithSummary("Gifts whose matching is held by the velocity rule.");
        flagged.MapPost("/{donationId:guid}/release", (Guid donationId, ClaimsPrincipal user, PoolStore store, IGrainFactory grains) =>
            DecideAsync(donationId, FlagDecision.Release, user, store, grains)).WithSummary("Releases a held gift's matching.");
        flagged.MapPost("/{donationId:guid}/reject", (Guid donationId, ClaimsPrincipal user, PoolStore store, IGrainFactory grains) =>
            DecideAsync(donationId, FlagDecision.Reject, user, store, grains)).WithSummary("Rejects a held gift's matching.");

        app.MapGroup("/api/admin/pools").WithTags("Matching").RequireAuthorization(Access.ReadReports).RequireWholeScope().ProducesProblems(404)
            .MapGet("/{id:guid}/reconciliation", ReconcileAsync).WithSummary("Compares a pool's grain with its ledger of matches.");
        return app;
    }

    private static async Task<Results<Ok<PoolListResponse>, ProblemHttpResult>> ListAsync(
        Guid eventId, EventStore events, PoolStore store, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (await events.FindAsync(eventId, cancellationToken) is null)
        {
            return TypedResults.Problem(Problem.NotFound("event", eventId));
        }
        var ids = await store.ListForEventAsync(eventId, cancellationToken);
        var pools = await Task.WhenAll(ids.Select(id => grains.GetGrain<IMatchingPoolGrain>(id).GetAsync()));
        return TypedResults.Ok(new PoolListResponse([.. pools.OfType<PoolSnapshot>().Select(PoolResponse.From)]));
    }

    private static async Task<Results<Ok<PoolResponse>, ProblemHttpResult>> GetAsync(Guid id, IGrainFactory grains) =>
        await grains.GetGrain<IMatchingPoolGrain>(id).GetAsync() is { } pool
            ? TypedResults.Ok(PoolResponse.From(pool))
            : TypedResults.Problem(Problem.NotFound("pool", id));

    private static async Task<Results<Created<PoolResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        Guid eventId, CreatePoolRequest request, EventStore events, IGrainFactory grains, LinkGenerator links, HttpContext http)
    {
        var v = new Validation();
        var sponsor = v.Text("sponsorName", request.SponsorName, MaxSponsorLength);
        var budget = v.Amount("budget", request.Budget, long.MaxValue / 4);
        var currency = v.Currency("currency", request.Currency);
        var opensAt = OpensAt(v, request.OpensAt);
        long? daily = null;
        if (request.DailyBudget is not null)
        {
            daily = v.Amount("dailyBudget", request.DailyBudget, long.MaxValue / 4);
            if (daily > budget && budget > 0)
            {
                v.Add("dailyBudget", "'dailyBudget' must not be more than 'budget'.");
            }
        }
        var ratio = Ratio(v, request.Ratio);
        var maxPerGift = v.Amount("maxPerGift", request.MaxPerGift, long.MaxValue / 4);
        var maxPerDonor = v.Amount("maxPerDonorPerDay", request.MaxPerDonorPerDay, long.MaxValue / 4);
        RandomMatch? random = null;
        if (request.Random is { } r)
        {
            var min = v.Amount("random.min", r.Min, long.MaxValue / 4);
            var max = v.Amount("random.max", r.Max, long.MaxValue / 4);
            if (min > 0 && max > 0 && max < min)
            {
                v.Add("random.max", "'random.max' must be at least 'random.min'.");
            }
            random = new RandomMatch(min, max);
        }
        var campaignIds = request.Eligible?.CampaignIds ?? [];
        if (campaignIds.Length > MaxEligibleCampaigns || campaignIds.Contains(Guid.Empty))
        {
            v.Add("eligible.campaignIds", $"'eligible.campaignIds' may name at most {MaxEligibleCampaigns} campaigns, none of them the empty id.");
        }
        var counties = new List<string>();
        if ((request.Eligible?.Counties?.Length ?? 0) > MaxEligibleCounties)
        {
            v.Add("eligible.counties", $"'eligible.counties' may name at most {MaxEligibleCounties} counties.");
        }
        foreach (var county in request.Eligible?.Counties ?? [])
        {
            if (v.Text("eligible.counties", county, Events.EventEndpoints.MaxRegionLength) is { } name)
            {
                counties.Add(name);
            }
        }
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        if (await events.FindAsync(eventId, http.RequestAborted) is not { } row)
        {
            return TypedResults.Problem(Problem.NotFound("event", eventId));
        }
        if (row.Currency != currency)
        {
            return TypedResults.Problem(Problem.Unprocessable("The pool's currency is not the event's.",
                $"The event's campaigns give in {row.Currency}; a pool in {currency} could match none of them."));
        }
        var definition = new PoolDefinition(eventId, sponsor!, currency!, budget, daily, opensAt!.Value,
            new MatchRule(ratio!, maxPerGift, maxPerDonor, random), new PoolEligibility([.. campaignIds.Distinct()], [.. counties.Distinct(StringComparer.Ordinal)]),
            row.Definition.TimeZone, row.Definition.StartsAt, row.Definition.EndsAt);
        var id = Guid.CreateVersion7();
        var result = await grains.GetGrain<IMatchingPoolGrain>(id).CreateAsync(definition, Actor.Of(http.User));
        return result.Error switch
        {
            PoolCommandError.None => TypedResults.Created(links.GetPathByName(http, "GetPool", new { id }), PoolResponse.From(result.Pool!)),
            PoolCommandError.EventOver => TypedResults.Problem(Problem.Unprocessable("The event is over.", result.Detail!)),
            PoolCommandError.NotFound => TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["eligible.campaignIds"] = ["'eligible.campaignIds' names a campaign that does not take part in the event."],
            }),
            _ => TypedResults.Problem(Problem.Conflict(result.Detail ?? "The pool already exists.")),
        };
    }

    private static TimeOnly? OpensAt(Validation v, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return new TimeOnly(10, 0);
        }
        if (!TimeOnly.TryParseExact(text, ["HH:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            v.Add("opensAt", "'opensAt' must be a local time of day as HH:mm, such as 10:00.");
            return null;
        }
        return time;
    }

    private static MatchRatio? Ratio(Validation v, RatioRequest? ratio)
    {
        if (ratio is null)
        {
            return new MatchRatio(1, 1);
        }
        if (ratio.Match is not (> 0 and <= 100) || ratio.Per is not (> 0 and <= 100))
        {
            v.Add("ratio", "'ratio' is {match, per}, both whole numbers from 1 to 100: {match: 1, per: 1} matches fen for fen.");
            return null;
        }
        return new MatchRatio(ratio.Match.Value, ratio.Per.Value);
    }

    private static async Task<Results<Ok<PoolResponse>, ProblemHttpResult>> CommandAsync(Task<PoolCommandResult> command, Guid id)
    {
        var result = await command;
        return result.Error switch
        {
            PoolCommandError.None => TypedResults.Ok(PoolResponse.From(result.Pool!)),
            PoolCommandError.NotFound => TypedResults.Problem(Problem.NotFound("pool", id)),
            _ => TypedResults.Problem(Problem.Conflict(result.Detail ?? "The pool cannot do that now.")),
        };
    }

    private static async Task<Results<Ok<FlaggedGiftListResponse>, ValidationProblem>> ListFlaggedAsync(string? status, PoolStore store, CancellationToken cancellationToken)
    {
        if (status is not (null or "held" or "released" or "rejected"))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["status"] = ["'status' is one of held, released, rejected."] });
        }
        var items = await store.ListFlaggedAsync(status, MaxFlaggedListed, cancellationToken);
        return TypedResults.Ok(new FlaggedGiftListResponse([.. items.Select(FlaggedGiftResponse.From)]));
    }

    private static async Task<Results<Ok<FlaggedGiftResponse>, ProblemHttpResult>> DecideAsync(
        Guid donationId, FlagDecision decision, ClaimsPrincipal user, PoolStore store, IGrainFactory grains)
    {
        if (await store.FlaggedCampaignAsync(donationId) is not { } campaignId)
        {
            return TypedResults.Problem(Problem.NotFound("flagged gift", donationId));
        }
        var error = await grains.GetGrain<ICampaignGrain>(campaignId).DecideFlaggedAsync(donationId, decision, Actor.Of(user));
        var gift = (await store.FindFlaggedAsync(donationId))!;
        return error switch
        {
            FlagDecisionError.None => TypedResults.Ok(FlaggedGiftResponse.From(gift)),
            FlagDecisionError.AlreadyDecided => TypedResults.Problem(Problem.Conflict($"This gift's match was {gift.Status} already.")),
            _ => TypedResults.Problem(Problem.NotFound("flagged gift", donationId)),
        };
    }

    private static async Task<Results<Ok<PoolReconciliationResponse>, ProblemHttpResult>> ReconcileAsync(Guid id, PoolStore store, CancellationToken cancellationToken) =>
        await store.ReconcileAsync(id, cancellationToken) is { } reconciliation
            ? TypedResults.Ok(PoolReconciliationResponse.From(reconciliation))
            : TypedResults.Problem(Problem.NotFound("pool", id));
}
