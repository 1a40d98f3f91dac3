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
/// Takes every photo id as given (they are stored as they came). Photos are built on another branch.
/// TODO(lead): after merging photos, replace this with a check that each id is a photo of <c>campaignId</c> (refuse an
/// unknown photo or another project's, naming it) and register it in <c>AddFundraisingSilo</c> instead.
/// </summary>
public sealed class UncheckedDisbursementEvidence : IDisbursementEvidence
{
    public Task<string?> RefuseAsync(Guid campaignId, IReadOnlyList<Guid> photoIds, CancellationToken cancellationToken = default) =>
        Task.FromResult<string?>(null);
}
