using System.Security.Claims;
using Fundraising.Contracts.Campaigns;

namespace Fundraising.Web.Security;

/// <summary>The four kinds of staff account.</summary>
public static class Roles
{
    /// <summary>Everything, everywhere. The bootstrap <c>Admin:ApiKey</c> is an admin.</summary>
    public const string Admin = "admin";

    /// <summary>Staff of the city's association (no county) or of one county's: campaigns, gifts and refunds in that region.</summary>
    public const string Association = "association";

    /// <summary>A village coordinator: the gifts and donors of the village projects the account is given.</summary>
    public const string Coordinator = "coordinator";

    /// <summary>Read-only: dashboards and reports, no donor's name.</summary>
    public const string Viewer = "viewer";

    public static readonly IReadOnlyList<string> All = [Admin, Association, Coordinator, Viewer];
}

/// <summary>
/// What a privileged endpoint does, each a named authorization policy (the role check). Endpoints about one
/// campaign also check that the campaign is in the account's scope (<see cref="CampaignAccess"/>), since a
/// role alone would let a county's staff act on another county's campaigns.
/// </summary>
public static class Access
{
    /// <summary>Accounts: create, list, disable.</summary>
    public const string ManageAccounts = "ManageAccounts";

    /// <summary>The payment provider's side: Stripe reconciliation, payments held for review.</summary>
    public const string ManagePayments = "ManagePayments";

    /// <summary>Running the platform: health detail (which silo answered), the Orleans Dashboard, operations.</summary>
    public const string Operate = "Operate";

    /// <summary>Create, open and close campaigns; create giving-day events of them (in scope).</summary>
    public const string ManageCampaigns = "ManageCampaigns";

    /// <summary>Record offline gifts (款物) and pledges (in scope).</summary>
    public const string RecordGifts = "RecordGifts";

    /// <summary>Give money back (in scope).</summary>
    public const string Refund = "Refund";

    /// <summary>See donors: admin gift lists with names, monthly gifts, pledges, receipts, statements (in scope).</summary>
    public const string ReadDonors = "ReadDonors";

    /// <summary>Reports without donors' names: reconciliation, the audit trail (in scope).</summary>
    public const string ReadReports = "ReadReports";

    /// <summary>Village projects: a project's sub-plans, photos, updates and milestones (in scope: a coordinator's own projects).</summary>
    public const string PostOnProjects = "PostOnProjects";

    /// <summary>Claim a village for a county association (in its county).</summary>
    public const string ClaimVillages = "ClaimVillages";

    /// <summary>The reports' own data, admins' alone: other cities' figures (external data) and which event is a year's giving day.</summary>
    public const string ManageReports = "ManageReports";

    /// <summary>Record money going out of a project (disbursements, expenses) and correct it (in scope: a coordinator's own projects).</summary>
    public const string Disburse = "Disburse";

    /// <summary>The Prometheus scrape of this process's metrics (<c>/metrics</c>): platform-wide counts and timings, no donor, no campaign id.</summary>
    public const string ReadMetrics = "ReadMetrics";

    /// <summary>Any account or the bootstrap key: who am I, my tokens, sign-out.</summary>
    public const string SignedIn = "SignedIn";

    /// <summary>Who may do what, read top to bottom. Scope narrows every row but the first three, which are admins' alone.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> RolesOf = new Dictionary<string, string[]>
    {
        [ManageAccounts] = [Roles.Admin],
        [ManagePayments] = [Roles.Admin],
        [Operate] = [Roles.Admin],
        [ManageCampaigns] = [Roles.Admin, Roles.Association],
        [RecordGifts] = [Roles.Admin, Roles.Association, Roles.Coordinator],
        [Refund] = [Roles.Admin, Roles.Association],
        [ReadDonors] = [Roles.Admin, Roles.Association, Roles.Coordinator],
        [ReadReports] = [Roles.Admin, Roles.Association, Roles.Coordinator, Roles.Viewer],
        [PostOnProjects] = [Roles.Admin, Roles.Association, Roles.Coordinator],
        [ClaimVillages] = [Roles.Admin, Roles.Association],
        [ManageReports] = [Roles.Admin],
        [Disburse] = [Roles.Admin, Roles.Association, Roles.Coordinator],
        [ReadMetrics] = [.. Roles.All],
        [SignedIn] = [.. Roles.All],
    };
}

/// <summary>
/// The part of the platform a principal may act on, from its claims: admins and viewers everything, an association
/// its county (the whole city when it has none), a coordinator its campaigns.
/// </summary>
public sealed record StaffScope(string Role, string? County, IReadOnlySet<Guid> CampaignIds)
{
    public const string CountyClaim = "fundraising:county";
    public const string CampaignClaim = "fundraising:campaign";

    /// <summary>The principal's scope, or null when it is not staff (anonymous, or no known role).</summary>
    public static StaffScope? Of(ClaimsPrincipal user)
    {
        var role = Roles.All.FirstOrDefault(user.IsInRole);
        if (role is null)
        {
            return null;
        }
        var campaigns = user.FindAll(CampaignClaim).Select(c => Guid.TryParse(c.Value, out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty);
        return new StaffScope(role, user.FindFirstValue(CountyClaim), campaigns.ToHashSet());
    }

    /// <summary>True when nothing narrows this scope: every campaign and every platform-wide report.</summary>
    public bool IsWhole => Role is Roles.Admin or Roles.Viewer || (Role == Roles.Association && County is null);

    /// <summary>Whether the campaign with this id and region is inside the scope.</summary>
    public bool Covers(Guid campaignId, Region region) => Role switch
    {
        Roles.Admin or Roles.Viewer => true,
        Roles.Coordinator => CampaignIds.Contains(campaignId),
        _ => CoversRegion(region),
    };

    /// <summary>Whether the scope includes a region as a whole (where new campaigns may be created).</summary>
    public bool CoversRegion(Region region) => Role switch
    {
        Roles.Admin => true,
        Roles.Association => County is null || string.Equals(County, region.County.Trim(), StringComparison.OrdinalIgnoreCase),
        _ => false,
    };
}

/// <summary>Who is acting, as the audit trail records it: the account's user name, or <c>bootstrap-admin</c> for the key.</summary>
public static class Actor
{
    public static string Of(ClaimsPrincipal user) => user.Identity?.Name ?? throw new InvalidOperationException("An anonymous request reached a privileged action.");
}
