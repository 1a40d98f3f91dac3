using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static Fundraising.Web.Tests.Matching.MatchingCalls;

namespace Fundraising.Web.Tests.Matching;

public sealed class MatchingPoolTests(MatchingPlatform platform) : IClassFixture<MatchingPlatform>
{
    private readonly HttpClient _admin = platform.Web.Admin;
    private readonly HttpClient _public = platform.Web.Client;

    // A pool's sums are read from its slices at most every 250 ms: wait for them to show what is expected.
    private async Task<JsonElement> PoolWhenAsync(Guid poolId, Func<JsonElement, bool> condition)
    {
        var pool = await GetPoolAsync(_public, poolId);
        for (var i = 0; i < 50 && !condition(pool); i++)
        {
            await Task.Delay(100);
            pool = await GetPoolAsync(_public, poolId);
        }
        return pool;
    }

    [Fact]
    public async Task AVerifiedGiftIsMatchedByTheRuleWithinTheDonorsCapAndMatchedMoneyIsReportedBesideRaised()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var eventId = await CreateEventAsync(_admin, campaign);
        var pool = await CreatePoolAsync(_admin, eventId, budget: 100_000, maxPerGift: 5_000, maxPerDonorPerDay: 8_000);
        var poolId = pool.GetProperty("id").GetGuid();
        Assert.Equal("open", pool.GetProperty("status").GetString());
        Assert.Equal(100_000, pool.GetProperty("remainingAmount").GetInt64());
        var donor = await VerifyAsync(_public);

        var first = await GiveAsync(_public, campaign, 3_000, donor);
        Assert.Equal(("matched", 3_000L), (MatchStatus(first), MatchAmount(first)));
        Assert.Equal(poolId, first.GetProperty("match").GetProperty("poolId").GetGuid());
        var second = await GiveAsync(_public, campaign, 10_000, donor);   // capped per gift (5,000) and by the donor's day (8,000 - 3,000)
        Assert.Equal(("matched", 5_000L), (MatchStatus(second), MatchAmount(second)));
        var third = await GiveAsync(_public, campaign, 1_000, donor);     // the donor's day is used up
        Assert.Equal(("none", 0L), (MatchStatus(third), MatchAmount(third)));
        var unverified = await GiveAsync(_public, campaign, 2_000, donorToken: null);
        Assert.Equal(("none", 0L), (MatchStatus(unverified), MatchAmount(unverified)));

        var totals = await ApiCalls.GetCampaignAsync(_public, campaign);
        Assert.Equal(16_000, totals.GetProperty("raisedAmount").GetInt64());
        Assert.Equal(8_000, totals.GetProperty("matchedAmount").GetInt64());
        Assert.Equal(24_000, totals.GetProperty("raisedAndMatchedAmount").GetInt64());
        Assert.Equal(4, totals.GetProperty("donationCount").GetInt64());

        var after = await PoolWhenAsync(poolId, p => p.GetProperty("matchedAmount").GetInt64() == 8_000);
        Assert.Equal(8_000, after.GetProperty("matchedAmount").GetInt64());
        Assert.Equal(92_000, after.GetProperty("remainingAmount").GetInt64());
        Assert.Equal(2, after.GetProperty("matchCount").GetInt64());
        var eventTotals = (await _public.GetFromJsonAsync<JsonElement>($"/api/events/{eventId}")).GetProperty("totals");
        Assert.Equal(8_000, eventTotals.GetProperty("matchedAmount").GetInt64());
        Assert.Equal(16_000, eventTotals.GetProperty("raisedAmount").GetInt64());
        await AssertReconciledAsync(_admin, poolId);

