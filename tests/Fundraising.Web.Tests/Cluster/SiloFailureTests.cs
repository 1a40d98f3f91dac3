using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Fundraising.Web.Tests.Cluster;

/// <summary>
/// Donors keep giving while silos crash (killed, no graceful shutdown). Donors retry failures with the
/// same Idempotency-Key, as the API asks; in the end every gift counts exactly once everywhere.
/// </summary>
public sealed class SiloFailureTests : IAsyncLifetime
{
    private const int Donations = 2_000;
    private const int Donors = 48;

    private TestDatabase _database = null!;
    private readonly List<AppProcess> _silos = [];
    private WebFrontEnd _web = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(migrate: false);
        _silos.Add(await Platform.StartSiloAsync(_database, "silo-a"));
        _silos.Add(await Platform.StartSiloAsync(_database, "silo-b"));
        _web = await Platform.StartClientWebAsync(_database, Platform.WithoutRateLimits); // 2,000 donations from one address
    }

    public async Task DisposeAsync()
    {
        await _web.DisposeAsync();
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task ConcurrentDonationsWithRetriesCountExactlyOnceAcrossSiloKills()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(_web);
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
                var created = await RetryAsync(() => ApiCalls.PostDonationAsync(_web.Client, campaign, key, body), () => Interlocked.Increment(ref retries));
                var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
                if (i % 10 == 0)
                {
                    // A donor whose connection dropped sends the same request again.
                    var replay = await RetryAsync(() => ApiCalls.PostDonationAsync(_web.Client, campaign, key, body), () => Interlocked.Increment(ref retries));
                    Assert.Equal(id, (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
                }
                await RetryAsync(() => _web.Client.PostAsync($"/api/payments/sandbox/campaigns/{campaign}/donations/{id}/confirm", null), () => Interlocked.Increment(ref retries));
                acknowledged.Add((id, amount));
            }
        }

        var donors = Enumerable.Range(0, Donors).Select(_ => Task.Run(DonorAsync)).ToList();

        // Crash each original silo in turn, so the campaign's grain loses its host whichever silo had it.
        await WaitUntilAsync(() => acknowledged.Count >= Donations / 4);
        _silos[0].Kill();
        _silos.Add(await Platform.StartSiloAsync(_database, "silo-c"));
        await WaitUntilAsync(() => acknowledged.Count >= Donations * 3 / 5);
        _silos[1].Kill();
        await Task.WhenAll(donors);

        Assert.Equal(Donations, acknowledged.Count);
        var expected = acknowledged.Sum(a => a.Amount);
        // The last kill may still be failing over: read the way a client would, retrying 503s.
        var api = await (await RetryAsync(() => _web.Client.GetAsync($"/api/campaigns/{campaign}"), () => { })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(expected, api.GetProperty("raisedAmount").GetInt64());
        Assert.Equal(Donations, api.GetProperty("donationCount").GetInt64());
        Assert.Equal(expected, await _database.ScalarAsync<long>("SELECT coalesce(sum(amount), 0)::bigint FROM donations WHERE campaign_id = $1 AND status = 'succeeded'", campaign));
        Assert.Equal((long)Donations, await _database.ScalarAsync<long>("SELECT count(*) FROM donations WHERE campaign_id = $1", campaign));

        var report = await (await RetryAsync(() => _web.Admin.GetAsync("/api/admin/reconciliation"), () => { })).Content.ReadFromJsonAsync<JsonElement>();
        var row = report.GetProperty("campaigns").EnumerateArray().Single(c => c.GetProperty("campaignId").GetGuid() == campaign);
        Assert.True(row.GetProperty("agrees").GetBoolean(), row.ToString());
        Assert.Equal(expected, row.GetProperty("grain").GetProperty("raisedAmount").GetInt64());
    }

    private static async Task<HttpResponseMessage> RetryAsync(Func<Task<HttpResponseMessage>> send, Action onRetry)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            try
            {
                var response = await send();
                if (response.IsSuccessStatusCode)
                {
                    return response;
                }
                if ((int)response.StatusCode < 500 && response.StatusCode != HttpStatusCode.RequestTimeout)
                {
                    throw new InvalidOperationException($"Refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // The front end could not reach the grain in time: retry with the same key.
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("A donation could not be completed within 90 s of retries.");
            }
            onRetry();
            await Task.Delay(250);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The donors made no progress.");
            }
            await Task.Delay(20);
        }
    }
}
