using Fundraising.Persistence;
using System.Security.Claims;
using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Payments.Providers;
using Fundraising.Payments.Receipts;
using Fundraising.Persistence.Ledger;
using Fundraising.Web.Campaigns;
using Fundraising.Web.Donors;
using Fundraising.Web.Http;
using Fundraising.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Fundraising.Web.Donations;

public static class DonationEndpoints
{
    /// <summary>
    /// Donations: a donor's online gift (pending until its provider confirms it), the public list, an admin's
    /// offline gift (money or goods, 款物), the admin list, refunds, and the sandbox's confirm address.
    /// Amounts are checked for shape here (a positive integer of fen); whether the campaign takes them
    /// (live, currency, limits, a pledge's balance) is the campaign grain's decision.
    /// </summary>
    public static IEndpointRouteBuilder MapDonations(this IEndpointRouteBuilder app)
    {
        var donations = app.MapGroup("/api/campaigns/{campaignId:guid}").WithTags("Donations").AddEndpointFilter(CampaignDirectory.RequireKnownAsync).ProducesProblems(404)
            .RetryGrainCallsInTransit(); // each endpoint here is idempotent: a gift's Idempotency-Key, an offline gift's reference, a read
        // 401: a donor token that names no verified donor; 409: the campaign does not take gifts now; 422: no provider.
        donations.MapPost("/donations", CreateAsync).WithSummary("A donor's online gift: pending until the provider confirms it (Idempotency-Key required).").RequireRateLimiting(RateLimits.Donations).ProducesProblems(401, 409, 422);
        donations.MapGet("/donations", ListAsync).WithSummary("A campaign's public gift list (anonymous donors shown as 匿名爱心人士).");
        donations.MapPost("/offline-donations", RecordOfflineAsync).WithSummary("Records an offline gift (money or goods, 款物).").RequireAuthorization(Access.RecordGifts).RequireCampaignScope().ProducesProblems(409, 422);

        // Admins see every gift that counted, with its id, the donor's name (even when anonymous) and refunds.
        app.MapGroup("/api/admin/campaigns/{campaignId:guid}").WithTags("Donations").RequireAuthorization(Access.ReadDonors).ProducesProblems(404)
            .AddEndpointFilter(CampaignDirectory.RequireKnownAsync).RequireCampaignScope()
            .MapGet("/donations", ListForAdminAsync).WithSummary("Every gift that counted, with donors' names and refunds, for staff.");

        // The sandbox's stand-in for a card payment; it exists only where the sandbox is the donors' provider (never in
        // Production, never beside Stripe). The address names the campaign, the grain that owns the gift, so confirming
        // needs no lookup; the grain confirms only sandbox gifts through it.
        if (app.ServiceProvider.GetRequiredService<PaymentProviders>().ForDonors?.Name == SandboxPaymentProvider.ProviderName)
        {
            // Confirming a confirmed gift answers it again: safe to retry.
            app.MapGroup("/api/payments/sandbox").WithTags("Payments").AddEndpointFilter(CampaignDirectory.RequireKnownAsync).ProducesProblems(404, 409)
                .RetryGrainCallsInTransit()
                .MapPost("/campaigns/{campaignId:guid}/donations/{donationId:guid}/confirm", ConfirmSandboxAsync).WithSummary("The sandbox's stand-in for a card payment: confirms a sandbox gift.");
        }
        app.MapRefunds();
        return app;
    }

