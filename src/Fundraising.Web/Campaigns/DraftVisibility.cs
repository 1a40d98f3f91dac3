using System.Security.Claims;
using Fundraising.Contracts.Campaigns;
using Fundraising.Web.Security;

namespace Fundraising.Web.Campaigns;

/// <summary>
/// Who may see a draft campaign (an admin's work in progress): its page, its Watch, its place and count in the
/// list. Everyone else is answered as if the draft did not exist. This is the one place that decides it.
/// </summary>
public static class DraftVisibility
{
    public static bool CanSeeDrafts(ClaimsPrincipal user) => user.IsInRole(AdminAuthentication.Role);

    /// <summary>True when <paramref name="user"/> must be told there is no such campaign: it does not exist, or it is a draft they may not see.</summary>
    public static bool IsHidden([System.Diagnostics.CodeAnalysis.NotNullWhen(false)] CampaignSummary? campaign, ClaimsPrincipal user) =>
        campaign is null || (campaign.Status == CampaignStatus.Draft && !CanSeeDrafts(user));
}
