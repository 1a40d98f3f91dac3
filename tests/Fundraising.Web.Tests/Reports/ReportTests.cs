using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CsvHelper;
using Fundraising.Contracts.Donations;
using Fundraising.Web.Tests.Accounts;
using Fundraising.Web.Tests.Leaderboards;
using Microsoft.Extensions.DependencyInjection;

namespace Fundraising.Web.Tests.Reports;

/// <summary>
/// A small hand-made ledger of this year (gifts online and offline, goods, refunds, three programmes in two counties),
/// a giving day over two of its campaigns, last year's giving day imported, and other cities' figures entered as
/// external data: what every report test reads.
/// </summary>
public sealed class ReportDataset : IAsyncLifetime
{
    public const string Province = "陕西省";

    public UnlimitedPlatform Platform { get; } = new();

    public int Year { get; private set; }

    public Guid StudentAid { get; private set; }

    public Guid Village { get; private set; }

    public Guid Disaster { get; private set; }

    public Guid GivingDay { get; private set; }

    public Guid PreviousGivingDay { get; private set; }

    public async Task InitializeAsync()
    {
        await Platform.InitializeAsync();
        var web = Platform.Web;
        var admin = web.Admin;
        Year = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).Year;

        StudentAid = await CampaignAsync(web, "助学", "洛南县", "student_aid");
        Village = await CampaignAsync(web, "幸福家园", "丹凤县", null, village: "测试村");
        Disaster = await CampaignAsync(web, "洪灾", "丹凤县", "disaster_relief");
        GivingDay = await BoardCalls.EventAsync(admin, [StudentAid, Village]);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/reports/giving-days/{Year}", new { eventId = GivingDay })).StatusCode);

        // Student aid: 100 + 200 online, 50 of the 200 refunded. Village: 300 online, 1,000 offline. Disaster: 50 online refunded in full, 700 of goods.
        await ApiCalls.DonateAsync(web.Client, StudentAid, 10_000);
        var refunded = await ApiCalls.DonateAsync(web.Client, StudentAid, 20_000, anonymous: true);
        await RefundAsync(admin, refunded.GetProperty("id").GetGuid(), 5_000);
        await ApiCalls.DonateAsync(web.Client, Village, 30_000);
        await OfflineAsync(admin, Village, new { amount = 100_000, currency = "CNY", donorName = "在外乡贤", reference = "CASH-1", method = "cash" });
        var gone = await ApiCalls.DonateAsync(web.Client, Disaster, 5_000);
        await RefundAsync(admin, gone.GetProperty("id").GetGuid(), null);
        await OfflineAsync(admin, Disaster, new { kind = "goods", item = "棉被", quantity = 100, amount = 70_000, currency = "CNY", donorName = "爱心企业", reference = "G-1" });

        // Last year's giving day: a campaign of last year whose online gifts were imported with their dates (500 in all).
        var earlier = await ApiCalls.CreateLiveCampaignAsync(web, new
        {
            title = "去年助学", description = "去年", kind = "appeal", region = new { province = Province, city = "商洛市", county = "商州区" }, currency = "CNY",
            goalAmount = 1_000_000, startsAt = new DateTimeOffset(Year - 1, 1, 1, 0, 0, 0, TimeSpan.FromHours(8)),
            endsAt = new DateTimeOffset(Year - 1, 12, 31, 0, 0, 0, TimeSpan.FromHours(8)), programme = "student_aid",
        });
        var grain = web.Services!.GetRequiredService<IGrainFactory>().GetGrain<Contracts.Campaigns.ICampaignGrain>(earlier);
        foreach (var (amount, i) in new[] { 20_000L, 30_000L }.Select((a, i) => (a, i)))
        {
            var result = await grain.ImportGiftAsync(new ImportedGift($"last-year-{i}", amount, "CNY", null, true, DonationChannel.Online, DonationKind.Money,
                new DateTimeOffset(Year - 1, 9, 8, 10, i, 0, TimeSpan.FromHours(8)), "test", "test-import"));
            Assert.Equal(DonationError.None, result.Error);
        }
        var created = await admin.PostAsJsonAsync("/api/events", new
        {
            name = "去年99公益日", startsAt = $"{Year - 1}-09-07T00:00:00+08:00", endsAt = $"{Year - 1}-09-10T00:00:00+08:00", timeZone = "Asia/Shanghai",
            campaignIds = new[] { earlier },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        PreviousGivingDay = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/reports/giving-days/{Year - 1}", new { eventId = PreviousGivingDay })).StatusCode);

        // Two cities ahead, one behind; a city of another province never counts.
        foreach (var (province, city, amount) in new[] { (Province, "西安市", 1_000_000L), (Province, "宝鸡市", 60_000L), (Province, "铜川市", 10_000L), ("四川省", "成都市", 9_000_000L) })
        {
            var entered = await admin.PostAsJsonAsync("/api/reports/external-figures", new { year = Year, province, city, onlineAmount = amount, currency = "CNY", source = "省慈善联合会通报" });
            Assert.Equal(HttpStatusCode.OK, entered.StatusCode);
        }
    }

    public Task DisposeAsync() => Platform.DisposeAsync();

    private static async Task<Guid> CampaignAsync(WebFrontEnd web, string title, string county, string? programme, string? village = null) =>
        await ApiCalls.CreateLiveCampaignAsync(web, new
        {
            title, description = title, kind = village is null ? "appeal" : "village", region = new { province = Province, city = "商洛市", county, village },
            currency = "CNY", goalAmount = 10_000_000, startsAt = DateTimeOffset.UtcNow.AddHours(-1), endsAt = DateTimeOffset.UtcNow.AddDays(7), programme,
        });

    private static async Task OfflineAsync(HttpClient admin, Guid campaign, object body) =>
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync($"/api/campaigns/{campaign}/offline-donations", body)).StatusCode);

    private static async Task RefundAsync(HttpClient admin, Guid donation, long? amount)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/donations/{donation}/refunds") { Content = JsonContent.Create(new { amount, reason = "退款测试" }) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var response = await admin.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}

