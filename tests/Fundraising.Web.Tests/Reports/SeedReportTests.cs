using System.Net;
using System.Text;
using System.Net.Http.Json;
using System.Text.Json;
using Fundraising.Web.Seeding;
using Fundraising.Web.Tests.Pages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Fundraising.Web.Tests.Reports;

/// <summary>
/// The demo's own history seeding (what deploy/local/up.sh runs), on a real database: the generated 2021 report
/// reproduces the city's 2021 figures to the fen, in JSON and on the printable page (rendered to PDF).
/// </summary>
public sealed class SeedReportTests(CoHostedPlatform platform, BrowserFixture browser) : IClassFixture<CoHostedPlatform>, IClassFixture<BrowserFixture>
{
    private const long Raised = 64_068_800_00, Online = 9_794_600_00, GivingDay = 7_500_000_00, VillageHomes = 16_870_000_00, Flood = 5_785_800_00, CovidGoods = 537_500_00;
    private const string FloodTitle = "2021 夏季洪灾救助", CovidTitle = "2021 新冠肺炎疫情防控（物资）";

    private static readonly SemaphoreSlim Once = new(1, 1);
    private static bool _seeded;

    private async Task SeedAsync()
    {
        await Once.WaitAsync();
        try
        {
            if (!_seeded)
            {
                var seeder = platform.Web.Services!.GetRequiredService<HistorySeeder>();
                await seeder.SeedAsync(CancellationToken.None);
                // As up.sh does on every start: a second run changes nothing.
                await seeder.SeedAsync(CancellationToken.None);
                _seeded = true;
            }
        }
        finally
        {
            Once.Release();
        }
    }

