using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Fundraising.Load.Baseline;

/// <summary>The platform's HTTP contract for what the benchmark uses, over any <see cref="IDonationStore"/>.</summary>
public static class Endpoints
{
    private const string IdempotencyHeader = "Idempotency-Key";

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
        return app;
    }

    private static async Task<Results<Created<DonationResponse>, ValidationProblem, Conflict, UnprocessableEntity>> CreateDonationAsync(
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
        var donation = new Donation(Guid.CreateVersion7(), id, request.Amount.Value, request.Currency, name, anonymous, message, false, DateTimeOffset.UtcNow, null);
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
