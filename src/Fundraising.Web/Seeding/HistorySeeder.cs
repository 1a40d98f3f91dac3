using System.Security.Cryptography;
using System.Text;
using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Persistence.Events;
using Fundraising.Persistence.Reports;
using Fundraising.Web.Reports;
using Microsoft.Extensions.Options;

namespace Fundraising.Web.Seeding;

/// <summary>
/// Seeds the association's 2020 and 2021 ledgers for the local demo: closed campaigns of each programme, their gifts
/// imported with their past dates through the campaigns' own group commit (online gifts with provider <c>import</c>,
/// offline money and goods with method <c>import</c>), each year's 99 Giving Day event marked as such, and the other
/// cities' 2021 figures as external data. The gifts add up to the figures of the city's 2021 report (shared/DOMAIN.md):
/// the generated 2021 report shows ¥64,068,800 raised in money and goods, ¥9,794,600 online, ¥7,500,000 on the giving
/// day (+7.3% on 2020's ¥6,990,000, 5th of 12 cities), ¥16,870,000 for village homes, ¥5,785,800 for the summer flood
/// appeal, ¥537,500 of Covid goods.
/// </summary>
/// <remarks>
/// Idempotent: ids and idempotency keys are derived from fixed names, so a run cut short completes on the next start
/// without counting a gift twice, and a finished run (2021's giving day marked, the last step) is skipped at once.
/// About 700 gifts in all: big round gifts, split into a few dozen each so that the pages have rows to show.
/// </remarks>
public sealed partial class HistorySeeder(
    IGrainFactory grains, EventStore events, ReportStore reports, IOptions<AssociationOptions> options, ILogger<HistorySeeder> logger)
{
    public const string Actor = "demo-history";

    // What the other cities raised online on 2021's giving day: invented demo figures (4 ahead of 商洛市, 7 behind).
    private static readonly (string City, long Yuan)[] OtherCities2021 =
    [
        ("西安市", 52_000_000), ("榆林市", 15_300_000), ("宝鸡市", 9_800_000), ("汉中市", 8_100_000), ("咸阳市", 7_200_000), ("渭南市", 6_800_000),
        ("延安市", 6_100_000), ("安康市", 5_900_000), ("铜川市", 2_300_000), ("韩城市", 1_900_000), ("杨凌示范区", 900_000),
    ];

    private static readonly string[] OfflineDonors = ["商洛市慈善协会理事单位", "在外乡贤（西安商会）", "爱心企业", "村民代表", "机关干部职工"];

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        if (await reports.GivingDayAsync(2021, cancellationToken) is not null)
        {
            LogSkipped();
            return;
        }
        foreach (var year in Years())
        {
            var ids = new List<Guid>();
            foreach (var campaign in year.Campaigns)
            {
                ids.Add(await SeedCampaignAsync(year.Year, campaign));
            }
            var eventId = IdOf($"event/{year.Year}");
            if (await reports.FindEventAsync(eventId, cancellationToken) is null)
            {
                var (starts, ends) = GivingDayWindow(year.Year);
                await events.CreateAsync(eventId, new EventDefinition($"{year.Year}年99公益日", starts, ends, options.Value.TimeZone, ids, []), Actor, cancellationToken);
            }
            if (year.Year == 2021)
            {
                foreach (var (city, yuan) in OtherCities2021)
                {
                    await reports.EnterExternalFigureAsync(2021, options.Value.Province, city, yuan * 100, options.Value.Currency,
                        "演示数据（虚构）/ demo figures, invented for the local run", Actor, cancellationToken);
                }
            }
            // Marked last: a marked 2021 giving day says the whole history is in.
            await reports.MarkGivingDayAsync(year.Year, eventId, Actor, cancellationToken);
            LogSeeded(year.Year, ids.Count);
        }
    }

    private async Task<Guid> SeedCampaignAsync(int year, HistoricCampaign campaign)
    {
        var id = IdOf($"campaign/{year}/{campaign.Key}");
        var grain = grains.GetGrain<ICampaignGrain>(id);
        var association = options.Value;
        var region = new Region(association.Province, association.City, campaign.County, campaign.Village, campaign.Town);
        var definition = new CampaignDefinition(campaign.Title, campaign.Story, campaign.Village is null ? CampaignKind.Appeal : CampaignKind.Village, region,
            association.Currency, campaign.GoalYuan * 100, At(year, 1, 1), At(year, 12, 31), campaign.Programme);
        await grain.CreateAsync(definition, Actor);
        await grain.OpenAsync(Actor);
        var gifts = campaign.Gifts.SelectMany((chunk, c) => Split(chunk).Select((gift, g) => (Key: $"history/{year}/{campaign.Key}/{c}/{g}", Gift: gift)));
        // All at once: they queue into the campaign's group commit and are written in a few transactions.
        var results = await Task.WhenAll(gifts.Select(g => grain.ImportGiftAsync(new ImportedGift(
            g.Key, g.Gift.Amount, association.Currency, g.Gift.Donor, g.Gift.Donor is null, g.Gift.Channel, g.Gift.Kind, g.Gift.At, $"{year}年度台账", Actor,
            g.Gift.Item, g.Gift.Quantity))));
        if (results.FirstOrDefault(r => r.Error != DonationError.None) is { } refused)
        {
            throw new InvalidOperationException($"The history of {campaign.Title} was refused: {refused.Error} {refused.Detail}");
        }
        await grain.CloseAsync(Actor);
        return id;
    }

    // A chunk's total split into equal gifts (the last takes the remainder), dated a few hours apart from its day.
    private static IEnumerable<(long Amount, string? Donor, DonationChannel Channel, DonationKind Kind, DateTimeOffset At, string? Item, long? Quantity)> Split(Chunk chunk)
    {
        var total = chunk.Yuan * 100;
        for (var i = 0; i < chunk.Count; i++)
        {
            var amount = i < chunk.Count - 1 ? total / chunk.Count : total - total / chunk.Count * (chunk.Count - 1);
            var quantity = chunk.Quantity is { } q ? (i < chunk.Count - 1 ? q / chunk.Count : q - q / chunk.Count * (chunk.Count - 1)) : (long?)null;
            // Online donors mostly stay anonymous (匿名爱心人士); offline gifts name who gave.
            var donor = chunk.Channel == DonationChannel.Online ? (i % 3 == 0 ? $"爱心网友{i + 1:D3}" : null) : OfflineDonors[i % OfflineDonors.Length];
            yield return (amount, donor, chunk.Channel, chunk.Item is null ? DonationKind.Money : DonationKind.Goods,
                chunk.Day.AddMinutes(i * 37 % (chunk.Spread * 24 * 60)), chunk.Item, quantity);
        }
    }

    private (DateTimeOffset Starts, DateTimeOffset Ends) GivingDayWindow(int year) => (At(year, 9, 7), At(year, 9, 10));

    private static DateTimeOffset At(int year, int month, int day, int hour = 0) => new(year, month, day, hour, 0, 0, TimeSpan.FromHours(8));

    // Version-8 GUIDs from fixed names: the same campaign and event on every run.
    private static Guid IdOf(string name)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes("fundraising/demo-history/" + name)).AsSpan(0, 16).ToArray();
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    /// <summary>Gifts of one kind and channel: <paramref name="Yuan"/> in all, in <paramref name="Count"/> gifts from <paramref name="Day"/> over <paramref name="Spread"/> days.</summary>
    private sealed record Chunk(DonationChannel Channel, long Yuan, int Count, DateTimeOffset Day, int Spread = 1, string? Item = null, long? Quantity = null);

    private sealed record HistoricCampaign(string Key, string Title, string Story, Programme Programme, string County, long GoalYuan, IReadOnlyList<Chunk> Gifts,
        string? Town = null, string? Village = null);

    private sealed record HistoricYear(int Year, IReadOnlyList<HistoricCampaign> Campaigns);

    private static Chunk GivingDay(int year, long yuan, int count = 40) => new(DonationChannel.Online, yuan, count, At(year, 9, 7, 10), 2);

    private static Chunk Offline(long yuan, DateTimeOffset day, int count = 5) => new(DonationChannel.Offline, yuan, count, day, 20);

    private static Chunk Online(long yuan, DateTimeOffset day, int count = 20) => new(DonationChannel.Online, yuan, count, day, 10);

    private static Chunk Goods(long yuan, string item, long quantity, DateTimeOffset day, int count = 3) => new(DonationChannel.Offline, yuan, count, day, 5, item, quantity);

    // The figures, in yuan. 2021: 64,068,800 in all = the sums below; online 9,794,600 = 7,500,000 on the giving day + 2,068,200 (flood, July) + 226,400 (Spring Festival).
    private static IEnumerable<HistoricYear> Years()
    {
        const int y20 = 2020, y21 = 2021;
        (string County, string Town, string Village, string Purpose, long Total, long GivingDay)[] villages =
        [
            ("商州区", "北宽坪镇", "广东坪村", "村级互助养老与老年餐桌", 3_200_000, 700_000),
            ("洛南县", "石门镇", "石门村", "留守儿童课后托管", 2_600_000, 550_000),
            ("丹凤县", "棣花镇", "万湾村", "慈安便民桥与村道修缮", 2_900_000, 600_000),
            ("商南县", "试马镇", "街道村", "村级慈善幸福家园建设", 2_100_000, 450_000),
            ("山阳县", "漫川关镇", "前店子村", "困难老人冬季取暖", 1_900_000, 400_000),
            ("镇安县", "云盖寺镇", "云镇村", "村卫生室设备添置", 2_270_000, 500_000),
            ("柞水县", "营盘镇", "朱家湾村", "乡村学校饮水与太阳能热水器", 1_900_000, 400_000),
        ];
        var homes = villages.Select((v, i) => new HistoricCampaign($"village-{i}", $"2021 慈善幸福家园 · {v.Town}{v.Village}",
            $"{v.County}{v.Town}{v.Village}：{v.Purpose}。村民和在外乡贤共同参与，善款用于本村。", Programme.VillageHomes, v.County, v.Total,
            [GivingDay(y21, v.GivingDay), Offline(v.Total - v.GivingDay, At(y21, 4, 10), 8)], v.Town, v.Town + v.Village)).ToList();

        yield return new HistoricYear(y20,
        [
            new("homes", "2020 慈善幸福家园 · 商州区", "2020年慈善幸福家园试点村项目。", Programme.VillageHomes, "商州区", 12_000_000,
                [GivingDay(y20, 4_000_000), Offline(8_000_000, At(y20, 5, 12))], "北宽坪镇", "北宽坪镇广东坪村"),
            new("students", "2020 商洛慈善助学", "2020年资助困难学生。", Programme.StudentAid, "商州区", 4_500_000,
                [GivingDay(y20, 2_990_000), Offline(1_200_000, At(y20, 8, 20))]),
            new("covid", "2020 新冠肺炎疫情防控", "2020年疫情防控物资捐赠。", Programme.DisasterRelief, "商州区", 3_000_000,
                [Goods(2_300_000, "口罩、防护服、消毒液", 120_000, At(y20, 2, 3))]),
        ]);

        yield return new HistoricYear(y21,
        [
            .. homes,
            new("students", "2021 商洛慈善助学", "2021年共资助2,186名学生，181.16万元。", Programme.StudentAid, "商州区", 2_000_000,
                [GivingDay(y21, 1_000_000), Offline(811_600, At(y21, 8, 25))]),
            new("bridges", "2021 慈安便民桥", "2021年共修建慈安便民桥177座，1,025万元。", Programme.Bridges, "丹凤县", 10_250_000,
                [GivingDay(y21, 1_500_000), Offline(8_750_000, At(y21, 3, 15), 10)]),
            new("spring", "2021 春节慰问 · 困难家庭", "春节慰问困难家庭3,692户，82.64万元。", Programme.FestivalRelief, "洛南县", 900_000,
                [Online(226_400, At(y21, 1, 20)), Offline(600_000, At(y21, 2, 1))]),
            new("children", "2021 关爱困境儿童", "春节慰问困境儿童5,207名，101.66万元。", Programme.Children, "洛南县", 1_100_000,
                [GivingDay(y21, 500_000), Offline(516_600, At(y21, 2, 5))]),
            new("elderly", "2021 重阳敬老", "重阳节慰问老人1,967人，57.87万元。", Programme.Elderly, "山阳县", 600_000,
                [GivingDay(y21, 400_000), Offline(178_700, At(y21, 10, 14))]),
            new("flood", "2021 夏季洪灾救助", "2021年夏季洪灾救助，募集款物578.58万元。", Programme.DisasterRelief, "丹凤县", 6_000_000,
                [Online(2_068_200, At(y21, 7, 20), 30), Offline(2_217_600, At(y21, 7, 25)), Goods(1_000_000, "救灾帐篷、棉被、饮用水", 8_000, At(y21, 7, 22)),
                 GivingDay(y21, 500_000, 20)]),
            new("covid", "2021 新冠肺炎疫情防控（物资）", "2021年疫情防控捐赠物资53.75万元。", Programme.DisasterRelief, "商州区", 600_000,
                [Goods(537_500, "口罩、防护服、消毒液", 40_000, At(y21, 1, 12), 4)]),
            new("pledges", "2021 理事会认捐", "理事会上13家企业和爱心人士现场认捐。", Programme.Other, "商州区", 19_450_000,
                [Offline(19_450_000, At(y21, 3, 20), 13)]),
            new("company-goods", "2021 爱心企业捐赠物资", "企业捐赠饮水机932台、太阳能热水器1,162台。", Programme.Other, "商州区", 7_000_000,
                [Goods(2_342_200, "饮水机", 932, At(y21, 5, 10), 4), Goods(4_600_000, "太阳能热水器", 1_162, At(y21, 6, 10), 4)]),
        ]);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo history not seeded: 2021's giving day is already marked")]
    private partial void LogSkipped();

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded the demo history of {Year}: {Count} campaigns")]
    private partial void LogSeeded(int year, int count);
}
