namespace Fundraising.Load.Baseline;

/// <summary>Body of <c>POST /api/campaigns</c>: the platform's shape; only what the comparison needs is kept.</summary>
public sealed record CreateCampaignRequest(string? Title, string? Kind, string? Currency, long? GoalAmount);

/// <summary>Body of <c>POST /api/campaigns/{id}/donations</c>, as on the platform.</summary>
public sealed record CreateDonationRequest(long? Amount, string? Currency, string? DisplayName, bool? Anonymous, string? Message);

public sealed record PaymentResponse(string Provider, string ConfirmUrl);

/// <summary>A succeeded gift's match: <c>matched</c>, <c>held</c> (velocity: reserved from the pool, flagged) or <c>none</c>.</summary>
public sealed record MatchResponse(Guid? PoolId, long Amount, string Status)
{
    public static MatchResponse None(Guid? poolId) => new(poolId, 0, "none");
}

/// <summary>The platform's donation response shape; <c>match</c> is null while the gift is pending.</summary>
public sealed record DonationResponse(
    Guid Id, Guid CampaignId, long Amount, string Currency, string Status, string Channel, string? DisplayName, bool Anonymous,
    string? Message, DateTimeOffset CreatedAt, DateTimeOffset? SucceededAt, PaymentResponse? Payment, MatchResponse? Match);

public sealed record CampaignResponse(Guid Id, string Title, string Currency, long GoalAmount, long RaisedAmount, long DonationCount, string Status);

public sealed record TotalsResponse(long RaisedAmount, long DonationCount);

public sealed record CampaignReconciliationResponse(
    Guid CampaignId, string Title, string Currency, TotalsResponse Grain, TotalsResponse Catalogue, TotalsResponse Ledger, bool Agrees);

public sealed record ReconciliationResponse(bool AllAgree, int CampaignCount, IReadOnlyList<CampaignReconciliationResponse> Campaigns);

/// <summary>A stored donation; <see cref="DonorId"/> is the verified donor whose Donor-Token it carried.</summary>
public sealed record Donation(Guid Id, Guid CampaignId, long Amount, string Currency, string? DisplayName, bool Anonymous, string? Message,
    bool Succeeded, DateTimeOffset CreatedAt, DateTimeOffset? SucceededAt, Guid? DonorId = null, MatchResponse? Match = null)
{
    public DonationResponse ToResponse(bool withPayment) => new(Id, CampaignId, Amount, Currency, Succeeded ? "succeeded" : "pending", "online",
        DisplayName, Anonymous, Message, CreatedAt, SucceededAt,
        withPayment ? new PaymentResponse("sandbox", $"/api/payments/sandbox/{Id}/confirm") : null,
        Succeeded ? Match ?? MatchResponse.None(null) : null);
}

/// <summary>Body of <c>POST /api/events</c>, as on the platform.</summary>
public sealed record CreateEventRequest(string? Name, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, string? TimeZone, Guid[]? CampaignIds);

public sealed record EventResponse(Guid Id, string Name, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string TimeZone, IReadOnlyList<Guid> CampaignIds);

public sealed record RatioRequest(int Match, int Per);

/// <summary>Body of <c>POST /api/events/{id}/pools</c>: the contract's shape (no random ratio, no eligibility: every campaign of the event).</summary>
public sealed record CreatePoolRequest(string? SponsorName, long? Budget, string? Currency, string? OpensAt, RatioRequest? Ratio, long? MaxPerGift, long? MaxPerDonorPerDay);

public sealed record PoolResponse(
    Guid Id, Guid EventId, string SponsorName, string Status, string Currency, long Budget, long? DailyBudget, long MatchedAmount, long RemainingAmount,
    long MatchCount, long HeldAmount, string OpensAt, DateTimeOffset? NextOpensAt, DateTimeOffset ClosesAt, RatioRequest Ratio, long MaxPerGift,
    long MaxPerDonorPerDay, DateTimeOffset AsOf);

public sealed record PoolReconciliationResponse(
    Guid PoolId, long Budget, long MatchedAmount, long HeldAmount, long MatchCount, long RowsMatchedAmount, long SlicesUsedAmount,
    long Overdraw, long DonorCapViolations, bool Exact);

public sealed record FlaggedGiftResponse(Guid DonationId, Guid CampaignId, Guid? PoolId, long MatchAmount, long GiftAmount, string Currency,
    string Reason, DateTimeOffset? FlaggedAt, string Status);

public sealed record FlaggedGiftListResponse(IReadOnlyList<FlaggedGiftResponse> Items);

public sealed record VerificationRequest(string? Email);

public sealed record VerificationConfirmRequest(string? Email, string? Code);

public sealed record DonorTokenResponse(string DonorToken, DateTimeOffset ExpiresAt);

public sealed record OutboxMessage(string To, string Subject, string Body, string Code, DateTimeOffset SentAt);

public sealed record OutboxResponse(IReadOnlyList<OutboxMessage> Items);

public enum CreateOutcome
{
    Created,
    Replayed,
    KeyReused,
    CampaignNotLive,
}

/// <summary>
/// Giving-day events, matching pools and verified donors: the naive baseline's, for the <c>opening</c> scenario (the
/// ceiling server has none and ignores Donor-Token).
/// </summary>
public interface IMatchingStore
{
    Task<EventResponse?> CreateEventAsync(string name, DateTimeOffset startsAt, DateTimeOffset endsAt, string timeZone, IReadOnlyList<Guid> campaignIds);

    Task<PoolResponse?> CreatePoolAsync(Guid eventId, CreatePoolRequest request);

    Task<PoolResponse?> GetPoolAsync(Guid poolId);

    Task<PoolReconciliationResponse?> ReconcilePoolAsync(Guid poolId);

    Task<IReadOnlyList<FlaggedGiftResponse>> FlaggedGiftsAsync(string status);

    /// <summary>A donor (new or known) with a fresh token for the address.</summary>
    Task<DonorTokenResponse> IssueTokenAsync(string email);

    /// <summary>The donor a token belongs to; null when unknown.</summary>
    Task<Guid?> FindDonorAsync(string token);
}

/// <summary>Where the comparison servers keep campaigns and donations.</summary>
public interface IDonationStore
{
    Task<Guid> CreateCampaignAsync(string title, string currency, long goal);

    Task<bool> OpenAsync(Guid campaignId);

    Task<(CreateOutcome Outcome, Donation? Donation)> CreateDonationAsync(Guid campaignId, string key, byte[] requestHash, Donation donation);

    /// <summary>The donation after confirmation, or null when there is none.</summary>
    Task<Donation?> ConfirmAsync(Guid donationId);

    Task<CampaignResponse?> GetCampaignAsync(Guid campaignId);

    Task<ReconciliationResponse> ReconcileAsync();
}
