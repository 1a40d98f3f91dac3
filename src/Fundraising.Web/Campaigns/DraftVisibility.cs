using System.Security.Claims;
using Fundraising.Contracts.Campaigns;
using Fundraising.Web.Security;

namespace Fundraising.Web.Campaigns;

/// <summary>
/// Who sees a draft (a campaign not yet opened): staff whose scope covers it. Everyone else is answered as if it did
/// not exist, by id, in lists (their count included) and through the hub.
/// </summary>
public static class DraftVisibility
{
    public static bool CanSee(ClaimsPrincipal user, Guid campaignId, CampaignSummary campaign) =>
        campaign.Status != CampaignStatus.Draft || StaffScope.Of(user)?.Covers(campaignId, campaign.Definition.Region) == true;

    /// <summary>Whether a list filtered by <paramref name="county"/> may include drafts: only when every draft it could show is in scope.</summary>
    public static bool InLists(ClaimsPrincipal user, string? county) => StaffScope.Of(user) switch
    {
        { IsWhole: true } => true,
        { Role: Roles.Association, County: { } own } => county is not null && string.Equals(own, county.Trim(), StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>True when <paramref name="user"/> must be told there is no such campaign: it does not exist, or it is a draft they may not see.</summary>
    public static bool IsHidden([System.Diagnostics.CodeAnalysis.NotNullWhen(false)] CampaignSummary? campaign, ClaimsPrincipal user) =>
        campaign is null || !CanSee(user, campaign.Id, campaign);
}
