using Fundraising.Contracts.Campaigns;
using Fundraising.Persistence.Reports;

namespace Fundraising.Web.Reports;

/// <summary>Sums of gifts net of refunds, in fen: money and goods (款物合计), money (款), goods (物, at valuation), online, offline, gifts (人次).</summary>
public sealed record SumsResponse(long RaisedAmount, long MoneyAmount, long GoodsAmount, long OnlineAmount, long OfflineAmount, long OfflineMoneyAmount, long DonationCount)
{
    public static SumsResponse From(ReportSums s) =>
        new(s.RaisedAmount, s.MoneyAmount, s.GoodsAmount, s.OnlineAmount, s.OfflineAmount, s.OfflineMoneyAmount, s.DonationCount);
}

public sealed record ProgrammeLine(Programme Programme, string NameZh, string NameEn, SumsResponse Sums);

public sealed record CountyLine(string County, SumsResponse Sums);

public sealed record CampaignLine(Guid Id, string Title, Programme Programme, string County, SumsResponse Sums);

/// <summary>One city's giving-day figure in the province's ranking; <c>External</c> is true for figures admins entered, false for ours (from the ledger).</summary>
public sealed record CityFigure(int Position, string City, long OnlineAmount, bool External, string? Source);

/// <summary>The city's place among the province's cities by money raised online on the giving day.</summary>
public sealed record CityRank(string Province, string City, int Position, int CityCount, string Basis, IReadOnlyList<CityFigure> Cities);

public sealed record PreviousGivingDay(int Year, Guid EventId, string Name, long OnlineAmount);

/// <summary>
/// A year's 99 Giving Day: the event marked as it (<c>PUT /api/reports/giving-days/{year}</c>), its gifts made in its window
/// to its campaigns, the online money (what the province ranks), its growth on the previous year's and the city's rank.
/// </summary>
public sealed record GivingDayResponse(
    int Year, Guid EventId, string Name, DateTimeOffset StartsAt, DateTimeOffset EndsAt, long OnlineAmount, SumsResponse Sums,
    PreviousGivingDay? Previous, decimal? GrowthPercent, CityRank? Rank);

/// <summary>Whose figures these are: the whole platform, or one county's (a county association's report).</summary>
public sealed record ReportScope(string Province, string City, string? County);

public sealed record AnnualReportResponse(
    int Year, string Currency, string TimeZone, DateTimeOffset From, DateTimeOffset To, ReportScope Scope, bool NetOfRefunds,
    SumsResponse Totals, IReadOnlyList<ProgrammeLine> ByProgramme, IReadOnlyList<CountyLine> ByCounty, IReadOnlyList<CampaignLine> Campaigns,
    GivingDayResponse? GivingDay, IReadOnlyList<string> Notes);

public sealed record EventReportResponse(
    Guid EventId, string Name, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string TimeZone, string Currency, ReportScope Scope, bool NetOfRefunds,
    SumsResponse Totals, IReadOnlyList<ProgrammeLine> ByProgramme, IReadOnlyList<CountyLine> ByCounty, IReadOnlyList<CampaignLine> Campaigns,
    GivingDayResponse? GivingDay, IReadOnlyList<string> Notes);

/// <summary>Body of <c>PUT /api/reports/giving-days/{year}</c>.</summary>
public sealed record MarkGivingDayRequest(Guid? EventId);

public sealed record GivingDayMarkResponse(int Year, Guid EventId);

/// <summary>A year's marked giving day as <c>GET /api/reports/giving-days</c> lists it: the event, its window, who marked it and when.</summary>
public sealed record GivingDayMarkedResponse(int Year, Guid EventId, string Name, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string TimeZone, string MarkedBy, DateTimeOffset MarkedAt)
{
    public static GivingDayMarkedResponse From(MarkedGivingDay d) => new(d.Year, d.Event.Id, d.Event.Name, d.Event.StartsAt, d.Event.EndsAt, d.Event.TimeZone, d.MarkedBy, d.MarkedAt);
}

public sealed record GivingDayListResponse(IReadOnlyList<GivingDayMarkedResponse> Items);

/// <summary>Body of <c>POST /api/reports/external-figures</c>: another city's giving-day money raised online, as published.</summary>
public sealed record ExternalFigureRequest(int? Year, string? Province, string? City, long? OnlineAmount, string? Currency, string? Source);

public sealed record ExternalFigureResponse(int Year, string Province, string City, long OnlineAmount, string Currency, string Source, string EnteredBy, DateTimeOffset EnteredAt, bool External)
{
    public static ExternalFigureResponse From(ExternalCityFigure f) => new(f.Year, f.Province, f.City, f.OnlineAmount, f.Currency, f.Source, f.EnteredBy, f.EnteredAt, true);
}

/// <summary><c>GET /api/reports/external-figures?year=</c>: the figures entered for a year in the association's province, largest first; each external.</summary>
public sealed record ExternalFigureListResponse(int Year, string Province, IReadOnlyList<ExternalFigureResponse> Items);
