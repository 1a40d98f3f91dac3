using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fundraising.Load.Api;

/// <summary>A campaign to create: an appeal, or a village project (慈善幸福家园) in one of Shangluo's counties.</summary>
public sealed record CampaignSpec(string Title, string Kind, string County, string? Village, string? Town = null)
{
    /// <summary>The city every generated campaign is in (Shangluo, the seed's city).</summary>
    public const string City = "商洛市";
}

/// <summary>Totals as a count of succeeded donations and their sum in fen.</summary>
public readonly record struct Totals(long Count, long Amount)
{
    public override string ToString() => $"{Count:N0} donations, {Amount:N0} fen";
}

public sealed record TotalsDto(long RaisedAmount, long DonationCount)
{
    public Totals ToTotals() => new(DonationCount, RaisedAmount);
}

public sealed record CampaignReconciliationDto(Guid CampaignId, TotalsDto Grain, TotalsDto Catalogue, TotalsDto Ledger, bool Agrees);

public sealed record ReconciliationDto(bool AllAgree, List<CampaignReconciliationDto> Campaigns);

/// <summary>What one run of the platform's Stripe reconciliation job did (<c>POST /api/admin/payments/stripe/reconcile</c>).</summary>
public sealed record StripeReconcileRunDto(
    DateTimeOffset StartedAt, DateTimeOffset FinishedAt, int PendingChecked, int PendingConfirmed, int PendingFailed,
    int EventsListed, int EventsApplied, int EventsAlreadyApplied, int EventsFailed, int EventsIgnored)
{
    /// <summary>The run settled nothing and nothing failed: a further run would change nothing.</summary>
    public bool NothingLeft => PendingConfirmed == 0 && PendingFailed == 0 && EventsApplied == 0 && EventsFailed == 0;
}

/// <summary>A matching pool as <c>GET /api/pools/{id}</c> answers it (the fields the generator reads).</summary>
public sealed record PoolDto(
    Guid Id, string Status, string Currency, long Budget, long MatchedAmount, long RemainingAmount, long MatchCount, long HeldAmount,
    string OpensAt, DateTimeOffset? NextOpensAt, long MaxPerGift, long MaxPerDonorPerDay);

/// <summary><c>GET /api/admin/pools/{id}/reconciliation</c>: the server's own account of a pool.</summary>
public sealed record PoolReconciliationDto(
    Guid PoolId, long Budget, long MatchedAmount, long HeldAmount, long MatchCount, long RowsMatchedAmount, long SlicesUsedAmount,
    long Overdraw, long DonorCapViolations, bool Exact);

/// <summary>One entry of a leaderboard (<c>GET /api/events/{id}/leaderboards/{board}</c>).</summary>
public sealed record LeaderboardEntryDto(int Rank, string Key, string Name, long Amount, long Count, long MatchedAmount);

public sealed record LeaderboardTotalsDto(long Amount, long Count, long MatchedAmount)
{
    public Totals ToTotals() => new(Count, Amount);
}

/// <summary>A leaderboard as the API answers it: the top entries, the sums over every entry, and the entry asked for by key.</summary>
public sealed record LeaderboardDto(string Board, string By, DateTimeOffset AsOf, List<LeaderboardEntryDto> Entries, LeaderboardTotalsDto Totals,
    LeaderboardEntryDto? Entry);

/// <summary>One row of <c>GET /api/admin/flagged-gifts</c>.</summary>
public sealed record FlaggedGiftDto(Guid DonationId, Guid CampaignId, Guid? PoolId, long MatchAmount, long GiftAmount, string Reason, string Status);

public sealed record FlaggedGiftListDto(List<FlaggedGiftDto> Items);

/// <summary>
/// The admin and read calls the generator makes outside its hot path: creating and opening
/// campaigns, reading a campaign's totals, and the reconciliation report. Works against the
/// platform and against the baseline servers, which answer the same HTTP shapes.
/// </summary>
public sealed class PlatformApi : IDisposable
{
    private static readonly string[] Counties = ["商州区", "洛南县", "丹凤县", "商南县", "山阳县", "镇安县", "柞水县"];

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    private readonly HttpClient _http;

