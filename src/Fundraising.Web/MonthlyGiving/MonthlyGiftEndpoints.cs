using Fundraising.Persistence;
using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Contracts.MonthlyGiving;
using Fundraising.Payments.MonthlyGiving;
using Fundraising.Persistence.MonthlyGiving;
using Fundraising.Web.Campaigns;
using Fundraising.Web.Http;
using Fundraising.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Fundraising.Web.MonthlyGiving;

public static class MonthlyGiftEndpoints
{
    /// <summary>The donor's secret for one monthly gift, sent on every call that reads or changes it.</summary>
    public const string TokenHeader = "Monthly-Gift-Token";
    public const int MaxEmailLength = 254;

    /// <summary>
    /// Monthly giving (月捐) through Stripe subscriptions (<see cref="MonthlyGifts"/>). Taken only when Stripe is
    /// enabled and <c>MonthlyGiving:TokenSecret</c> is set; otherwise a new monthly gift is refused with 422.
    /// </summary>
    public static IEndpointRouteBuilder MapMonthlyGiving(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/campaigns/{campaignId:guid}/monthly-gifts", CreateAsync).WithSummary("Starts a monthly gift (月捐) on the provider's subscriptions.").WithTags("Monthly giving").RequireRateLimiting(RateLimits.MonthlyGifts).ProducesProblems(404, 409, 422)
            .AddEndpointFilter(CampaignDirectory.RequireKnownAsync);
        var gifts = app.MapGroup("/api/monthly-gifts/{id:guid}").WithTags("Monthly giving").ProducesProblems(404, 409);
        gifts.MapGet("/", GetAsync).WithSummary("A monthly gift, for the donor holding its token.");
        gifts.MapPost("/cancel", CancelAsync).WithSummary("Cancels a monthly gift.");

        // Admins list a campaign's monthly gifts with the donors' names; cancel tokens are never shown to them.
        app.MapGroup("/api/admin/campaigns/{campaignId:guid}").WithTags("Monthly giving", "Admin").RequireAuthorization(Access.ReadDonors).ProducesProblems(404)
            .AddEndpointFilter(CampaignDirectory.RequireKnownAsync).RequireCampaignScope()
            .MapGet("/monthly-gifts", ListForAdminAsync).WithSummary("A campaign's monthly gifts, for staff.");
        return app;
    }

    private static async Task<Results<Ok<AdminMonthlyGiftListResponse>, ValidationProblem, ProblemHttpResult>> ListForAdminAsync(
        Guid campaignId, string? cursor, int? page, int? pageSize, IGrainFactory grains, MonthlyGiftStore store, CancellationToken cancellationToken)
    {
        var v = new Validation();
        var window = Paging.Parse(v, cursor, page, pageSize);
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        if (await grains.GetGrain<ICampaignGrain>(campaignId).GetSummaryAsync() is null)
        {
            return TypedResults.Problem(Problem.NotFound("campaign", campaignId));
        }
        var (gifts, total) = await store.ListByCampaignAsync(campaignId, window, cancellationToken);
        return TypedResults.Ok(new AdminMonthlyGiftListResponse(
            [.. gifts.Items.Select(AdminMonthlyGiftResponse.From)], cursor is null ? page ?? 1 : null, window.Size, total, Paging.Next(gifts.Next)));
    }

    private static async Task<Results<Created<MonthlyGiftCreatedResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        Guid campaignId, CreateMonthlyGiftRequest request, HttpContext http, MonthlyGifts monthlyGifts, CancellationToken cancellationToken)
    {
        var v = new Validation();
        var key = Idempotency.Key(http, v, required: true);
        var amount = v.Amount("amount", request.Amount, long.MaxValue);
        var currency = v.Currency("currency", request.Currency);
        var name = v.Text("displayName", request.DisplayName, FieldLimits.MaxNameLength, required: false);
        var email = Email(v, request.Email);
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        var start = await monthlyGifts.StartAsync(campaignId, new NewMonthlyGift(key!, amount, currency!, name, request.Anonymous ?? false, email, request.TeamId, request.SubPlanId), cancellationToken);
        if (start.Unavailable)
        {
            return TypedResults.Problem(Problem.Unprocessable("Monthly giving needs a card provider.", "Monthly gifts cannot be taken right now."));
        }
        if (Refusal.Of(start.Error, start.Detail, campaignId, "monthly gift") is { } refusal)
        {
            return refusal.Errors is { } errors ? TypedResults.ValidationProblem(errors) : TypedResults.Problem(refusal.Problem!);
        }
        if (start.Replayed)
        {
            Idempotency.MarkReplayed(http);
        }
        var gift = start.Gift!;
        return TypedResults.Created($"/api/monthly-gifts/{gift.Id}", new MonthlyGiftCreatedResponse(
            gift.Id, campaignId, gift.Amount, gift.Currency, "month", gift.Status, gift.CheckoutUrl, start.CancelToken!, gift.CreatedAt, gift.TeamId, gift.SubPlanId));
    }

    private static async Task<Results<Ok<MonthlyGiftResponse>, ProblemHttpResult>> GetAsync(
        Guid id, HttpContext http, MonthlyGifts monthlyGifts, CancellationToken cancellationToken) =>
        await monthlyGifts.FindAsync(id, Token(http), cancellationToken) is { } found
            ? TypedResults.Ok(MonthlyGiftResponse.From(found.Gift, found.Payments))
            : TypedResults.Problem(NotFound(id));

    private static async Task<Results<Ok<MonthlyGiftResponse>, ProblemHttpResult>> CancelAsync(
        Guid id, HttpContext http, MonthlyGifts monthlyGifts, CancellationToken cancellationToken) =>
        await monthlyGifts.CancelAsync(id, Token(http), cancellationToken) is { } cancelled
            ? TypedResults.Ok(MonthlyGiftResponse.From(cancelled.Gift, cancelled.Payments))
            : TypedResults.Problem(NotFound(id));

    private static string? Token(HttpContext http) => http.Request.Headers[TokenHeader] is { Count: 1 } values ? values[0] : null;

    private static Microsoft.AspNetCore.Mvc.ProblemDetails NotFound(Guid id) => new()
    {
        Title = "The monthly gift was not found.",
        Detail = $"There is no monthly gift {id} for this '{TokenHeader}'.",
        Status = StatusCodes.Status404NotFound,
    };

    private static string? Email(Validation v, string? value)
    {
        var email = v.Text("email", value, MaxEmailLength, required: false);
        if (email is not null && (!System.Net.Mail.MailAddress.TryCreate(email, out var parsed) || parsed.Address != email))
        {
            v.Add("email", "'email' must be one e-mail address, such as donor@example.com.");
        }
        return email;
    }
}
