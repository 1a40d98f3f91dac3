using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Fundraising.Web.Dashboard;
using Fundraising.Web.Tests.Accounts;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using static Fundraising.Web.Tests.Dashboard.DashboardCalls;
using static Fundraising.Web.Tests.Matching.MatchingCalls;

namespace Fundraising.Web.Tests.Dashboard;

/// <summary>
/// The admins' live dashboard, REST and hub, on a real co-hosted platform: who may see it, that its numbers are the
/// ledger's, that its rates and commit batches move while gifts arrive, and that one sampler per event serves every watcher.
/// </summary>
public sealed class DashboardTests(UnlimitedPlatform platform) : IClassFixture<UnlimitedPlatform>
{
    private readonly WebFrontEnd _web = platform.Web;

    private async Task<(Guid Event, Guid Campaign)> EventAsync()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(_web);
        return (await CreateEventAsync(_web.Admin, campaign), campaign);
    }

    private HttpClient Bearer(string token) =>
        new() { BaseAddress = _web.BaseAddress, DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };

    [Fact]
    public async Task EveryStaffRoleSeesTheDashboardAndAnonymousCallersAndDonorsAreRefused()
    {
        var (eventId, campaign) = await EventAsync();
        foreach (var (role, scope) in new (string, object?)[]
        {
            ("admin", null), ("association", new { county = "丹凤县" }), ("coordinator", new { campaignIds = new[] { campaign } }), ("viewer", null),
        })
        {
            var member = await StaffClients.CreateAsync(_web, role, scope);
            var dashboard = await GetAsync(member.Bearer, eventId);
            Assert.Equal(eventId, dashboard.GetProperty("eventId").GetGuid());
            // The same account signed in with the cookie, as the page is.
            Assert.Equal(HttpStatusCode.OK, (await member.Cookie.GetAsync($"/api/admin/events/{eventId}/dashboard")).StatusCode);
            await using var watcher = await DashboardWatcher.ConnectAsync(_web.BaseAddress, TokenOf(member));
            await watcher.WatchAsync(eventId);
            await watcher.WaitForAsync(m => m.GetProperty("eventId").GetGuid() == eventId);
        }

        var donor = await VerifyAsync(_web.Client);
        using var anonymous = new HttpClient { BaseAddress = _web.BaseAddress };
        var refused = await anonymous.GetAsync($"/api/admin/events/{eventId}/dashboard");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        await ApiCalls.ProblemAsync(refused);
        using var withDonorToken = new HttpRequestMessage(HttpMethod.Get, $"/api/admin/events/{eventId}/dashboard") { Headers = { { "Donor-Token", donor } } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(withDonorToken)).StatusCode);
        using var donorAsBearer = Bearer(donor);
        Assert.Equal(HttpStatusCode.Unauthorized, (await donorAsBearer.GetAsync($"/api/admin/events/{eventId}/dashboard")).StatusCode);

        // The hub refuses them before any connection exists: its negotiate answers 401.
        foreach (var bearer in new[] { null, donor })
        {
            var error = await Assert.ThrowsAsync<HttpRequestException>(() => DashboardWatcher.ConnectAsync(_web.BaseAddress, bearer));
            Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        }
    }

    /// <summary>The member's bearer token (the tests' bearer client carries it in its default headers).</summary>
    private static string TokenOf(StaffMember member) => member.Bearer.DefaultRequestHeaders.Authorization!.Parameter!;

    [Fact]
    public async Task TheDashboardsTotalsPoolsAndFlaggedCountAreTheLedgers()
    {
        var first = await ApiCalls.CreateLiveCampaignAsync(_web);
        var second = await ApiCalls.CreateLiveCampaignAsync(_web);
        var eventId = await CreateEventAsync(_web.Admin, first, second);
        var pool = (await CreatePoolAsync(_web.Admin, eventId, budget: 1_000_000, maxPerGift: 1_000, maxPerDonorPerDay: 100_000)).GetProperty("id").GetGuid();
        var viewer = await StaffClients.CreateAsync(_web, "viewer");
        var before = await GetAsync(viewer.Bearer, eventId);
        Assert.Equal(0, Totals(before, "donationCount"));
        Assert.Equal(0, before.GetProperty("donationsPerSecond").GetDouble());

        // Matched gifts (each donor's first), unmatched ones (no token), and one held back: its donor gives again at once.
        var donors = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            donors.Add(await VerifyAsync(_web.Client));
        }
        foreach (var (donor, i) in donors.Select((d, i) => (d, i)))
        {
            Assert.Equal("matched", MatchStatus(await GiveAsync(_web.Client, i % 2 == 0 ? first : second, 2_000, donor)));
        }
        await ApiCalls.DonateAsync(_web.Client, first, 1_234);
        await ApiCalls.DonateAsync(_web.Client, second, 5_000);
        Assert.Equal("held", MatchStatus(await GiveAsync(_web.Client, first, 800, donors[0])));

        var ledger = await LedgerAsync(platform.Database, first, second);
        // Three matched gifts of ¥20 (each matched ¥10, the cap per gift), ¥12.34 and ¥50 unmatched, ¥8 held.
        Assert.Equal((3 * 2_000L + 1_234 + 5_000 + 800, 6L, 3 * 1_000L), ledger);
        var held = await platform.Database.ScalarAsync<long>("SELECT coalesce(sum(amount), 0)::bigint FROM donation_matches WHERE status = 'held' AND pool_id = $1", pool);

        // Pools' sums are at most 250 ms old: wait for the sample that has every match.
        var dashboard = await WaitForAsync(viewer.Bearer, eventId, d => d.GetProperty("pools")[0].GetProperty("matchedAmount").GetInt64() == ledger.Matched);
        Assert.Equal(ledger.Raised, Totals(dashboard, "raisedAmount"));
        Assert.Equal(ledger.Count, Totals(dashboard, "donationCount"));
        Assert.Equal(ledger.Matched, Totals(dashboard, "matchedAmount"));
        Assert.Equal("CNY", dashboard.GetProperty("currency").GetString());
        var shown = Assert.Single(dashboard.GetProperty("pools").EnumerateArray());
        Assert.Equal(pool, shown.GetProperty("id").GetGuid());
        Assert.Equal("爱心企业", shown.GetProperty("sponsorName").GetString());
        Assert.Equal("open", shown.GetProperty("status").GetString());
        Assert.Equal(1_000_000, shown.GetProperty("budget").GetInt64());
        Assert.Equal(1_000_000 - ledger.Matched - held, shown.GetProperty("remainingAmount").GetInt64());
        Assert.Equal(1, dashboard.GetProperty("flaggedCount").GetInt64());

        var health = dashboard.GetProperty("health");
        Assert.Contains(health.GetProperty("silos").EnumerateArray(), s => s.GetProperty("status").GetString() == "active");
        Assert.True(health.GetProperty("activations").GetInt32() > 0);
        Assert.Equal(0, health.GetProperty("webhookBacklog").GetInt64());
        // Never a donor's name, e-mail or token.
        Assert.DoesNotContain("测试捐赠人", dashboard.GetRawText());
        Assert.DoesNotContain("@example.org", dashboard.GetRawText());
    }

    private static async Task<JsonElement> WaitForAsync(HttpClient staff, Guid eventId, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var dashboard = await GetAsync(staff, eventId);
            if (done(dashboard) || DateTime.UtcNow > deadline)
            {
                return dashboard;
            }
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task RatesAndCommitBatchesMoveWhileGiftsArrive()
    {
        var (eventId, campaign) = await EventAsync();
        await CreatePoolAsync(_web.Admin, eventId, budget: 10_000_000, maxPerGift: 1_000, maxPerDonorPerDay: 100_000);
        var viewer = await StaffClients.CreateAsync(_web, "viewer");
        var donors = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            donors.Add(await VerifyAsync(_web.Client));
        }
        var samples = new List<JsonElement> { await GetAsync(viewer.Bearer, eventId) };

        using var stop = new CancellationTokenSource();
        var gifts = Task.Run(async () =>
        {
            var matched = 0;
            while (!stop.IsCancellationRequested)
            {
                // Each verified donor gives once (matched); the rest give without a token.
                var donor = matched < donors.Count ? donors[matched++] : null;
                await Task.WhenAll(GiveAsync(_web.Client, campaign, 1_000, donor), ApiCalls.DonateAsync(_web.Client, campaign, 500));
            }
        });
        for (var i = 0; i < 20; i++)
        {
            await Task.Delay(300);
            samples.Add(await GetAsync(viewer.Bearer, eventId));
        }
        await stop.CancelAsync();
        await gifts;

        Assert.Contains(samples, s => s.GetProperty("donationsPerSecond").GetDouble() > 0);
        Assert.Contains(samples, s => s.GetProperty("matchedPerSecond").GetDouble() > 0);
        var batches = samples.Select(s => s.GetProperty("health").GetProperty("commitBatches")).Where(b => b.GetProperty("count").GetInt64() > 0).ToList();
        Assert.NotEmpty(batches);
        Assert.All(batches, b => Assert.InRange(b.GetProperty("meanSize").GetDouble(), 1, b.GetProperty("maxSize").GetInt32()));
        // The counts only grow, and the last equals the ledger.
        var counts = samples.Select(s => Totals(s, "donationCount")).ToList();
        Assert.Equal(counts.Order(), counts);
        var ledger = await LedgerAsync(platform.Database, campaign);
        Assert.Equal(ledger.Count, Totals(await WaitForAsync(viewer.Bearer, eventId, d => Totals(d, "donationCount") == ledger.Count), "donationCount"));
    }

    [Fact]
    public async Task AnUnknownEventIsNotFound()
    {
        var viewer = await StaffClients.CreateAsync(_web, "viewer");
        var missing = Guid.NewGuid();
        var response = await viewer.Bearer.GetAsync($"/api/admin/events/{missing}/dashboard");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await ApiCalls.ProblemAsync(response);
        await using var watcher = await DashboardWatcher.ConnectAsync(_web.BaseAddress, TokenOf(viewer));
        Assert.Contains("no event", (await Assert.ThrowsAsync<HubException>(() => watcher.WatchAsync(missing))).Message);
        Assert.Contains("GUID", (await Assert.ThrowsAsync<HubException>(() => watcher.WatchAsync("not-an-id"))).Message);
    }

    [Fact]
    public async Task AWatcherGetsDashboardMessagesWhoseTotalsMoveAfterGifts()
    {
        var (eventId, campaign) = await EventAsync();
        var viewer = await StaffClients.CreateAsync(_web, "viewer");
        await using var watcher = await DashboardWatcher.ConnectAsync(_web.BaseAddress, TokenOf(viewer));
        await watcher.WatchAsync(eventId);
        var first = await watcher.WaitForAsync(_ => true);
        Assert.Equal(0, Totals(first, "donationCount"));

        foreach (var amount in new long[] { 1_000, 2_000, 3_000 })
        {
            await ApiCalls.DonateAsync(_web.Client, campaign, amount);
        }
        var moved = await watcher.WaitForAsync(m => Totals(m, "donationCount") == 3);
        Assert.Equal(6_000, Totals(moved, "raisedAmount"));
        // Later messages keep coming about once a second, and none goes backwards.
        await watcher.WaitForAsync(m => DateTimeOffset.Parse(m.GetProperty("at").GetString()!) > DateTimeOffset.Parse(moved.GetProperty("at").GetString()!));
        var times = watcher.Messages.Select(m => DateTimeOffset.Parse(m.GetProperty("at").GetString()!)).ToList();
        Assert.Equal(times.Order(), times);
        var totals = watcher.Messages.Select(m => Totals(m, "raisedAmount")).ToList();
        Assert.Equal(totals.Order(), totals);
    }

    [Fact]
    public async Task OneSamplerPerEventServesEveryWatcherAndStopsWhenNobodyWatches()
    {
        var (eventId, _) = await EventAsync();
        var viewer = await StaffClients.CreateAsync(_web, "viewer");
        var sampler = _web.Services!.GetRequiredService<DashboardSampler>();
        Assert.False(sampler.IsSampling(eventId));
        var token = TokenOf(viewer);
        var watchers = new List<DashboardWatcher>();
        for (var i = 0; i < 3; i++)
        {
            var watcher = await DashboardWatcher.ConnectAsync(_web.BaseAddress, token);
            await watcher.WatchAsync(eventId);
            watchers.Add(watcher);
        }
        Assert.True(sampler.IsSampling(eventId));
        var started = DateTime.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(4));
        var elapsed = DateTime.UtcNow - started;

        // Every watcher got the same samples (one per second for all of them), not one sample each.
        var times = watchers.Select(w => w.Messages.Select(m => m.GetProperty("at").GetString()).ToHashSet()).ToList();
        foreach (var seen in times)
        {
            Assert.InRange(seen.Count, 3, (int)Math.Ceiling(elapsed.TotalSeconds) + 2);
        }
        var later = times.Select(t => t.Skip(2).ToHashSet()).ToList();
        Assert.NotEmpty(later[0].Intersect(later[1]).Intersect(later[2]));

        await watchers[0].UnwatchAsync(eventId);
        await watchers[1].DisposeAsync();
        Assert.True(sampler.IsSampling(eventId));
        await watchers[2].DisposeAsync();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (sampler.IsSampling(eventId) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.False(sampler.IsSampling(eventId));
        await watchers[0].DisposeAsync();
    }
}
