using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fundraising.Web.Tests.Matching;

namespace Fundraising.Web.Tests.Cluster;

/// <summary>
/// Verified donors give to several campaigns of one pool while the silos holding the campaigns and the pool are killed
/// (no graceful shutdown); donors retry with the same keys. The pool never pays out more than its budget, every gift's
/// answered match is the one the ledger holds, and everything reconciles.
/// </summary>
public sealed class MatchingFailoverTests : TwoSilosAndAClient
{
    private const int Gifts = 600;
    private const int Workers = 32;
    private const long Budget = 250_000;


    [Fact]
    public async Task APoolNeverMatchesMoreThanItsBudgetAcrossSiloKills()
    {
        var campaigns = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => ApiCalls.CreateLiveCampaignAsync(Web)));
        var eventId = await MatchingCalls.CreateEventAsync(Web.Admin, campaigns);
        var poolId = (await MatchingCalls.CreatePoolAsync(Web.Admin, eventId, Budget, maxPerGift: 1_000, maxPerDonorPerDay: 20_000)).GetProperty("id").GetGuid();
        var donors = await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => MatchingCalls.VerifyAsync(Web.Client)));
        var answered = new ConcurrentDictionary<Guid, long>();
        var next = 0;

        async Task DonorAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) <= Gifts)
            {
                var key = $"gift-{i}";
                var token = donors[i % donors.Length];
                var created = await ClusterRetries.RetryAsync(() =>
                {
                    var request = new HttpRequestMessage(HttpMethod.Post, $"/api/campaigns/{campaigns[i % campaigns.Length]}/donations")
                    {
                        Content = JsonContent.Create(new { amount = 800 + i % 400, currency = "CNY" }),
                    };
                    request.Headers.Add("Idempotency-Key", key);
                    request.Headers.Add("Donor-Token", token);
                    return Web.Client.SendAsync(request);
                });
                var body = await created.Content.ReadFromJsonAsync<JsonElement>();
                var paid = await ClusterRetries.RetryAsync(() => Web.Client.PostAsync(body.GetProperty("payment").GetProperty("confirmUrl").GetString(), null));
                var confirmed = await paid.Content.ReadFromJsonAsync<JsonElement>();
                answered[confirmed.GetProperty("id").GetGuid()] = MatchingCalls.MatchAmount(confirmed);
            }
        }

        var workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(DonorAsync)).ToList();
        await ClusterRetries.WaitUntilAsync(() => answered.Count >= Gifts / 3);
        Silos[0].Kill();
        Silos.Add(await Platform.StartSiloAsync(Database, "silo-c"));
        await ClusterRetries.WaitUntilAsync(() => answered.Count >= Gifts * 2 / 3);
        Silos[1].Kill();
        await Task.WhenAll(workers);

        Assert.Equal(Gifts, answered.Count);
        var reconciliation = await (await ClusterRetries.RetryAsync(() => Web.Admin.GetAsync($"/api/admin/pools/{poolId}/reconciliation"))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(reconciliation.GetProperty("exact").GetBoolean(), reconciliation.ToString());
        Assert.Equal(0, reconciliation.GetProperty("overdraw").GetInt64());
        var rows = reconciliation.GetProperty("rowsMatchedAmount").GetInt64();
        Assert.InRange(rows, 1, Budget);
        // Each donor's last answer for each gift is what the ledger holds: nothing matched twice, nothing lost.
        Assert.Equal(rows, answered.Values.Sum());
        Assert.Equal(rows, await Database.ScalarAsync<long>(
            "SELECT coalesce(sum(amount - reversed_amount), 0)::bigint FROM donation_matches WHERE pool_id = $1 AND status <> 'rejected'", poolId));
        var ledger = await (await ClusterRetries.RetryAsync(() => Web.Admin.GetAsync("/api/admin/reconciliation"))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(ledger.GetProperty("allAgree").GetBoolean(), ledger.ToString());
    }
}
