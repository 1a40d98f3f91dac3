using System.Globalization;
using CsvHelper;
using Fundraising.Contracts.Campaigns;

namespace Fundraising.Web.Reports;

/// <summary>
/// A report as one CSV table (UTF-8 with a byte order mark, so spreadsheets read the Chinese): one row per line of the
/// report, the <c>section</c> column saying which table it belongs to. Amounts are fen, net of refunds.
/// </summary>
public static class ReportCsv
{
    public static readonly string[] Columns =
    [
        "section", "key", "name_zh", "name_en", "programme", "county", "currency",
        "raised_fen", "money_fen", "goods_fen", "online_fen", "offline_fen", "gifts", "growth_percent", "rank", "external", "source",
    ];

    // Titles and names are typed by people: a leading '=' must never become a spreadsheet formula.
    private static readonly CsvWriterOptions Options = CsvWriterOptions.Default with { WriteByteOrderMark = true, Injection = CsvInjection.Escape };

    public static byte[] Annual(AnnualReportResponse report) =>
        Write(report.Currency, report.Totals, report.ByProgramme, report.ByCounty, report.Campaigns, report.GivingDay);

    public static byte[] Event(EventReportResponse report) =>
        Write(report.Currency, report.Totals, report.ByProgramme, report.ByCounty, report.Campaigns, report.GivingDay);

    private static byte[] Write(string currency, SumsResponse totals, IReadOnlyList<ProgrammeLine> programmes, IReadOnlyList<CountyLine> counties,
        IReadOnlyList<CampaignLine> campaigns, GivingDayResponse? givingDay)
    {
        using var buffer = new MemoryStream();
        using (var csv = CsvWriter.Create(buffer, Options, leaveOpen: true))
        {
            csv.WriteHeader(Columns);
            Row(csv, new("total", "total", "合计", "Total", null, null, currency, totals));
            foreach (var p in programmes)
            {
                Row(csv, new("programme", Programmes.Code(p.Programme), p.NameZh, p.NameEn, Programmes.Code(p.Programme), null, currency, p.Sums));
            }
            foreach (var c in counties)
            {
                Row(csv, new("county", c.County, c.County, null, null, c.County, currency, c.Sums));
            }
            foreach (var c in campaigns)
            {
                Row(csv, new("campaign", c.Id.ToString(), c.Title, null, Programmes.Code(c.Programme), c.County, currency, c.Sums));
            }
            if (givingDay is not null)
            {
                var rank = givingDay.Rank is { } r ? $"{r.Position}/{r.CityCount}" : null;
                Row(csv, new("giving_day", givingDay.EventId.ToString(), givingDay.Name, "99 Giving Day", null, null, currency, givingDay.Sums,
                    givingDay.GrowthPercent?.ToString("0.0", CultureInfo.InvariantCulture), rank));
                if (givingDay.Previous is { } previous)
                {
                    Row(csv, new("giving_day_previous", previous.EventId.ToString(), previous.Name, previous.Year.ToString(CultureInfo.InvariantCulture), null, null,
                        currency, new SumsResponse(0, 0, 0, previous.OnlineAmount, 0, 0, 0)));
                }
                foreach (var city in givingDay.Rank?.Cities ?? [])
                {
                    Row(csv, new("city", city.City, city.City, null, null, null, currency, new SumsResponse(0, 0, 0, city.OnlineAmount, 0, 0, 0),
                        null, city.Position.ToString(CultureInfo.InvariantCulture), city.External, city.Source));
                }
            }
        }
        return buffer.ToArray();
    }

    private sealed record Line(
        string Section, string Key, string? NameZh, string? NameEn, string? Programme, string? County, string Currency, SumsResponse Sums,
        string? Growth = null, string? Rank = null, bool External = false, string? Source = null);

    private static void Row(CsvWriter csv, Line line)
    {
        csv.WriteField(line.Section);
        csv.WriteField(line.Key);
        csv.WriteField(line.NameZh);
        csv.WriteField(line.NameEn);
        csv.WriteField(line.Programme);
        csv.WriteField(line.County);
        csv.WriteField(line.Currency);
        foreach (var amount in new[] { line.Sums.RaisedAmount, line.Sums.MoneyAmount, line.Sums.GoodsAmount, line.Sums.OnlineAmount, line.Sums.OfflineAmount, line.Sums.DonationCount })
        {
            csv.WriteField(amount, default);
        }
        csv.WriteField(line.Growth);
        csv.WriteField(line.Rank);
        csv.WriteField(line.External ? "true" : "false");
        csv.WriteField(line.Source);
        csv.EndRecord();
    }
}
