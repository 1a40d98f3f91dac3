using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fundraising.Web.Tests.Matching;
using static Fundraising.Web.Tests.Leaderboards.BoardCalls;

namespace Fundraising.Web.Tests.Leaderboards;

/// <summary>The boards over REST: exact sums of the gifts on every board, anonymity, refunds, and what an event counts.</summary>
public sealed class LeaderboardTests(UnlimitedPlatform platform) : IClassFixture<UnlimitedPlatform>
{
    private readonly HttpClient _admin = platform.Web.Admin;
    private readonly HttpClient _public = platform.Web.Client;

    [Fact]
    public async Task EveryBoardOnBothOrdersSumsTheGiftsExactlyAndEqualsTheEventsTotals()
    {
        var (city, x, y, town) = (Unique("市"), Unique("县"), Unique("县"), Unique("镇"));
        var a = await CampaignAsync(platform.Web, city, x, town, title: "甲");
        var b = await CampaignAsync(platform.Web, city, x, town, village: true, title: "乙村");
        var c = await CampaignAsync(platform.Web, city, y, title: "丙");
        var eventId = await EventAsync(_admin, [a, b, c]);
        var (named, hidden) = (await MatchingCalls.VerifyAsync(_public), await MatchingCalls.VerifyAsync(_public));

        await GiveAsync(_public, a, 1_000, named, "王先生");
        await GiveAsync(_public, b, 500, named, "王先生");
        await GiveAsync(_public, c, 3_000, hidden, "不愿透露", anonymous: true);
        await GiveAsync(_public, a, 200); // no donor token: on every board but the donors board
        await OfflineAsync(_admin, c, 10_000);

        var campaigns = await BoardWhenAsync(_public, eventId, "campaigns", board => TotalAmount(board) == 14_700);
        Assert.Equal((1_200, 2), AmountAndCount(EntryOf(campaigns, a.ToString())));
        Assert.Equal((500, 1), AmountAndCount(EntryOf(campaigns, b.ToString())));
        Assert.Equal((13_000, 2), AmountAndCount(EntryOf(campaigns, c.ToString())));
        Assert.Equal([c.ToString(), a.ToString(), b.ToString()], campaigns.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("key").GetString()));
        Assert.Equal("丙", EntryOf(campaigns, c.ToString()).GetProperty("name").GetString());
        Assert.Equal("CNY", campaigns.GetProperty("currency").GetString());

        // The campaigns, counties and cities boards total the event's own totals; each equals the ledger's sum.
        var totals = (await _public.GetFromJsonAsync<JsonElement>($"/api/events/{eventId}")).GetProperty("totals");
        var ledger = await platform.Database.ScalarAsync<long>(
            $"SELECT sum(amount - refunded_amount)::bigint FROM donations WHERE status = 'succeeded' AND campaign_id IN ('{a}', '{b}', '{c}')");
        Assert.Equal(ledger, totals.GetProperty("raisedAmount").GetInt64());
        foreach (var board in new[] { "campaigns", "counties", "cities" })
        {
            foreach (var by in new[] { "amount", "count" })
            {
                var read = await BoardAsync(_public, eventId, board, by);
                Assert.Equal(ledger, TotalAmount(read));
                Assert.Equal(totals.GetProperty("donationCount").GetInt64(), TotalCount(read));
                Assert.Equal(TotalAmount(read), read.GetProperty("entries").EnumerateArray().Sum(e => e.GetProperty("amount").GetInt64()));
            }
        }

        var counties = await BoardAsync(_public, eventId, "counties");
        Assert.Equal((1_700, 3), AmountAndCount(EntryOf(counties, $"{city}/{x}")));
        Assert.Equal(x, EntryOf(counties, $"{city}/{x}").GetProperty("name").GetString());
        Assert.Equal((13_000, 2), AmountAndCount(EntryOf(counties, $"{city}/{y}")));
        Assert.Equal((14_700, 5), AmountAndCount(EntryOf(await BoardAsync(_public, eventId, "cities"), city)));
        var towns = await BoardAsync(_public, eventId, "towns");
        Assert.Equal((1_700, 3), AmountAndCount(Assert.Single(towns.GetProperty("entries").EnumerateArray())));
        Assert.Equal($"{city}/{x}/{town}", towns.GetProperty("entries")[0].GetProperty("key").GetString());
        var villages = await BoardAsync(_public, eventId, "villages");
        Assert.Equal(b.ToString(), Assert.Single(villages.GetProperty("entries").EnumerateArray()).GetProperty("key").GetString());

