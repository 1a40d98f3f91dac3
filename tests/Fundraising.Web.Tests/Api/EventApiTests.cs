using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fundraising.Web.Tests.Accounts;

namespace Fundraising.Web.Tests.Api;

public sealed class EventApiTests(CoHostedPlatform platform) : IClassFixture<CoHostedPlatform>
{
    private readonly HttpClient _admin = platform.Web.Admin;
    private readonly HttpClient _public = platform.Web.Client;

    private static string NewCounty() => "县" + Guid.NewGuid().ToString("N")[..8];

    private static object NewEvent(Guid[]? campaignIds = null, string[]? regions = null, string name = "九九公益日") => new
    {
        name,
        startsAt = "2026-09-07T00:00:00+08:00",
        endsAt = "2026-09-09T23:59:59+08:00",
        timeZone = "Asia/Shanghai",
        campaignIds,
        regions,
    };

    private async Task<JsonElement> CreateAsync(object request)
    {
        var created = await _admin.PostAsJsonAsync("/api/events", request);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return await created.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<JsonElement> TotalsAsync(Guid eventId) =>
        (await _public.GetFromJsonAsync<JsonElement>($"/api/events/{eventId}")).GetProperty("totals");

    private async Task<HttpResponseMessage> OfflineAsync(Guid campaign, long amount)
    {
        var offline = await _admin.PostAsJsonAsync($"/api/campaigns/{campaign}/offline-donations",
            new { amount, currency = "CNY", donorName = "商洛某公司", reference = $"BANK-{Guid.NewGuid():N}", method = "bank_transfer" });
        Assert.Equal(HttpStatusCode.Created, offline.StatusCode);
        return offline;
    }

    private async Task<long> CountAsync(string table) => await platform.Database.ScalarAsync<long>($"SELECT count(*) FROM {table}");

    [Fact]
    public async Task AnEventCreatedWithIdsAndRegionsIsReadBackPubliclyWithItsWindowAndLists()
    {
        var county = NewCounty();
        var byId = await ApiCalls.CreateLiveCampaignAsync(platform.Web, ApiCalls.NewCampaign(county: NewCounty()));
        var created = await _admin.PostAsJsonAsync("/api/events", NewEvent([byId], [county]));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("id").GetGuid();
        Assert.Equal(7, id.Version);
        Assert.Equal($"/api/events/{id}", created.Headers.Location?.OriginalString);

        var read = await _public.GetFromJsonAsync<JsonElement>($"/api/events/{id}");
        Assert.Equal("九九公益日", read.GetProperty("name").GetString());
        Assert.Equal(new DateTimeOffset(2026, 9, 6, 16, 0, 0, TimeSpan.Zero), read.GetProperty("startsAt").GetDateTimeOffset());
        Assert.Equal(new DateTimeOffset(2026, 9, 9, 15, 59, 59, TimeSpan.Zero), read.GetProperty("endsAt").GetDateTimeOffset());
        Assert.Equal("Asia/Shanghai", read.GetProperty("timeZone").GetString());
        Assert.Equal([byId], read.GetProperty("campaignIds").EnumerateArray().Select(e => e.GetGuid()));
        Assert.Equal([county], read.GetProperty("regions").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("CNY", read.GetProperty("currency").GetString());
        var totals = read.GetProperty("totals");
        Assert.Equal(0, totals.GetProperty("raisedAmount").GetInt64());
        Assert.Equal(0, totals.GetProperty("donationCount").GetInt64());
        Assert.Equal(0, totals.GetProperty("matchedAmount").GetInt64());

        var list = await _public.GetFromJsonAsync<JsonElement>("/api/events");
        Assert.Contains(list.GetProperty("items").EnumerateArray(), e => e.GetProperty("id").GetGuid() == id);
        Assert.Equal(HttpStatusCode.NotFound, (await _public.GetAsync($"/api/events/{Guid.CreateVersion7()}")).StatusCode);
    }

    [Fact]
    public async Task TotalsAreExactSumsOfTheCampaignsTakingPartAndMoveAsGiftsSucceedAndAreRefunded()
    {
        var county = NewCounty();
        var listed = await ApiCalls.CreateLiveCampaignAsync(platform.Web, ApiCalls.NewCampaign(county: NewCounty()));
        var inCounty = await ApiCalls.CreateLiveCampaignAsync(platform.Web, ApiCalls.NewCampaign(county: county));
        var outside = await ApiCalls.CreateLiveCampaignAsync(platform.Web, ApiCalls.NewCampaign(county: NewCounty()));
        var id = (await CreateAsync(NewEvent([listed], [county]))).GetProperty("id").GetGuid();

        // A gift counts when it succeeds, not when it is started.
        var pending = await ApiCalls.PostDonationAsync(_public, listed, Guid.NewGuid().ToString(), new { amount = 5_000, currency = "CNY" });
        Assert.Equal(HttpStatusCode.Created, pending.StatusCode);
        Assert.Equal(0, (await TotalsAsync(id)).GetProperty("raisedAmount").GetInt64());
        var confirmUrl = (await pending.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("payment").GetProperty("confirmUrl").GetString();
        (await _public.PostAsync(confirmUrl, null)).EnsureSuccessStatusCode();
        var totals = await TotalsAsync(id);
        Assert.Equal(5_000, totals.GetProperty("raisedAmount").GetInt64());
        Assert.Equal(1, totals.GetProperty("donationCount").GetInt64());

        await ApiCalls.DonateAsync(_public, inCounty, 3_001);
        var offline = await OfflineAsync(inCounty, 20_000);
        await ApiCalls.DonateAsync(_public, outside, 7_000);
        totals = await TotalsAsync(id);
        Assert.Equal(28_001, totals.GetProperty("raisedAmount").GetInt64());
        Assert.Equal(3, totals.GetProperty("donationCount").GetInt64());
        Assert.Equal(0, totals.GetProperty("matchedAmount").GetInt64());

        var offlineId = (await offline.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var refund = new HttpRequestMessage(HttpMethod.Post, $"/api/donations/{offlineId}/refunds") { Content = JsonContent.Create(new { reason = "录入错误" }) };
        refund.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Created, (await _admin.SendAsync(refund)).StatusCode);

        totals = await TotalsAsync(id);
        Assert.Equal(8_001, totals.GetProperty("raisedAmount").GetInt64());
        // The count is what the two campaigns say, exactly (whatever a refund does to 人次).
        var counts = (await ApiCalls.GetCampaignAsync(_public, listed)).GetProperty("donationCount").GetInt64()
            + (await ApiCalls.GetCampaignAsync(_public, inCounty)).GetProperty("donationCount").GetInt64();
        Assert.Equal(counts, totals.GetProperty("donationCount").GetInt64());
    }

    [Fact]
    public async Task ACampaignListedByIdAndInAListedCountyCountsOnce()
    {
        var county = NewCounty();
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web, ApiCalls.NewCampaign(county: county));
        var id = (await CreateAsync(NewEvent([campaign, campaign], [county, county]))).GetProperty("id").GetGuid();
        await ApiCalls.DonateAsync(_public, campaign, 1_234);
        await OfflineAsync(campaign, 10_000);

        var totals = await TotalsAsync(id);
        Assert.Equal(11_234, totals.GetProperty("raisedAmount").GetInt64());
        Assert.Equal(2, totals.GetProperty("donationCount").GetInt64());
        var read = await _public.GetFromJsonAsync<JsonElement>($"/api/events/{id}");
        Assert.Single(read.GetProperty("campaignIds").EnumerateArray());
        Assert.Single(read.GetProperty("regions").EnumerateArray());
    }

    [Fact]
    public async Task ADraftTakingPartIsListedForAdminsButNotForThePublic()
    {
        var live = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var draftCreated = await _admin.PostAsJsonAsync("/api/campaigns", ApiCalls.NewCampaign(title: "尚未上线"));
        var draft = (await draftCreated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var id = (await CreateAsync(NewEvent([live, draft]))).GetProperty("id").GetGuid();

        static IEnumerable<Guid> Ids(JsonElement e) => e.GetProperty("campaignIds").EnumerateArray().Select(i => i.GetGuid()).Order();
        Assert.Equal([live], Ids(await _public.GetFromJsonAsync<JsonElement>($"/api/events/{id}")));
        var listed = (await _public.GetFromJsonAsync<JsonElement>("/api/events")).GetProperty("items").EnumerateArray().Single(e => e.GetProperty("id").GetGuid() == id);
        Assert.Equal([live], Ids(listed));
        Assert.Equal(new[] { live, draft }.Order(), Ids(await _admin.GetFromJsonAsync<JsonElement>($"/api/events/{id}")));

        (await _admin.PostAsync($"/api/campaigns/{draft}/open", null)).EnsureSuccessStatusCode();
        Assert.Equal(new[] { live, draft }.Order(), Ids(await _public.GetFromJsonAsync<JsonElement>($"/api/events/{id}")));
    }

    [Fact]
    public async Task ACampaignOutsideTheEventDoesNotCount()
    {
        var county = NewCounty();
        var inside = await ApiCalls.CreateLiveCampaignAsync(platform.Web, ApiCalls.NewCampaign(county: county));
        var outside = await ApiCalls.CreateLiveCampaignAsync(platform.Web, ApiCalls.NewCampaign(county: county + "外"));
        var id = (await CreateAsync(NewEvent(regions: [county]))).GetProperty("id").GetGuid();
        await ApiCalls.DonateAsync(_public, outside, 9_999);
        Assert.Equal(0, (await TotalsAsync(id)).GetProperty("raisedAmount").GetInt64());
        await ApiCalls.DonateAsync(_public, inside, 100);
        Assert.Equal(100, (await TotalsAsync(id)).GetProperty("raisedAmount").GetInt64());
        Assert.Equal(1, (await TotalsAsync(id)).GetProperty("donationCount").GetInt64());
    }

    public static TheoryData<string, string[]> BadRequests() => new()
    {
        { """{}""", ["name", "startsAt", "endsAt", "timeZone", "campaignIds", "regions"] },
        { $$"""{"name":"{{new string('节', 121)}}","startsAt":"2026-09-07T00:00:00","endsAt":"2026-09-09T00:00:00+08:00","timeZone":"Mars/Olympus","regions":["丹凤县"]}""",
            ["name", "startsAt", "timeZone"] },
        { """{"name":"九九","startsAt":"2026-09-09T00:00:00+08:00","endsAt":"2026-09-07T00:00:00+08:00","timeZone":"Asia/Shanghai","regions":["丹凤县"]}""", ["endsAt"] },
        { $$"""{"name":"九九","startsAt":"2026-09-07T00:00:00+08:00","endsAt":"2026-09-09T00:00:00+08:00","timeZone":"China Standard Time","regions":["{{new string('县', 41)}}", " "]}""",
            ["timeZone", "regions"] },
        { $$"""{"name":"九九","startsAt":"2026-09-07T00:00:00+08:00","endsAt":"2026-09-09T00:00:00+08:00","timeZone":"Asia/Shanghai","campaignIds":[{{string.Join(",", Enumerable.Range(0, 1001).Select(_ => $"\"{Guid.NewGuid()}\""))}}],"regions":[{{string.Join(",", Enumerable.Range(0, 201).Select(i => $"\"县{i}\""))}}]}""",
            ["campaignIds", "regions"] },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadInputIsRefusedNamingEachFieldAndNothingIsWritten(string body, string[] fields)
    {
        var events = await CountAsync("events");
        var audit = await CountAsync("admin_audit");
        var response = await _admin.PostAsync("/api/events", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await ApiCalls.ProblemAsync(response)).GetProperty("errors");
        Assert.Equal(fields.Order(), errors.EnumerateObject().Select(e => e.Name).Order());
        Assert.Equal(events, await CountAsync("events"));
        Assert.Equal(audit, await CountAsync("admin_audit"));
    }

    [Fact]
    public async Task AnUnknownCampaignIsRefusedNamingCampaignIdsAndNothingIsWritten()
    {
        var known = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var events = await CountAsync("events");
        var response = await _admin.PostAsJsonAsync("/api/events", NewEvent([known, Guid.CreateVersion7()]));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await ApiCalls.ProblemAsync(response)).GetProperty("errors");
        Assert.Equal(["campaignIds"], errors.EnumerateObject().Select(e => e.Name));
        Assert.Equal(events, await CountAsync("events"));
    }

    [Fact]
    public async Task CampaignsInMoreThanOneCurrencyAreRefusedAtCreation()
    {
        var county = NewCounty();
        await ApiCalls.CreateLiveCampaignAsync(platform.Web, ApiCalls.NewCampaign(county: county));
        var dollars = await _admin.PostAsJsonAsync("/api/campaigns", new
        {
            title = "美元项目", description = "", kind = "appeal", region = new { province = "陕西省", city = "商洛市", county = NewCounty() },
            currency = "USD", goalAmount = 100_000, startsAt = DateTimeOffset.UtcNow.AddHours(-1), endsAt = DateTimeOffset.UtcNow.AddDays(7),
        });
        Assert.Equal(HttpStatusCode.Created, dollars.StatusCode);
        var dollarId = (await dollars.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var events = await CountAsync("events");

        var response = await _admin.PostAsJsonAsync("/api/events", NewEvent([dollarId], [county]));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await ApiCalls.ProblemAsync(response)).GetProperty("errors");
        Assert.Equal(["campaignIds", "regions"], errors.EnumerateObject().Select(e => e.Name).Order());
        Assert.Equal(events, await CountAsync("events"));
        Assert.Equal("USD", (await CreateAsync(NewEvent([dollarId]))).GetProperty("currency").GetString());
    }

    [Fact]
    public async Task AnAssociationMayCreateEventsOnlyInsideItsCountyAndTheAuditEntryNamesIt()
    {
        var own = NewCounty();
        var other = NewCounty();
        var member = await StaffClients.CreateAsync(platform.Web, "association", new { county = own });
        var ownCampaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web, ApiCalls.NewCampaign(county: own));
        var otherCampaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web, ApiCalls.NewCampaign(county: other));
        var events = await CountAsync("events");
        var audit = await CountAsync("admin_audit");

        foreach (var outside in new[] { NewEvent(regions: [own, other]), NewEvent([ownCampaign, otherCampaign]), NewEvent([otherCampaign], [own]) })
        {
            var refused = await member.Bearer.PostAsJsonAsync("/api/events", outside);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            await ApiCalls.ProblemAsync(refused);
        }
        Assert.Equal(events, await CountAsync("events"));
        Assert.Equal(audit, await CountAsync("admin_audit"));

        var created = await member.Bearer.PostAsJsonAsync("/api/events", NewEvent([ownCampaign], [own], name: "县里的公益日"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal(member.UserName, await platform.Database.ScalarAsync<string>(
            "SELECT actor FROM admin_audit WHERE action = 'create_event' AND subject_id = $1", id));
        Assert.Equal(member.UserName, await platform.Database.ScalarAsync<string>("SELECT created_by FROM events WHERE id = $1", id));
        Assert.Equal(HttpStatusCode.Unauthorized, (await _public.PostAsJsonAsync("/api/events", NewEvent([ownCampaign]))).StatusCode);
    }
}
