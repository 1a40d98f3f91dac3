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
    [property: Id(7)] DateTimeOffset EndsAt);

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
