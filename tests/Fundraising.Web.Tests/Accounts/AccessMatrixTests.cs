using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Fundraising.Web.Tests.Accounts;

/// <summary>
/// One account of each kind, two live campaigns in two counties, and a snapshot of everything an endpoint could change.
/// </summary>
public sealed class AccessMatrixFixture : IAsyncLifetime
{
    public const string CountyA = "甲县";
    public const string CountyB = "乙县";

    public CoHostedPlatform Platform { get; } = new MatrixPlatform();

    // The two counties are the association's own, so that appeals may be opened there from a template.
    private sealed class MatrixPlatform : CoHostedPlatform
    {
        protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
        {
            ["Association__Counties__0"] = CountyA,
            ["Association__Counties__1"] = CountyB,
        };
    }

    public WebFrontEnd Web => Platform.Web;

    public Guid CampaignA { get; private set; }

    public Guid CampaignB { get; private set; }

    /// <summary>The principals, by the name the matrix uses: admin, association-a, association-b, city, coordinator-a, viewer.</summary>
    public Dictionary<string, StaffMember> Staff { get; } = [];

    public async Task InitializeAsync()
    {
        await Platform.InitializeAsync();
        // A village project (慈善幸福家园), so that the village rows (sub-plans) succeed on it too.
        CampaignA = await ApiCalls.CreateLiveCampaignAsync(Web, ApiCalls.NewCampaign(kind: "village", county: CountyA, village: "甲村"));
        CampaignB = await ApiCalls.CreateLiveCampaignAsync(Web, ApiCalls.NewCampaign(county: CountyB));
        Staff["admin"] = await StaffClients.CreateAsync(Web, "admin");
        Staff["association-a"] = await StaffClients.CreateAsync(Web, "association", new { county = CountyA });
        Staff["association-b"] = await StaffClients.CreateAsync(Web, "association", new { county = CountyB });
        Staff["city"] = await StaffClients.CreateAsync(Web, "association");
        Staff["coordinator-a"] = await StaffClients.CreateAsync(Web, "coordinator", new { campaignIds = new[] { CampaignA } });
        Staff["viewer"] = await StaffClients.CreateAsync(Web, "viewer");
    }

    /// <summary>Everything a privileged endpoint could change, as one string: rows of every table an action writes, and the audit trail.</summary>
    public async Task<string> SnapshotAsync()
    {
        var counts = new List<string>();
        foreach (var sql in new[]
        {
            "SELECT count(*) FROM admin_audit",
            "SELECT count(*) FROM campaigns",
            "SELECT count(*) FROM events",
            "SELECT string_agg(id::text || status, ',' ORDER BY id) FROM campaigns",
            "SELECT count(*) FROM donations",
            "SELECT coalesce(sum(refunded_amount), 0)::bigint FROM donations",
            "SELECT count(*) FROM pledges",
            "SELECT count(*) FROM accounts WHERE disabled_at IS NULL",
            "SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL",
            "SELECT string_agg(id::text || paused::text, ',' ORDER BY id) FROM matching_pools",
            "SELECT string_agg(donation_id::text || status, ',' ORDER BY donation_id) FROM donation_matches",
            "SELECT count(*) FROM village_claims",
            "SELECT count(*) FROM sub_plans",
            "SELECT count(*) FROM photos",
            "SELECT count(*) FROM project_posts",
            "SELECT count(*) FROM external_city_figures",
            "SELECT string_agg(year::text || event_id::text, ',' ORDER BY year) FROM giving_days",
            "SELECT count(*)::text || '/' || coalesce(sum(amount), 0)::text || '/' || (SELECT sum(disbursed_amount) FROM campaigns)::text FROM disbursements",
        })
        {
            counts.Add((await Platform.Database.ScalarAsync<object>(sql))?.ToString() ?? "null");
        }
        return string.Join(" | ", counts);
    }

    private (Guid Event, Guid Pool, string DonorToken)? _matching;

