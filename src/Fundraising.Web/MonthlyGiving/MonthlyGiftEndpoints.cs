using System.Security.Cryptography;
using System.Text;
using Fundraising.Contracts.Campaigns;
using Fundraising.Persistence.MonthlyGiving;
using Fundraising.Web.Admin;
using Fundraising.Web.Donations;
using Fundraising.Web.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Fundraising.Web.MonthlyGiving;

public static class MonthlyGiftEndpoints
{
    /// <summary>The donor's secret for one monthly gift, sent on every call that reads or changes it.</summary>
    public const string TokenHeader = "Monthly-Gift-Token";
    public const int MaxEmailLength = 254;

    /// <summary>
    /// Monthly giving (月捐) through Stripe subscriptions. Taken only when Stripe is enabled and
    /// <c>MonthlyGiving:TokenSecret</c> is set; otherwise a new monthly gift is refused with 422.
    /// </summary>
    public static WebApplicationBuilder AddMonthlyGiving(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<MonthlyGivingOptions>().BindConfiguration("MonthlyGiving")
            .Validate(o => o.TokenSecret.Length is 0 or >= 32, "MonthlyGiving:TokenSecret must be at least 32 characters.")
            .ValidateOnStart();
        builder.Services.AddSingleton<MonthlyGiftTokens>();
        return builder;
    }

    public static IEndpointRouteBuilder MapMonthlyGiving(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/campaigns/{campaignId:guid}/monthly-gifts", CreateAsync).WithTags("Monthly giving");
        var gifts = app.MapGroup("/api/monthly-gifts/{id:guid}").WithTags("Monthly giving");
        gifts.MapGet("/", GetAsync);
        gifts.MapPost("/cancel", CancelAsync);

        // Admins list a campaign's monthly gifts with the donors' names; cancel tokens are never shown to them.
        app.MapGroup("/api/admin/campaigns/{campaignId:guid}").WithTags("Monthly giving", "Admin").RequireAuthorization(AdminAuthentication.Policy)
            .MapGet("/monthly-gifts", ListForAdminAsync);
        return app;
    }

    private static async Task<Results<Ok<AdminMonthlyGiftListResponse>, ValidationProblem, ProblemHttpResult>> ListForAdminAsync(
        Guid campaignId, int? page, int? pageSize, IGrainFactory grains, MonthlyGiftStore store, CancellationToken cancellationToken)
    {
        if (DonationEndpoints.Paging(page, pageSize, out var pageNumber, out var size) is { } invalid)
        {
            return invalid;
        }
        if (await grains.GetGrain<ICampaignGrain>(campaignId).GetSummaryAsync() is null)
        {
            return TypedResults.Problem(Problem.NotFound("campaign", campaignId));
        }
        var (items, total) = await store.ListByCampaignAsync(campaignId, (pageNumber - 1) * size, size, cancellationToken);
        return TypedResults.Ok(new AdminMonthlyGiftListResponse([.. items.Select(AdminMonthlyGiftResponse.From)], pageNumber, size, total));
    }

