using System.Net;
using System.Net.Http.Json;
using Fundraising.Web.Tests.Accounts;
using static Fundraising.Web.Tests.Villages.VillageCalls;

namespace Fundraising.Web.Tests.Villages;

/// <summary>
/// Every write endpoint on a village project, tried by a coordinator on another village's project: 403 and nothing
/// changed. The same writes on the coordinator's own project succeed, so the refusals are about scope, not the requests.
/// </summary>
public sealed class CoordinatorScopeTests(UnlimitedPlatform platform) : IClassFixture<UnlimitedPlatform>
{
    /// <summary>
    /// One row per write endpoint on a project: its name and how to send it (client, project). Add a row for every new
    /// write endpoint (disbursements and their corrections, for example); the tests below run every row.
    /// </summary>
    public static readonly IReadOnlyList<(string Endpoint, Func<HttpClient, Guid, Task<HttpResponseMessage>> Send)> ProjectWrites =
    [
        ("POST /api/campaigns/{id}/subplans", (client, id) => client.PostAsJsonAsync($"/api/campaigns/{id}/subplans", new { title = "越权子计划", goalAmount = 100_000 })),
        ("POST /api/campaigns/{id}/photos", (client, id) => UploadAsync(client, id, Image(40, 30))),
        ("POST /api/campaigns/{id}/updates", (client, id) => client.PostAsJsonAsync($"/api/campaigns/{id}/updates", new { title = "越权动态", body = "不该出现" })),
        ("POST /api/campaigns/{id}/milestones", (client, id) => client.PostAsJsonAsync($"/api/campaigns/{id}/milestones", new { title = "越权里程碑" })),
    ];

    public static TheoryData<string> Endpoints() => [.. ProjectWrites.Select(w => w.Endpoint)];

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task ACoordinatorIsRefusedOnAnotherVillagesProjectAndNothingChanges(string endpoint)
    {
        var send = ProjectWrites.Single(w => w.Endpoint == endpoint).Send;
        var own = await ProjectAsync(platform.Web);
        var other = await ProjectAsync(platform.Web);
        var coordinator = await StaffClients.CreateAsync(platform.Web, "coordinator", new { campaignIds = new[] { own } });
        var before = await FootprintAsync(platform.Database, other);

        var refused = await send(coordinator.Bearer, other);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("not one of the projects this account coordinates", (await ApiCalls.ProblemAsync(refused)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await FootprintAsync(platform.Database, other));
        Assert.Empty((await FeedAsync(platform.Web.Client, other)).EnumerateArray());

        var allowed = await send(coordinator.Bearer, own);
        Assert.True(allowed.IsSuccessStatusCode, $"{endpoint} on its own project: {(int)allowed.StatusCode} {await allowed.Content.ReadAsStringAsync()}");
        Assert.NotEqual(before, await FootprintAsync(platform.Database, own));
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task AnAssociationActsInItsCountyOnlyAndAViewerNowhere(string endpoint)
    {
        var send = ProjectWrites.Single(w => w.Endpoint == endpoint).Send;
        var inCounty = await ProjectAsync(platform.Web, county: "商南县");
        var elsewhere = await ProjectAsync(platform.Web, county: "镇安县");
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