    /// <summary>An event of campaign A with an open pool and a verified donor, made once (by the bootstrap key) when a row needs it.</summary>
    public async Task<(Guid Event, Guid Pool, string DonorToken)> MatchingAsync()
    {
        if (_matching is null)
        {
            var eventId = await Matching.MatchingCalls.CreateEventAsync(Web.Admin, CampaignA);
            var pool = await Matching.MatchingCalls.CreatePoolAsync(Web.Admin, eventId, budget: 1_000_000, maxPerGift: 1_000, maxPerDonorPerDay: 100_000);
            _matching = (eventId, pool.GetProperty("id").GetGuid(), await Matching.MatchingCalls.VerifyAsync(Web.Client));
        }
        return _matching.Value;
    }

    /// <summary>A gift of campaign A held back from matching (its donor gives again at once).</summary>
    public async Task<Guid> HeldGiftAsync()
    {
        var (_, _, donor) = await MatchingAsync();
        while (true)
        {
            var gift = await Matching.MatchingCalls.GiveAsync(Web.Client, CampaignA, 1_000, donor);
            if (Matching.MatchingCalls.MatchStatus(gift) == "held")
            {
                return gift.GetProperty("id").GetGuid();
            }
        }
    }

    /// <summary>A new pool of the matching event, paused or not, made by the bootstrap key.</summary>
    public async Task<Guid> NewPoolAsync(bool paused)
    {
        var (eventId, _, _) = await MatchingAsync();
        var id = (await Matching.MatchingCalls.CreatePoolAsync(Web.Admin, eventId, budget: 10_000, maxPerGift: 100, maxPerDonorPerDay: 100)).GetProperty("id").GetGuid();
        if (paused)
        {
            (await Web.Admin.PostAsync($"/api/pools/{id}/pause", null)).EnsureSuccessStatusCode();
        }
        return id;
    }

    public async Task DisposeAsync()
    {
        foreach (var member in Staff.Values)
        {
            member.Cookie.Dispose();
            member.Bearer.Dispose();
        }
        await Platform.DisposeAsync();
    }
}

/// <summary>
/// Every privileged endpoint against every kind of caller: anonymous → 401; a role that may not → 403; the right role
/// outside its scope → 403; each refusal changes nothing; the right role in scope → 2xx. A second test checks that the
/// table names every endpoint the app maps with an authorization policy, so a new endpoint cannot be left out.
/// </summary>
public sealed class AccessMatrixTests(AccessMatrixFixture fixture) : IClassFixture<AccessMatrixFixture>
{
    private enum Scope
    {
        /// <summary>Any signed-in caller of an allowed role: no resource to check.</summary>
        None,

        /// <summary>About campaign A: in scope for association-a, the city association and coordinator-a; out of scope for association-b.</summary>
        CampaignA,

        /// <summary>Platform-wide: only whole scopes (admin, viewer, the city's association).</summary>
        Whole,
    }

    /// <summary>One privileged endpoint: its route as the app maps it, who may call it, and how to make a request that succeeds.</summary>
    /// <remarks><paramref name="Served"/>: what an allowed caller gets when it is not simply a success (an endpoint the platform turns off).</remarks>
    private sealed record Row(string Method, string Route, string[] Allowed, Scope Scope, Func<AccessMatrixFixture, StaffMember?, Guid, Task<HttpRequestMessage>> Build,
        string? Query = null, HttpStatusCode? Served = null)
    {
        public override string ToString() => $"{Method} {Route}{Query}";
    }