        // The donors board: verified donors only, its totals the sum of its entries; the anonymous one is never named.
        var donors = await BoardAsync(_public, eventId, "donors");
        Assert.Equal((4_500, 3), (TotalAmount(donors), TotalCount(donors)));
        Assert.Equal(["匿名爱心人士", "王先生"], donors.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("name").GetString()));
        Assert.Equal((1_500, 2), AmountAndCount(donors.GetProperty("entries")[1]));
        var byCount = await BoardAsync(_public, eventId, "donors", "count");
        Assert.Equal(["王先生", "匿名爱心人士"], byCount.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("name").GetString()));
        Assert.Equal([1, 2], byCount.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("rank").GetInt32()));
        Assert.DoesNotContain("不愿透露", donors.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAnonymousDonorIsNamedNowhereNotInEntriesKeysOrTheirOtherNamedGifts()
    {
        var campaign = await CampaignAsync(platform.Web, Unique("市"), Unique("县"));
        var eventId = await EventAsync(_admin, [campaign]);
        var token = await MatchingCalls.VerifyAsync(_public);
        await GiveAsync(_public, campaign, 8_800, token, "秘密的张三", anonymous: true);
        await GiveAsync(_public, campaign, 100, token, "公开的李四");
        var donors = await BoardWhenAsync(_public, eventId, "donors", board => TotalAmount(board) == 8_900);
        var text = donors.GetRawText();
        Assert.DoesNotContain("秘密的张三", text, StringComparison.Ordinal);
        var donorId = await platform.Database.ScalarAsync<Guid>($"SELECT donor_id FROM donations WHERE campaign_id = '{campaign}' LIMIT 1");
        Assert.DoesNotContain(donorId.ToString("N"), text.Replace("-", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
        var entries = donors.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(["匿名爱心人士", "公开的李四"], entries.Select(e => e.GetProperty("name").GetString()));
        // The anonymous entry's key says nothing that links it to the named one.
        var (hiddenKey, namedKey) = (entries[0].GetProperty("key").GetString()!, entries[1].GetProperty("key").GetString()!);
        Assert.NotEqual(hiddenKey, namedKey);
        Assert.Equal(33, hiddenKey.Length);
        var entry = (await BoardAsync(_public, eventId, "donors", key: hiddenKey)).GetProperty("entry");
        Assert.Equal("匿名爱心人士", entry.GetProperty("name").GetString());
    }

    [Fact]
    public async Task ARefundMovesEveryBoardDownAndAGiftRefundedInFullLeavesTheDonorsBoard()
    {
        var (city, county) = (Unique("市"), Unique("县"));
        var campaign = await CampaignAsync(platform.Web, city, county);
        var eventId = await EventAsync(_admin, [campaign]);
        var token = await MatchingCalls.VerifyAsync(_public);
        var gift = await GiveAsync(_public, campaign, 6_000, token, "赵");
        await GiveAsync(_public, campaign, 1_000);
        await BoardWhenAsync(_public, eventId, "campaigns", board => TotalAmount(board) == 7_000);

        await RefundAsync(gift.GetProperty("id").GetGuid(), 2_000);
        var counties = await BoardWhenAsync(_public, eventId, "counties", board => TotalAmount(board) == 5_000);
        Assert.Equal((5_000, 2), AmountAndCount(EntryOf(counties, $"{city}/{county}")));
        Assert.Equal((4_000, 1), AmountAndCount(Assert.Single((await BoardAsync(_public, eventId, "donors")).GetProperty("entries").EnumerateArray())));

        await RefundAsync(gift.GetProperty("id").GetGuid(), null);
        var cities = await BoardWhenAsync(_public, eventId, "cities", board => TotalAmount(board) == 1_000);
        Assert.Equal(1, TotalCount(cities));
        Assert.Empty((await BoardAsync(_public, eventId, "donors")).GetProperty("entries").EnumerateArray());
    }

    [Fact]
    public async Task OfflineMoneyAndGoodsCountWhereTheEventSaysTheyDo()
    {
        var campaign = await CampaignAsync(platform.Web, Unique("市"), Unique("县"));
        var everything = await EventAsync(_admin, [campaign]);
        var onlineOnly = await EventAsync(_admin, [campaign], boards: new { countOffline = false, countGoods = false });
        var withGoods = await EventAsync(_admin, [campaign], boards: new { countOffline = false, countGoods = true });
        Assert.False((await _public.GetFromJsonAsync<JsonElement>($"/api/events/{onlineOnly}")).GetProperty("boards").GetProperty("countOffline").GetBoolean());
        Assert.True((await _public.GetFromJsonAsync<JsonElement>($"/api/events/{everything}")).GetProperty("boards").GetProperty("countGoods").GetBoolean());

        await GiveAsync(_public, campaign, 100);
        await OfflineAsync(_admin, campaign, 20_000);
        await OfflineAsync(_admin, campaign, 3_000, goods: true);

        var all = await BoardWhenAsync(_public, everything, "campaigns", board => TotalAmount(board) == 23_100);
        Assert.Equal(3, TotalCount(all));
        var online = await BoardWhenAsync(_public, onlineOnly, "campaigns", board => TotalCount(board) == 1);
        Assert.Equal(100, TotalAmount(online));
        var goods = await BoardWhenAsync(_public, withGoods, "cities", board => TotalCount(board) == 2);
        Assert.Equal(3_100, TotalAmount(goods));
    }

    [Fact]
    public async Task ABoardKeyGivesItsEntryWhereverItRanksAndBadInputNamesTheField()
    {
        var campaigns = new List<Guid>();
        var city = Unique("市");
        for (var i = 0; i < 3; i++)
        {
            campaigns.Add(await CampaignAsync(platform.Web, city, Unique("县")));
        }
        var eventId = await EventAsync(_admin, [.. campaigns]);
        await GiveAsync(_public, campaigns[0], 300);
        await GiveAsync(_public, campaigns[1], 200);
        await GiveAsync(_public, campaigns[2], 100);
        await GiveAsync(_public, campaigns[2], 50);
        await BoardWhenAsync(_public, eventId, "campaigns", board => TotalAmount(board) == 650);

        var top = await BoardAsync(_public, eventId, "campaigns", top: 1, key: campaigns[2].ToString().ToUpperInvariant());
        Assert.Single(top.GetProperty("entries").EnumerateArray());
        Assert.Equal(650, TotalAmount(top));
        var entry = top.GetProperty("entry");
        Assert.Equal((3, campaigns[2].ToString()), (entry.GetProperty("rank").GetInt32(), entry.GetProperty("key").GetString()));
        var byCount = await BoardAsync(_public, eventId, "campaigns", "count", top: 1, key: campaigns[2].ToString());
        Assert.Equal(1, byCount.GetProperty("entry").GetProperty("rank").GetInt32());
        Assert.Equal(JsonValueKind.Null, (await BoardAsync(_public, eventId, "campaigns", key: "no-such-key")).GetProperty("entry").ValueKind);

        foreach (var (query, field) in new[] { ("planets", "board"), ("campaigns?by=money", "by"), ("campaigns?top=0", "top"), ("campaigns?top=101", "top"), ("campaigns?top=x", "top") })
        {
            var bad = await _public.GetAsync($"/api/events/{eventId}/leaderboards/{query}");
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.True((await ApiCalls.ProblemAsync(bad)).GetProperty("errors").TryGetProperty(field, out _), query);
        }
        var unknown = await _public.GetAsync($"/api/events/{Guid.CreateVersion7()}/leaderboards/campaigns");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(404, (await ApiCalls.ProblemAsync(unknown)).GetProperty("status").GetInt32());
    }

    private async Task RefundAsync(Guid donationId, long? amount)
    {
        var refund = new HttpRequestMessage(HttpMethod.Post, $"/api/donations/{donationId}/refunds") { Content = JsonContent.Create(new { amount, reason = "捐赠人要求退款" }) };
        refund.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var response = await _admin.SendAsync(refund);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }
}

/// <summary>A platform whose campaigns feed no boards (<c>Leaderboards:Enabled=false</c>), as the benchmark's comparison runs.</summary>
public sealed class BoardsOffPlatform : CoHostedPlatform
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["RateLimits__Enabled"] = "false",
        ["Leaderboards__Enabled"] = "false",
    };
}

public sealed class BoardsOffTests(BoardsOffPlatform platform) : IClassFixture<BoardsOffPlatform>
{
    [Fact]
    public async Task WithLeaderboardsOffNothingFeedsTheBoards()
    {
        var campaign = await CampaignAsync(platform.Web, Unique("市"), Unique("县"));
        var eventId = await EventAsync(platform.Web.Admin, [campaign]);
        Assert.Equal(0, TotalAmount(await BoardAsync(platform.Web.Client, eventId, "campaigns")));
        await GiveAsync(platform.Web.Client, campaign, 1_000);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(0, TotalAmount(await BoardAsync(platform.Web.Client, eventId, "campaigns")));
        Assert.Equal(1_000, (await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign)).GetProperty("raisedAmount").GetInt64());
    }
}
