using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Fundraising.Load.Baseline;

/// <summary>The platform's HTTP contract for what the benchmark uses, over any <see cref="IDonationStore"/>.</summary>
public static partial class Endpoints
{
    private const string IdempotencyHeader = "Idempotency-Key";
    private const string DonorTokenHeader = "Donor-Token";

    public static IEndpointRouteBuilder MapComparisonApi(this IEndpointRouteBuilder app, string adminKey)
    {
        var expected = Encoding.UTF8.GetBytes("Bearer " + adminKey);
        var admin = app.MapGroup("/api").AddEndpointFilter(async (context, next) =>
        {
            var presented = Encoding.UTF8.GetBytes(context.HttpContext.Request.Headers.Authorization.ToString());
            return CryptographicOperations.FixedTimeEquals(presented, expected) ? await next(context) : TypedResults.Unauthorized();
        });
        admin.MapPost("/campaigns", async Task<Results<Created<CampaignResponse>, ValidationProblem>> (CreateCampaignRequest request, IDonationStore store) =>
        {
            if (string.IsNullOrWhiteSpace(request.Title) || request.Currency is not "CNY" || request.GoalAmount is not > 0)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["title, currency CNY and goalAmount are required."] });
            }
            var id = await store.CreateCampaignAsync(request.Title, request.Currency, request.GoalAmount.Value);
            return TypedResults.Created($"/api/campaigns/{id}", (await store.GetCampaignAsync(id))!);
        });
        admin.MapPost("/campaigns/{id:guid}/open", async Task<Results<Ok<CampaignResponse>, NotFound>> (Guid id, IDonationStore store) =>
            await store.OpenAsync(id) ? TypedResults.Ok((await store.GetCampaignAsync(id))!) : TypedResults.NotFound());
        admin.MapGet("/admin/reconciliation", async (IDonationStore store) => TypedResults.Ok(await store.ReconcileAsync()));

        app.MapGet("/api/campaigns/{id:guid}", async Task<Results<Ok<CampaignResponse>, NotFound>> (Guid id, IDonationStore store) =>
            await store.GetCampaignAsync(id) is { } campaign ? TypedResults.Ok(campaign) : TypedResults.NotFound());
        app.MapPost("/api/campaigns/{id:guid}/donations", CreateDonationAsync);
        app.MapPost("/api/payments/sandbox/{donationId:guid}/confirm", async Task<Results<Ok<DonationResponse>, NotFound>> (Guid donationId, IDonationStore store) =>
            await store.ConfirmAsync(donationId) is { } donation ? TypedResults.Ok(donation.ToResponse(withPayment: false)) : TypedResults.NotFound());
        app.MapGet("/healthz", () => TypedResults.Ok(new { status = "ok" }));
        if (app.ServiceProvider.GetService<IMatchingStore>() is not null)
        {
            MapMatching(app, admin);
        }
        return app;
    }

    /// <summary>
    /// Events, pools and verified donors over the same routes as the platform's, enough for the <c>opening</c> scenario.
    /// Codes are issued trivially (kept in memory, shown in the development outbox); tokens are stored as they are.
    /// </summary>
    private static void MapMatching(IEndpointRouteBuilder app, RouteGroupBuilder admin)
    {
        admin.MapPost("/events", async Task<Results<Created<EventResponse>, ValidationProblem>> (CreateEventRequest request, IMatchingStore store) =>
        {
            if (string.IsNullOrWhiteSpace(request.Name) || request.StartsAt is null || request.EndsAt is null || request.EndsAt <= request.StartsAt
                || request.TimeZone is null || !TimeZoneInfo.TryFindSystemTimeZoneById(request.TimeZone, out _) || request.CampaignIds is not { Length: > 0 })
            {
                return Invalid("name, startsAt < endsAt, an IANA timeZone and campaignIds are required.");
            }
            return await store.CreateEventAsync(request.Name, request.StartsAt.Value, request.EndsAt.Value, request.TimeZone, request.CampaignIds) is { } created
                ? TypedResults.Created($"/api/events/{created.Id}", created)
                : Invalid("campaignIds names a campaign that does not exist.");
        });
        admin.MapPost("/events/{id:guid}/pools", async Task<Results<Created<PoolResponse>, ValidationProblem, NotFound>> (Guid id, CreatePoolRequest request, IMatchingStore store) =>
        {
            if (string.IsNullOrWhiteSpace(request.SponsorName) || request.Budget is not > 0 || request.Currency is not "CNY" || request.OpensAt is null
                || !OpensAtShape().IsMatch(request.OpensAt) || request.Ratio is not { Match: > 0, Per: > 0 } || request.MaxPerGift is not > 0 || request.MaxPerDonorPerDay is not > 0)
            {
                return Invalid("sponsorName, budget > 0, currency CNY, opensAt HH:mm, ratio, maxPerGift and maxPerDonorPerDay are required.");
            }
            return await store.CreatePoolAsync(id, request) is { } pool ? TypedResults.Created($"/api/pools/{pool.Id}", pool) : TypedResults.NotFound();
        });
        admin.MapGet("/admin/pools/{id:guid}/reconciliation", async Task<Results<Ok<PoolReconciliationResponse>, NotFound>> (Guid id, IMatchingStore store) =>
            await store.ReconcilePoolAsync(id) is { } reconciliation ? TypedResults.Ok(reconciliation) : TypedResults.NotFound());
        admin.MapGet("/admin/flagged-gifts", async (string? status, IMatchingStore store) =>
            TypedResults.Ok(new FlaggedGiftListResponse(await store.FlaggedGiftsAsync(status ?? "held"))));
        app.MapGet("/api/pools/{id:guid}", async Task<Results<Ok<PoolResponse>, NotFound>> (Guid id, IMatchingStore store) =>
            await store.GetPoolAsync(id) is { } pool ? TypedResults.Ok(pool) : TypedResults.NotFound());

        var outbox = new ConcurrentDictionary<string, OutboxMessage>(StringComparer.Ordinal);
        app.MapPost("/api/donors/verifications", Results<Accepted, ValidationProblem> (VerificationRequest request) =>
        {
            if (request.Email?.Trim().ToLowerInvariant() is not { Length: > 3 } email || !email.Contains('@'))
            {
                return Invalid("email is required.");
            }
            var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
            outbox[email] = new OutboxMessage(email, $"Your verification code: {code}", $"Your donor verification code is {code}.", code, DateTimeOffset.UtcNow);
            return TypedResults.Accepted((string?)null);
        });
        app.MapPost("/api/donors/verifications/confirm", async Task<Results<Ok<DonorTokenResponse>, ProblemHttpResult>> (VerificationConfirmRequest request, IMatchingStore store) =>
        {
            var email = request.Email?.Trim().ToLowerInvariant() ?? "";
            if (!outbox.TryGetValue(email, out var sent) || sent.Code != request.Code || !outbox.TryRemove(new(email, sent)))
            {
                return TypedResults.Problem("The code is wrong or has expired.", statusCode: StatusCodes.Status400BadRequest);
            }
            return TypedResults.Ok(await store.IssueTokenAsync(email));
        });
        app.MapGet("/_dev/outbox", (string? to) => TypedResults.Ok(new OutboxResponse(
            to is null ? [.. outbox.Values] : outbox.TryGetValue(to.Trim().ToLowerInvariant(), out var message) ? [message] : [])));
    }

    private static ValidationProblem Invalid(string message) => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [message] });

    [GeneratedRegex(@"^([01]\d|2[0-3]):[0-5]\d$")]
    private static partial Regex OpensAtShape();

    private static async Task<Results<Created<DonationResponse>, ValidationProblem, Conflict, UnprocessableEntity, ProblemHttpResult>> CreateDonationAsync(
        Guid id, CreateDonationRequest request, HttpContext http, IDonationStore store)
    {
        var keys = http.Request.Headers[IdempotencyHeader];
        var key = keys.Count == 1 ? keys[0] : null;
        if (string.IsNullOrWhiteSpace(key) || key.Length > 128 || request.Amount is not > 0 || request.Currency is not "CNY")
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Idempotency-Key, amount > 0 and currency CNY are required."] });
        }
        var anonymous = request.Anonymous ?? false;
        var name = request.DisplayName?.Trim();
        var message = request.Message?.Trim();
        var hash = Fingerprint(request.Amount.Value, request.Currency, name, anonymous, message);
        // A verified donor's gift (the only kind a pool matches); an unknown token is refused, as on the platform.
        Guid? donorId = null;
        if (http.Request.Headers[DonorTokenHeader] is { Count: > 0 } tokens && http.RequestServices.GetService<IMatchingStore>() is { } matching)
        {
            donorId = await matching.FindDonorAsync(tokens[0]!);
            if (donorId is null)
            {
                return TypedResults.Problem("The Donor-Token is unknown or has expired.", statusCode: StatusCodes.Status401Unauthorized);
            }
        }
        var donation = new Donation(Guid.CreateVersion7(), id, request.Amount.Value, request.Currency, name, anonymous, message, false, DateTimeOffset.UtcNow, null, donorId);
        var (outcome, stored) = await store.CreateDonationAsync(id, key, hash, donation);
        switch (outcome)
        {
            case CreateOutcome.Created:
                return TypedResults.Created($"/api/campaigns/{id}/donations/{stored!.Id}", stored.ToResponse(withPayment: true));
            case CreateOutcome.Replayed:
                http.Response.Headers["Idempotent-Replayed"] = "true";
                return TypedResults.Created($"/api/campaigns/{id}/donations/{stored!.Id}", stored.ToResponse(withPayment: true));
            case CreateOutcome.KeyReused:
                return TypedResults.UnprocessableEntity();
            default:
                return TypedResults.Conflict();
        }
    }

    private static byte[] Fingerprint(long amount, string currency, string? name, bool anonymous, string? message)
    {
        var text = $"{amount}|{currency}|{name?.Length ?? -1}:{name}|{anonymous}|{message?.Length ?? -1}:{message}";
        return SHA256.HashData(Encoding.UTF8.GetBytes(text));
    }
}