    private static readonly string[] Admins = ["admin"];
    private static readonly string[] Managers = ["admin", "association-a", "city"];
    private static readonly string[] GiftRecorders = ["admin", "association-a", "city", "coordinator-a"];
    private static readonly string[] Readers = ["admin", "association-a", "city", "coordinator-a", "viewer"];
    private static readonly string[] WholeReaders = ["admin", "city", "viewer"];
    private static readonly string[] WholeDonorReaders = ["admin", "city"];
    private static readonly string[] WholeManagers = ["admin", "city"];
    // The matching event's year (its window starts an hour ago), in the association's zone.
    private static int ThisYear => DateTimeOffset.UtcNow.AddHours(-1).ToOffset(TimeSpan.FromHours(8)).Year;
    private static readonly string[] ReportReaders = ["admin", "association-a", "city", "viewer"];
    private static readonly string[] Everyone = ["admin", "association-a", "association-b", "city", "coordinator-a", "viewer"];

    private static readonly Row[] Matrix =
    [
        new("POST", "/api/campaigns/", Managers, Scope.CampaignA, (f, _, t) => Post("/api/campaigns", ApiCalls.NewCampaign(county: AccessMatrixFixture.CountyA))),
        new("POST", "/api/events/", Managers, Scope.CampaignA, (f, _, t) => Post("/api/events",
            new { name = "九九公益日", startsAt = "2026-09-07T00:00:00+08:00", endsAt = "2026-09-09T23:59:59+08:00", timeZone = "Asia/Shanghai", campaignIds = new[] { t } })),
        new("POST", "/api/campaigns/{id:guid}/open", Managers, Scope.CampaignA, async (f, _, t) => Request($"/api/campaigns/{await DraftAsync(f)}/open", null)),
        new("POST", "/api/campaigns/{id:guid}/close", Managers, Scope.CampaignA, async (f, _, t) => Request($"/api/campaigns/{await LiveAsync(f)}/close", null)),
        new("POST", "/api/campaigns/{campaignId:guid}/offline-donations", GiftRecorders, Scope.CampaignA, (f, _, t) => Post($"/api/campaigns/{t}/offline-donations", Offline(), key: true)),
        new("GET", "/api/admin/campaigns/{campaignId:guid}/donations", GiftRecorders, Scope.CampaignA, (f, _, t) => Get($"/api/admin/campaigns/{t}/donations")),
        new("GET", "/api/admin/campaigns/{campaignId:guid}/monthly-gifts", GiftRecorders, Scope.CampaignA, (f, _, t) => Get($"/api/admin/campaigns/{t}/monthly-gifts")),
        new("POST", "/api/donations/{donationId:guid}/refunds", Managers, Scope.CampaignA, async (f, _, t) => Request($"/api/donations/{await GiftAsync(f, t)}/refunds", new { reason = "录入错误" }, key: true)),
        new("GET", "/api/admin/donations/{donationId:guid}/receipt", GiftRecorders, Scope.CampaignA, async (f, _, t) => new HttpRequestMessage(HttpMethod.Get, $"/api/admin/donations/{await GiftAsync(f, t)}/receipt")),
        new("POST", "/api/campaigns/{campaignId:guid}/pledges/", GiftRecorders, Scope.CampaignA, (f, _, t) => Post($"/api/campaigns/{t}/pledges", new { donorName = "某企业", amount = 100_000, currency = "CNY" }, key: true)),
        new("GET", "/api/campaigns/{campaignId:guid}/pledges/", GiftRecorders, Scope.CampaignA, (f, _, t) => Get($"/api/campaigns/{t}/pledges")),
        // Village projects: sub-plans, photos, updates and milestones by the project's coordinator, its county, admins; claims by a county.
        new("POST", "/api/campaigns/{campaignId:guid}/subplans", GiftRecorders, Scope.CampaignA, (f, _, t) => Post($"/api/campaigns/{t}/subplans",
            new { title = $"子计划{Guid.NewGuid():N}"[..12], goalAmount = 100_000 })),
        new("POST", "/api/campaigns/{campaignId:guid}/photos", GiftRecorders, Scope.CampaignA, (f, _, t) =>
            Task.FromResult(new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{t}/photos") { Content = PhotoForm() })),
        new("POST", "/api/campaigns/{campaignId:guid}/updates", GiftRecorders, Scope.CampaignA, (f, _, t) => Post($"/api/campaigns/{t}/updates", new { title = "进展", body = "开工了" })),
        new("POST", "/api/campaigns/{campaignId:guid}/milestones", GiftRecorders, Scope.CampaignA, (f, _, t) => Post($"/api/campaigns/{t}/milestones", new { title = "建成" })),
        new("POST", "/api/villages/claims/", Managers, Scope.CampaignA, (f, _, t) => Post("/api/villages/claims",
            new { county = AccessMatrixFixture.CountyA, village = $"村{Guid.NewGuid():N}"[..10] })),
        new("GET", "/api/admin/reconciliation", WholeReaders, Scope.Whole, (f, _, t) => Get("/api/admin/reconciliation")),
        new("GET", "/api/admin/audit", WholeReaders, Scope.Whole, (f, _, t) => Get("/api/admin/audit?limit=5")),
        new("GET", "/api/admin/audit", Readers, Scope.CampaignA, (f, _, t) => Get($"/api/admin/audit?campaignId={t}"), Query: "?campaignId=A"),
        new("GET", "/api/admin/statements/{year:int}", WholeDonorReaders, Scope.Whole, (f, _, t) => Get($"/api/admin/statements/{DateTime.UtcNow.Year}?donorName=某企业")),
        new("POST", "/api/admin/accounts/", Admins, Scope.None, (f, _, t) => Post("/api/admin/accounts",
            new { userName = $"new-{Guid.NewGuid():N}"[..20], displayName = "新账号", password = StaffClients.Password, role = "viewer" })),
        new("GET", "/api/admin/accounts/", Admins, Scope.None, (f, _, t) => Get("/api/admin/accounts")),
        new("POST", "/api/admin/accounts/{id:guid}/disable", Admins, Scope.None, async (f, _, t) => Request($"/api/admin/accounts/{await ThrowAwayAccountAsync(f)}/disable", null)),
        new("GET", "/api/admin/health", Admins, Scope.None, (f, _, t) => Get("/api/admin/health")),
        // The API's try-it page (Scalar): it sends requests with the admin's own session.
        new("GET", "/scalar/{documentName?}", Admins, Scope.None, (f, _, t) => Get("/scalar/v1")),
        new("POST", "/api/events/{eventId:guid}/pools", WholeManagers, Scope.Whole, async (f, _, t) => Request($"/api/events/{(await f.MatchingAsync()).Event}/pools",
            new { sponsorName = "某企业", budget = 10_000, currency = "CNY", maxPerGift = 100, maxPerDonorPerDay = 100 })),
        new("POST", "/api/pools/{id:guid}/pause", WholeManagers, Scope.Whole, async (f, member, t) =>
            Request($"/api/pools/{(member is null ? Guid.NewGuid() : await f.NewPoolAsync(paused: false))}/pause", null)),
        new("POST", "/api/pools/{id:guid}/resume", WholeManagers, Scope.Whole, async (f, member, t) =>
            Request($"/api/pools/{(member is null ? Guid.NewGuid() : await f.NewPoolAsync(paused: true))}/resume", null)),
        new("GET", "/api/admin/flagged-gifts/", WholeManagers, Scope.Whole, (f, _, t) => Get("/api/admin/flagged-gifts?status=held")),
        // Refusals are decided before the gift is looked at: they name any id; the allowed callers each decide a held gift of their own.
        new("POST", "/api/admin/flagged-gifts/{donationId:guid}/release", WholeManagers, Scope.Whole, async (f, member, t) =>
            Request($"/api/admin/flagged-gifts/{(member is null ? Guid.NewGuid() : await f.HeldGiftAsync())}/release", null)),
        new("POST", "/api/admin/flagged-gifts/{donationId:guid}/reject", WholeManagers, Scope.Whole, async (f, member, t) =>
            Request($"/api/admin/flagged-gifts/{(member is null ? Guid.NewGuid() : await f.HeldGiftAsync())}/reject", null)),
        new("GET", "/api/admin/pools/{id:guid}/reconciliation", WholeReaders, Scope.Whole, async (f, _, t) =>
            new HttpRequestMessage(HttpMethod.Get, $"/api/admin/pools/{(await f.MatchingAsync()).Pool}/reconciliation")),
        // The live dashboard: every staff role (no scope narrows it), over REST and its hub (whose negotiate is the door).
        new("GET", "/api/admin/events/{id:guid}/dashboard", Everyone, Scope.None, async (f, _, t) =>
            new HttpRequestMessage(HttpMethod.Get, $"/api/admin/events/{(await f.MatchingAsync()).Event}/dashboard")),
        // SignalR maps both without a method: the negotiate (a POST), and the connection itself (here a long poll's first GET,
        // which answers at once, on a connection the caller negotiated; a refused caller names none).
        new("*", "/hubs/dashboard/negotiate", Everyone, Scope.None, (f, _, t) => Post("/hubs/dashboard/negotiate?negotiateVersion=1", null)),
        new("*", "/hubs/dashboard", Everyone, Scope.None, async (f, member, t) =>
            new HttpRequestMessage(HttpMethod.Get, $"/hubs/dashboard?id={(member is null ? "none" : await DashboardConnectionAsync(member))}")),
        // Reports: every role whose scope is a region or more (a county's association reads its county's); coordinators' scope is a few projects.
        new("GET", "/api/reports/annual/{year}", ReportReaders, Scope.None, (f, _, t) => Get($"/api/reports/annual/{ThisYear}")),
        new("GET", "/api/reports/events/{id}", ReportReaders, Scope.None, async (f, _, t) =>
            new HttpRequestMessage(HttpMethod.Get, $"/api/reports/events/{(await f.MatchingAsync()).Event}.csv")),
        new("GET", "/api/reports/giving-days", Admins, Scope.None, (f, _, t) => Get("/api/reports/giving-days")),
        new("GET", "/api/reports/external-figures", Admins, Scope.None, (f, _, t) => Get($"/api/reports/external-figures?year={ThisYear}")),
        new("PUT", "/api/reports/giving-days/{year}", Admins, Scope.None, async (f, member, t) => new HttpRequestMessage(HttpMethod.Put, $"/api/reports/giving-days/{ThisYear}")
        {
            Content = JsonContent.Create(new { eventId = member is null ? Guid.NewGuid() : (await f.MatchingAsync()).Event }),
        }),
        new("POST", "/api/reports/external-figures", Admins, Scope.None, (f, _, t) => Post("/api/reports/external-figures",
            new { year = ThisYear, province = "陕西省", city = "西安市", onlineAmount = 100, currency = "CNY", source = "省慈善联合会" })),
        new("POST", "/api/campaigns/from-template", Managers, Scope.CampaignA, (f, _, t) => Post("/api/campaigns/from-template",
            new { template = "disaster", county = AccessMatrixFixture.CountyA, title = "矩阵救灾", goalAmount = 1_000_000 })),
        // Money out of a project: each allowed caller disburses from a new gift's money, and corrects an entry of the project.
        new("POST", "/api/campaigns/{campaignId:guid}/disbursements/", GiftRecorders, Scope.CampaignA, async (f, _, t) =>
        {
            await GiftAsync(f, t);
            return Request($"/api/campaigns/{t}/disbursements", Disbursement());
        }),
        new("GET", "/api/campaigns/{campaignId:guid}/disbursements/", GiftRecorders, Scope.CampaignA, (f, _, t) => Get($"/api/campaigns/{t}/disbursements")),
        new("POST", "/api/disbursements/{disbursementId:guid}/corrections", GiftRecorders, Scope.CampaignA, async (f, _, t) =>
            Request($"/api/disbursements/{await DisbursementAsync(f, t)}/corrections", new { amount = -100, reason = "金额录入有误" })),
        new("GET", "/api/auth/me", Everyone, Scope.None, (f, _, t) => Get("/api/auth/me")),
        new("GET", "/api/auth/antiforgery", Everyone, Scope.None, (f, _, t) => Get("/api/auth/antiforgery")),
        new("GET", "/api/auth/tokens", Everyone, Scope.None, (f, _, t) => Get("/api/auth/tokens")),
        new("POST", "/api/auth/tokens", Everyone, Scope.None, (f, _, t) => Post("/api/auth/tokens", new { name = "matrix" })),
        new("DELETE", "/api/auth/tokens/{tokenId:guid}", Everyone, Scope.None, async (f, member, t) =>
            new HttpRequestMessage(HttpMethod.Delete, $"/api/auth/tokens/{(member is null ? Guid.NewGuid() : await TokenOfAsync(member))}")),
        new("POST", "/api/auth/sign-out", Everyone, Scope.None, (f, _, t) => Post("/api/auth/sign-out", null)),
        // The Prometheus scrape (mapped for every method): every staff role (platform-wide numbers, no donor, no campaign id).
        new("*", "/metrics", Everyone, Scope.None, (f, _, t) => Get("/metrics")),
        // The Orleans Dashboard (admins): its page, files and JSON, each mapped by the package under one group.
        Dashboard("/"), Dashboard("/index.html"), Dashboard("/favicon.ico"), Dashboard("/index.min.js"), Dashboard("/index.css"),
        Dashboard("/fonts/{**path}", "/fonts/fa-solid-900.woff2"), Dashboard("/img/{**path}", "/img/OrleansLogo.png"), Dashboard("/version"),
        Dashboard("/DashboardCounters"), Dashboard("/ClusterStats"), Dashboard("/Reminders"), Dashboard("/Reminders/{page:int}", "/Reminders/1"),
        Dashboard("/HistoricalStats/{*path}", "/HistoricalStats/{silo}"), Dashboard("/SiloProperties/{*address}", "/SiloProperties/{silo}"),
        Dashboard("/SiloStats/{*address}", "/SiloStats/{silo}"), Dashboard("/SiloCounters/{*address}", "/SiloCounters/{silo}"),
        Dashboard("/SiloMetadata/{*address}", "/SiloMetadata/{silo}"), Dashboard("/LifecycleStages"),
        Dashboard("/GrainStats/{*grainName}", "/GrainStats/Fundraising.Grains.Campaigns.CampaignGrain"), Dashboard("/TopGrainMethods"), Dashboard("/GrainTypes"),
        // Reading a grain's state calls the grain's methods, past its rules and the audit trail: turned off, for admins too.
        Dashboard("/GrainState", "/GrainState?grainId=0&grainType=Fundraising.Grains.Health.PingGrain", HttpStatusCode.NotFound),
        // The live log stream (served until the caller leaves: the matrix reads its headers only).
        Dashboard("/Trace"),
    ];

    /// <summary>A row of the Orleans Dashboard: admins only; <c>{silo}</c> in the address is a live silo's.</summary>
    private static Row Dashboard(string route, string? address = null, HttpStatusCode? served = null) =>
        new("GET", "/orleans-dashboard" + route, Admins, Scope.None, async (f, member, t) =>
        {
            var path = address ?? route;
            if (path.Contains("{silo}", StringComparison.Ordinal))
            {
                path = path.Replace("{silo}", member is null ? "127.0.0.1:1@1" : await DashboardSiloAsync(f), StringComparison.Ordinal);
            }
            return new HttpRequestMessage(HttpMethod.Get, "/orleans-dashboard" + path);
        }, Served: served);

    /// <summary>The address of a silo the Orleans Dashboard knows, as its pages name one.</summary>
    private static async Task<string> DashboardSiloAsync(AccessMatrixFixture f) =>
        (await f.Web.Admin.GetFromJsonAsync<JsonElement>("/orleans-dashboard/DashboardCounters")).GetProperty("hosts")[0].GetProperty("siloAddress").GetString()!;

    public static TheoryData<string> Endpoints()
    {
        var data = new TheoryData<string>();
        foreach (var row in Matrix)
        {
            data.Add(row.ToString());
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task EachPrivilegedEndpointRefusesTheWrongCallerWithNothingChangedAndServesTheRightOne(string endpoint)
    {
        var row = Matrix.Single(r => r.ToString() == endpoint);
        using var anonymous = new HttpClient { BaseAddress = fixture.Web.BaseAddress };
        await ExpectRefusedAsync(row, "anonymous", anonymous, HttpStatusCode.Unauthorized);

        foreach (var (name, member) in fixture.Staff)
        {
            var inRole = row.Allowed.Contains(name) || (name == "association-b" && row.Allowed.Contains("association-a"));
            var inScope = row.Scope switch
            {
                Scope.CampaignA => name != "association-b",
                _ => true,
            };
            if (!inRole || !inScope)
            {
                await ExpectRefusedAsync(row, name, member.Bearer, HttpStatusCode.Forbidden);
                continue;
            }
            using var request = await row.Build(fixture, member, fixture.CampaignA);
            // Headers only: a streaming answer (the dashboard's log stream) is judged by its status, then let go.
            using var response = await member.Bearer.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.True(row.Served is { } served ? response.StatusCode == served : response.IsSuccessStatusCode,
                $"{row} as {name}: {(int)response.StatusCode} {(row.Served is null && !response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : "")}");
        }

        // The coordinator's scope is its projects: campaign B is not one of them.
        if (row.Scope == Scope.CampaignA && row.Allowed.Contains("coordinator-a"))
        {
            using var request = await row.Build(fixture, null, fixture.CampaignB);
            var before = await fixture.SnapshotAsync();
            var response = await fixture.Staff["coordinator-a"].Bearer.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{row} on campaign B as coordinator-a: {(int)response.StatusCode}");
            Assert.Equal(before, await fixture.SnapshotAsync());
        }
    }

    [Fact]
    public void TheMatrixNamesEveryEndpointThatHasAnAuthorizationPolicy()
    {
        var privileged = PrivilegedEndpoints(fixture.Web);
        Assert.Empty(privileged.Except(Covered).Order());
        Assert.Empty(Covered.Except(privileged).Order());
    }

    /// <summary>"METHOD route" of every endpoint in the matrix.</summary>
    public static IReadOnlySet<string> Covered => Matrix.Select(r => $"{r.Method} {r.Route}").ToHashSet();

    /// <summary>"METHOD route" of every endpoint the running app maps with an authorization policy (and no AllowAnonymous).</summary>
    public static IReadOnlySet<string> PrivilegedEndpoints(WebFrontEnd web) =>
        web.Services!.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetOrderedMetadata<IAuthorizeData>().Any() && e.Metadata.GetMetadata<IAllowAnonymous>() is null)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(method => $"{method} {e.RoutePattern.RawText}"))
            .ToHashSet();

    [Fact]
    public async Task AuditEntriesNameTheAccountThatActed()
    {
        var member = fixture.Staff["association-a"];
        var created = await member.Bearer.PostAsJsonAsync("/api/campaigns", ApiCalls.NewCampaign(title: "审计测试项目", county: AccessMatrixFixture.CountyA));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var entries = await fixture.Web.Admin.GetFromJsonAsync<JsonElement>($"/api/admin/audit?campaignId={id}");
        var entry = entries.EnumerateArray().Single();
        Assert.Equal("create_campaign", entry.GetProperty("action").GetString());
        Assert.Equal(member.UserName, entry.GetProperty("actor").GetString());
    }

    private async Task ExpectRefusedAsync(Row row, string who, HttpClient client, HttpStatusCode expected)
    {
        using var request = await row.Build(fixture, null, fixture.CampaignA);
        var before = await fixture.SnapshotAsync();
        var response = await client.SendAsync(request);
        Assert.True(response.StatusCode == expected, $"{row} as {who}: expected {(int)expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await fixture.SnapshotAsync());
    }

    private static MultipartFormDataContent PhotoForm()
    {
        var file = new ByteArrayContent(Villages.VillageCalls.Image(8, 8));
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
        return new MultipartFormDataContent { { file, "file", "photo.png" } };
    }

    private static Task<HttpRequestMessage> Get(string url) => Task.FromResult(new HttpRequestMessage(HttpMethod.Get, url));

    private static Task<HttpRequestMessage> Post(string url, object? body, bool key = false) => Task.FromResult(Request(url, body, key));

    private static HttpRequestMessage Request(string url, object? body, bool key = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = body is null ? null : JsonContent.Create(body) };
        if (key)
        {
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        }
        return request;
    }

    private static object Offline() => new { amount = 10_000, currency = "CNY", donorName = "村民代表", reference = $"CASH-{Guid.NewGuid():N}", method = "cash" };

    /// <summary>A new draft in county A (made by the bootstrap key, so only the request under test is in question).</summary>
    private static async Task<Guid> DraftAsync(AccessMatrixFixture f)
    {
        var created = await f.Web.Admin.PostAsJsonAsync("/api/campaigns", ApiCalls.NewCampaign(county: AccessMatrixFixture.CountyA));
        created.EnsureSuccessStatusCode();
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private static Task<Guid> LiveAsync(AccessMatrixFixture f) => ApiCalls.CreateLiveCampaignAsync(f.Web, ApiCalls.NewCampaign(county: AccessMatrixFixture.CountyA));

    /// <summary>A new offline gift in the campaign, so that each refund has something to give back.</summary>
    private static async Task<Guid> GiftAsync(AccessMatrixFixture f, Guid campaign)
    {
        using var request = Request($"/api/campaigns/{campaign}/offline-donations", Offline(), key: true);
        var created = await f.Web.Admin.SendAsync(request);
        created.EnsureSuccessStatusCode();
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private static object Disbursement() => new { amount = 100, currency = "CNY", purpose = "购买老人食堂米面", payee = "村供销社", paidAt = DateTimeOffset.UtcNow };

    /// <summary>A new disbursement of the campaign (made by the bootstrap key from a new gift's money), for a correction to name.</summary>
    private static async Task<Guid> DisbursementAsync(AccessMatrixFixture f, Guid campaign)
    {
        await GiftAsync(f, campaign);
        var created = await f.Web.Admin.PostAsJsonAsync($"/api/campaigns/{campaign}/disbursements", Disbursement());
        created.EnsureSuccessStatusCode();
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>A new token of the member's own, made as its signed-in page would.</summary>
    private static async Task<Guid> TokenOfAsync(StaffMember member)
    {
        var created = await StaffClients.PostWithAntiforgeryAsync(member.Cookie, member.AntiforgeryToken, "/api/auth/tokens", new { name = "to revoke" });
        created.EnsureSuccessStatusCode();
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>A dashboard hub connection negotiated by the member (long polling), by its connection token.</summary>
    private static async Task<string> DashboardConnectionAsync(StaffMember member)
    {
        var negotiated = await member.Bearer.PostAsync("/hubs/dashboard/negotiate?negotiateVersion=1", null);
        negotiated.EnsureSuccessStatusCode();
        return (await negotiated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("connectionToken").GetString()!;
    }

    private static async Task<Guid> ThrowAwayAccountAsync(AccessMatrixFixture f)
    {
        var created = await StaffClients.CreateAccountAsync(f.Web, $"gone-{Guid.NewGuid():N}"[..20], "viewer");
        created.EnsureSuccessStatusCode();
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }
}
