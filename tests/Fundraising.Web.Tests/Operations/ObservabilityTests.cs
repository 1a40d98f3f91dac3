using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Fundraising.TestSupport;
using Fundraising.Web.Tests.Accounts;
using Fundraising.Web.Tests.Matching;
using static Fundraising.Web.Tests.Operations.ObservabilityCalls;

namespace Fundraising.Web.Tests.Operations;

/// <summary>A co-hosted front end whose traces go to a local OTLP receiver (HTTP/protobuf), with matching's pace rule off.</summary>
public sealed class ObservedPlatform : IAsyncLifetime
{
    public OtlpReceiver Receiver { get; } = new();

    public TestDatabase Database { get; private set; } = null!;

    public WebFrontEnd Web { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync(migrate: false);
        Web = await Platform.StartCoHostedWebAsync(Database, new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Receiver.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            // Export every half second rather than every 5 s, so the test waits less.
            ["OTEL_BSP_SCHEDULE_DELAY"] = "500",
            ["RateLimits__Enabled"] = "false",
            ["Matching__MinSecondsApart"] = "0",
            ["Matching__MaxGiftsPerMinute"] = "100000",
        });
    }

    public async Task DisposeAsync()
    {
        await Web.DisposeAsync();
        await Database.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}

/// <summary>The Prometheus scrape, the platform's own instruments, OTLP traces, and the Orleans Dashboard's door.</summary>
public sealed class ObservabilityTests(ObservedPlatform platform) : IClassFixture<ObservedPlatform>
{
    private WebFrontEnd Web => platform.Web;

    [Fact]
    public async Task TheScrapeRefusesAnonymousCallersAndDonorsAndServesAViewer()
    {
        using var anonymous = new HttpClient { BaseAddress = Web.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).StatusCode);