    [Fact]
    public async Task TheSeeded2021ReportShowsEveryFigureOfTheCitysReportToTheFen()
    {
        await SeedAsync();
        var report = await platform.Web.Admin.GetFromJsonAsync<JsonElement>("/api/reports/annual/2021");
        var totals = report.GetProperty("totals");
        Assert.Equal(Raised, totals.GetProperty("raisedAmount").GetInt64());
        Assert.Equal(Online, totals.GetProperty("onlineAmount").GetInt64());

        var day = report.GetProperty("givingDay");
        Assert.Equal(GivingDay, day.GetProperty("onlineAmount").GetInt64());
        Assert.Equal(6_990_000_00, day.GetProperty("previous").GetProperty("onlineAmount").GetInt64());
        Assert.Equal(7.3m, day.GetProperty("growthPercent").GetDecimal());
        Assert.Equal((5, 12), (day.GetProperty("rank").GetProperty("position").GetInt32(), day.GetProperty("rank").GetProperty("cityCount").GetInt32()));
        Assert.Equal(11, day.GetProperty("rank").GetProperty("cities").EnumerateArray().Count(c => c.GetProperty("external").GetBoolean()));

        var homes = report.GetProperty("byProgramme").EnumerateArray().Single(p => p.GetProperty("programme").GetString() == "village_homes");
        Assert.Equal(VillageHomes, homes.GetProperty("sums").GetProperty("raisedAmount").GetInt64());
        var campaigns = report.GetProperty("campaigns").EnumerateArray().ToDictionary(c => c.GetProperty("title").GetString()!, c => c.GetProperty("sums"));
        Assert.Equal(Flood, campaigns[FloodTitle].GetProperty("raisedAmount").GetInt64());
        Assert.Equal(CovidGoods, campaigns[CovidTitle].GetProperty("goodsAmount").GetInt64());
        Assert.Equal(CovidGoods, campaigns[CovidTitle].GetProperty("raisedAmount").GetInt64());

        // The 2020 report is the seed's too, and the two years never mix.
        var earlier = await platform.Web.Admin.GetFromJsonAsync<JsonElement>("/api/reports/annual/2020");
        Assert.Equal(6_990_000_00, earlier.GetProperty("givingDay").GetProperty("onlineAmount").GetInt64());
        Assert.Equal(18_490_000_00, earlier.GetProperty("totals").GetProperty("raisedAmount").GetInt64());

        // A run cut short before its last step (2021 not yet marked) completes on the next start without counting a gift twice.
        var gifts = await platform.Database.ScalarAsync<long>("SELECT count(*) FROM donations");
        await platform.Database.ScalarAsync<long>("WITH d AS (DELETE FROM giving_days WHERE year = 2021 RETURNING 1) SELECT count(*) FROM d");
        await platform.Web.Services!.GetRequiredService<HistorySeeder>().SeedAsync(CancellationToken.None);
        Assert.Equal(gifts, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM donations"));
        var again = await platform.Web.Admin.GetFromJsonAsync<JsonElement>("/api/reports/annual/2021");
        Assert.Equal(Raised, again.GetProperty("totals").GetProperty("raisedAmount").GetInt64());
        Assert.Equal(7.3m, again.GetProperty("givingDay").GetProperty("growthPercent").GetDecimal());

        // The CSV carries the same figures.
        var csv = ReportTests.ReadCsv(await platform.Web.Admin.GetByteArrayAsync("/api/reports/annual/2021.csv"));
        Assert.Equal(Raised.ToString(), csv.Single(r => r["section"] == "total")["raised_fen"]);
        Assert.Equal(("7.3", "5/12"), (csv.Single(r => r["section"] == "giving_day")["growth_percent"], csv.Single(r => r["section"] == "giving_day")["rank"]));
    }

    [Fact]
    public async Task ThePrintablePageShowsTheSeededFiguresAndRendersToPdf()
    {
        await SeedAsync();
        await using var context = await browser.NewContextAsync(platform.Web, new ViewportSize { Width = 390, Height = 900 });
        await AdminPageActions.SignInAsync(context, platform.Web);
        var page = await context.NewPageAsync();
        PageActions.RecordScriptErrors(page);
        await page.GotoAsync("/reports/annual.html?year=2021");
        await Expect(page.Locator("main")).ToHaveAttributeAsync("aria-busy", "false", new() { Timeout = PageActions.ServerTimeoutMs });

        await Expect(page.Locator("#report-title")).ToContainTextAsync("2021年度募捐报告");
        await Expect(page.Locator("#raised")).ToHaveTextAsync("¥64,068,800.00");
        await Expect(page.Locator("#online")).ToHaveTextAsync("¥9,794,600.00");
        await Expect(page.Locator("#giving-day-online")).ToHaveTextAsync("¥7,500,000.00");
        await Expect(page.Locator("#giving-day-growth")).ToContainTextAsync("+7.3%");
        await Expect(page.Locator("#giving-day-rank")).ToHaveTextAsync("第5名 / 共12个城市");
        await Expect(page.Locator("#programme-rows tr[data-programme='village_homes']")).ToContainTextAsync("¥16,870,000.00");
        await Expect(page.Locator("#campaign-rows tr", new() { HasText = FloodTitle })).ToContainTextAsync("¥5,785,800.00");
        await Expect(page.Locator("#campaign-rows tr", new() { HasText = CovidTitle }).Locator("td").Nth(4)).ToHaveTextAsync("¥537,500.00");
        await Expect(page.Locator("#city-rows tr[data-external='true']")).ToHaveCountAsync(11);
        await Expect(page.Locator("#city-rows tr[data-city='商洛市']")).ToContainTextAsync("本平台账目");
        Assert.Empty(PageActions.ScriptErrors(page));
        Assert.Empty(browser.CspViolations);

        // Printed: the buttons and navigation go, the figures stay; the PDF is a real document with the figures' text in it.
        await page.EmulateMediaAsync(new() { Media = Media.Print });
        await Expect(page.Locator("#print")).ToBeHiddenAsync();
        await Expect(page.Locator(".site-header")).ToBeHiddenAsync();
        await Expect(page.Locator("#raised")).ToBeVisibleAsync();
        var pdf = await page.PdfAsync(new() { Format = "A4", PrintBackground = true, Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "annual-report-2021.pdf") });
        Assert.Equal("%PDF-", Encoding.ASCII.GetString(pdf, 0, 5));
        Assert.True(pdf.Length > 20_000, $"the PDF is only {pdf.Length} bytes");
        await page.EmulateMediaAsync(new() { Media = Media.Screen });
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "annual-report-2021.png"), FullPage = true });

        // The same page reports one event: 2021's giving day, which carries the year's growth and rank too.
        var eventId = (await platform.Web.Admin.GetFromJsonAsync<JsonElement>("/api/reports/annual/2021")).GetProperty("givingDay").GetProperty("eventId").GetGuid();
        await page.GotoAsync($"/reports/annual.html?event={eventId}");
        await Expect(page.Locator("#report-title")).ToContainTextAsync("2021年99公益日 活动报告", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#online")).ToHaveTextAsync("¥7,500,000.00");
        await Expect(page.Locator("#giving-day-rank")).ToHaveTextAsync("第5名 / 共12个城市");
        await Expect(page.Locator("#csv")).ToHaveAttributeAsync("href", $"/api/reports/events/{eventId}.csv");
    }

    [Fact]
    public async Task WithoutASignInThePageSaysWhereToSignInAndShowsNoFigures()
    {
        await SeedAsync();
        await using var context = await browser.NewContextAsync(platform.Web);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/reports/annual.html?year=2021");
        await Expect(page.Locator("#report-error")).ToBeVisibleAsync(new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(page.Locator("#report-error a")).ToHaveAttributeAsync("href", "/admin/");
        await Expect(page.Locator("#raised")).ToHaveTextAsync("");
        Assert.Equal(HttpStatusCode.Unauthorized, (await platform.Web.Client.GetAsync("/api/reports/annual/2021")).StatusCode);
    }
}
