using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fundraising.Web.Tests.Leaderboards;
using Fundraising.Web.Tests.Matching;
using Fundraising.Web.Tests.Villages;

namespace Fundraising.Web.Tests.Payments;

/// <summary>
/// A monthly gift (月捐) that names a team (一起捐) and a village project's sub-plan, as a one-off gift may, through our
/// fake Stripe: every month's gift counts for both; a team or sub-plan that is not the campaign's is refused with a 400
/// problem naming the field, and nothing is started; a start whose answer was lost keeps both on its retry, and the same
/// key with another team or sub-plan is refused as a reused key.
/// </summary>
public sealed class MonthlyGiftTargetTests(StripePlatform platform) : IClassFixture<StripePlatform>, IAsyncLifetime
{
    public Task InitializeAsync() => platform.SetChaosAsync(StripePlatform.Calm);

    public Task DisposeAsync() => platform.SetChaosAsync(StripePlatform.Calm);

    /// <summary>A live village project in a running event, with a sub-plan and a verified donor's team.</summary>
    private async Task<(Guid Project, Guid SubPlan, Guid Team)> ProjectWithTeamAndSubPlanAsync()
    {
        var project = await VillageCalls.ProjectAsync(platform.Web);
        var subPlan = (await VillageCalls.SubPlanAsync(platform.Web.Admin, project, "老年食堂", 1_000_000)).GetProperty("id").GetGuid();
        await BoardCalls.EventAsync(platform.Web.Admin, [project]);
        var founder = await MatchingCalls.VerifyAsync(platform.Web.Client);
        var team = (await BoardCalls.TeamAsync(platform.Web.Client, project, founder)).GetProperty("id").GetGuid();
        return (project, subPlan, team);
    }

    private static object Body(Guid? teamId, Guid? subPlanId, long amount = 3_000) =>
        new { amount, currency = "CNY", displayName = "月捐老乡", anonymous = false, email = "donor@example.com", teamId, subPlanId };

