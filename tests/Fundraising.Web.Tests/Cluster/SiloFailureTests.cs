using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Fundraising.Web.Tests.Cluster;

/// <summary>
/// Donors keep giving while silos crash (killed, no graceful shutdown). Donors retry failures with the
/// same Idempotency-Key, as the API asks; in the end every gift counts exactly once everywhere.
/// </summary>
public sealed class SiloFailureTests : TwoSilosAndAClient
{
    private const int Donations = 2_000;
    private const int Donors = 48;


    [Fact]
    public async Task ConcurrentDonationsWithRetriesCountExactlyOnceAcrossSiloKills()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(Web);
        var acknowledged = new ConcurrentBag<(Guid Id, long Amount)>();
        var retries = 0;
        var next = 0;

        async Task DonorAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) <= Donations)
            {
                var amount = 100L + i % 997;
                var key = $"donor-{i}";
                var body = new { amount, currency = "CNY", displayName = $"捐赠人{i}" };
                var created = await ClusterRetries.RetryAsync(() => ApiCalls.PostDonationAsync(Web.Client, campaign, key, body), () => Interlocked.Increment(ref retries));
                var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
                if (i % 10 == 0)
                {
                    // A donor whose connection dropped sends the same request again.
                    var replay = await ClusterRetries.RetryAsync(() => ApiCalls.PostDonationAsync(Web.Client, campaign, key, body), () => Interlocked.Increment(ref retries));
                    Assert.Equal(id, (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
                }
                await ClusterRetries.RetryAsync(() => Web.Client.PostAsync($"/api/payments/sandbox/campaigns/{campaign}/donations/{id}/confirm", null), () => Interlocked.Increment(ref retries));
                acknowledged.Add((id, amount));
            }
        }

        var donors = Enumerable.Range(0, Donors).Select(_ => Task.Run(DonorAsync)).ToList();

        // Crash each original silo in turn, so the campaign's grain loses its host whichever silo had it.
        await ClusterRetries.WaitUntilAsync(() => acknowledged.Count >= Donations / 4);
        Silos[0].Kill();
        Silos.Add(await Platform.StartSiloAsync(Database, "silo-c"));
        await ClusterRetries.WaitUntilAsync(() => acknowledged.Count >= Donations * 3 / 5);
        Silos[1].Kill();
        await Task.WhenAll(donors);

        Assert.Equal(Donations, acknowledged.Count);
        var expected = acknowledged.Sum(a => a.Amount);
        // The last kill may still be failing over: read the way a client would, retrying 503s.
        var api = await (await ClusterRetries.RetryAsync(() => Web.Client.GetAsync($"/api/campaigns/{campaign}"), () => { })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(expected, api.GetProperty("raisedAmount").GetInt64());
        Assert.Equal(Donations, api.GetProperty("donationCount").GetInt64());
        Assert.Equal(expected, await Database.ScalarAsync<long>("SELECT coalesce(sum(amount), 0)::bigint FROM donations WHERE campaign_id = $1 AND status = 'succeeded'", campaign));
        Assert.Equal((long)Donations, await Database.ScalarAsync<long>("SELECT count(*) FROM donations WHERE campaign_id = $1", campaign));

        var report = await (await ClusterRetries.RetryAsync(() => Web.Admin.GetAsync("/api/admin/reconciliation"), () => { })).Content.ReadFromJsonAsync<JsonElement>();
        var row = report.GetProperty("campaigns").EnumerateArray().Single(c => c.GetProperty("campaignId").GetGuid() == campaign);
        Assert.True(row.GetProperty("agrees").GetBoolean(), row.ToString());
        Assert.Equal(expected, row.GetProperty("grain").GetProperty("raisedAmount").GetInt64());
    }
}