        // The ledger's reconciliation now checks matched money too: catalogue = match rows.
        var ledger = await _admin.GetFromJsonAsync<JsonElement>("/api/admin/reconciliation");
        Assert.True(ledger.GetProperty("allAgree").GetBoolean(), ledger.ToString());
    }

    [Fact]
    public async Task ConcurrentGiftsAcrossCampaignsNeverMatchMoreThanTheBudget()
    {
        var campaigns = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => ApiCalls.CreateLiveCampaignAsync(platform.Web)));
        var eventId = await CreateEventAsync(_admin, campaigns);
        var poolId = (await CreatePoolAsync(_admin, eventId, budget: 37_000, maxPerGift: 1_000, maxPerDonorPerDay: 100_000)).GetProperty("id").GetGuid();
        var donors = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => VerifyAsync(_public)));

        // 100 gifts of 1,000 at once: 100,000 asked of a 37,000 pool.
        var gifts = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => GiveAsync(_public, campaigns[i % 5], 1_000, donors[i % 20])));
        var matched = gifts.Sum(MatchAmount);
        Assert.True(matched <= 37_000, $"matched {matched} of a 37,000 budget");
        Assert.True(matched >= 20_000, $"only {matched} of 37,000 matched though 100,000 was asked");
        Assert.All(gifts, g => Assert.Contains(MatchStatus(g), new[] { "matched", "none" }));

        var pool = await PoolWhenAsync(poolId, p => p.GetProperty("matchedAmount").GetInt64() == matched);
        Assert.Equal(matched, pool.GetProperty("matchedAmount").GetInt64());
        Assert.Equal(gifts.Count(g => MatchAmount(g) > 0), pool.GetProperty("matchCount").GetInt64());
        var reconciliation = await AssertReconciledAsync(_admin, poolId);
        Assert.Equal(matched, reconciliation.GetProperty("rowsMatchedAmount").GetInt64());
        var campaignsMatched = 0L;
        foreach (var campaign in campaigns)
        {
            campaignsMatched += (await ApiCalls.GetCampaignAsync(_public, campaign)).GetProperty("matchedAmount").GetInt64();
        }
        Assert.Equal(matched, campaignsMatched);
    }

    [Fact]
    public async Task GrantsAskedTogetherShareATransactionAndACampaignsGrantsFoldIntoTheSliceItMatchesFrom()
    {
        var campaigns = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => ApiCalls.CreateLiveCampaignAsync(platform.Web)));
        var eventId = await CreateEventAsync(_admin, campaigns);
        var poolId = (await CreatePoolAsync(_admin, eventId, budget: 1_000_000, maxPerGift: 1_000, maxPerDonorPerDay: 1_000_000)).GetProperty("id").GetGuid();
        var donors = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => VerifyAsync(_public)));

        // Every campaign's first gift at once: each waits for its campaign's first slice, and the pool grants them in batches.
        var first = await Task.WhenAll(campaigns.Select((c, i) => GiveAsync(_public, c, 1_000, donors[i])));
        Assert.All(first, g => Assert.Equal(("matched", 1_000L), (MatchStatus(g), MatchAmount(g))));
        // A slice's granted_at is its transaction's start: fewer distinct values than campaigns means grants shared transactions.
        var transactions = await platform.Database.ScalarAsync<long>("SELECT count(DISTINCT granted_at) FROM pool_slices WHERE pool_id = $1", poolId);
        Assert.True(transactions < campaigns.Length, $"{campaigns.Length} first grants took {transactions} transactions");

        // One campaign matches well past its first slice (10 gifts' worth): its refills are new rows that its commits fold in.
        for (var i = 0; i < 24; i++)
        {
            var gift = await GiveAsync(_public, campaigns[0], 1_000, donors[i % 20]);
            Assert.Equal(("matched", 1_000L), (MatchStatus(gift), MatchAmount(gift)));
        }
        var folded = await platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM pool_slices WHERE pool_id = $1 AND campaign_id = $2 AND closed_at IS NOT NULL AND amount = used_amount", poolId, campaigns[0]);
        Assert.True(folded >= 1, "no grant was folded into the campaign's open slice");
        // Every match of the campaign drew on the one slice that the grants were folded into.
        Assert.Equal(1, await platform.Database.ScalarAsync<long>(
            "SELECT count(DISTINCT slice_id) FROM donation_matches WHERE pool_id = $1 AND campaign_id = $2", poolId, campaigns[0]));
        var reconciliation = await AssertReconciledAsync(_admin, poolId);
        Assert.Equal(44_000, reconciliation.GetProperty("rowsMatchedAmount").GetInt64());
    }

    [Fact]
    public async Task ConcurrentGiftsOfOneDonorToManyCampaignsAreMatchedExactlyUpToTheDailyCap()
    {
        var campaigns = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => ApiCalls.CreateLiveCampaignAsync(platform.Web)));
        var eventId = await CreateEventAsync(_admin, campaigns);
        var poolId = (await CreatePoolAsync(_admin, eventId, budget: 1_000_000, maxPerGift: 1_000, maxPerDonorPerDay: 5_500)).GetProperty("id").GetGuid();
        var donor = await VerifyAsync(_public);

        var gifts = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => GiveAsync(_public, campaigns[i % 8], 1_000, donor)));
        Assert.Equal(5_500, gifts.Sum(MatchAmount));
        Assert.Equal(5_500, await platform.Database.ScalarAsync<long>(
            "SELECT coalesce(sum(amount - reversed_amount), 0)::bigint FROM donation_matches WHERE pool_id = $1", poolId));
        await AssertReconciledAsync(_admin, poolId);
    }

    [Fact]
    public async Task ARefundTakesBackItsMatchAndTheMoneyReturnsToThePool()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var eventId = await CreateEventAsync(_admin, campaign);
        var poolId = (await CreatePoolAsync(_admin, eventId, budget: 50_000, maxPerGift: 10_000, maxPerDonorPerDay: 50_000)).GetProperty("id").GetGuid();
        var gift = await GiveAsync(_public, campaign, 4_000, await VerifyAsync(_public));
        Assert.Equal(4_000, MatchAmount(gift));
        var id = gift.GetProperty("id").GetGuid();

        await RefundAsync(id, 1_000);   // a quarter back: the match keeps three quarters
        Assert.Equal(3_000, (await ApiCalls.GetCampaignAsync(_public, campaign)).GetProperty("matchedAmount").GetInt64());
        Assert.Equal(47_000, (await PoolWhenAsync(poolId, p => p.GetProperty("remainingAmount").GetInt64() == 47_000)).GetProperty("remainingAmount").GetInt64());
        await RefundAsync(id, null);    // the rest
        var campaignAfter = await ApiCalls.GetCampaignAsync(_public, campaign);
        Assert.Equal(0, campaignAfter.GetProperty("matchedAmount").GetInt64());
        Assert.Equal(0, campaignAfter.GetProperty("raisedAmount").GetInt64());
        var pool = await PoolWhenAsync(poolId, p => p.GetProperty("remainingAmount").GetInt64() == 50_000);
        Assert.Equal((50_000L, 0L, 0L), (pool.GetProperty("remainingAmount").GetInt64(), pool.GetProperty("matchedAmount").GetInt64(), pool.GetProperty("matchCount").GetInt64()));
        await AssertReconciledAsync(_admin, poolId);
    }

    private async Task RefundAsync(Guid donationId, long? amount)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/donations/{donationId}/refunds")
        {
            Content = JsonContent.Create(new { amount, reason = "捐赠人申请退款" }),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var response = await _admin.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task APausedPoolMatchesNothingUntilItIsResumed()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var eventId = await CreateEventAsync(_admin, campaign);
        var poolId = (await CreatePoolAsync(_admin, eventId, budget: 50_000, maxPerGift: 1_000, maxPerDonorPerDay: 50_000)).GetProperty("id").GetGuid();
        var donor = await VerifyAsync(_public);
        Assert.Equal(1_000, MatchAmount(await GiveAsync(_public, campaign, 1_000, donor)));

        var paused = await _admin.PostAsync($"/api/pools/{poolId}/pause", null);
        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        Assert.Equal("paused", (await paused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal("none", MatchStatus(await GiveAsync(_public, campaign, 1_000, donor)));
        // Pausing took back the campaign's unused slice: only what was matched is committed.
        Assert.Equal(1_000, await platform.Database.ScalarAsync<long>("SELECT committed_amount FROM matching_pools WHERE id = $1", poolId));

        var resumed = await _admin.PostAsync($"/api/pools/{poolId}/resume", null);
        Assert.Equal("open", (await resumed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal(1_000, MatchAmount(await GiveAsync(_public, campaign, 1_000, donor)));
        Assert.Equal(2, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM admin_audit WHERE subject_id = $1 AND action IN ('pause_pool', 'resume_pool')", poolId));
        await AssertReconciledAsync(_admin, poolId);
    }

    [Fact]
    public async Task APoolBeforeItsOpeningIsScheduledAndMatchesNothing()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(Zone);
        var local = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone);
        if (local.TimeOfDay > TimeSpan.FromHours(23.9))
        {
            return; // An opening later today cannot be set in the last minutes of a local day.
        }
        var opensAt = local.AddMinutes(5);
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var eventId = await CreateEventAsync(_admin, campaign);
        var pool = await CreatePoolAsync(_admin, eventId, budget: 50_000, maxPerGift: 1_000, maxPerDonorPerDay: 5_000, opensAt: opensAt.ToString("HH:mm"));
        Assert.Equal("scheduled", pool.GetProperty("status").GetString());
        var next = pool.GetProperty("nextOpensAt").GetDateTimeOffset();
        Assert.Equal(new DateTimeOffset(opensAt.Year, opensAt.Month, opensAt.Day, opensAt.Hour, opensAt.Minute, 0, opensAt.Offset), next);
        Assert.Equal("none", MatchStatus(await GiveAsync(_public, campaign, 1_000, await VerifyAsync(_public))));
        Assert.Equal(0, await platform.Database.ScalarAsync<long>("SELECT committed_amount FROM matching_pools WHERE id = $1", pool.GetProperty("id").GetGuid()));
    }

    [Fact]
    public async Task AGiftToACampaignThePoolDoesNotListIsNotMatched()
    {
        var listed = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var other = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var eventId = await CreateEventAsync(_admin, listed, other);
        await CreatePoolAsync(_admin, eventId, budget: 50_000, maxPerGift: 1_000, maxPerDonorPerDay: 5_000, eligible: [listed]);
        var donor = await VerifyAsync(_public);
        Assert.Equal("none", MatchStatus(await GiveAsync(_public, other, 1_000, donor)));
        Assert.Equal("matched", MatchStatus(await GiveAsync(_public, listed, 1_000, donor)));
    }

    [Fact]
    public async Task ARepeatedConfirmationReportsTheSameMatchAndMatchesOnce()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var eventId = await CreateEventAsync(_admin, campaign);
        var poolId = (await CreatePoolAsync(_admin, eventId, budget: 50_000, maxPerGift: 2_000, maxPerDonorPerDay: 5_000)).GetProperty("id").GetGuid();
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaign}/donations")
        {
            Content = JsonContent.Create(new { amount = 1_500, currency = "CNY" }),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        request.Headers.Add("Donor-Token", await VerifyAsync(_public));
        var created = await (await _public.SendAsync(request)).Content.ReadFromJsonAsync<JsonElement>();
        var confirmUrl = created.GetProperty("payment").GetProperty("confirmUrl").GetString();
        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(async _ => await (await _public.PostAsync(confirmUrl, null)).Content.ReadFromJsonAsync<JsonElement>()));
        Assert.All(answers, a => Assert.Equal(("matched", 1_500L), (MatchStatus(a), MatchAmount(a))));
        Assert.Equal(1, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM donation_matches WHERE pool_id = $1", poolId));
        Assert.Equal(1_500, (await ApiCalls.GetCampaignAsync(_public, campaign)).GetProperty("matchedAmount").GetInt64());
    }

    [Fact]
    public async Task AnUnknownDonorTokenIsRefusedAndNoGiftIsMade()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaign}/donations") { Content = JsonContent.Create(new { amount = 1_000, currency = "CNY" }) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        request.Headers.Add("Donor-Token", "fdt_not-a-token-anyone-was-given");
        var response = await _public.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Donor-Token", (await ApiCalls.ProblemAsync(response)).GetProperty("detail").GetString());
        Assert.Equal(0, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM donations WHERE campaign_id = $1", campaign));
    }

    [Fact]
    public async Task ADonorTokenProvesItsDonorWithoutTheDatabaseAndAnAlteredOneIsRefused()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var token = await VerifyAsync(_public);
        var donor = await platform.Database.ScalarAsync<Guid>(
            "SELECT donor_id FROM donor_tokens WHERE token_hash = sha256(convert_to($1, 'UTF8'))", token);
        // Without its row the token still names its donor: gifts of verified donors need no lookup.
        Assert.Equal(1, await platform.Database.ScalarAsync<int>("WITH d AS (DELETE FROM donor_tokens WHERE donor_id = $1 RETURNING 1) SELECT count(*)::int FROM d", donor));
        await GiveAsync(_public, campaign, 1_000, token);
        Assert.Equal(donor, await platform.Database.ScalarAsync<Guid>("SELECT donor_id FROM donations WHERE campaign_id = $1", campaign));

        foreach (var altered in new[] { Flip(token, token.Length - 1), Flip(token, 5), token[..^1] })
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaign}/donations") { Content = JsonContent.Create(new { amount = 1_000, currency = "CNY" }) };
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            request.Headers.Add("Donor-Token", altered);
            Assert.Equal(HttpStatusCode.Unauthorized, (await _public.SendAsync(request)).StatusCode);
        }
        Assert.Equal(1, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM donations WHERE campaign_id = $1", campaign));

        static string Flip(string token, int at) => token[..at] + (token[at] == 'A' ? 'B' : 'A') + token[(at + 1)..];
    }

    [Fact]
    public async Task ABadPoolIsRefusedNamingEachFieldAndNothingIsWritten()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var eventId = await CreateEventAsync(_admin, campaign);
        var before = await platform.Database.ScalarAsync<long>("SELECT count(*) FROM matching_pools");

        var bad = await _admin.PostAsJsonAsync($"/api/events/{eventId}/pools", new
        {
            sponsorName = "", budget = 0, currency = "cny", opensAt = "25:00", ratio = new { match = 0, per = 1 },
            maxPerGift = -1, maxPerDonorPerDay = (long?)null, random = new { min = 500, max = 100 },
        });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await ApiCalls.ProblemAsync(bad)).GetProperty("errors");
        foreach (var field in new[] { "sponsorName", "budget", "currency", "opensAt", "ratio", "maxPerGift", "maxPerDonorPerDay", "random.max" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {errors}");
        }
        var unknownEvent = await _admin.PostAsJsonAsync($"/api/events/{Guid.NewGuid()}/pools",
            new { sponsorName = "甲", budget = 1_000, currency = "CNY", maxPerGift = 100, maxPerDonorPerDay = 100 });
        Assert.Equal(HttpStatusCode.NotFound, unknownEvent.StatusCode);
        var otherCurrency = await _admin.PostAsJsonAsync($"/api/events/{eventId}/pools",
            new { sponsorName = "甲", budget = 1_000, currency = "USD", maxPerGift = 100, maxPerDonorPerDay = 100 });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, otherCurrency.StatusCode);
        var outsider = await _admin.PostAsJsonAsync($"/api/events/{eventId}/pools",
            new { sponsorName = "甲", budget = 1_000, currency = "CNY", maxPerGift = 100, maxPerDonorPerDay = 100, eligible = new { campaignIds = new[] { Guid.NewGuid() } } });
        Assert.Equal(HttpStatusCode.BadRequest, outsider.StatusCode);
        Assert.Equal(before, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM matching_pools"));
        Assert.Equal(HttpStatusCode.NotFound, (await _public.GetAsync($"/api/pools/{Guid.NewGuid()}")).StatusCode);
    }

    [Fact]
    public async Task APoolWatcherSeesThePoolAtOnceAndItsMoneyFallLiveAndCampaignWatchersSeeMatchedMoney()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var eventId = await CreateEventAsync(_admin, campaign);
        var poolId = (await CreatePoolAsync(_admin, eventId, budget: 20_000, maxPerGift: 3_000, maxPerDonorPerDay: 20_000)).GetProperty("id").GetGuid();
        await using var watcher = await ProgressWatcher.ConnectAsync(platform.Web.BaseAddress);
        await watcher.WatchPoolAsync(poolId);
        await watcher.WatchAsync(campaign);
        var first = await watcher.WaitForAsync(m => m.TryGetProperty("sponsorName", out _), TimeSpan.FromSeconds(10));
        Assert.Equal((20_000L, "open"), (first.GetProperty("remainingAmount").GetInt64(), first.GetProperty("status").GetString()));

        await GiveAsync(_public, campaign, 3_000, await VerifyAsync(_public));
        var fallen = await watcher.WaitForAsync(m => m.TryGetProperty("sponsorName", out _) && m.GetProperty("remainingAmount").GetInt64() == 17_000, TimeSpan.FromSeconds(10));
        Assert.Equal((3_000L, 1L), (fallen.GetProperty("matchedAmount").GetInt64(), fallen.GetProperty("matchCount").GetInt64()));
        var progress = await watcher.WaitForAsync(m => !m.TryGetProperty("sponsorName", out _) && m.GetProperty("matchedAmount").GetInt64() == 3_000, TimeSpan.FromSeconds(10));
        Assert.Equal((3_000L, 6_000L), (progress.GetProperty("raisedAmount").GetInt64(), progress.GetProperty("raisedAndMatchedAmount").GetInt64()));

        (await _admin.PostAsync($"/api/pools/{poolId}/pause", null)).EnsureSuccessStatusCode();
        await watcher.WaitForAsync(m => m.TryGetProperty("sponsorName", out _) && m.GetProperty("status").GetString() == "paused", TimeSpan.FromSeconds(10));
        await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => watcher.WatchPoolAsync(Guid.NewGuid()));
    }

    [Fact]
    public async Task APoolForAnEventThatHasEndedIsRefusedAndNothingIsWritten()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var ended = await _admin.PostAsJsonAsync("/api/events", new
        {
            name = "2025年99公益日", startsAt = "2025-09-07T00:00:00+08:00", endsAt = "2025-09-09T23:59:59+08:00", timeZone = Zone, campaignIds = new[] { campaign },
        });
        var eventId = (await ended.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var before = await platform.Database.ScalarAsync<long>("SELECT count(*) FROM matching_pools");
        var pool = await _admin.PostAsJsonAsync($"/api/events/{eventId}/pools",
            new { sponsorName = "甲", budget = 1_000, currency = "CNY", maxPerGift = 100, maxPerDonorPerDay = 100 });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, pool.StatusCode);
        Assert.Contains("ended", (await ApiCalls.ProblemAsync(pool)).GetProperty("detail").GetString());
        Assert.Equal(before, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM matching_pools"));
    }
}