    [Fact]
    public async Task EveryMonthOfAMonthlyGiftCountsForItsTeamAndItsSubPlan()
    {
        var (project, subPlan, team) = await ProjectWithTeamAndSubPlanAsync();
        var created = await platform.PostMonthlyGiftAsync(project, "monthly-targets", Body(team, subPlan));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((team, subPlan), (body.GetProperty("teamId").GetGuid(), body.GetProperty("subPlanId").GetGuid()));
        var id = body.GetProperty("id").GetGuid();
        Assert.Equal(team, await platform.Database.ScalarAsync<Guid>("SELECT team_id FROM monthly_gifts WHERE id = $1", id));
        Assert.Equal(subPlan, await platform.Database.ScalarAsync<Guid>("SELECT sub_plan_id FROM monthly_gifts WHERE id = $1", id));

        // A retry with the same key and body is the same gift; the same key without the team is another body (422).
        var retry = await platform.PostMonthlyGiftAsync(project, "monthly-targets", Body(team, subPlan));
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(id, (await retry.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await platform.PostMonthlyGiftAsync(project, "monthly-targets", Body(null, subPlan))).StatusCode);

        var gift = new StartedMonthlyGift(id, StripePlatform.SessionId().Match(body.GetProperty("checkoutUrl").GetString()!).Value,
            body.GetProperty("cancelToken").GetString()!, body);
        var subscription = await platform.PaySubscriptionAsync(gift);
        await platform.WaitForCampaignAsync(project, c => c.GetProperty("raisedAmount").GetInt64() == 3_000);
        await platform.RenewAsync(subscription);
        await platform.WaitForCampaignAsync(project, c => c.GetProperty("raisedAmount").GetInt64() == 6_000);

        // Both months are the team's and the sub-plan's in the ledger, on the sub-plan's progress and on the team's totals.
        Assert.Equal(2L, await platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM donations WHERE campaign_id = $1 AND team_id = $2 AND sub_plan_id = $3 AND status = 'succeeded'", project, team, subPlan));
        var plan = VillageCalls.SubPlanOf(await VillageCalls.SubPlansAsync(platform.Web.Client, project), subPlan);
        Assert.Equal((6_000L, 2L), (plan.GetProperty("raisedAmount").GetInt64(), plan.GetProperty("donationCount").GetInt64()));
        var until = DateTime.UtcNow.AddSeconds(15);
        JsonElement teamNow;
        do
        {
            teamNow = await platform.Web.Client.GetFromJsonAsync<JsonElement>($"/api/teams/{team}");
            if (teamNow.GetProperty("raisedAmount").GetInt64() == 6_000)
            {
                break;
            }
            await Task.Delay(250);
        }
        while (DateTime.UtcNow < until);
        Assert.Equal((6_000L, 2L), (teamNow.GetProperty("raisedAmount").GetInt64(), teamNow.GetProperty("donationCount").GetInt64()));

        var read = await platform.GetMonthlyGiftAsync(gift);
        Assert.Equal((team, subPlan), (read.GetProperty("teamId").GetGuid(), read.GetProperty("subPlanId").GetGuid()));
    }

    [Fact]
    public async Task AMonthlyGiftRetriedAfterItsAnswerWasLostKeepsItsTeamAndSubPlanAndAnotherBodyUnderTheKeyIsRefused()
    {
        var (project, subPlan, team) = await ProjectWithTeamAndSubPlanAsync();
        var otherSubPlan = (await VillageCalls.SubPlanAsync(platform.Web.Admin, project, "儿童之家", 2_000_000)).GetProperty("id").GetGuid();

        // Stripe makes the session, but its answer never comes back: the donor sees 502 and nothing is recorded here.
        await platform.SetChaosAsync(new { apiFault = "lost", apiFaultPath = "/v1/checkout/sessions" });
        var lost = await platform.PostMonthlyGiftAsync(project, "monthly-lost", Body(team, subPlan));
        Assert.Equal(HttpStatusCode.BadGateway, lost.StatusCode);
        await ApiCalls.ProblemAsync(lost);
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM monthly_gifts WHERE campaign_id = $1", project));

        // The same key with another sub-plan, or without the team, is another request: refused as a reused key, nothing recorded.
        foreach (var other in new[] { Body(team, otherSubPlan), Body(null, subPlan), Body(team, null) })
        {
            var refused = await platform.PostMonthlyGiftAsync(project, "monthly-lost", other);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            await ApiCalls.ProblemAsync(refused);
        }
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM monthly_gifts WHERE campaign_id = $1", project));

        // The same request again: the session Stripe made the first time, recorded with its team and sub-plan.
        var retry = await platform.PostMonthlyGiftAsync(project, "monthly-lost", Body(team, subPlan));
        Assert.True(retry.StatusCode == HttpStatusCode.Created, await retry.Content.ReadAsStringAsync());
        var body = await retry.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((team, subPlan), (body.GetProperty("teamId").GetGuid(), body.GetProperty("subPlanId").GetGuid()));
        var id = body.GetProperty("id").GetGuid();
        Assert.Equal((team, subPlan), (await platform.Database.ScalarAsync<Guid>("SELECT team_id FROM monthly_gifts WHERE id = $1", id),
            await platform.Database.ScalarAsync<Guid>("SELECT sub_plan_id FROM monthly_gifts WHERE id = $1", id)));
        var sessionId = StripePlatform.SessionId().Match(body.GetProperty("checkoutUrl").GetString()!).Value;
        var metadata = (await platform.StripeGetAsync($"/v1/checkout/sessions/{sessionId}")).GetProperty("metadata");
        Assert.Equal((team.ToString(), subPlan.ToString()), (metadata.GetProperty("team_id").GetString(), metadata.GetProperty("sub_plan_id").GetString()));

        // Its first month counts for both.
        var gift = new StartedMonthlyGift(id, sessionId, body.GetProperty("cancelToken").GetString()!, body);
        await platform.PaySubscriptionAsync(gift);
        await platform.WaitForCampaignAsync(project, c => c.GetProperty("raisedAmount").GetInt64() == 3_000);
        Assert.Equal(1L, await platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM donations WHERE campaign_id = $1 AND team_id = $2 AND sub_plan_id = $3 AND status = 'succeeded'", project, team, subPlan));
    }

    [Fact]
    public async Task AMonthlyGiftNamingAnotherCampaignsTeamOrSubPlanIsRefusedAndNothingIsStarted()
    {
        var (project, subPlan, _) = await ProjectWithTeamAndSubPlanAsync();
        var (other, otherSubPlan, otherTeam) = await ProjectWithTeamAndSubPlanAsync();
        foreach (var (key, body, field) in new (string, object, string)[]
        {
            ("k-team", Body(otherTeam, subPlan), "teamId"),
            ("k-subplan", Body(null, otherSubPlan), "subPlanId"),
            ("k-unknown-team", Body(Guid.CreateVersion7(), null), "teamId"),
            ("k-unknown-subplan", Body(null, Guid.CreateVersion7()), "subPlanId"),
        })
        {
            var response = await platform.PostMonthlyGiftAsync(project, key, body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await ApiCalls.ProblemAsync(response);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{key}: {problem}");
        }
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM monthly_gifts WHERE campaign_id = $1", project));

        // The other project's own team and sub-plan are its: there the same gift starts.
        var created = await platform.PostMonthlyGiftAsync(other, "k-own", Body(otherTeam, otherSubPlan));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }
}