/// <summary>The reports' figures against the hand-made ledger, the CSV read back, roles and scope, and bad input.</summary>
public sealed class ReportTests(ReportDataset data) : IClassFixture<ReportDataset>
{
    private readonly HttpClient _admin = data.Platform.Web.Admin;

    [Fact]
    public async Task TheAnnualReportSumsTheLedgerNetOfRefundsByChannelProgrammeAndCounty()
    {
        var report = await _admin.GetFromJsonAsync<JsonElement>($"/api/reports/annual/{data.Year}");
        Assert.True(report.GetProperty("netOfRefunds").GetBoolean());
        Assert.Equal("CNY", report.GetProperty("currency").GetString());
        // Online 100 + 150 + 300 (the 50 refunded in full counts nothing); offline money 1,000; goods 700.
        AssertSums(report.GetProperty("totals"), raised: 225_000, money: 155_000, goods: 70_000, online: 55_000, offline: 170_000, gifts: 5);

        var programmes = report.GetProperty("byProgramme").EnumerateArray().ToDictionary(p => p.GetProperty("programme").GetString()!, p => p);
        Assert.Equal(["village_homes", "disaster_relief", "festival_relief", "student_aid", "elderly", "children", "bridges", "other"], programmes.Keys);
        AssertSums(programmes["student_aid"].GetProperty("sums"), raised: 25_000, money: 25_000, goods: 0, online: 25_000, offline: 0, gifts: 2);
        AssertSums(programmes["village_homes"].GetProperty("sums"), raised: 130_000, money: 130_000, goods: 0, online: 30_000, offline: 100_000, gifts: 2);
        AssertSums(programmes["disaster_relief"].GetProperty("sums"), raised: 70_000, money: 0, goods: 70_000, online: 0, offline: 70_000, gifts: 1);
        Assert.Equal("慈善幸福家园", programmes["village_homes"].GetProperty("nameZh").GetString());
        Assert.All(["festival_relief", "elderly", "children", "bridges", "other"], p => Assert.Equal(0, programmes[p].GetProperty("sums").GetProperty("raisedAmount").GetInt64()));

        var counties = report.GetProperty("byCounty").EnumerateArray().ToDictionary(c => c.GetProperty("county").GetString()!, c => c.GetProperty("sums").GetProperty("raisedAmount").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["丹凤县"] = 200_000, ["洛南县"] = 25_000 }, counties);
        var campaigns = report.GetProperty("campaigns").EnumerateArray().ToDictionary(c => c.GetProperty("id").GetGuid(), c => c.GetProperty("sums").GetProperty("raisedAmount").GetInt64());
        Assert.Equal(new Dictionary<Guid, long> { [data.Village] = 130_000, [data.Disaster] = 70_000, [data.StudentAid] = 25_000 }, campaigns);