        // A verified donor's token is no staff credential, and neither is a made-up bearer token.
        var donor = await MatchingCalls.VerifyAsync(Web.Client);
        using var asDonor = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { { "Donor-Token", donor } } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(asDonor)).StatusCode);
        using var withDonorBearer = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", donor) } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(withDonorBearer)).StatusCode);

        var viewer = await StaffClients.CreateAsync(Web, "viewer");
        using var scrape = await viewer.Bearer.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.Equal("text/plain", scrape.Content.Headers.ContentType?.MediaType);
        Assert.Contains("# TYPE ", await scrape.Content.ReadAsStringAsync());
        // The signed-in page of a viewer reads it too (the cookie, not only a token).
        Assert.Equal(HttpStatusCode.OK, (await viewer.Cookie.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task TheScrapeCountsExactlyTheDonationsAcknowledgedAndShowsTheCommitOrleansAspNetCoreAndNpgsqlMetrics()
    {
        var viewer = await StaffClients.CreateAsync(Web, "viewer");
        var campaign = await ApiCalls.CreateLiveCampaignAsync(Web);
        var first = await ScrapeAsync(viewer.Bearer);
        var before = Sum(first, "fundraising_donations_acknowledged_total");
        var transactionsBefore = Sum(first, "fundraising_commit_batch_size_count");

        const int gifts = 7;
        for (var i = 0; i < gifts; i++)
        {
            await ApiCalls.DonateAsync(Web.Client, campaign, 1_000 + i);
        }
        // A gift created but never paid is not acknowledged.
        var pending = await ApiCalls.PostDonationAsync(Web.Client, campaign, Guid.NewGuid().ToString(), new { amount = 500, currency = "CNY", displayName = "未付款" });
        Assert.Equal(HttpStatusCode.Created, pending.StatusCode);

        var text = await ScrapeAsync(viewer.Bearer);
        Assert.Equal(before + gifts, Sum(text, "fundraising_donations_acknowledged_total"));
        // Each of those gifts was committed at least once (created, then confirmed; one commit may carry both).
        Assert.InRange(Sum(text, "fundraising_commit_batch_size_count") - transactionsBefore, gifts + 1, 2 * gifts + 1);
        Assert.Contains("fundraising_commit_batch_size_bucket", text);
        Assert.Contains("fundraising_commit_duration_milliseconds_bucket", text);
        Assert.Contains("\norleans_", text);
        Assert.Contains("\nhttp_server_request_duration_seconds_bucket", text);
        Assert.Contains("\ndb_client_", text);
    }

    [Fact]
    public async Task MatchedMoneyIsCountedByCurrencyAfterAMatchedGift()
    {
        var viewer = await StaffClients.CreateAsync(Web, "viewer");
        var campaign = await ApiCalls.CreateLiveCampaignAsync(Web);
        var eventId = await MatchingCalls.CreateEventAsync(Web.Admin, campaign);
        await MatchingCalls.CreatePoolAsync(Web.Admin, eventId, budget: 100_000, maxPerGift: 5_000, maxPerDonorPerDay: 10_000);
        var donor = await MatchingCalls.VerifyAsync(Web.Client);
        var before = Sum(await ScrapeAsync(viewer.Bearer), "fundraising_matched_amount_total", "currency=\"CNY\"");

        var gift = await MatchingCalls.GiveAsync(Web.Client, campaign, 3_000, donor);
        Assert.Equal(3_000, MatchingCalls.MatchAmount(gift));

        Assert.Equal(before + 3_000, Sum(await ScrapeAsync(viewer.Bearer), "fundraising_matched_amount_total", "currency=\"CNY\""));
    }

    [Fact]
    public async Task TheBoardLagIsRecordedWhenAnEventsBoardHasAppliedACommittedGift()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(Web);
        await MatchingCalls.CreateEventAsync(Web.Admin, campaign);
        var before = Sum(await ScrapeAsync(Web.Admin), "fundraising_leaderboard_lag_milliseconds_count");

        await ApiCalls.DonateAsync(Web.Client, campaign, 4_000);

        // The silo's feed hands its deltas to the board every 500 ms.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        double after;
        while ((after = Sum(await ScrapeAsync(Web.Admin), "fundraising_leaderboard_lag_milliseconds_count")) == before && DateTime.UtcNow < deadline)
        {
        }
        Assert.True(after > before, $"no board delivery was recorded ({before} before, {after} after)");
    }

    [Fact]
    public async Task TracesOfRequestsGrainCallsAndQueriesReachTheConfiguredOtlpReceiver()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(Web);
        await ApiCalls.DonateAsync(Web.Client, campaign, 2_000);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !(HasAll(platform.Receiver.Text)))
        {
            await Task.Delay(250);
        }
        var received = platform.Receiver.Text;
        Assert.True(HasAll(received), $"{platform.Receiver.TraceExports.Count} exports; none had all of ASP.NET Core's, Orleans' and Npgsql's spans");
        // Nothing secret in a span: not the database password, not the bootstrap key.
        Assert.DoesNotContain(new Npgsql.NpgsqlConnectionStringBuilder(TestEnvironment.ServerConnectionString).Password!, received);
        Assert.DoesNotContain(Platform.AdminKey, received);

        static bool HasAll(string text) =>
            text.Contains("Microsoft.AspNetCore", StringComparison.Ordinal) && text.Contains("/api/campaigns/{campaignId:guid}/donations", StringComparison.Ordinal)
            && text.Contains("Microsoft.Orleans.Application", StringComparison.Ordinal) && text.Contains("Npgsql", StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheOrleansDashboardRefusesAnonymousCallersAndNonAdminsAndShowsAnAdminTheLiveGrains()
    {
        using var anonymous = new HttpClient { BaseAddress = Web.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/orleans-dashboard/")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/orleans-dashboard/DashboardCounters")).StatusCode);
        var viewer = await StaffClients.CreateAsync(Web, "viewer");
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.Bearer.GetAsync("/orleans-dashboard/DashboardCounters")).StatusCode);
        var association = await StaffClients.CreateAsync(Web, "association");
        Assert.Equal(HttpStatusCode.Forbidden, (await association.Cookie.GetAsync("/orleans-dashboard/")).StatusCode);

        var admin = await StaffClients.CreateAsync(Web, "admin");
        using var page = await admin.Cookie.GetAsync("/orleans-dashboard/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<title>Orleans Dashboard</title>", await page.Content.ReadAsStringAsync());

        // A campaign grain is live once a gift went through it: the dashboard's counters (refreshed every second) show it.
        var campaign = await ApiCalls.CreateLiveCampaignAsync(Web);
        await ApiCalls.DonateAsync(Web.Client, campaign, 1_000);
        var counters = await ObservabilityCalls.CountersWithCampaignGrainsAsync(admin.Bearer);
        Assert.True(counters.GetProperty("totalActivationCount").GetInt32() > 0, counters.ToString());
    }
}
