using Microsoft.Playwright;
using static Fundraising.Web.Tests.Pages.AdminPageActions;
using static Microsoft.Playwright.Assertions;

namespace Fundraising.Web.Tests.Pages;

/// <summary>
/// The admin page's 报告数据 section in Chromium against a real co-hosted front end and PostgreSQL: an admin enters another
/// city's giving-day figure (listed as 外部数据 with its source) and marks an event as the year's giving day, and the
/// printable report ranks the city against it; the server's problems (our own city, an event of another year) are shown
/// naming the field and change nothing; the section is not there for an account that may not enter report data.
/// </summary>
public sealed class ReportDataPageTests(CoHostedPlatform platform, BrowserFixture browser) : IClassFixture<CoHostedPlatform>, IClassFixture<BrowserFixture>
{
    private readonly WebFrontEnd _web = platform.Web;

    private static readonly int ThisYear = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).Year;

    private Task<long> FiguresAsync(string city) =>
        platform.Database.ScalarAsync<long>("SELECT count(*) FROM external_city_figures WHERE city = $1", city);

    [Fact]
    public async Task AnAdminEntersACitysFigureAndMarksTheGivingDayAndTheReportRanksTheCity()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(_web);
        var eventId = await Leaderboards.BoardCalls.EventAsync(_web.Admin, [campaign]);
        await using var context = await browser.NewContextAsync(_web);
        var page = await SignInAsync(context, _web);
        await Expect(page.Locator("#report-data")).ToHaveAttributeAsync("data-loaded", "true");
        await Expect(page.Locator("#ry-year")).ToHaveValueAsync(ThisYear.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // Another city's figure, as published: listed as external data with its source.
        await SubmitAndExpectDoneAsync(page, "external-form", ("city", "宝鸡市"), ("onlineAmount", "8000000"), ("source", "省慈善联合会公布"));
        var row = page.Locator("#external-rows tr[data-city='宝鸡市']");
        await Expect(row).ToHaveAttributeAsync("data-external", "true");
        await Expect(row).ToContainTextAsync("¥8,000,000.00");
        await Expect(row.Locator(".badge-external")).ToHaveTextAsync("外部数据 External");
        await Expect(row).ToContainTextAsync("省慈善联合会公布");
        Assert.Equal(800_000_000L, await platform.Database.ScalarAsync<long>(
            "SELECT online_amount FROM external_city_figures WHERE year = $1 AND city = '宝鸡市'", ThisYear));

        // Our own city's figure comes from the ledger: the server's problem names the city, and nothing is entered.
        await SubmitAsync(page, "external-form", ("city", "商洛市"), ("onlineAmount", "1"), ("source", "不该录入"));
        var error = page.Locator("#external-form .form-error");
        await Expect(error).ToContainTextAsync("（city）", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(error).ToContainTextAsync("from the ledger");
        Assert.Equal(0L, await FiguresAsync("商洛市"));

        // An event of this year cannot be another year's giving day; then it is marked as this year's.
        await page.Locator("#gd-event").SelectOptionAsync(eventId.ToString());
        await SubmitAsync(page, "giving-day-form", ("year", (ThisYear - 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await Expect(page.Locator("#giving-day-form .form-error")).ToContainTextAsync("（eventId）", new() { Timeout = PageActions.ServerTimeoutMs });
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM giving_days"));
        await SubmitAndExpectDoneAsync(page, "giving-day-form", ("year", ThisYear.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await Expect(page.Locator($"#giving-day-rows tr[data-year='{ThisYear}']")).ToHaveAttributeAsync("data-event-id", eventId.ToString());
        await Expect(page.Locator($"#giving-day-rows tr[data-year='{ThisYear}']")).ToContainTextAsync("九九公益日");
        Assert.Equal(eventId, await platform.Database.ScalarAsync<Guid>("SELECT event_id FROM giving_days WHERE year = $1", ThisYear));
        Assert.Empty(PageActions.ScriptErrors(page));

        // The printable report ranks our city (no gifts yet) behind the city entered here, badged as external data.
        var report = await PageActions.NewPageAsync(context);
        await report.GotoAsync($"/reports/annual.html?year={ThisYear}");
        await Expect(report.Locator("main")).ToHaveAttributeAsync("aria-busy", "false", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(report.Locator("#giving-day-rank")).ToHaveTextAsync("第2名 / 共2个城市");
        var city = report.Locator("#city-rows tr[data-city='宝鸡市']");
        await Expect(city).ToHaveAttributeAsync("data-external", "true");
        await Expect(city).ToContainTextAsync("外部数据 External");
        await Expect(city).ToContainTextAsync("省慈善联合会公布");
        Assert.Empty(PageActions.ScriptErrors(report));
        Assert.Empty(browser.CspViolations);
    }

    [Fact]
    public async Task TheReportDataSectionIsOnlyForAdmins()
    {
        await using var context = await browser.NewContextAsync(_web);
        var page = await SignInAsAsync(context, _web, "viewer");
        await Expect(page.Locator("#report-data")).ToBeHiddenAsync();
        Assert.Empty(PageActions.ScriptErrors(page));
    }
}
