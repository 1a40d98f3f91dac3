using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fundraising.TestSupport;
using static Fundraising.Web.Tests.Matching.MatchingCalls;

namespace Fundraising.Web.Tests.Matching;

/// <summary>The velocity rule as configured by default: under 15 s between gifts, or more than 5 a minute, is held.</summary>
public sealed class FlaggedGiftTests(UnlimitedPlatform platform) : IClassFixture<UnlimitedPlatform>
{
    private readonly HttpClient _admin = platform.Web.Admin;
    private readonly HttpClient _public = platform.Web.Client;

    private async Task<(Guid Campaign, Guid Pool)> PoolAsync()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var eventId = await CreateEventAsync(_admin, campaign);
        var pool = await CreatePoolAsync(_admin, eventId, budget: 100_000, maxPerGift: 2_000, maxPerDonorPerDay: 10_000);
        return (campaign, pool.GetProperty("id").GetGuid());
    }

    private async Task<JsonElement> FlaggedAsync(Guid donationId, string? status = null) =>
        (await _admin.GetFromJsonAsync<JsonElement>($"/api/admin/flagged-gifts{(status is null ? "" : $"?status={status}")}"))
            .GetProperty("items").EnumerateArray().Single(i => i.GetProperty("donationId").GetGuid() == donationId);

    [Fact]
    public async Task ADonorGivingFasterThanAPersonCanIsHeldFromMatchingButNeverStoppedFromGiving()
    {
        var (campaign, poolId) = await PoolAsync();
        var donor = await VerifyAsync(_public);
        var first = await GiveAsync(_public, campaign, 1_500, donor);
        Assert.Equal(("matched", 1_500L), (MatchStatus(first), MatchAmount(first)));
        var quick = await GiveAsync(_public, campaign, 1_500, donor);
        Assert.Equal("succeeded", quick.GetProperty("status").GetString());
        Assert.Equal(("held", 1_500L), (MatchStatus(quick), MatchAmount(quick)));
        Assert.Contains("15 s", quick.GetProperty("match").GetProperty("reason").GetString());

        var flagged = await FlaggedAsync(quick.GetProperty("id").GetGuid(), "held");
        Assert.Equal((1_500L, 1_500L, "held"), (flagged.GetProperty("matchAmount").GetInt64(), flagged.GetProperty("giftAmount").GetInt64(), flagged.GetProperty("status").GetString()));
        Assert.Equal(poolId, flagged.GetProperty("poolId").GetGuid());
        // Held money is reserved (remaining falls) but not counted as matched, neither by the pool nor the campaign.
        Assert.Equal(1_500, (await ApiCalls.GetCampaignAsync(_public, campaign)).GetProperty("matchedAmount").GetInt64());
        await Task.Delay(300);
        var pool = await GetPoolAsync(_public, poolId);
        Assert.Equal((1_500L, 1_500L, 97_000L), (pool.GetProperty("matchedAmount").GetInt64(), pool.GetProperty("heldAmount").GetInt64(), pool.GetProperty("remainingAmount").GetInt64()));
        await AssertReconciledAsync(_admin, poolId);
    }

    [Fact]
    public async Task AnAdminReleasesOneHeldMatchAndRejectsAnotherAndEachIsDecidedOnce()
    {
        var (campaign, poolId) = await PoolAsync();
        var donor = await VerifyAsync(_public);
        await GiveAsync(_public, campaign, 1_000, donor);
        var released = (await GiveAsync(_public, campaign, 1_000, donor)).GetProperty("id").GetGuid();
        var rejected = (await GiveAsync(_public, campaign, 2_000, donor)).GetProperty("id").GetGuid();

        var release = await _admin.PostAsync($"/api/admin/flagged-gifts/{released}/release", null);
        Assert.Equal(HttpStatusCode.OK, release.StatusCode);
        Assert.Equal("released", (await release.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        var reject = await _admin.PostAsync($"/api/admin/flagged-gifts/{rejected}/reject", null);
        Assert.Equal(HttpStatusCode.OK, reject.StatusCode);
        var rejectedItem = await reject.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("rejected", rejectedItem.GetProperty("status").GetString());
        Assert.Equal(2_000, rejectedItem.GetProperty("matchAmount").GetInt64());   // what was held, now given back

        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PostAsync($"/api/admin/flagged-gifts/{released}/reject", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PostAsync($"/api/admin/flagged-gifts/{rejected}/release", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.PostAsync($"/api/admin/flagged-gifts/{Guid.NewGuid()}/release", null)).StatusCode);
        Assert.Equal("released", (await FlaggedAsync(released, "released")).GetProperty("status").GetString());
        Assert.Equal("rejected", (await FlaggedAsync(rejected, "rejected")).GetProperty("status").GetString());

        Assert.Equal(2_000, (await ApiCalls.GetCampaignAsync(_public, campaign)).GetProperty("matchedAmount").GetInt64());
        await Task.Delay(300);
        var pool = await GetPoolAsync(_public, poolId);
        Assert.Equal((2_000L, 0L, 98_000L), (pool.GetProperty("matchedAmount").GetInt64(), pool.GetProperty("heldAmount").GetInt64(), pool.GetProperty("remainingAmount").GetInt64()));
        Assert.Equal(2, await platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM admin_audit WHERE subject_id = ANY($1) AND action IN ('release_match', 'reject_match')", new[] { released, rejected }));
        await AssertReconciledAsync(_admin, poolId);
        var ledger = await _admin.GetFromJsonAsync<JsonElement>("/api/admin/reconciliation");
        Assert.True(ledger.GetProperty("allAgree").GetBoolean(), ledger.ToString());
    }

    [Fact]
    public async Task FlaggedGiftsAreForStaffAndABadStatusFilterIsRefused()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await _public.GetAsync("/api/admin/flagged-gifts")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _public.PostAsync($"/api/admin/flagged-gifts/{Guid.NewGuid()}/release", null)).StatusCode);
        var bad = await _admin.GetAsync("/api/admin/flagged-gifts?status=maybe");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await ApiCalls.ProblemAsync(bad)).GetProperty("errors").TryGetProperty("status", out _));
    }
}
