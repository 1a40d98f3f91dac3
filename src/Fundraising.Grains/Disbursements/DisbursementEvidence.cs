using Fundraising.Persistence.Villages;

namespace Fundraising.Grains.Disbursements;

/// <summary>
/// Whether a disbursement's evidence (photos of receipts, invoices, the work done) may be attached to it: the one place
/// the campaign grain asks before money going out is recorded.
/// </summary>
public interface IDisbursementEvidence
{
    /// <summary>Null when every photo may be attached to a disbursement of this campaign; otherwise why not (a sentence naming the photo).</summary>
    Task<string?> RefuseAsync(Guid campaignId, IReadOnlyList<Guid> photoIds, CancellationToken cancellationToken = default);
}

/// <summary>
/// Evidence is the project's own photos: each id must be a photo uploaded to this project (re-encoded and stored by
/// <c>POST /api/campaigns/{id}/photos</c>), never another project's, so a ledger entry can only show what its own
/// project published. A disbursement names at most a handful, so each is looked up on its own to name the one refused.
/// </summary>
public sealed class ProjectPhotoEvidence(IVillageProjects projects) : IDisbursementEvidence
{
    public async Task<string?> RefuseAsync(Guid campaignId, IReadOnlyList<Guid> photoIds, CancellationToken cancellationToken = default)
    {
        foreach (var photo in photoIds.Distinct())
        {
            if (await projects.CountPhotosAsync(campaignId, [photo], cancellationToken) == 0)
            {
                return $"Photo {photo} is not a photo of this project: upload it to the project first (POST /api/campaigns/{campaignId}/photos).";
            }
        }
        return null;
    }
}

/// <summary>Takes every photo id as given: for the in-memory test clusters of pure grain logic, which have no photo store.</summary>
public sealed class UncheckedDisbursementEvidence : IDisbursementEvidence
{
    public Task<string?> RefuseAsync(Guid campaignId, IReadOnlyList<Guid> photoIds, CancellationToken cancellationToken = default) =>
        Task.FromResult<string?>(null);
}
