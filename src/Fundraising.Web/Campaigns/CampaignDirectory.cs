using System.Collections.Concurrent;
using Fundraising.Contracts.Campaigns;
using Fundraising.Persistence.Catalog;
using Fundraising.Web.Http;

namespace Fundraising.Web.Campaigns;

/// <summary>
/// Which campaign ids exist, answered without activating a grain: any GUID in an address would otherwise
/// activate a campaign grain and its database read, and random ids at a few thousand a second fill silo memory.
/// </summary>
/// <remarks>
/// Campaigns are never deleted, so an id once found in the catalogue is known for good (the set is bounded by
/// the catalogue itself). An id not yet known costs one primary-key read; an unknown answer is remembered for a
/// short while in a bounded set, so repeating one random id does not repeat the read. A campaign created through
/// another front end (or silo) is found by that read the first time anyone asks here, and the short memory of
/// misses cannot hide it: campaign ids are version-7 GUIDs the server makes at creation, so nobody can have asked
/// for one before it existed.
/// A known campaign's grain reference is made once and kept with its id: Orleans resolves a grain interface's type by
/// reflection (its attributes, read again) every time a reference is made, which was 4 % of the platform's CPU in the
/// 10:00 opening with two references made a gift (create and confirm).
/// </remarks>
public sealed class CampaignDirectory(ICampaignCatalog catalog, IGrainFactory grains, TimeProvider time)
{
    public const int MaxRememberedMisses = 10_000;
    public static readonly TimeSpan RememberMissesFor = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<Guid, ICampaignGrain> _known = new();
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _misses = new();

    public async ValueTask<bool> ExistsAsync(Guid id, CancellationToken cancellationToken = default)
    {
        if (_known.ContainsKey(id))
        {
            return true;
        }
        var now = time.GetUtcNow();
        if (_misses.TryGetValue(id, out var until) && until > now)
        {
            return false;
        }
        if (await catalog.ExistsAsync(id, cancellationToken))
        {
            _known.TryAdd(id, grains.GetGrain<ICampaignGrain>(id));
            _misses.TryRemove(id, out _);
            return true;
        }
        if (_misses.Count >= MaxRememberedMisses)
        {
            // Bounded: forgetting every miss at once costs at most one more read for each id asked again.
            _misses.Clear();
        }
        _misses[id] = now + RememberMissesFor;
        return false;
    }

    /// <summary>
    /// The campaign's grain: the reference kept for a known campaign (every route with a campaign id passes
    /// <see cref="RequireKnownAsync"/> first), a new one otherwise.
    /// </summary>
    public ICampaignGrain Grain(Guid id) => _known.TryGetValue(id, out var grain) ? grain : grains.GetGrain<ICampaignGrain>(id);

    /// <summary>
    /// An endpoint filter for routes with a campaign id (<c>{id}</c> or <c>{campaignId}</c>): an unknown id is
    /// a 404 problem before the endpoint runs, so no grain is activated for it.
    /// </summary>
    public static async ValueTask<object?> RequireKnownAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var value = http.GetRouteValue("campaignId") ?? http.GetRouteValue("id");
        if (value is string text && Guid.TryParse(text, out var id)
            && !await http.RequestServices.GetRequiredService<CampaignDirectory>().ExistsAsync(id, http.RequestAborted))
        {
            return TypedResults.Problem(Problem.NotFound("campaign", id));
        }
        return await next(context);
    }
}

public static class CampaignDirectoryExtensions
{
    public static WebApplicationBuilder AddCampaignDirectory(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<CampaignDirectory>();
        return builder;
    }
}