    public PlatformApi(Uri target, string adminKey)
    {
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, UseProxy = false, UseCookies = false })
        {
            BaseAddress = target,
            Timeout = TimeSpan.FromMinutes(5),
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
    }

    /// <summary>The hot campaign of a giving-day opening.</summary>
    public static CampaignSpec HotCampaign(string label) => new($"99公益日 · 商洛慈善助学 ({label})", "appeal", "商州区", null);

    /// <summary>Thousands of campaigns: a few appeals per county, the rest village projects.</summary>
    public static IReadOnlyList<CampaignSpec> SpreadCampaigns(int count, double villageShare = 0.8)
    {
        var specs = new List<CampaignSpec>(count);
        for (var i = 0; i < count; i++)
        {
            var county = Counties[i % Counties.Length];
            // Deterministic mix so two runs create the same shape of catalogue.
            var village = (i * 7919 % 1000) < villageShare * 1000;
            specs.Add(village
                ? new CampaignSpec($"慈善幸福家园 · {county}第{i + 1}村", "village", county, $"第{i + 1}村", $"第{i / Counties.Length % 3 + 1}镇")
                : new CampaignSpec($"{county}慈善项目 {i + 1}", "appeal", county, null));
        }
        return specs;
    }

    /// <summary>Creates campaigns (and opens them unless <paramref name="open"/> is false), <paramref name="parallel"/> at a time.</summary>
    public async Task<Guid[]> CreateCampaignsAsync(IReadOnlyList<CampaignSpec> specs, bool open = true, int parallel = 32,
        Action<int>? progress = null, CancellationToken cancellationToken = default)
    {
        var ids = new Guid[specs.Count];
        var done = 0;
        await Parallel.ForAsync(0, specs.Count, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            ids[i] = await CreateCampaignAsync(specs[i], open, ct);
            var n = Interlocked.Increment(ref done);
            if (n % 1000 == 0)
            {
                progress?.Invoke(n);
            }
        });
        return ids;
    }

    public async Task<Guid> CreateCampaignAsync(CampaignSpec spec, bool open = true, CancellationToken cancellationToken = default)
    {
        var body = new
        {
            title = spec.Title,
            description = "负载测试活动 (load test)",
            kind = spec.Kind,
            region = new { province = "陕西省", city = CampaignSpec.City, county = spec.County, town = spec.Town, village = spec.Village },
            currency = "CNY",
            goalAmount = 100_000_000_000L,
            startsAt = DateTimeOffset.UtcNow.AddHours(-1),
            endsAt = DateTimeOffset.UtcNow.AddDays(7),
        };
        using var created = await SendWithRetryAsync(() => _http.PostAsJsonAsync("/api/campaigns", body, Json, cancellationToken), cancellationToken);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("id").GetGuid();
        if (open)
        {
            using var opened = await SendWithRetryAsync(() => _http.PostAsync($"/api/campaigns/{id}/open", null, cancellationToken), cancellationToken);
        }
        return id;
    }

    /// <summary>The public API's view: <c>GET /api/campaigns/{id}</c>.</summary>
    public async Task<Totals> GetCampaignTotalsAsync(Guid id, CancellationToken cancellationToken = default)
    {
        using var response = await SendWithRetryAsync(() => _http.GetAsync($"/api/campaigns/{id}", cancellationToken), cancellationToken);
        var campaign = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return new Totals(campaign.GetProperty("donationCount").GetInt64(), campaign.GetProperty("raisedAmount").GetInt64());
    }

    public async Task<ReconciliationDto> GetReconciliationAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendWithRetryAsync(() => _http.GetAsync("/api/admin/reconciliation", cancellationToken), cancellationToken);
        return (await response.Content.ReadFromJsonAsync<ReconciliationDto>(Json, cancellationToken))!;
    }

    /// <summary><c>POST /api/events</c>: a giving day over <paramref name="campaigns"/>, in <paramref name="timeZone"/>; its id.</summary>
    public async Task<Guid> CreateEventAsync(string name, DateTimeOffset startsAt, DateTimeOffset endsAt, string timeZone, IReadOnlyList<Guid> campaigns,
        CancellationToken cancellationToken = default)
    {
        var body = new { name, startsAt = startsAt.ToString("yyyy-MM-ddTHH:mm:sszzz"), endsAt = endsAt.ToString("yyyy-MM-ddTHH:mm:sszzz"), timeZone, campaignIds = campaigns };
        using var response = await SendWithRetryAsync(() => _http.PostAsJsonAsync("/api/events", body, Json, cancellationToken), cancellationToken);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("id").GetGuid();
    }

    /// <summary><c>POST /api/events/{id}/pools</c> with the contract's body (<paramref name="pool"/> is serialized as it is).</summary>
    public async Task<PoolDto> CreatePoolAsync(Guid eventId, object pool, CancellationToken cancellationToken = default)
    {
        using var response = await SendWithRetryAsync(() => _http.PostAsJsonAsync($"/api/events/{eventId}/pools", pool, Json, cancellationToken), cancellationToken);
        return (await response.Content.ReadFromJsonAsync<PoolDto>(Json, cancellationToken))!;
    }

    public async Task<PoolDto> GetPoolAsync(Guid poolId, CancellationToken cancellationToken = default)
    {
        using var response = await SendWithRetryAsync(() => _http.GetAsync($"/api/pools/{poolId}", cancellationToken), cancellationToken);
        return (await response.Content.ReadFromJsonAsync<PoolDto>(Json, cancellationToken))!;
    }

    public async Task<PoolReconciliationDto> GetPoolReconciliationAsync(Guid poolId, CancellationToken cancellationToken = default)
    {
        using var response = await SendWithRetryAsync(() => _http.GetAsync($"/api/admin/pools/{poolId}/reconciliation", cancellationToken), cancellationToken);
        return (await response.Content.ReadFromJsonAsync<PoolReconciliationDto>(Json, cancellationToken))!;
    }

    public async Task<List<FlaggedGiftDto>> GetFlaggedGiftsAsync(string status, CancellationToken cancellationToken = default)
    {
        using var response = await SendWithRetryAsync(() => _http.GetAsync($"/api/admin/flagged-gifts?status={status}", cancellationToken), cancellationToken);
        return (await response.Content.ReadFromJsonAsync<FlaggedGiftListDto>(Json, cancellationToken))!.Items;
    }

    /// <summary><c>GET /api/events/{id}/leaderboards/{board}</c>, with the entry of <paramref name="key"/> when one is given.</summary>
    public async Task<LeaderboardDto> GetLeaderboardAsync(Guid eventId, string board, string by = "amount", int top = 100, string? key = null,
        CancellationToken cancellationToken = default)
    {
        var uri = $"/api/events/{eventId}/leaderboards/{board}?by={by}&top={top}" + (key is null ? "" : $"&key={Uri.EscapeDataString(key)}");
        using var response = await SendWithRetryAsync(() => _http.GetAsync(uri, cancellationToken), cancellationToken);
        return (await response.Content.ReadFromJsonAsync<LeaderboardDto>(Json, cancellationToken))!;
    }

    /// <summary>Runs the platform's Stripe reconciliation job now (<c>POST /api/admin/payments/stripe/reconcile</c>).</summary>
    public async Task<StripeReconcileRunDto> ReconcileStripeAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendWithRetryAsync(() => _http.PostAsync("/api/admin/payments/stripe/reconcile", null, cancellationToken), cancellationToken);
        return (await response.Content.ReadFromJsonAsync<StripeReconcileRunDto>(Json, cancellationToken))!;
    }

    /// <summary>Admin calls are retried a few times on 5xx or a failed connection: set-up should not die of one slow answer.</summary>
    private static async Task<HttpResponseMessage> SendWithRetryAsync(Func<Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            HttpResponseMessage response;
            try
            {
                response = await send();
            }
            catch (HttpRequestException) when (attempt < 5)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
                continue;
            }
            if (response.IsSuccessStatusCode)
            {
                return response;
            }
            if ((int)response.StatusCode >= 500 && attempt < 5)
            {
                response.Dispose();
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
                continue;
            }
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            response.Dispose();
            throw new HttpRequestException($"{(int)response.StatusCode} {response.ReasonPhrase}: {text}", null, response.StatusCode);
        }
    }

    public void Dispose() => _http.Dispose();
}
