using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Fundraising.Web.Tests.Leaderboards;
using Fundraising.Web.Tests.Matching;

namespace Fundraising.Web.Tests.Cluster;

/// <summary>
/// Verified donors give to campaigns of one event, some through a team, while a silo is killed (no graceful shutdown):
/// deltas in its feed and its board grains' memory are lost. Every board still ends exactly equal to the ledger, by the
/// boards' rebuild on their new silo and their reconciliation of every campaign's totals version.
/// </summary>
public sealed class BoardFailoverTests : TwoSilosAndAClient
{
    // The silos' feeds hold their deltas for 4 s, so that the kill surely loses some (the ones of the killed silo's
    // campaigns): the boards must find them again from the ledger.
    protected override IReadOnlyDictionary<string, string> SiloSettings => new Dictionary<string, string>
    {
        ["Leaderboards__FeedInterval"] = "00:00:04",
    };

    private const int Gifts = 400;
    private const int Workers = 16;

    [Fact]
    public async Task EveryBoardEndsExactlyEqualToTheLedgerAfterASiloIsKilled()
    {
        var city = BoardCalls.Unique("市");
        var counties = new[] { BoardCalls.Unique("县"), BoardCalls.Unique("县") };
        var campaigns = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => BoardCalls.CampaignAsync(Web, city, counties[i % 2], village: i == 3)));
        var eventId = await BoardCalls.EventAsync(Web.Admin, campaigns);
        var donors = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => MatchingCalls.VerifyAsync(Web.Client)));
        var team = (await BoardCalls.TeamAsync(Web.Client, campaigns[0], donors[0])).GetProperty("id").GetGuid();
        var answered = new ConcurrentDictionary<int, bool>();
        var next = 0;

        async Task DonorAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) <= Gifts)
            {
                var campaign = campaigns[i % campaigns.Length];
                var created = await ClusterRetries.RetryAsync(() =>
                {
                    var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaign}/donations")
                    {
                        Content = JsonContent.Create(new
                        {
                            amount = 100 + i,
                            currency = "CNY",
                            displayName = $"捐赠人{i % 20}",
                            anonymous = i % 7 == 0,
                            teamId = campaign == campaigns[0] && i % 2 == 0 ? team : (Guid?)null,
                        }),
                    };
                    request.Headers.Add("Idempotency-Key", $"board-gift-{i}");
                    if (i % 3 != 0)
                    {
                        request.Headers.Add("Donor-Token", donors[i % donors.Length]);
                    }
                    return Web.Client.SendAsync(request);
                });
                var body = await created.Content.ReadFromJsonAsync<JsonElement>();
                await ClusterRetries.RetryAsync(() => Web.Client.PostAsync(body.GetProperty("payment").GetProperty("confirmUrl").GetString(), null));
                answered[i] = true;
            }
        }

        // Boards are active (and watched) before the kill, so that the kill takes their memory with it.
        await BoardCalls.BoardAsync(Web.Client, eventId, "campaigns");
        var workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(DonorAsync)).ToList();
        await ClusterRetries.WaitUntilAsync(() => answered.Count >= Gifts / 2);
        Silos[0].Kill();
        await Task.WhenAll(workers);
        Assert.Equal(Gifts, answered.Count);

        var ids = string.Join(",", campaigns.Select(c => $"'{c}'"));
        var ledger = await Database.ScalarAsync<long>($"SELECT sum(amount - refunded_amount)::bigint FROM donations WHERE status = 'succeeded' AND campaign_id IN ({ids})");
        var gifts = await Database.ScalarAsync<long>($"SELECT count(*) FROM donations WHERE status = 'succeeded' AND campaign_id IN ({ids})");
        var verified = await Database.ScalarAsync<long>($"SELECT sum(amount)::bigint FROM donations WHERE status = 'succeeded' AND donor_id IS NOT NULL AND campaign_id IN ({ids})");
        var teamed = await Database.ScalarAsync<long>($"SELECT sum(amount)::bigint FROM donations WHERE status = 'succeeded' AND team_id = '{team}'");
        Assert.Equal(Gifts, gifts);

        // Within a reconciliation interval (30 s) and a rebuild, every board is exact.
        var timeout = TimeSpan.FromSeconds(75);
        foreach (var (board, expected) in new[] { ("campaigns", ledger), ("counties", ledger), ("cities", ledger), ("donors", verified), ("teams", teamed) })
        {
            var read = await BoardCalls.BoardWhenAsync(Web.Client, eventId, board, b => BoardCalls.TotalAmount(b) == expected, timeout: timeout);
            Assert.Equal(expected, read.GetProperty("entries").EnumerateArray().Sum(e => e.GetProperty("amount").GetInt64()));
        }
        var campaignsBoard = await BoardCalls.BoardAsync(Web.Client, eventId, "campaigns", "count");
        Assert.Equal(gifts, BoardCalls.TotalCount(campaignsBoard));
        foreach (var campaign in campaigns)
        {
            var sum = await Database.ScalarAsync<long>($"SELECT coalesce(sum(amount), 0)::bigint FROM donations WHERE status = 'succeeded' AND campaign_id = '{campaign}'");
            Assert.Equal(sum, BoardCalls.EntryOf(campaignsBoard, campaign.ToString()).GetProperty("amount").GetInt64());
        }
        var villages = await BoardCalls.BoardAsync(Web.Client, eventId, "villages");
        Assert.Equal(campaigns[3].ToString(), Assert.Single(villages.GetProperty("entries").EnumerateArray()).GetProperty("key").GetString());
    }
}
