using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Progress;
using Fundraising.Web.Campaigns;

namespace Fundraising.Web.Progress;

public sealed record RecentDonorMessage(string? DisplayName, long Amount, string? Message, DateTimeOffset At);

/// <summary>The <c>progress</c> message: the campaign's fields, its latest donors and a version that only grows.</summary>
public sealed record ProgressMessage(
    Guid Id,
    string Title,
    CampaignKind Kind,
    RegionResponse Region,
    string Currency,
    long GoalAmount,
    long RaisedAmount,
    long DonationCount,
    CampaignStatus Status,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    IReadOnlyList<RecentDonorMessage> RecentDonors,
    long Version,
    long MatchedAmount,
    long RaisedAndMatchedAmount,
    IReadOnlyList<Villages.SubPlanResponse>? SubPlans = null)
{
    public static ProgressMessage From(ProgressSnapshot snapshot)
    {
        var c = CampaignResponse.From(snapshot.Campaign);
        return new ProgressMessage(c.Id, c.Title, c.Kind, c.Region, c.Currency, c.GoalAmount, c.RaisedAmount, c.DonationCount, c.Status,
            c.StartsAt, c.EndsAt, [.. snapshot.RecentDonors.Select(d => new RecentDonorMessage(d.DisplayName, d.Amount, d.Message, d.At))],
            snapshot.Version, c.MatchedAmount, c.RaisedAndMatchedAmount,
            snapshot.SubPlans is { } plans ? [.. plans.Select(Villages.SubPlanResponse.From)] : null);
    }
}
