using System.Security.Claims;
using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Persistence.Ledger;
using Fundraising.Web.Admin;
using Fundraising.Web.Payments;
using Fundraising.Web.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Fundraising.Web.Donations;

public static class DonationEndpoints
{
    public const string IdempotencyHeader = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxIdempotencyKeyLength = 128;
    public const int MaxMessageLength = 280;
    public const int MaxNameLength = 64;

    public static WebApplicationBuilder AddDonations(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DonationOptions>().BindConfiguration("Donations");
        builder.Services.AddSingleton<DonationRouter>();
        builder.Services.AddSingleton<PaymentProviders>();
        return builder;
    }

    public static IEndpointRouteBuilder MapDonations(this IEndpointRouteBuilder app)
    {
        var donations = app.MapGroup("/api/campaigns/{campaignId:guid}").WithTags("Donations");
        donations.MapPost("/donations", CreateAsync);
        donations.MapGet("/donations", ListAsync);
        donations.MapPost("/offline-donations", RecordOfflineAsync).RequireAuthorization(AdminAuthentication.Policy);

        // Admins see every gift that counted, with its id, the donor's name (even when anonymous) and refunds.
        app.MapGroup("/api/admin/campaigns/{campaignId:guid}").WithTags("Donations").RequireAuthorization(AdminAuthentication.Policy)
            .MapGet("/donations", ListForAdminAsync);
        return app;
    }

