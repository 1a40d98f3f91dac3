using Fundraising.Persistence;
using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Persistence.Catalog;
using Fundraising.Persistence.Events;
using Fundraising.Contracts.Matching;

namespace Fundraising.Web.Seeding;

/// <summary>
/// Seeds a demo giving day for a local run (<c>Demo:Seed=true</c>), once, into an empty database:
/// Shangluo's appeals and a village project in each of its seven counties, with a few offline
/// gifts so the pages show movement, and a giving-day event over them whose matching pool opens shortly after the seed.
/// Figures follow the city's 2021 report (see shared/DOMAIN.md). Then the 2020 and 2021 ledgers behind the annual
/// report (<see cref="HistorySeeder"/>, idempotent on its own, so it also completes an older demo database).
/// </summary>
public sealed partial class DemoSeeder(
    IGrainFactory grains, ICampaignCatalog catalog, EventStore events, HistorySeeder history, IConfiguration configuration, TimeProvider time, ILogger<DemoSeeder> logger,
    VillageDemo villages)
    : BackgroundService
{
    private const string Province = "陕西省";
    private const string City = "商洛市";

    private static readonly (string Title, string Description, string County, long GoalYuan)[] Appeals =
    [
        ("99公益日 · 商洛慈善助学", "为商洛市困难学生提供助学金。2021年共资助2,186名学生，181.16万元。", "商州区", 2_000_000),
        ("夏季洪灾救助", "为受洪灾影响的家庭提供应急救助与灾后重建，2021年募集款物578.58万元。", "丹凤县", 6_000_000),
        ("春节慰问 · 困难家庭与儿童", "春节期间慰问困难家庭和困境儿童（2021年：3,692户，5,207名儿童）。", "洛南县", 1_900_000),
        ("重阳敬老", "重阳节慰问高龄、失能和困难老人（2021年：1,967人，57.87万元）。", "山阳县", 600_000),
    ];

    // Each village project names its town (乡镇) too: the towns board ranks them.
    private static readonly (string County, string Town, string Village, string Purpose, long GoalYuan)[] Villages =
    [
        ("商州区", "北宽坪镇", "广东坪村", "村级互助养老与老年餐桌", 120_000),
        ("洛南县", "石门镇", "石门村", "留守儿童课后托管", 100_000),
        ("丹凤县", "棣花镇", "万湾村", "慈安便民桥修建", 180_000),
        ("商南县", "试马镇", "街道村", "村级慈善幸福家园建设", 90_000),
        ("山阳县", "漫川关镇", "前店子村", "困难老人冬季取暖", 80_000),
        ("镇安县", "云盖寺镇", "云镇村", "村卫生室设备添置", 150_000),
        ("柞水县", "营盘镇", "朱家湾村", "乡村学校饮水与太阳能热水器", 110_000),
    ];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!configuration.GetValue("Demo:Seed", false))
        {
            return;
        }
        var existing = await catalog.ListAsync(new CampaignListQuery(null, null, null, new PageRequest(1), IncludeDrafts: true), stoppingToken);
        if (existing.Total > 0)
        {
            LogSkipped(existing.Total);
            await history.SeedAsync(stoppingToken);
            return;
        }

        var now = time.GetUtcNow();
        var starts = now.AddDays(-1);
        var ends = now.AddDays(30);
        var seeded = new List<Guid>();
        foreach (var (title, description, county, goal) in Appeals)
        {
            seeded.Add(await SeedAsync(new CampaignDefinition(title, description, CampaignKind.Appeal, new Region(Province, City, county, null), "CNY", goal * 100, starts, ends), seeded.Count));
        }
        foreach (var (county, town, village, purpose, goal) in Villages)
        {
            var definition = new CampaignDefinition($"慈善幸福家园 · {town}{village}", $"{county}{town}{village}：{purpose}。村民和在外乡贤共同参与，善款用于本村。",
                CampaignKind.Village, new Region(Province, City, county, town + village, town), "CNY", goal * 100, starts, ends);
            seeded.Add(await SeedAsync(definition, seeded.Count));
            // Claimed by its county association, with sub-plans and a first update (the village page's).
            await villages.SeedAsync(seeded[^1], county, town, town + village, purpose, definition.GoalAmount);
        }
        LogSeeded(seeded.Count);
        await SeedDisbursementsAsync(seeded.Skip(Appeals.Length).ToList(), now);
        await SeedGivingDayAsync(seeded, now, stoppingToken);
        // The 2020 and 2021 ledgers behind the annual report (idempotent on its own: it may be added to an older demo database).
        await history.SeedAsync(stoppingToken);
    }

    // A third of each village's money already paid out for its own need, so its public ledger shows money in and out.
    private async Task SeedDisbursementsAsync(IReadOnlyList<Guid> villages, DateTimeOffset now)
    {
        for (var i = 0; i < villages.Count; i++)
        {
            var (_, town, village, purpose, _) = Villages[i];
            var grain = grains.GetGrain<ICampaignGrain>(villages[i]);
            var amount = (await grain.GetBalanceAsync()).Balance / 3;
            await grain.DisburseAsync(new Contracts.Disbursements.NewDisbursement(amount, "CNY", $"首期：{purpose}", $"{town}{village}村民委员会",
                now.AddHours(-2), [], "demo-seed", $"demo-seed-disbursement-{i}"));
        }
    }

    // The demo's giving day: every seeded campaign takes part, and a sponsor's 1:1 pool opens at Demo:PoolOpensAt (local
    // HH:mm in Asia/Shanghai; by default two minutes after the seed), so a local run sees the match meter count down and open.
    private async Task SeedGivingDayAsync(IReadOnlyList<Guid> campaigns, DateTimeOffset now, CancellationToken cancellationToken)
    {
        const string zone = "Asia/Shanghai";
        var eventId = Guid.CreateVersion7();
        var window = new EventDefinition("99公益日（演示）", now.AddHours(-1), now.AddDays(3), zone, campaigns, []);
        await events.CreateAsync(eventId, window, "demo-seed", cancellationToken);
        foreach (var campaign in campaigns)
        {
            // Active since the seed: they learn of the event now, so that their gifts reach its boards at once.
            await grains.GetGrain<ICampaignGrain>(campaign).EventsChangedAsync();
        }
        var local = TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById(zone)).AddMinutes(2);
        var opensAt = TimeOnly.TryParse(configuration["Demo:PoolOpensAt"], System.Globalization.CultureInfo.InvariantCulture, out var configured)
            ? configured
            : new TimeOnly(local.Hour, local.Minute);
        var pool = new PoolDefinition(eventId, "爱心企业配捐（演示）", "CNY", Budget: 5_000_000, DailyBudget: null, opensAt,
            new MatchRule(new MatchRatio(1, 1), MaxPerGift: 10_000, MaxPerDonorPerDay: 99_900), PoolEligibility.Everyone, zone, window.StartsAt, window.EndsAt);
        await grains.GetGrain<IMatchingPoolGrain>(Guid.CreateVersion7()).CreateAsync(pool, "demo-seed");
        LogPool(eventId, opensAt.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture));
    }

    private async Task<Guid> SeedAsync(CampaignDefinition definition, int index)
    {
        var id = Guid.CreateVersion7();
        var grain = grains.GetGrain<ICampaignGrain>(id);
        await grain.CreateAsync(definition, "demo-seed");
        await grain.OpenAsync("demo-seed");
        // A stage pledge paid in cash and a bank transfer, so the demo starts with some progress.
        string[] donors = ["商洛市慈善协会理事单位", "在外乡贤（西安商会）"];
        for (var i = 0; i < donors.Length; i++)
        {
            var amount = definition.GoalAmount / (5 + index + i * 3);
            await grain.RecordOfflineDonationAsync(new NewOfflineDonation(
                $"demo-seed-{index}-{i}", amount, "CNY", donors[i], false, $"DEMO-{index:D2}-{i}", i == 0 ? "cash" : "bank_transfer", "demo-seed"));
        }
        return id;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo data not seeded: the database already has {Count} campaigns")]
    private partial void LogSkipped(long count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded the demo giving day {EventId}; its pool opens at {OpensAt} (Asia/Shanghai)")]
    private partial void LogPool(Guid eventId, string opensAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded {Count} demo campaigns")]
    private partial void LogSeeded(int count);
}

public static class DemoSeedingExtensions
{
    public static WebApplicationBuilder AddDemoSeeding(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<VillageDemo>();
        builder.Services.AddSingleton<HistorySeeder>();
        builder.Services.AddHostedService<DemoSeeder>();
        return builder;
    }
}
