using System.Globalization;
using System.Security.Claims;
using CsvHelper;
using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Disbursements;
using Fundraising.Persistence.Disbursements;
using Fundraising.Web.Campaigns;
using Fundraising.Web.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Fundraising.Web.Disbursements;

/// <summary>
/// A project's public ledger (公开账目): its totals and every entry in and out, as JSON pages and as one CSV. Pure
/// reads of the durable rows; a draft's ledger is as hidden as the draft (<see cref="DraftVisibility"/>).
/// </summary>
public static class LedgerEndpoints
{
    public static IEndpointRouteBuilder MapLedgers(this IEndpointRouteBuilder app)
    {
        var ledger = app.MapGroup("/api/campaigns/{campaignId:guid}").WithTags("Ledger").AddEndpointFilter(CampaignDirectory.RequireKnownAsync).ProducesProblems(404);
        ledger.MapGet("/ledger", GetAsync).WithSummary("A project's public ledger: money in and money out.");
        ledger.MapGet("/ledger.csv", CsvAsync).WithSummary("A project's public ledger as CSV.");
        return app;
    }

    private static async Task<Results<Ok<LedgerResponse>, ValidationProblem, ProblemHttpResult>> GetAsync(
        Guid campaignId, string? cursor, int? pageSize, ClaimsPrincipal user, IGrainFactory grains, IDisbursementStore store,
        ProjectLedgerQueries ledger, CancellationToken cancellationToken)
    {
        var v = new Validation();
        var page = Paging.Parse(v, cursor, null, pageSize);
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        var campaign = await grains.GetGrain<ICampaignGrain>(campaignId).GetSummaryAsync();
        if (DraftVisibility.IsHidden(campaign, user) || await store.LoadBalanceAsync(campaignId, cancellationToken) is not { } balance)
        {
            return TypedResults.Problem(Problem.NotFound("campaign", campaignId));
        }
        var entries = await ledger.PageAsync(campaignId, page, cancellationToken);
        return TypedResults.Ok(new LedgerResponse(campaignId, campaign.Definition.Currency, balance.RaisedAmount, balance.MatchedAmount,
            balance.DisbursedAmount, balance.Balance, [.. entries.Items.Select(LedgerEntryResponse.From)], page.Size, Paging.Next(entries.Next)));
    }

    private static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> CsvAsync(
        Guid campaignId, ClaimsPrincipal user, IGrainFactory grains, ProjectLedgerQueries ledger)
    {
        var campaign = await grains.GetGrain<ICampaignGrain>(campaignId).GetSummaryAsync();
        if (DraftVisibility.IsHidden(campaign, user))
        {
            return TypedResults.Problem(Problem.NotFound("campaign", campaignId));
        }
        // Streamed as the rows are read, a page at a time: a project with a million gifts is never held in memory.
        return TypedResults.Stream(stream => WriteCsvAsync(stream, ledger.AllAsync(campaignId)), "text/csv; charset=utf-8", $"ledger-{campaignId}.csv");
    }

    /// <summary>The CSV's columns, in order.</summary>
    public static readonly string[] Columns =
    [
        "at", "type", "amount_fen", "amount_yuan", "currency", "balance_effect_fen", "matched_fen", "donor", "gift_kind", "channel",
        "item", "quantity", "donation_id", "purpose", "payee", "paid_at", "evidence_photo_ids", "corrects", "reason", "id",
    ];

    private static async Task WriteCsvAsync(Stream body, IAsyncEnumerable<ProjectLedgerEntry> entries)
    {
        // A byte-order mark first, so Excel reads the file as UTF-8 and shows 汉字 instead of mojibake. Names and purposes
        // come from the public and from staff: a cell that starts like a formula is escaped (a leading '), never run.
        var options = CsvWriterOptions.Default with { WriteByteOrderMark = true, Injection = CsvInjection.Escape };
        await using var csv = CsvWriter.Create(body, options, leaveOpen: true);
        foreach (var column in Columns)
        {
            csv.WriteField(column);
        }
        await csv.EndRecordAsync();
        await foreach (var entry in entries)
        {
            var line = LedgerEntryResponse.From(entry);
            csv.WriteField(line.At.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture));
            csv.WriteField(line.Type);
            csv.WriteField(line.Amount, default);
            csv.WriteField(Yuan(line.Amount), "0.00");
            csv.WriteField(line.Currency);
            csv.WriteField(line.BalanceEffect, default);
            csv.WriteField(line.MatchedAmount, default);
            csv.WriteField(line.DonorName);
            csv.WriteField(line.GiftKind);
            csv.WriteField(line.Channel);
            csv.WriteField(line.Item);
            csv.WriteField(line.Quantity, default);
            csv.WriteField(line.DonationId?.ToString());
            csv.WriteField(line.Purpose);
            csv.WriteField(line.Payee);
            csv.WriteField(line.PaidAt?.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));
            csv.WriteField(line.EvidencePhotoIds is { Count: > 0 } photos ? string.Join(' ', photos) : null);
            csv.WriteField(line.Corrects?.ToString());
            csv.WriteField(line.Reason);
            csv.WriteField(line.Id.ToString());
            await csv.EndRecordAsync();
        }
        await csv.FlushAsync();
    }

    // Fen as yuan, exactly (decimal is base ten; money is never a double). Numbers are not text, so no injection escape.
    private static decimal Yuan(long fen) => fen / 100m;
}
