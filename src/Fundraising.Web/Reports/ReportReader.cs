using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Reports;
using Fundraising.Persistence.Reports;
using Microsoft.Extensions.Options;

namespace Fundraising.Web.Reports;

/// <summary>
/// Puts a report together from the store's reads: the figures of a period (one statement over the ledger), the
/// year's giving day with its growth on the previous year's and the city's rank among the external figures. A pure
/// read; nothing here is stored.
/// </summary>
public sealed class ReportReader(ReportStore store, IOptions<AssociationOptions> options)
{
    private const string NetNote = "Amounts are in fen, net of refunds: each gift counts in the period it was made, less every refund recorded against it. 金额单位为分，已扣除退款。";
    private const string GoodsNote = "Goods (物) are counted at their valuation (折价) and are always offline. 物资按折价计入线下。";
    private const string ExternalNote = "Other cities' figures are external data entered by admins, marked external: true; ours come from the ledger. 其他城市数据为管理员录入的外部数据。";
    private const string GivingDayNote = "The giving day is the event marked for the year (PUT /api/reports/giving-days/{year}); its figure is the money given online in its window to its campaigns, which is what the province ranks cities by.";

    private AssociationOptions Association => options.Value;

    public async Task<AnnualReportResponse> AnnualAsync(int year, string? county, CancellationToken cancellationToken)
    {
        var (from, to) = Association.YearWindow(year);
        var figures = await store.FiguresAsync(new ReportQuery(from, to, Association.Currency, County: county), cancellationToken);
        var givingDay = await GivingDayAsync(year, county, cancellationToken);
        return new AnnualReportResponse(year, Association.Currency, Association.TimeZone, from, to, Scope(county), true,
            SumsResponse.From(figures.Totals), Programmes(figures), Counties(figures), Campaigns(figures), givingDay, [NetNote, GoodsNote, ExternalNote, GivingDayNote]);
    }

    /// <summary>The event's report, or null when there is no such event.</summary>
    public async Task<EventReportResponse?> EventAsync(Guid eventId, string? county, CancellationToken cancellationToken)
    {
        if (await store.FindEventAsync(eventId, cancellationToken) is not { } e)
        {
            return null;
        }
        var figures = await store.FiguresAsync(new ReportQuery(e.StartsAt, e.EndsAt, e.Currency, e.Id, county), cancellationToken);
        var givingDay = e.GivingDayYear is { } year ? await GivingDayAsync(year, county, cancellationToken) : null;
        return new EventReportResponse(e.Id, e.Name, e.StartsAt, e.EndsAt, e.TimeZone, e.Currency, Scope(county), true,
            SumsResponse.From(figures.Totals), Programmes(figures), Counties(figures), Campaigns(figures), givingDay, [NetNote, GoodsNote, ExternalNote, GivingDayNote]);
    }

    private async Task<GivingDayResponse?> GivingDayAsync(int year, string? county, CancellationToken cancellationToken)
    {
        if (await store.GivingDayAsync(year, cancellationToken) is not { } day)
        {
            return null;
        }
        var sums = (await store.FiguresAsync(new ReportQuery(day.StartsAt, day.EndsAt, day.Currency, day.Id, county), cancellationToken)).Totals;
        PreviousGivingDay? previous = null;
        if (await store.GivingDayAsync(year - 1, cancellationToken) is { } before)
        {
            var earlier = (await store.FiguresAsync(new ReportQuery(before.StartsAt, before.EndsAt, before.Currency, before.Id, county), cancellationToken)).Totals;
            previous = new PreviousGivingDay(year - 1, before.Id, before.Name, earlier.OnlineAmount);
        }
        // The province ranks cities, so a county's report has no rank of its own.
        var rank = county is null ? await RankAsync(year, sums.OnlineAmount, cancellationToken) : null;
        return new GivingDayResponse(year, day.Id, day.Name, day.StartsAt, day.EndsAt, sums.OnlineAmount, SumsResponse.From(sums), previous,
            previous is null ? null : ReportMath.GrowthPercent(previous.OnlineAmount, sums.OnlineAmount), rank);
    }

    private async Task<CityRank?> RankAsync(int year, long ours, CancellationToken cancellationToken)
    {
        // A figure entered for our own city is ignored: ours is what the ledger says.
        var others = (await store.ExternalFiguresAsync(year, Association.Province, cancellationToken))
            .Where(f => f.City != Association.City && f.Currency == Association.Currency).ToList();
        if (others.Count == 0)
        {
            return null;
        }
        var cities = others.Select(f => (f.City, f.OnlineAmount, External: true, Source: (string?)f.Source))
            .Append((Association.City, ours, External: false, Source: null))
            .OrderByDescending(c => c.Item2).ThenBy(c => c.External).ThenBy(c => c.Item1, StringComparer.Ordinal)
            .Select(c => new CityFigure(ReportMath.Rank(c.Item2, others.Select(o => o.OnlineAmount).Append(ours)), c.Item1, c.Item2, c.External, c.Source))
            .ToList();
        return new CityRank(Association.Province, Association.City, ReportMath.Rank(ours, others.Select(o => o.OnlineAmount)), others.Count + 1,
            "money raised online on the giving day (网络募集)", cities);
    }

    private ReportScope Scope(string? county) => new(Association.Province, Association.City, county);

    private static List<ProgrammeLine> Programmes(ReportFigures figures) =>
        [.. Contracts.Campaigns.Programmes.All.Select(p => new ProgrammeLine(p, Contracts.Campaigns.Programmes.ChineseName(p), Contracts.Campaigns.Programmes.EnglishName(p),
            SumsResponse.From(figures.ByProgramme[p])))];

    private static List<CountyLine> Counties(ReportFigures figures) => [.. figures.ByCounty.Select(c => new CountyLine(c.County, SumsResponse.From(c.Sums)))];

    private static List<CampaignLine> Campaigns(ReportFigures figures) =>
        [.. figures.ByCampaign.Select(c => new CampaignLine(c.CampaignId, c.Title, c.Programme, c.County, SumsResponse.From(c.Sums)))];
}
