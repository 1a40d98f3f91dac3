using System.Collections.Concurrent;
using Fundraising.Persistence.Ledger;

namespace Fundraising.Web.Donations;

/// <summary>
/// Finds the campaign (and so the grain) a donation belongs to. Donations created through this
/// front end are remembered, so the usual create-then-confirm pair costs no extra database read;
/// anything else (another front end, a restart, a gift older than two generations) is looked up in the ledger.
/// </summary>
/// <remarks>
/// Two generations of plain dictionaries rather than a MemoryCache: at a giving-day peak a size-limited
/// MemoryCache refuses new entries while it compacts past its limit (every confirmation then costs a
/// ledger read) and scans all its entries to compact. Here a full generation is simply dropped when the
/// next one fills: O(1) per gift, and a gift is remembered for at least one generation of newer gifts.
/// </remarks>
public sealed class DonationRouter(IDonationLedger ledger)
{
    private const int GenerationSize = 250_000;

    private readonly Lock _rotation = new();
    private ConcurrentDictionary<Guid, Guid> _current = new();
    private ConcurrentDictionary<Guid, Guid> _previous = new();
    private int _currentCount;

    public void Remember(Guid donationId, Guid campaignId)
    {
        var current = _current;
        if (current.TryAdd(donationId, campaignId) && Interlocked.Increment(ref _currentCount) >= GenerationSize)
        {
            lock (_rotation)
            {
                if (ReferenceEquals(_current, current))
                {
                    _previous = current;
                    _current = new ConcurrentDictionary<Guid, Guid>();
                    _currentCount = 0;
                }
            }
        }
    }

    public async ValueTask<Guid?> FindCampaignAsync(Guid donationId, CancellationToken cancellationToken)
    {
        if (_current.TryGetValue(donationId, out var campaignId) || _previous.TryGetValue(donationId, out campaignId))
        {
            return campaignId;
        }
        var found = await ledger.FindCampaignOfDonationAsync(donationId, cancellationToken);
        if (found is { } id)
        {
            Remember(donationId, id);
        }
        return found;
    }
}
