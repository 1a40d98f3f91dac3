using System.Net;
using System.Net.Http.Json;
using Fundraising.Web.Tests.Accounts;
using Fundraising.Web.Tests.Disbursements;
using static Fundraising.Web.Tests.Villages.VillageCalls;

namespace Fundraising.Web.Tests.Villages;

/// <summary>
/// Every write endpoint on a village project, tried by a coordinator on another village's project: 403 and nothing
/// changed. The same writes on the coordinator's own project succeed, so the refusals are about scope, not the requests.
/// </summary>
public sealed class CoordinatorScopeTests(UnlimitedPlatform platform) : IClassFixture<UnlimitedPlatform>
{
    /// <summary>The disbursement each project's correction row corrects (made by its Prepare).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, Guid> FirstDisbursementOf = new();

    /// <summary>
    /// One row per write endpoint on a project: its name, how to send it (client, project), and what the project needs first
    /// for the write to be possible at all (money in, for a disbursement; a disbursement, for a correction), done on both
    /// projects before anything is compared. Add a row for every new write endpoint; the tests below run every row.
    /// </summary>
    public static readonly IReadOnlyList<ProjectWrite> ProjectWrites =
    [
        new("POST /api/campaigns/{id}/subplans", (client, id) => client.PostAsJsonAsync($"/api/campaigns/{id}/subplans", new { title = "越权子计划", goalAmount = 100_000 })),
        new("POST /api/campaigns/{id}/photos", (client, id) => UploadAsync(client, id, Image(40, 30))),
        new("POST /api/campaigns/{id}/updates", (client, id) => client.PostAsJsonAsync($"/api/campaigns/{id}/updates", new { title = "越权动态", body = "不该出现" })),
        new("POST /api/campaigns/{id}/milestones", (client, id) => client.PostAsJsonAsync($"/api/campaigns/{id}/milestones", new { title = "越权里程碑" })),
        new("POST /api/campaigns/{id}/disbursements", (client, id) => DisbursementCalls.DisburseAsync(client, id, DisbursementCalls.Disbursement(1_000, "越权拨付")),
            Prepare: (web, id) => DisbursementCalls.OfflineGiftAsync(web, id, 50_000)),
        new("POST /api/disbursements/{id}/corrections", (client, id) => DisbursementCalls.CorrectAsync(client, FirstDisbursementOf[id], -500, "越权更正"),
            Prepare: async (web, id) =>
            {
                await DisbursementCalls.OfflineGiftAsync(web, id, 50_000);
                FirstDisbursementOf[id] = (await DisbursementCalls.DisbursedAsync(web.Admin, id, 10_000)).GetProperty("id").GetGuid();
            }),
    ];

    public static TheoryData<string> Endpoints() => [.. ProjectWrites.Select(w => w.Endpoint)];

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task ACoordinatorIsRefusedOnAnotherVillagesProjectAndNothingChanges(string endpoint)
    {
        var write = ProjectWrites.Single(w => w.Endpoint == endpoint);
        var send = write.Send;
        var own = await ProjectAsync(platform.Web);
        var other = await ProjectAsync(platform.Web);
        await write.PrepareAsync(platform.Web, own, other);
        var coordinator = await StaffClients.CreateAsync(platform.Web, "coordinator", new { campaignIds = new[] { own } });
        var before = await FootprintAsync(platform.Database, other);
        var feedBefore = (await FeedAsync(platform.Web.Client, other)).GetArrayLength();

        var refused = await send(coordinator.Bearer, other);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("not one of the projects this account coordinates", (await ApiCalls.ProblemAsync(refused)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await FootprintAsync(platform.Database, other));
        Assert.Equal(feedBefore, (await FeedAsync(platform.Web.Client, other)).GetArrayLength());

        var allowed = await send(coordinator.Bearer, own);
        Assert.True(allowed.IsSuccessStatusCode, $"{endpoint} on its own project: {(int)allowed.StatusCode} {await allowed.Content.ReadAsStringAsync()}");
        Assert.NotEqual(before, await FootprintAsync(platform.Database, own));
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task AnAssociationActsInItsCountyOnlyAndAViewerNowhere(string endpoint)
    {
        var write = ProjectWrites.Single(w => w.Endpoint == endpoint);
        var send = write.Send;
        var inCounty = await ProjectAsync(platform.Web, county: "商南县");
        var elsewhere = await ProjectAsync(platform.Web, county: "镇安县");
        await write.PrepareAsync(platform.Web, inCounty, elsewhere);
        var association = await StaffClients.CreateAsync(platform.Web, "association", new { county = "商南县" });
        var viewer = await StaffClients.CreateAsync(platform.Web, "viewer");
        var before = await FootprintAsync(platform.Database, elsewhere);

        Assert.Equal(HttpStatusCode.Forbidden, (await send(association.Bearer, elsewhere)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await send(viewer.Bearer, elsewhere)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await send(platform.Web.Client, elsewhere)).StatusCode);
        Assert.Equal(before, await FootprintAsync(platform.Database, elsewhere));
        Assert.True((await send(association.Bearer, inCounty)).IsSuccessStatusCode, endpoint);
    }
}

/// <summary>A write endpoint on a project, and what a project needs before that write can succeed.</summary>
public sealed record ProjectWrite(string Endpoint, Func<HttpClient, Guid, Task<HttpResponseMessage>> Send, Func<WebFrontEnd, Guid, Task>? Prepare = null)
{
    public async Task PrepareAsync(WebFrontEnd web, params Guid[] projects)
    {
        foreach (var project in projects)
        {
            if (Prepare is not null)
            {
                await Prepare(web, project);
            }
        }
    }
}
