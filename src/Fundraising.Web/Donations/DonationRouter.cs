using Fundraising.Persistence.Ledger;
using Microsoft.Extensions.Caching.Memory;

namespace Fundraising.Web.Donations;

/// <summary>
/// Finds the campaign (and so the grain) a donation belongs to. Donations created through this
/// front end are remembered, so the usual create-then-confirm pair costs no extra database read;
/// anything else (another front end, a restart) is looked up in the ledger.
/// </summary>
public sealed class DonationRouter(IDonationLedger ledger)
{
    private readonly MemoryCache _recent = new(new MemoryCacheOptions { SizeLimit = 200_000 });

    public void Remember(Guid donationId, Guid campaignId) =>
        _recent.Set(donationId, campaignId, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(30) });

    public async ValueTask<Guid?> FindCampaignAsync(Guid donationId, CancellationToken cancellationToken)
    {
        if (_recent.TryGetValue(donationId, out Guid campaignId))
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