    private static async Task<Results<Created<DonationResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        Guid campaignId, CreateDonationRequest request, HttpContext http, IGrainFactory grains, PaymentProviders providers,
        DonationRouter router, IOptions<DonationOptions> options, CancellationToken cancellationToken)
    {
        var v = new Validation();
        var key = IdempotencyKey(http, v, required: true);
        var amount = v.Amount("amount", request.Amount, options.Value.MaxOnlineAmount);
        var currency = v.Currency("currency", request.Currency);
        var anonymous = request.Anonymous ?? false;
        var name = v.Text("displayName", request.DisplayName, MaxNameLength, required: false);
        var message = v.Text("message", request.Message, MaxMessageLength, required: false);
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        var provider = providers.ForDonors;
        if (provider is null)
        {
            return TypedResults.Problem(Problem.Unprocessable("No payment provider is configured.", "Online donations cannot be taken right now."));
        }

        var result = await grains.GetGrain<ICampaignGrain>(campaignId)
            .CreateDonationAsync(new NewDonation(key!, amount, currency!, name, anonymous, message, provider.Name));
        if (Refusal(result, campaignId, request.Currency) is { } refusal)
        {
            return refusal;
        }
        var donation = result.Donation!;
        router.Remember(donation.Id, campaignId);
        var payment = await provider.StartAsync(donation, cancellationToken);
        if (result.Replayed)
        {
            http.Response.Headers[ReplayedHeader] = "true";
        }
        return TypedResults.Created($"/api/campaigns/{campaignId}/donations/{donation.Id}", DonationResponse.From(donation, payment));
    }

    private static async Task<Results<Created<DonationResponse>, ValidationProblem, ProblemHttpResult>> RecordOfflineAsync(
        Guid campaignId, OfflineDonationRequest request, HttpContext http, ClaimsPrincipal user, IGrainFactory grains,
        IOptions<DonationOptions> options)
    {
        var v = new Validation();
        var amount = v.Amount("amount", request.Amount, options.Value.MaxOfflineAmount);
        var currency = v.Currency("currency", request.Currency);
        var donorName = v.Text("donorName", request.DonorName, MaxNameLength);
        var reference = v.Text("reference", request.Reference, 120);
        var kind = request.Kind ?? DonationKind.Money;
        var item = v.Text("item", request.Item, 120, required: kind == DonationKind.Goods);
        if (kind == DonationKind.Goods && request.Quantity is not > 0)
        {
            v.Add("quantity", "'quantity' is required for goods and must be greater than zero.");
        }
        if (kind == DonationKind.Money && (request.Item is not null || request.Quantity is not null))
        {
            v.Add("kind", "'item' and 'quantity' describe goods: set 'kind' to goods, or leave them out for money.");
        }
        var method = kind == DonationKind.Goods ? OfflineMethod.InKind : request.Method ?? (request.PledgeId is null ? OfflineMethod.Cash : OfflineMethod.PledgePayment);
        if ((method == OfflineMethod.PledgePayment) != (request.PledgeId is not null))
        {
            v.Add("pledgeId", "A pledge payment names its 'pledgeId' (and 'method' pledge_payment); other gifts name none.");
        }
        if (kind == DonationKind.Goods && request.Method is { } given && given != OfflineMethod.InKind)
        {
            v.Add("method", "Goods are recorded with method in_kind.");
        }
        // A bank or receipt reference identifies an offline gift: recording it twice is a retry, not a second gift.
        var key = IdempotencyKey(http, v, required: false) ?? (reference is null ? null : $"offline-reference:{reference}");
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        var result = await grains.GetGrain<ICampaignGrain>(campaignId).RecordOfflineDonationAsync(new NewOfflineDonation(
            key!, amount, currency!, donorName!, request.Anonymous ?? false, reference!, MethodText(method), user.Identity?.Name ?? "admin",
            kind, kind == DonationKind.Goods ? item : null, kind == DonationKind.Goods ? request.Quantity : null, request.PledgeId));
        if (Refusal(result, campaignId, request.Currency) is { } refusal)
        {
            return refusal;
        }
        if (result.Replayed)
        {
            http.Response.Headers[ReplayedHeader] = "true";
        }
        return TypedResults.Created($"/api/campaigns/{campaignId}/donations/{result.Donation!.Id}", DonationResponse.From(result.Donation, null));
    }

    private static async Task<Results<Ok<DonationListResponse>, ValidationProblem, ProblemHttpResult>> ListAsync(
        Guid campaignId, int? page, int? pageSize, IGrainFactory grains, IDonationLedger ledger, CancellationToken cancellationToken)
    {
        if (Paging(page, pageSize, out var pageNumber, out var size) is { } invalid)
        {
            return invalid;
        }
        if (await grains.GetGrain<ICampaignGrain>(campaignId).GetSummaryAsync() is null)
        {
            return TypedResults.Problem(Problem.NotFound("campaign", campaignId));
        }
        var records = await ledger.ListSucceededAsync(campaignId, (pageNumber - 1) * size, size, cancellationToken);
        return TypedResults.Ok(new DonationListResponse([.. records.Select(PublicDonationResponse.From)], pageNumber, size));
    }

    private static async Task<Results<Ok<AdminDonationListResponse>, ValidationProblem, ProblemHttpResult>> ListForAdminAsync(
        Guid campaignId, int? page, int? pageSize, IGrainFactory grains, IDonationLedger ledger, CancellationToken cancellationToken)
    {
        if (Paging(page, pageSize, out var pageNumber, out var size) is { } invalid)
        {
            return invalid;
        }
        if (await grains.GetGrain<ICampaignGrain>(campaignId).GetSummaryAsync() is null)
        {
            return TypedResults.Problem(Problem.NotFound("campaign", campaignId));
        }
        var records = await ledger.ListRecordedAsync(campaignId, (pageNumber - 1) * size, size, cancellationToken);
        return TypedResults.Ok(new AdminDonationListResponse([.. records.Select(d => DonationResponse.From(d, null))], pageNumber, size));
    }

    /// <summary>The page asked for (1 and 20 by default), or the problem naming the bad field.</summary>
    internal static ValidationProblem? Paging(int? page, int? pageSize, out int pageNumber, out int size)
    {
        pageNumber = page ?? 1;
        size = pageSize ?? 20;
        var v = new Validation();
        if (pageNumber < 1)
        {
            v.Add("page", "'page' starts at 1.");
        }
        if (size is < 1 or > 100)
        {
            v.Add("pageSize", "'pageSize' must be between 1 and 100.");
        }
        return v.IsValid ? null : TypedResults.ValidationProblem(v.Errors);
    }

    private static string MethodText(OfflineMethod method) => method switch
    {
        OfflineMethod.BankTransfer => "bank_transfer",
        OfflineMethod.PledgePayment => "pledge_payment",
        OfflineMethod.InKind => "in_kind",
        _ => "cash",
    };

    public static string? IdempotencyKey(HttpContext http, Validation v, bool required)
    {
        var values = http.Request.Headers[IdempotencyHeader];
        var key = values.Count == 1 ? values[0] : null;
        if (values.Count > 1)
        {
            v.Add(IdempotencyHeader, $"Send one '{IdempotencyHeader}' header, not {values.Count}.");
        }
        else if (string.IsNullOrWhiteSpace(key))
        {
            if (required)
            {
                v.Add(IdempotencyHeader, $"The '{IdempotencyHeader}' header is required: a unique value per donation, reused on retries.");
            }
            return null;
        }
        else if (key.Length > MaxIdempotencyKeyLength || key.Any(c => c is < '!' or > '~'))
        {
            v.Add(IdempotencyHeader, $"'{IdempotencyHeader}' must be 1 to {MaxIdempotencyKeyLength} printable ASCII characters.");
        }
        return key;
    }

    private static Results<Created<DonationResponse>, ValidationProblem, ProblemHttpResult>? Refusal(
        DonationResult result, Guid campaignId, string? currency) => result.Error switch
    {
        DonationError.None => null,
        DonationError.CampaignNotFound => TypedResults.Problem(Problem.NotFound("campaign", campaignId)),
        DonationError.CampaignNotLive => TypedResults.Problem(Problem.Conflict("The campaign is not accepting donations: it is not live.")),
        DonationError.CurrencyMismatch => TypedResults.ValidationProblem(new Dictionary<string, string[]>
        {
            ["currency"] = [$"'currency' must be the campaign's currency; '{currency}' is not."],
        }),
        DonationError.IdempotencyKeyReused => TypedResults.Problem(Problem.Unprocessable(
            "The Idempotency-Key was already used for a different request.",
            $"A retry must repeat the original request exactly; use a new '{IdempotencyHeader}' for a new donation.")),
        DonationError.PledgeNotFound => TypedResults.ValidationProblem(new Dictionary<string, string[]>
        {
            ["pledgeId"] = ["'pledgeId' is not a pledge of this campaign."],
        }),
        DonationError.PledgeOverpaid => TypedResults.Problem(Problem.Unprocessable(
            "The payment is more than the pledge has left.", "A pledge can be paid in parts, but never beyond the amount pledged.")),
        _ => TypedResults.Problem(Problem.NotFound("donation", null)),
    };
}
