using System.Collections.Concurrent;

namespace Fundraising.Load.Baseline;

/// <summary>
/// The ceiling: the same requests and answers with no real work behind them (in memory, nothing
/// durable). What the generator reaches against it is the most this machine's HTTP stack allows.
/// It still keeps idempotency keys and totals, so that the generator's checks and reconciliation
/// run unchanged.
/// </summary>
public sealed class CeilingStore : IDonationStore
{
    private sealed class Campaign(string title, string currency, long goal)
    {
        public string Title { get; } = title;
        public string Currency { get; } = currency;
        public long Goal { get; } = goal;
        public volatile bool Live;
        public long Raised;
        public long Count;
        public readonly ConcurrentDictionary<string, (byte[] Hash, Donation Donation)> Keys = new(StringComparer.Ordinal);
    }

    private readonly ConcurrentDictionary<Guid, Campaign> _campaigns = new();
    private readonly ConcurrentDictionary<Guid, Donation> _donations = new();

    public Task<Guid> CreateCampaignAsync(string title, string currency, long goal)
    {
        var id = Guid.CreateVersion7();
        _campaigns[id] = new Campaign(title, currency, goal);
        return Task.FromResult(id);
    }

    public Task<bool> OpenAsync(Guid campaignId)
    {
        if (!_campaigns.TryGetValue(campaignId, out var campaign))
        {
            return Task.FromResult(false);
        }
        campaign.Live = true;
        return Task.FromResult(true);
    }

    public Task<(CreateOutcome, Donation?)> CreateDonationAsync(Guid campaignId, string key, byte[] requestHash, Donation donation)
    {
        if (!_campaigns.TryGetValue(campaignId, out var campaign) || !campaign.Live)
        {
            return Task.FromResult<(CreateOutcome, Donation?)>((CreateOutcome.CampaignNotLive, null));
        }
        var stored = campaign.Keys.GetOrAdd(key, (requestHash, donation));
        if (ReferenceEquals(stored.Donation, donation))
        {
            _donations[donation.Id] = donation;
            return Task.FromResult<(CreateOutcome, Donation?)>((CreateOutcome.Created, donation));
        }
        return Task.FromResult<(CreateOutcome, Donation?)>(stored.Hash.AsSpan().SequenceEqual(requestHash)
            ? (CreateOutcome.Replayed, _donations.GetValueOrDefault(stored.Donation.Id, stored.Donation))
            : (CreateOutcome.KeyReused, null));
    }

    public Task<Donation?> ConfirmAsync(Guid donationId)
    {
        while (_donations.TryGetValue(donationId, out var donation))
        {
            if (donation.Succeeded)
            {
                return Task.FromResult<Donation?>(donation);
            }
            var confirmed = donation with { Succeeded = true, SucceededAt = DateTimeOffset.UtcNow };
            if (_donations.TryUpdate(donationId, confirmed, donation))
            {
                var campaign = _campaigns[donation.CampaignId];
                Interlocked.Add(ref campaign.Raised, donation.Amount);
                Interlocked.Increment(ref campaign.Count);
                return Task.FromResult<Donation?>(confirmed);
            }
        }
        return Task.FromResult<Donation?>(null);
    }

    public Task<CampaignResponse?> GetCampaignAsync(Guid campaignId) => Task.FromResult(_campaigns.TryGetValue(campaignId, out var c)
        ? new CampaignResponse(campaignId, c.Title, c.Currency, c.Goal, Interlocked.Read(ref c.Raised), Interlocked.Read(ref c.Count), c.Live ? "live" : "draft")
        : null);

    public Task<ReconciliationResponse> ReconcileAsync()
    {
        var ledger = new Dictionary<Guid, (long Raised, long Count)>();
        foreach (var donation in _donations.Values)
        {
            if (donation.Succeeded)
            {
                var (raised, count) = ledger.GetValueOrDefault(donation.CampaignId);
                ledger[donation.CampaignId] = (raised + donation.Amount, count + 1);
            }
        }
        var rows = new List<CampaignReconciliationResponse>();
        foreach (var (id, c) in _campaigns)
        {
            var totals = new TotalsResponse(Interlocked.Read(ref c.Raised), Interlocked.Read(ref c.Count));
            var (raised, count) = ledger.GetValueOrDefault(id);
            var sums = new TotalsResponse(raised, count);
            rows.Add(new CampaignReconciliationResponse(id, c.Title, c.Currency, totals, totals, sums, totals == sums));
        }
        return Task.FromResult(new ReconciliationResponse(rows.TrueForAll(r => r.Agrees), rows.Count, rows));
    }
}
