using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Fundraising.Load.Api;

namespace Fundraising.Load.Cards;

/// <summary><c>GET /_fake/webhooks</c>: events by delivery state, and every delivery attempt so far (duplicates and retries included).</summary>
public sealed record WebhookCounts(int Pending, int Delivered, int Failed, int Dropped, long Attempts);

/// <summary>A payment Stripe says succeeded (<c>payment_intent.succeeded</c>), with the donation and campaign from its metadata.</summary>
public sealed record StripePayment(Guid DonationId, Guid CampaignId, long Amount);

/// <summary>
/// The fake Stripe's side of a card run, outside the donors' hot path: its chaos switches, its webhook
/// delivery counts, redelivery, and its event list, which is Stripe's own record of what was paid.
/// </summary>
public sealed class FakeStripeControl : IDisposable
{
    private readonly HttpClient _http;

    public FakeStripeControl(Uri stripe, string apiKey)
    {
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false }) { BaseAddress = stripe, Timeout = TimeSpan.FromSeconds(60) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    public async Task SetChaosAsync(CardChaos chaos, CancellationToken cancellationToken = default)
    {
        // A POST replaces the whole set: API faults are off because they are left out.
        using var response = await _http.PostAsJsonAsync("/_fake/chaos",
            new { duplicateRate = chaos.DuplicateRate, reorderWindowMs = chaos.ReorderWindowMs, delayMs = chaos.DelayMs, dropRate = chaos.DropRate, seed = chaos.Seed },
            PlatformApi.Json, cancellationToken);
        await EnsureAsync(response, cancellationToken);
    }

    public async Task<WebhookCounts> GetWebhooksAsync(CancellationToken cancellationToken = default) =>
        (await _http.GetFromJsonAsync<WebhookCounts>("/_fake/webhooks", PlatformApi.Json, cancellationToken))!;

    /// <summary>Sends failed and dropped events again (without chaos); returns how many.</summary>
    public async Task<int> RedeliverAsync(CancellationToken cancellationToken = default)
    {
        using var response = await _http.PostAsync("/_fake/webhooks/redeliver", null, cancellationToken);
        await EnsureAsync(response, cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return body.GetProperty("redelivered").GetArrayLength();
    }

    /// <summary>
    /// Every <c>payment_intent.succeeded</c> created since <paramref name="since"/> (newest first, paged as Stripe pages),
    /// one per donation. Payments without donation metadata are skipped.
    /// </summary>
    public async Task<IReadOnlyList<StripePayment>> ListSucceededPaymentsAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        var payments = new Dictionary<Guid, StripePayment>();
        string? after = null;
        var gte = (since.ToUnixTimeSeconds() - 1).ToString(CultureInfo.InvariantCulture);
        while (true)
        {
            var url = $"/v1/events?type=payment_intent.succeeded&limit=100&created[gte]={gte}" + (after is null ? "" : $"&starting_after={after}");
            var page = await _http.GetFromJsonAsync<JsonElement>(url, cancellationToken);
            foreach (var stripeEvent in page.GetProperty("data").EnumerateArray())
            {
                after = stripeEvent.GetProperty("id").GetString();
                var intent = stripeEvent.GetProperty("data").GetProperty("object");
                if (intent.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
                    && metadata.TryGetProperty("donation_id", out var donation) && Guid.TryParse(donation.GetString(), out var donationId)
                    && metadata.TryGetProperty("campaign_id", out var campaign) && Guid.TryParse(campaign.GetString(), out var campaignId))
                {
                    payments[donationId] = new StripePayment(donationId, campaignId, intent.GetProperty("amount").GetInt64());
                }
            }
            if (!page.GetProperty("has_more").GetBoolean() || after is null)
            {
                return [.. payments.Values];
            }
        }
    }

    private static async Task EnsureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"Fake Stripe answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    public void Dispose() => _http.Dispose();
}