        // Last year holds only the imported giving day, dated last September.
        var last = await _admin.GetFromJsonAsync<JsonElement>($"/api/reports/annual/{data.Year - 1}");
        AssertSums(last.GetProperty("totals"), raised: 50_000, money: 50_000, goods: 0, online: 50_000, offline: 0, gifts: 2);
    }

    [Fact]
    public async Task TheGivingDayHasItsOnlineTotalGrowthOnLastYearAndTheCitysRankAmongExternalFigures()
    {
        var day = (await _admin.GetFromJsonAsync<JsonElement>($"/api/reports/annual/{data.Year}")).GetProperty("givingDay");
        Assert.Equal(data.GivingDay, day.GetProperty("eventId").GetGuid());
        // The event's campaigns are student aid and the village: online 250 + 300; with the village's offline 1,000.
        Assert.Equal(55_000, day.GetProperty("onlineAmount").GetInt64());
        Assert.Equal(155_000, day.GetProperty("sums").GetProperty("raisedAmount").GetInt64());
        Assert.Equal(50_000, day.GetProperty("previous").GetProperty("onlineAmount").GetInt64());
        Assert.Equal(data.PreviousGivingDay, day.GetProperty("previous").GetProperty("eventId").GetGuid());
        Assert.Equal(10.0m, day.GetProperty("growthPercent").GetDecimal());

        var rank = day.GetProperty("rank");
        Assert.Equal((3, 4), (rank.GetProperty("position").GetInt32(), rank.GetProperty("cityCount").GetInt32()));
        var cities = rank.GetProperty("cities").EnumerateArray().Select(c => (c.GetProperty("city").GetString(), c.GetProperty("onlineAmount").GetInt64(), c.GetProperty("external").GetBoolean(), c.GetProperty("position").GetInt32())).ToList();
        Assert.Equal([("西安市", 1_000_000L, true, 1), ("宝鸡市", 60_000L, true, 2), ("商洛市", 55_000L, false, 3), ("铜川市", 10_000L, true, 4)], cities);

        // The event's own report: its window and campaigns, and the same giving-day figures since it is the year's giving day.
        var report = await _admin.GetFromJsonAsync<JsonElement>($"/api/reports/events/{data.GivingDay}");
        AssertSums(report.GetProperty("totals"), raised: 155_000, money: 155_000, goods: 0, online: 55_000, offline: 100_000, gifts: 4);
        Assert.Equal(10.0m, report.GetProperty("givingDay").GetProperty("growthPercent").GetDecimal());
        var previous = await _admin.GetFromJsonAsync<JsonElement>($"/api/reports/events/{data.PreviousGivingDay}");
        Assert.Equal(50_000, previous.GetProperty("totals").GetProperty("onlineAmount").GetInt64());
        Assert.Equal(JsonValueKind.Null, previous.GetProperty("givingDay").GetProperty("growthPercent").ValueKind);
    }

    [Fact]
    public async Task TheCsvIsUtf8WithABomAndReadsBackToTheSameFigures()
    {
        var response = await _admin.GetAsync($"/api/reports/annual/{data.Year}.csv");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);

        var rows = ReadCsv(bytes);
        var total = rows.Single(r => r["section"] == "total");
        Assert.Equal(("225000", "155000", "70000", "55000", "170000", "5"), (total["raised_fen"], total["money_fen"], total["goods_fen"], total["online_fen"], total["offline_fen"], total["gifts"]));
        Assert.Equal("130000", rows.Single(r => r["section"] == "programme" && r["key"] == "village_homes")["raised_fen"]);
        Assert.Equal("慈善幸福家园", rows.Single(r => r["section"] == "programme" && r["key"] == "village_homes")["name_zh"]);
        Assert.Equal("200000", rows.Single(r => r["section"] == "county" && r["key"] == "丹凤县")["raised_fen"]);
        var givingDay = rows.Single(r => r["section"] == "giving_day");
        Assert.Equal(("55000", "10.0", "3/4"), (givingDay["online_fen"], givingDay["growth_percent"], givingDay["rank"]));
        var cities = rows.Where(r => r["section"] == "city").ToList();
        Assert.Equal(4, cities.Count);
        Assert.Equal(3, cities.Count(c => c["external"] == "true"));
        Assert.Equal("false", cities.Single(c => c["key"] == "商洛市")["external"]);

        var eventCsv = ReadCsv(await _admin.GetByteArrayAsync($"/api/reports/events/{data.GivingDay}.csv"));
        Assert.Equal("155000", eventCsv.Single(r => r["section"] == "total")["raised_fen"]);
    }

    [Fact]
    public async Task ReadersNeedAStaffRoleAndACountyAssociationSeesOnlyItsCounty()
    {
        var web = data.Platform.Web;
        Assert.Equal(HttpStatusCode.Unauthorized, (await web.Client.GetAsync($"/api/reports/annual/{data.Year}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await web.Client.GetAsync($"/api/reports/events/{data.GivingDay}.csv")).StatusCode);

        var viewer = await StaffClients.CreateAsync(web, "viewer");
        var viewed = await viewer.Bearer.GetFromJsonAsync<JsonElement>($"/api/reports/annual/{data.Year}");
        Assert.Equal(225_000, viewed.GetProperty("totals").GetProperty("raisedAmount").GetInt64());
        Assert.Equal(HttpStatusCode.OK, (await viewer.Cookie.GetAsync($"/api/reports/annual/{data.Year}.csv")).StatusCode);

        var county = await StaffClients.CreateAsync(web, "association", new { county = "丹凤县" });
        var own = await county.Bearer.GetFromJsonAsync<JsonElement>($"/api/reports/annual/{data.Year}");
        Assert.Equal("丹凤县", own.GetProperty("scope").GetProperty("county").GetString());
        AssertSums(own.GetProperty("totals"), raised: 200_000, money: 130_000, goods: 70_000, online: 30_000, offline: 170_000, gifts: 3);
        Assert.Equal(["丹凤县"], own.GetProperty("byCounty").EnumerateArray().Select(c => c.GetProperty("county").GetString()));
        Assert.DoesNotContain(data.StudentAid, own.GetProperty("campaigns").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()));
        // The province ranks cities, not counties: a county's giving day has its own online money and no rank.
        var day = own.GetProperty("givingDay");
        Assert.Equal(30_000, day.GetProperty("onlineAmount").GetInt64());
        Assert.Equal(JsonValueKind.Null, day.GetProperty("rank").ValueKind);
        var countyCsv = ReadCsv(await county.Bearer.GetByteArrayAsync($"/api/reports/annual/{data.Year}.csv"));
        Assert.Equal("200000", countyCsv.Single(r => r["section"] == "total")["raised_fen"]);

        var city = await StaffClients.CreateAsync(web, "association");
        Assert.Equal(225_000, (await city.Bearer.GetFromJsonAsync<JsonElement>($"/api/reports/annual/{data.Year}")).GetProperty("totals").GetProperty("raisedAmount").GetInt64());
        var coordinator = await StaffClients.CreateAsync(web, "coordinator", new { campaignIds = new[] { data.Village } });
        Assert.Equal(HttpStatusCode.Forbidden, (await coordinator.Bearer.GetAsync($"/api/reports/annual/{data.Year}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await coordinator.Bearer.GetAsync($"/api/reports/events/{data.GivingDay}")).StatusCode);

        // Entering external data and marking giving days are admins' alone.
        var figure = new { year = data.Year, province = ReportDataset.Province, city = "渭南市", onlineAmount = 1, currency = "CNY", source = "x" };
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.Bearer.PostAsJsonAsync("/api/reports/external-figures", figure)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await city.Bearer.PostAsJsonAsync("/api/reports/external-figures", figure)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await city.Bearer.PutAsJsonAsync($"/api/reports/giving-days/{data.Year}", new { eventId = data.GivingDay })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await web.Client.PostAsJsonAsync("/api/reports/external-figures", figure)).StatusCode);
        Assert.Equal(3, await RankedCitiesOutsideOursAsync());
    }

    [Fact]
    public async Task BadInputIsAProblemNamingTheFieldAndChangesNothing()
    {
        foreach (var year in new[] { "1999", "2101", "abc", "20x1.csv", "-5" })
        {
            var bad = await _admin.GetAsync($"/api/reports/annual/{year}");
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.True((await ApiCalls.ProblemAsync(bad)).GetProperty("errors").TryGetProperty("year", out _), year);
        }
        var notAnId = await _admin.GetAsync("/api/reports/events/not-an-id");
        Assert.Equal(HttpStatusCode.BadRequest, notAnId.StatusCode);
        Assert.True((await ApiCalls.ProblemAsync(notAnId)).GetProperty("errors").TryGetProperty("id", out _));
        var unknown = await _admin.GetAsync($"/api/reports/events/{Guid.CreateVersion7()}");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(404, (await ApiCalls.ProblemAsync(unknown)).GetProperty("status").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync($"/api/reports/events/{Guid.CreateVersion7()}.csv")).StatusCode);

        foreach (var (body, field) in new (object, string)[]
        {
            (new { year = data.Year, province = ReportDataset.Province, city = "渭南市", onlineAmount = -1, currency = "CNY", source = "x" }, "onlineAmount"),
            (new { year = data.Year, province = ReportDataset.Province, city = "", onlineAmount = 1, currency = "CNY", source = "x" }, "city"),
            (new { year = data.Year, province = ReportDataset.Province, city = "商洛市", onlineAmount = 1, currency = "CNY", source = "x" }, "city"),
            (new { year = data.Year, province = ReportDataset.Province, city = "渭南市", onlineAmount = 1, currency = "USD", source = "x" }, "currency"),
            (new { year = 1999, province = ReportDataset.Province, city = "渭南市", onlineAmount = 1, currency = "CNY", source = "x" }, "year"),
            (new { year = data.Year, province = ReportDataset.Province, city = "渭南市", onlineAmount = 1, currency = "CNY", source = "" }, "source"),
        })
        {
            var bad = await _admin.PostAsJsonAsync("/api/reports/external-figures", body);
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.True((await ApiCalls.ProblemAsync(bad)).GetProperty("errors").TryGetProperty(field, out _), field);
        }
        Assert.Equal(3, await RankedCitiesOutsideOursAsync());

        // A giving day must start in its year; an unknown event is 404; neither moves the year's giving day.
        var wrongYear = await _admin.PutAsJsonAsync($"/api/reports/giving-days/{data.Year - 2}", new { eventId = data.GivingDay });
        Assert.Equal(HttpStatusCode.BadRequest, wrongYear.StatusCode);
        Assert.True((await ApiCalls.ProblemAsync(wrongYear)).GetProperty("errors").TryGetProperty("eventId", out _));
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.PutAsJsonAsync($"/api/reports/giving-days/{data.Year}", new { eventId = Guid.CreateVersion7() })).StatusCode);
        var missing = await _admin.PutAsJsonAsync($"/api/reports/giving-days/{data.Year}", new { });
        Assert.True((await ApiCalls.ProblemAsync(missing)).GetProperty("errors").TryGetProperty("eventId", out _));
        var stillMarked = await _admin.GetFromJsonAsync<JsonElement>($"/api/reports/annual/{data.Year}");
        Assert.Equal(data.GivingDay, stillMarked.GetProperty("givingDay").GetProperty("eventId").GetGuid());
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PostAsJsonAsync("/api/campaigns", new
        {
            title = "x", kind = "appeal", region = new { province = "陕西省", city = "商洛市", county = "丹凤县" }, currency = "CNY", goalAmount = 1,
            startsAt = DateTimeOffset.UtcNow, endsAt = DateTimeOffset.UtcNow.AddDays(1), programme = "space_travel",
        })).StatusCode);
    }

    private async Task<int> RankedCitiesOutsideOursAsync() =>
        (await _admin.GetFromJsonAsync<JsonElement>($"/api/reports/annual/{data.Year}")).GetProperty("givingDay").GetProperty("rank").GetProperty("cities")
            .EnumerateArray().Count(c => c.GetProperty("external").GetBoolean());

    internal static void AssertSums(JsonElement sums, long raised, long money, long goods, long online, long offline, long gifts) =>
        Assert.Equal((raised, money, goods, online, offline, gifts), (
            sums.GetProperty("raisedAmount").GetInt64(), sums.GetProperty("moneyAmount").GetInt64(), sums.GetProperty("goodsAmount").GetInt64(),
            sums.GetProperty("onlineAmount").GetInt64(), sums.GetProperty("offlineAmount").GetInt64(), sums.GetProperty("donationCount").GetInt64()));

    /// <summary>Every record of a report's CSV as column name to text, read with CsvHelper.</summary>
    internal static List<Dictionary<string, string>> ReadCsv(byte[] bytes)
    {
        using var reader = CsvReader.Create(bytes);
        var rows = new List<Dictionary<string, string>>();
        while (reader.Read())
        {
            rows.Add(reader.Headers.Select((name, i) => (name, i)).ToDictionary(h => h.name, h => reader.GetString(h.i)));
        }
        Assert.Equal(Web.Reports.ReportCsv.Columns, reader.Headers);
        return rows;
    }
}