    private static async Task<Results<Created<MonthlyGiftCreatedResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        Guid campaignId, CreateMonthlyGiftRequest request, HttpContext http, IGrainFactory grains, MonthlyGiftStore store,
        MonthlyGiftTokens tokens, IOptions<DonationOptions> options, IServiceProvider services, CancellationToken cancellationToken)
    {
        var v = new Validation();
        var key = DonationEndpoints.IdempotencyKey(http, v, required: true);
        var amount = v.Amount("amount", request.Amount, options.Value.MaxOnlineAmount);
        var currency = v.Currency("currency", request.Currency);
        var anonymous = request.Anonymous ?? false;
        var name = v.Text("displayName", request.DisplayName, DonationEndpoints.MaxNameLength, required: false);
        var email = Email(v, request.Email);
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        if (services.GetService<StripeMonthlyGifts>() is not { } stripe || !tokens.CanIssue)
        {
            return TypedResults.Problem(Problem.Unprocessable("Monthly giving needs a card provider.", "Monthly gifts cannot be taken right now."));
        }
        if (await grains.GetGrain<ICampaignGrain>(campaignId).GetSummaryAsync() is not { } campaign)
        {
            return TypedResults.Problem(Problem.NotFound("campaign", campaignId));
        }
        if (campaign.Status != CampaignStatus.Live || DateTimeOffset.UtcNow >= campaign.Definition.EndsAt)
        {
            return TypedResults.Problem(Problem.Conflict("The campaign is not accepting monthly gifts: it is not live."));
        }
        if (!string.Equals(currency, campaign.Definition.Currency, StringComparison.Ordinal))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["currency"] = [$"'currency' must be the campaign's currency; '{currency}' is not."],
            });
        }

        var hash = Fingerprint(amount, currency!, name, anonymous, email);
        var existing = await store.FindByKeyAsync(campaignId, key!, cancellationToken);
        if (existing is null)
        {
            // Stripe first, our row second: if Stripe fails nothing is recorded, and the id (so the Stripe
            // idempotency key) comes from the donor's key, so the retry reaches the same session.
            var id = IdOf(campaignId, key!);
            var session = await stripe.StartCheckoutAsync(id, campaignId, amount, currency!, email, cancellationToken);
            existing = await store.InsertAsync(new MonthlyGiftRecord(
                id, campaignId, key!, hash, amount, currency!, name, anonymous, email, session.Id, session.Url, null, null,
                MonthlyGiftStatus.Pending, DateTimeOffset.UtcNow, null), cancellationToken);
        }
        else
        {
            http.Response.Headers[DonationEndpoints.ReplayedHeader] = "true";
        }
        if (!existing.RequestHash.AsSpan().SequenceEqual(hash))
        {
            http.Response.Headers.Remove(DonationEndpoints.ReplayedHeader);
            return TypedResults.Problem(Problem.Unprocessable(
                "The Idempotency-Key was already used for a different request.",
                $"A retry must repeat the original request exactly; use a new '{DonationEndpoints.IdempotencyHeader}' for a new monthly gift."));
        }
        return TypedResults.Created($"/api/monthly-gifts/{existing.Id}", new MonthlyGiftCreatedResponse(
            existing.Id, campaignId, existing.Amount, existing.Currency, "month", existing.Status, existing.CheckoutUrl, tokens.Issue(existing.Id), existing.CreatedAt));
    }

    private static async Task<Results<Ok<MonthlyGiftResponse>, ProblemHttpResult>> GetAsync(
        Guid id, HttpContext http, MonthlyGiftStore store, MonthlyGiftTokens tokens, CancellationToken cancellationToken)
    {
        if (await AuthorisedAsync(id, http, store, tokens, cancellationToken) is not { } gift)
        {
            return TypedResults.Problem(NotFound(id));
        }
        return TypedResults.Ok(MonthlyGiftResponse.From(gift, await store.PaymentsAsync(id, cancellationToken)));
    }

    private static async Task<Results<Ok<MonthlyGiftResponse>, ProblemHttpResult>> CancelAsync(
        Guid id, HttpContext http, MonthlyGiftStore store, MonthlyGiftTokens tokens, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (await AuthorisedAsync(id, http, store, tokens, cancellationToken) is not { } gift)
        {
            return TypedResults.Problem(NotFound(id));
        }
        if (gift.Status != MonthlyGiftStatus.Cancelled)
        {
            // A stored gift exists only when Stripe is configured; without it there is nothing to cancel in Stripe.
            gift = await services.GetRequiredService<StripeMonthlyGifts>().CancelAsync(gift, cancellationToken);
        }
        return TypedResults.Ok(MonthlyGiftResponse.From(gift, await store.PaymentsAsync(id, cancellationToken)));
    }

    /// <summary>The gift, when the request carries its token. An unknown id and a wrong token look the same, so ids cannot be probed.</summary>
    private static async Task<MonthlyGiftRecord?> AuthorisedAsync(Guid id, HttpContext http, MonthlyGiftStore store, MonthlyGiftTokens tokens, CancellationToken cancellationToken)
    {
        var values = http.Request.Headers[TokenHeader];
        if (values.Count != 1 || !tokens.Verify(id, values[0]))
        {
            return null;
        }
        return await store.FindAsync(id, cancellationToken);
    }

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

    /// <summary>The same (campaign, key) always names the same gift, so a retry after a lost answer reaches the same Stripe session.</summary>
    private static Guid IdOf(Guid campaignId, string key)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"monthly-gift|{campaignId:N}|{key}"))[..16];
        // RFC 9562 version 8 (custom) with the RFC variant bits.
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    private static byte[] Fingerprint(long amount, string currency, string? name, bool anonymous, string? email) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('|',
            amount.ToString(System.Globalization.CultureInfo.InvariantCulture), currency, Escape(name), anonymous ? "1" : "0", Escape(email))));

    // Length-prefixed so that no two different requests join to the same text.
    private static string Escape(string? part) => part is null ? "-1:" : $"{part.Length}:{part}";
}
