using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fundraising.Web.Tests.Matching;
using static Fundraising.Web.Tests.Leaderboards.BoardCalls;

namespace Fundraising.Web.Tests.Leaderboards;

/// <summary>
/// <c>GET /api/events/{id}/leaderboards/donors/me</c>: a verified donor's own place on the donors board, ranked as the
/// ledger ranks the event's verified donors, and an anonymous donor's entry told only to that donor.
/// </summary>
public sealed class MyRankTests(UnlimitedPlatform platform) : IClassFixture<UnlimitedPlatform>
{
    private readonly HttpClient _admin = platform.Web.Admin;
    private readonly HttpClient _public = platform.Web.Client;

    [Fact]
    public async Task EachDonorsRankOnBothOrdersIsTheirPlaceAmongTheLedgersSumsPerDonor()
    {
        var (a, b) = (await CampaignAsync(platform.Web, Unique("市"), Unique("县")), await CampaignAsync(platform.Web, Unique("市"), Unique("县")));
        var eventId = await EventAsync(_admin, [a, b]);
        var (first, second, third) = (await MatchingCalls.VerifyAsync(_public), await MatchingCalls.VerifyAsync(_public), await MatchingCalls.VerifyAsync(_public));
        // By amount: first (¥50), third (¥41), second (¥30); by 人次: second (3), third (2), first (1).
        List<(string Token, JsonElement Gift)> gifts =
        [
            (first, await GiveAsync(_public, a, 5_000, first, "王一")),
            (second, await GiveAsync(_public, a, 1_000, second, "李二")),
            (second, await GiveAsync(_public, b, 1_000, second, "李二")),
            (second, await GiveAsync(_public, b, 1_000, second, "李二")),
            (third, await GiveAsync(_public, b, 4_000, third, "赵三")),
            (third, await GiveAsync(_public, a, 100, third, "赵三")),
        ];
        await GiveAsync(_public, a, 9_900); // no token: not on the donors board, and no one's rank
        await BoardWhenAsync(_public, eventId, "donors", board => TotalAmount(board) == 12_100);

        // The ledger's own sums per verified donor of the event, ranked as the board says it ranks (amount, then count; count, then amount).
        var ledger = await LedgerDonorsAsync(a, b);
        Assert.Equal(3, ledger.Count);
        var donorOf = new Dictionary<string, Guid>();
        foreach (var (token, gift) in gifts)
        {
            donorOf[token] = await platform.Database.ScalarAsync<Guid>($"SELECT donor_id FROM donations WHERE id = '{gift.GetProperty("id").GetGuid()}'");
        }
        var byAmount = ledger.OrderByDescending(d => d.Amount).ThenByDescending(d => d.Count).Select(d => d.Donor).ToList();
        var byCount = ledger.OrderByDescending(d => d.Count).ThenByDescending(d => d.Amount).Select(d => d.Donor).ToList();
        foreach (var (token, name) in new[] { (first, "王一"), (second, "李二"), (third, "赵三") })
        {
            var donor = donorOf[token];
            var sums = ledger.Single(d => d.Donor == donor);
            var mine = await MineAsync(eventId, token);
            Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
            var body = await mine.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(byAmount.IndexOf(donor) + 1, body.GetProperty("rank").GetInt32());
            Assert.Equal((sums.Amount, sums.Count), AmountAndCount(body));
            Assert.Equal(name, body.GetProperty("name").GetString());
            Assert.False(body.GetProperty("anonymous").GetBoolean());
            Assert.Equal("amount", body.GetProperty("by").GetString());
            var counted = await (await MineAsync(eventId, token, "?by=count")).Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(byCount.IndexOf(donor) + 1, counted.GetProperty("rank").GetInt32());
            // The same place as the public board gives that entry.
            var entry = (await BoardAsync(_public, eventId, "donors", key: body.GetProperty("key").GetString())).GetProperty("entry");
            Assert.Equal(body.GetProperty("rank").GetInt32(), entry.GetProperty("rank").GetInt32());
        }
        Assert.Equal([1, 3, 2], new[] { first, second, third }.Select(t => byAmount.IndexOf(donorOf[t]) + 1));
    }

