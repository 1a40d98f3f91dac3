namespace Fundraising.Load.Baseline;

/// <summary>Body of <c>POST /api/campaigns</c>: the platform's shape; only what the comparison needs is kept.</summary>
public sealed record CreateCampaignRequest(string? Title, string? Kind, string? Currency, long? GoalAmount);

/// <summary>Body of <c>POST /api/campaigns/{id}/donations</c>, as on the platform.</summary>
public sealed record CreateDonationRequest(long? Amount, string? Currency, string? DisplayName, bool? Anonymous, string? Message);

public sealed record PaymentResponse(string Provider, string ConfirmUrl);

/// <summary>The platform's donation response shape.</summary>
public sealed record DonationResponse(
    Guid Id, Guid CampaignId, long Amount, string Currency, string Status, string Channel, string? DisplayName, bool Anonymous,
    string? Message, DateTimeOffset CreatedAt, DateTimeOffset? SucceededAt, PaymentResponse? Payment);

public sealed record CampaignResponse(Guid Id, string Title, string Currency, long GoalAmount, long RaisedAmount, long DonationCount, string Status);

public sealed record TotalsResponse(long RaisedAmount, long DonationCount);

public sealed record CampaignReconciliationResponse(
    Guid CampaignId, string Title, string Currency, TotalsResponse Grain, TotalsResponse Catalogue, TotalsResponse Ledger, bool Agrees);

public sealed record ReconciliationResponse(bool AllAgree, int CampaignCount, IReadOnlyList<CampaignReconciliationResponse> Campaigns);

/// <summary>A stored donation.</summary>
public sealed record Donation(Guid Id, Guid CampaignId, long Amount, string Currency, string? DisplayName, bool Anonymous, string? Message,
    bool Succeeded, DateTimeOffset CreatedAt, DateTimeOffset? SucceededAt)
{
    public DonationResponse ToResponse(bool withPayment) => new(Id, CampaignId, Amount, Currency, Succeeded ? "succeeded" : "pending", "online",
        DisplayName, Anonymous, Message, CreatedAt, SucceededAt,
        withPayment ? new PaymentResponse("sandbox", $"/api/payments/sandbox/{Id}/confirm") : null);
}

public enum CreateOutcome
{
    Created,
    Replayed,
    KeyReused,
    CampaignNotLive,
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
