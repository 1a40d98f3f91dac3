using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fundraising.Web.Tests.Matching;
using static Fundraising.Web.Tests.Leaderboards.BoardCalls;

namespace Fundraising.Web.Tests.Leaderboards;

/// <summary>Teams (一起捐): opening one, its bad inputs, and a gift through its share link moving every board it is on.</summary>
public sealed class TeamTests(UnlimitedPlatform platform) : IClassFixture<UnlimitedPlatform>
{
    private readonly HttpClient _admin = platform.Web.Admin;
    private readonly HttpClient _public = platform.Web.Client;

    [Fact]
    public async Task AVerifiedDonorOpensATeamAndItIsOnTheTeamsBoardAtOnce()
    {
        var campaign = await CampaignAsync(platform.Web, Unique("市"), Unique("县"));
        var eventId = await EventAsync(_admin, [campaign]);
        var token = await MatchingCalls.VerifyAsync(_public);
        var response = await PostTeamAsync(_public, campaign, token, new { name = "商洛老乡一起捐", goalAmount = 500_000, story = "修桥" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var team = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = team.GetProperty("id").GetGuid();
        Assert.Equal($"/api/teams/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(campaign, team.GetProperty("campaignId").GetGuid());
        Assert.Equal(eventId, team.GetProperty("eventId").GetGuid());
        Assert.Equal((500_000, 0, 0), (team.GetProperty("goalAmount").GetInt64(), team.GetProperty("raisedAmount").GetInt64(), team.GetProperty("donationCount").GetInt64()));
        Assert.Equal($"/campaign.html?id={campaign}&team={id}", team.GetProperty("shareUrl").GetString());
        Assert.Equal("修桥", team.GetProperty("story").GetString());

        var read = await _public.GetFromJsonAsync<JsonElement>($"/api/teams/{id}");
        Assert.Equal("商洛老乡一起捐", read.GetProperty("name").GetString());
        Assert.Empty(read.GetProperty("recent").EnumerateArray());
        var teams = await BoardAsync(_public, eventId, "teams");
        Assert.Equal("商洛老乡一起捐", EntryOf(teams, id.ToString()).GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await _public.GetAsync($"/api/teams/{Guid.CreateVersion7()}")).StatusCode);
    }

    [Fact]
    public async Task BadTeamsAreRefusedWithAProblemNamingWhatIsWrong()
    {
        var campaign = await CampaignAsync(platform.Web, Unique("市"), Unique("县"));
        await EventAsync(_admin, [campaign]);
        var token = await MatchingCalls.VerifyAsync(_public);

        foreach (var (body, field) in new (object, string)[]
        {
            (new { name = "零目标", goalAmount = 0 }, "goalAmount"),
            (new { name = "负目标", goalAmount = -5 }, "goalAmount"),
            (new { name = "", goalAmount = 100 }, "name"),
            (new { name = new string('队', 41), goalAmount = 100 }, "name"),
            (new { name = "故事太长", goalAmount = 100, story = new string('字', 2001) }, "story"),
        })
        {
            var bad = await PostTeamAsync(_public, campaign, token, body);
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.True((await ApiCalls.ProblemAsync(bad)).GetProperty("errors").TryGetProperty(field, out _), field);
        }
        var good = new { name = "好队", goalAmount = 100 };
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostTeamAsync(_public, campaign, null, good)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostTeamAsync(_public, campaign, "fdt_not-a-token", good)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PostTeamAsync(_public, Guid.CreateVersion7(), token, good)).StatusCode);

        // A campaign in no event, and one whose only event is over: 409, each saying why.
        var alone = await CampaignAsync(platform.Web, Unique("市"), Unique("县"));
        var noEvent = await PostTeamAsync(_public, alone, token, good);
        Assert.Equal(HttpStatusCode.Conflict, noEvent.StatusCode);
        Assert.Contains("no giving-day event", (await ApiCalls.ProblemAsync(noEvent)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        var late = await CampaignAsync(platform.Web, Unique("市"), Unique("县"));
        await EventAsync(_admin, [late], startsIn: TimeSpan.FromDays(-3), length: TimeSpan.FromDays(1));
        var closed = await PostTeamAsync(_public, late, token, good);
        Assert.Equal(HttpStatusCode.Conflict, closed.StatusCode);
        Assert.Contains("is over", (await ApiCalls.ProblemAsync(closed)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        // An upcoming event takes teams already.
        var early = await CampaignAsync(platform.Web, Unique("市"), Unique("县"));
        var upcoming = await EventAsync(_admin, [early], startsIn: TimeSpan.FromDays(2));
        Assert.Equal(upcoming, (await TeamAsync(_public, early, token)).GetProperty("eventId").GetGuid());
    }

    [Fact]
    public async Task AGiftThroughATeamMovesTheTeamCampaignCountyCityAndDonorBoards()
    {
        var (city, county) = (Unique("市"), Unique("县"));
        var campaign = await CampaignAsync(platform.Web, city, county);
        var other = await CampaignAsync(platform.Web, city, county);
        var eventId = await EventAsync(_admin, [campaign, other]);
        var leader = await MatchingCalls.VerifyAsync(_public);
        var team = (await TeamAsync(_public, campaign, leader)).GetProperty("id").GetGuid();

        var friend = await MatchingCalls.VerifyAsync(_public);
        await GiveAsync(_public, campaign, 2_000, friend, "老乡刘", teamId: team);
        await GiveAsync(_public, campaign, 700, leader, "队长", anonymous: true, teamId: team);
        await GiveAsync(_public, campaign, 50); // not through the team

        var teams = await BoardWhenAsync(_public, eventId, "teams", board => TotalAmount(board) == 2_700);
        Assert.Equal((2_700, 2), AmountAndCount(EntryOf(teams, team.ToString())));
        Assert.Equal((2_750, 3), AmountAndCount(EntryOf(await BoardAsync(_public, eventId, "campaigns"), campaign.ToString())));
        Assert.Equal((2_750, 3), AmountAndCount(EntryOf(await BoardAsync(_public, eventId, "counties"), $"{city}/{county}")));
        Assert.Equal((2_750, 3), AmountAndCount(EntryOf(await BoardAsync(_public, eventId, "cities"), city)));
        var donors = await BoardAsync(_public, eventId, "donors");
        Assert.Equal(["老乡刘", "匿名爱心人士"], donors.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("name").GetString()));

        var read = await _public.GetFromJsonAsync<JsonElement>($"/api/teams/{team}");
        Assert.Equal((2_700, 2), (read.GetProperty("raisedAmount").GetInt64(), read.GetProperty("donationCount").GetInt64()));
        Assert.Equal(["匿名爱心人士", "老乡刘"], read.GetProperty("recent").EnumerateArray().Select(g => g.GetProperty("name").GetString()));
        Assert.Equal([700L, 2_000L], read.GetProperty("recent").EnumerateArray().Select(g => g.GetProperty("amount").GetInt64()));
        Assert.DoesNotContain("队长", read.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(2, await platform.Database.ScalarAsync<long>($"SELECT count(*) FROM donations WHERE team_id = '{team}'"));

        // A team of another campaign is refused, naming teamId; nothing is given.
        var wrong = await PostGiftAsync(_public, other, 100, null, "某人", false, team);
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.True((await ApiCalls.ProblemAsync(wrong)).GetProperty("errors").TryGetProperty("teamId", out _));
        var unknown = await PostGiftAsync(_public, campaign, 100, null, "某人", false, Guid.CreateVersion7());
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }
}