    private static async Task<Results<Created<DonationResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        Guid campaignId, CreateDonationRequest request, HttpContext http, CampaignDirectory campaigns, PaymentProviders providers, ReceiptTokens receipts,
        DonorVerification donors, CancellationToken cancellationToken)
    {
        var v = new Validation();
        var key = Idempotency.Key(http, v, required: true);
        var amount = v.Amount("amount", request.Amount, long.MaxValue);
        var currency = v.Currency("currency", request.Currency);
        var anonymous = request.Anonymous ?? false;
        var name = v.Text("displayName", request.DisplayName, FieldLimits.MaxNameLength, required: false);
        var message = v.Text("message", request.Message, FieldLimits.MaxMessageLength, required: false);
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        var provider = providers.ForDonors;
        if (provider is null)
        {
            return TypedResults.Problem(Problem.Unprocessable("No payment provider is configured.", "Online donations cannot be taken right now."));
        }
        // A verified donor's gift may be matched (配捐); a gift without a token is welcome and never matched. A token that
        // is not (or no longer) valid is refused rather than silently ignored, so the donor knows to verify again.
        var (validToken, donorId) = await DonorTokenHeader.ReadAsync(http, donors, cancellationToken);
        if (!validToken)
        {
            return TypedResults.Problem(DonorTokenHeader.Unauthorized(
                $"The {DonorTokenHeader.Name} header names no verified donor (or the token expired): verify again, or give without it."));
        }

        var result = await campaigns.Grain(campaignId)
            .CreateDonationAsync(new NewDonation(key!, amount, currency!, name, anonymous, message, provider.Name, donorId, request.TeamId, request.SubPlanId));
        if (Refusal.Of(result.Error, result.Detail, campaignId) is { } refusal)
        {
            return refusal.Errors is { } errors ? TypedResults.ValidationProblem(errors) : TypedResults.Problem(refusal.Problem!);
        }
        var donation = result.Donation!;
        var payment = await provider.StartAsync(donation, cancellationToken);
        if (result.Replayed)
        {
            Idempotency.MarkReplayed(http);
        }
        // The donor's own key to the receipt: a retry with the same Idempotency-Key answers the same token.
        return TypedResults.Created($"/api/campaigns/{campaignId}/donations/{donation.Id}", DonationResponse.From(donation, payment, receipts.Issue(donation.Id)));
    }

    private static async Task<Results<Created<DonationResponse>, ValidationProblem, ProblemHttpResult>> RecordOfflineAsync(
        Guid campaignId, OfflineDonationRequest request, HttpContext http, ClaimsPrincipal user, IGrainFactory grains)
    {
        var v = new Validation();
        var amount = v.Amount("amount", request.Amount, long.MaxValue);
        var currency = v.Currency("currency", request.Currency);
        var donorName = v.Text("donorName", request.DonorName, FieldLimits.MaxNameLength);
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
        var key = Idempotency.Key(http, v, required: false) ?? (reference is null ? null : $"offline-reference:{reference}");
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        var result = await grains.GetGrain<ICampaignGrain>(campaignId).RecordOfflineDonationAsync(new NewOfflineDonation(
            key!, amount, currency!, donorName!, request.Anonymous ?? false, reference!, MethodText(method), Actor.Of(user),
            kind, kind == DonationKind.Goods ? item : null, kind == DonationKind.Goods ? request.Quantity : null, request.PledgeId, request.SubPlanId));
        if (Refusal.Of(result.Error, result.Detail, campaignId) is { } refusal)
        {
            return refusal.Errors is { } errors ? TypedResults.ValidationProblem(errors) : TypedResults.Problem(refusal.Problem!);
        }
        if (result.Replayed)
        {
            Idempotency.MarkReplayed(http);
        }
        return TypedResults.Created($"/api/campaigns/{campaignId}/donations/{result.Donation!.Id}", DonationResponse.From(result.Donation, null));
    }

    private static async Task<Results<Ok<DonationResponse>, ProblemHttpResult>> ConfirmSandboxAsync(Guid campaignId, Guid donationId, CampaignDirectory campaigns)
    {
        var result = await campaigns.Grain(campaignId).ConfirmDonationAsync(donationId, SandboxPaymentProvider.ProviderName);
        return result.Error switch
        {
            DonationError.None => TypedResults.Ok(DonationResponse.From(result.Donation!, payment: null, match: result.Match)),
            DonationError.ProviderMismatch => TypedResults.Problem(Problem.Conflict("This gift is not a sandbox gift: only its own payment provider can confirm it.")),
            _ => TypedResults.Problem(Problem.NotFound("donation", donationId)),
        };
    }

    private static async Task<Results<Ok<DonationListResponse>, ValidationProblem, ProblemHttpResult>> ListAsync(
        Guid campaignId, string? cursor, int? page, int? pageSize, IGrainFactory grains, ClaimsPrincipal user, ILedgerQueries ledger, CancellationToken cancellationToken)
    {
        var v = new Validation();
        var window = Paging.Parse(v, cursor, page, pageSize);
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        if (Campaigns.DraftVisibility.IsHidden(await grains.GetGrain<ICampaignGrain>(campaignId).GetSummaryAsync(), user))
        {
            return TypedResults.Problem(Problem.NotFound("campaign", campaignId));
        }
        var records = await ledger.ListSucceededAsync(campaignId, window, cancellationToken);
        return TypedResults.Ok(new DonationListResponse(
            [.. records.Items.Select(PublicDonationResponse.From)], cursor is null ? page ?? 1 : null, window.Size, Paging.Next(records.Next)));
    }

    private static async Task<Results<Ok<AdminDonationListResponse>, ValidationProblem, ProblemHttpResult>> ListForAdminAsync(
        Guid campaignId, string? cursor, int? page, int? pageSize, IGrainFactory grains, ILedgerQueries ledger, Persistence.Matching.PoolStore pools,
        CancellationToken cancellationToken)
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
        var records = await ledger.ListRecordedAsync(campaignId, window, cancellationToken);
        var matches = await pools.MatchesAsync([.. records.Items.Select(d => d.Id)], cancellationToken);
        return TypedResults.Ok(new AdminDonationListResponse(
            [.. records.Items.Select(d => DonationResponse.From(d, null, match: d.Status == DonationStatus.Pending ? null
                : matches.GetValueOrDefault(d.Id, Contracts.Matching.MatchOutcome.NotMatched)))], cursor is null ? page ?? 1 : null, window.Size, Paging.Next(records.Next)));
    }

    private static string MethodText(OfflineMethod method) => method switch
    {
        OfflineMethod.BankTransfer => "bank_transfer",
        OfflineMethod.PledgePayment => "pledge_payment",
        OfflineMethod.InKind => "in_kind",
        _ => "cash",
    };
}
