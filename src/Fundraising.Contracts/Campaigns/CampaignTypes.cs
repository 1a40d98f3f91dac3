namespace Fundraising.Contracts.Campaigns;

/// <summary>A general appeal, or a village-support project (慈善幸福家园).</summary>
public enum CampaignKind
{
    Appeal,
    Village,
}

/// <summary>Donations are accepted only while a campaign is <see cref="Live"/>.</summary>
public enum CampaignStatus
{
    Draft,
    Live,
    Closed,
}

/// <summary>
/// Where a campaign belongs: province &gt; city &gt; county &gt; town (乡镇, optional) &gt; village (for village projects).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record Region(
    [property: Id(0)] string Province,
    [property: Id(1)] string City,
    [property: Id(2)] string County,
    [property: Id(3)] string? Village,
    [property: Id(4)] string? Town = null);

/// <summary>What an admin decides when creating a campaign. Money is in minor units (fen) of <see cref="Currency"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record CampaignDefinition(
    [property: Id(0)] string Title,
    [property: Id(1)] string Description,
    [property: Id(2)] CampaignKind Kind,
    [property: Id(3)] Region Region,
    [property: Id(4)] string Currency,
    [property: Id(5)] long GoalAmount,
    [property: Id(6)] DateTimeOffset StartsAt,
    [property: Id(7)] DateTimeOffset EndsAt,
    [property: Id(8)] Programme? Programme = null,
    [property: Id(9)] string? Template = null)
{
    /// <summary>The programme the campaign reports under: the one set at creation, or its kind's default.</summary>
    public Programme ProgrammeOrDefault => Programme ?? Programmes.DefaultFor(Kind);
}

/// <summary>A campaign as the outside world sees it: its definition, status and running totals.</summary>
[GenerateSerializer, Immutable]
public sealed record CampaignSummary(
    [property: Id(0)] Guid Id,
    [property: Id(1)] CampaignDefinition Definition,
    [property: Id(2)] CampaignStatus Status,
    [property: Id(3)] long RaisedAmount,
    [property: Id(4)] long DonationCount,
    [property: Id(5)] CampaignTotals? Totals = null);

/// <summary>
/// Running totals of succeeded gifts, net of refunds, as the grain holds them in memory.
/// <see cref="RaisedAmount"/> (款物合计) is online money + offline money + goods at valuation;
/// <see cref="DonationCount"/> counts gifts (人次), not people. <see cref="MatchedAmount"/> is the matching pools' money
/// (配捐) on these gifts: reported beside <see cref="RaisedAmount"/>, never inside it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CampaignTotals(
    [property: Id(0)] long RaisedAmount,
    [property: Id(1)] long DonationCount,
    [property: Id(2)] long OnlineAmount = 0,
    [property: Id(3)] long OfflineAmount = 0,
    [property: Id(4)] long GoodsAmount = 0,
    [property: Id(5)] long MatchedAmount = 0)
{
    public static readonly CampaignTotals Zero = new(0, 0);

    /// <summary>Money only (款), online and offline.</summary>
    public long MoneyAmount => OnlineAmount + OfflineAmount;

    public CampaignTotals Add(CampaignTotals delta) => new(
        checked(RaisedAmount + delta.RaisedAmount), DonationCount + delta.DonationCount,
        checked(OnlineAmount + delta.OnlineAmount), checked(OfflineAmount + delta.OfflineAmount), checked(GoodsAmount + delta.GoodsAmount), checked(MatchedAmount + delta.MatchedAmount));
}

/// <summary>Why a campaign command was refused.</summary>
public enum CampaignCommandError
{
    None,
    NotFound,
    AlreadyExists,
    InvalidTransition,
}

/// <summary>The result of a create, open or close command.</summary>
[GenerateSerializer, Immutable]
public sealed record CampaignCommandResult(
    [property: Id(0)] CampaignCommandError Error,
    [property: Id(1)] CampaignSummary? Campaign,
    [property: Id(2)] string? Detail = null);

/// <summary>What a campaign's money is for (项目类别), the rows of the reports' "by programme" table.</summary>
public enum Programme
{
    /// <summary>Happy Homeland village projects (慈善幸福家园).</summary>
    VillageHomes,
    DisasterRelief,
    /// <summary>Spring Festival relief for households in need (春节慰问).</summary>
    FestivalRelief,
    StudentAid,
    Elderly,
    Children,
    /// <summary>Footbridges (慈安便民桥).</summary>
    Bridges,
    Other,
}

/// <summary>The programmes' stable codes (as the schema's CHECK lists them) and names, and the default by kind.</summary>
public static class Programmes
{
    public static readonly IReadOnlyList<Programme> All = Enum.GetValues<Programme>();

    /// <summary>A village project is village homes unless said otherwise; an appeal with no stated purpose is "other".</summary>
    public static Programme DefaultFor(CampaignKind kind) => kind == CampaignKind.Village ? Programme.VillageHomes : Programme.Other;

    public static string Code(Programme programme) => programme switch
    {
        Programme.VillageHomes => "village_homes",
        Programme.DisasterRelief => "disaster_relief",
        Programme.FestivalRelief => "festival_relief",
        Programme.StudentAid => "student_aid",
        Programme.Elderly => "elderly",
        Programme.Children => "children",
        Programme.Bridges => "bridges",
        _ => "other",
    };

    public static Programme? FromCode(string? code) => All.Cast<Programme?>().FirstOrDefault(p => Code(p!.Value) == code);

    public static string ChineseName(Programme programme) => programme switch
    {
        Programme.VillageHomes => "慈善幸福家园",
        Programme.DisasterRelief => "灾害救助",
        Programme.FestivalRelief => "节日慰问",
        Programme.StudentAid => "助学",
        Programme.Elderly => "敬老助老",
        Programme.Children => "关爱儿童",
        Programme.Bridges => "慈安便民桥",
        _ => "其他",
    };

    public static string EnglishName(Programme programme) => programme switch
    {
        Programme.VillageHomes => "Village homes",
        Programme.DisasterRelief => "Disaster relief",
        Programme.FestivalRelief => "Festival relief",
        Programme.StudentAid => "Student aid",
        Programme.Elderly => "Elderly",
        Programme.Children => "Children",
        Programme.Bridges => "Bridges",
        _ => "Other",
    };
}
