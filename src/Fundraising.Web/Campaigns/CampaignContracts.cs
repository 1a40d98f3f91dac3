using Fundraising.Contracts.Campaigns;

namespace Fundraising.Web.Campaigns;

/// <summary>A campaign's place: province &gt; city &gt; county &gt; town (乡镇, optional) &gt; village (village projects).</summary>
public sealed record RegionRequest(string? Province, string? City, string? County, string? Village, string? Town = null);

/// <summary>Body of <c>POST /api/campaigns</c>. Amounts are minor units (fen).</summary>
public sealed record CreateCampaignRequest(
    string? Title,
    string? Description,
    CampaignKind? Kind,
    RegionRequest? Region,
    string? Currency,
    long? GoalAmount,
    DateTimeOffset? StartsAt,
    DateTimeOffset? EndsAt,
    Programme? Programme = null);

public sealed record RegionResponse(string Province, string City, string County, string? Village, string? Town = null);

public sealed record CampaignResponse(
    Guid Id,
    string Title,
    string Description,
    CampaignKind Kind,
    RegionResponse Region,
    string Currency,
    long GoalAmount,
    long RaisedAmount,
    long DonationCount,
    CampaignStatus Status,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    long MoneyAmount,
    long OnlineAmount,
    long OfflineAmount,
    long GoodsAmount,
    long MatchedAmount,
    long RaisedAndMatchedAmount,
    Programme Programme = Programme.Other,
    string? Template = null)
{
    public static CampaignResponse From(CampaignSummary summary)
    {
        var d = summary.Definition;
        var t = summary.Totals ?? new CampaignTotals(summary.RaisedAmount, summary.DonationCount);
        return new CampaignResponse(summary.Id, d.Title, d.Description, d.Kind,
            new RegionResponse(d.Region.Province, d.Region.City, d.Region.County, d.Region.Village, d.Region.Town),
            d.Currency, d.GoalAmount, summary.RaisedAmount, summary.DonationCount, summary.Status, d.StartsAt, d.EndsAt,
            t.MoneyAmount, t.OnlineAmount, t.OfflineAmount, t.GoodsAmount, t.MatchedAmount, summary.RaisedAmount + t.MatchedAmount,
            d.ProgrammeOrDefault, d.Template);
    }
}

/// <summary>A page of campaigns; <c>Next</c> is the cursor of the page after it (null on the last), <c>Page</c> null when read by cursor.</summary>
public sealed record CampaignListResponse(IReadOnlyList<CampaignResponse> Items, int? Page, int PageSize, long Total, string? Next);
