namespace Fundraising.Contracts.Campaigns;

/// <summary>
/// Appeals an association opens in one step when disaster strikes: a prepared story (in Chinese, with the county
/// and title filled in), the programme, and how long the appeal runs. Appeals opened from a template are pinned on
/// the home page while they are live.
/// </summary>
public static class AppealTemplates
{
    public const string Disaster = "disaster";

    public static readonly IReadOnlyList<string> Names = [Disaster];

    /// <summary>How long a disaster appeal takes gifts unless it is closed sooner.</summary>
    public static readonly TimeSpan DisasterRunsFor = TimeSpan.FromDays(90);

    public static bool IsKnown(string? name) => name is not null && Names.Contains(name);

    /// <summary>The definition of an appeal opened now from <paramref name="template"/> (one of <see cref="Names"/>).</summary>
    public static CampaignDefinition Build(string template, Region region, string title, string currency, long goalAmount, DateTimeOffset now) => template switch
    {
        Disaster => new CampaignDefinition(title, DisasterStory(region.County, title), CampaignKind.Appeal, region, currency, goalAmount, now, now + DisasterRunsFor,
            Programme.DisasterRelief, Disaster),
        _ => throw new ArgumentOutOfRangeException(nameof(template), template, "Unknown appeal template."),
    };

    private static string DisasterStory(string county, string title) =>
        $"{county}遭受灾害，部分群众房屋受损、生活困难。{title}：善款将用于受灾群众的紧急生活救助（食品、饮用水、衣被）、" +
        "临时安置和灾后房屋修缮，由县慈善协会统一调配，款物使用情况将在本页公开。每一份爱心都将送到受灾群众手中。" +
        $"\n\n{title}: an emergency appeal for families in {county} hit by the disaster. Gifts pay for food, water and bedding, " +
        "temporary shelter and repairs to damaged homes, distributed by the county's charity association; every disbursement is published here.";
}