    [Fact]
    public async Task WithoutAValidTokenOrWithABadOrderTheAnswerIsAProblemAndADonorWithNoGiftHereIsNotFound()
    {
        var campaign = await CampaignAsync(platform.Web, Unique("市"), Unique("县"));
        var eventId = await EventAsync(_admin, [campaign]);
        var giver = await MatchingCalls.VerifyAsync(_public);
        await GiveAsync(_public, campaign, 500, giver, "有捐赠的人");
        await BoardWhenAsync(_public, eventId, "donors", board => TotalAmount(board) == 500);

        var none = await MineAsync(eventId, null);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(401, (await ApiCalls.ProblemAsync(none)).GetProperty("status").GetInt32());
        var forged = await MineAsync(eventId, "fdt_" + new string('A', 60));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Contains("Donor-Token", (await ApiCalls.ProblemAsync(forged)).GetProperty("detail").GetString());

        var badOrder = await MineAsync(eventId, giver, "?by=money");
        Assert.Equal(HttpStatusCode.BadRequest, badOrder.StatusCode);
        Assert.True((await ApiCalls.ProblemAsync(badOrder)).GetProperty("errors").TryGetProperty("by", out _));

        // A verified donor who gave nothing in this event (they did in another) has no place on its board.
        var elsewhere = await MatchingCalls.VerifyAsync(_public);
        var other = await CampaignAsync(platform.Web, Unique("市"), Unique("县"));
        var otherEvent = await EventAsync(_admin, [other]);
        await GiveAsync(_public, other, 700, elsewhere, "别处的捐赠人");
        var notHere = await MineAsync(eventId, elsewhere);
        Assert.Equal(HttpStatusCode.NotFound, notHere.StatusCode);
        Assert.Equal(404, (await ApiCalls.ProblemAsync(notHere)).GetProperty("status").GetInt32());
        await BoardWhenAsync(_public, otherEvent, "donors", board => TotalAmount(board) == 700);
        Assert.Equal(HttpStatusCode.OK, (await MineAsync(otherEvent, elsewhere)).StatusCode);

        var unknown = await MineAsync(Guid.CreateVersion7(), giver);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task AnAnonymousDonorIsToldTheirOwnRankWhileThePublicBoardNeverNamesThem()
    {
        var campaign = await CampaignAsync(platform.Web, Unique("市"), Unique("县"));
        var eventId = await EventAsync(_admin, [campaign]);
        var (hidden, open) = (await MatchingCalls.VerifyAsync(_public), await MatchingCalls.VerifyAsync(_public));
        var secret = Unique("不愿透露的名字");
        await GiveAsync(_public, campaign, 7_000, hidden, secret, anonymous: true);
        await GiveAsync(_public, campaign, 2_000, open, "公开的捐赠人");
        var board = await BoardWhenAsync(_public, eventId, "donors", b => TotalAmount(b) == 9_000);

        var mine = await MineAsync(eventId, hidden);
        var text = await mine.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal((1, "匿名爱心人士", true), (body.GetProperty("rank").GetInt32(), body.GetProperty("name").GetString(), body.GetProperty("anonymous").GetBoolean()));
        Assert.Equal((7_000, 1), AmountAndCount(body));
        // On the public board that entry is only 匿名爱心人士; its name is nowhere in it.
        var publicEntry = EntryOf(board, body.GetProperty("key").GetString()!);
        Assert.Equal("匿名爱心人士", publicEntry.GetProperty("name").GetString());
        Assert.DoesNotContain(secret, board.GetRawText(), StringComparison.Ordinal);
        // The other donor is told their own entry, never the anonymous one.
        var theirs = await (await MineAsync(eventId, open)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((2, "公开的捐赠人"), (theirs.GetProperty("rank").GetInt32(), theirs.GetProperty("name").GetString()));
        Assert.NotEqual(body.GetProperty("key").GetString(), theirs.GetProperty("key").GetString());
        Assert.Single(theirs.GetProperty("entries").EnumerateArray());

        // Giving once more under a name: the named entry is the answer, and both entries are the donor's to see.
        await GiveAsync(_public, campaign, 300, hidden, "后来署名");
        await BoardWhenAsync(_public, eventId, "donors", b => TotalAmount(b) == 9_300);
        var both = await (await MineAsync(eventId, hidden)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((3, "后来署名", false), (both.GetProperty("rank").GetInt32(), both.GetProperty("name").GetString(), both.GetProperty("anonymous").GetBoolean()));
        Assert.Equal([false, true], both.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("anonymous").GetBoolean()));
        Assert.Equal(1, both.GetProperty("entries")[1].GetProperty("rank").GetInt32());
        Assert.DoesNotContain(secret, both.GetRawText(), StringComparison.Ordinal);
    }

    private Task<HttpResponseMessage> MineAsync(Guid eventId, string? token, string query = "")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/events/{eventId}/leaderboards/donors/me{query}");
        if (token is not null)
        {
            request.Headers.Add("Donor-Token", token);
        }
        return _public.SendAsync(request);
    }

    /// <summary>Every verified donor's named gifts in these campaigns, summed by the ledger (succeeded, net of refunds).</summary>
    private async Task<List<(Guid Donor, long Amount, long Count)>> LedgerDonorsAsync(params Guid[] campaigns)
    {
        await using var command = platform.Database.DataSource.CreateCommand("""
            SELECT donor_id, sum(amount - refunded_amount)::bigint, count(*)
            FROM donations WHERE status = 'succeeded' AND donor_id IS NOT NULL AND NOT anonymous AND campaign_id = ANY($1)
            GROUP BY donor_id
            """);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = campaigns });
        await using var reader = await command.ExecuteReaderAsync();
        List<(Guid, long, long)> rows = [];
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetGuid(0), reader.GetInt64(1), reader.GetInt64(2)));
        }
        return rows;
    }
}
