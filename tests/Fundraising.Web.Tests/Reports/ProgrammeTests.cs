using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace Fundraising.Web.Tests.Reports;

/// <summary>Every campaign's programme: set at creation or defaulted by kind, kept by the grain, and a schema that refuses any other.</summary>
public sealed class ProgrammeTests(UnlimitedPlatform platform) : IClassFixture<UnlimitedPlatform>
{
    [Fact]
    public async Task AProgrammeIsSetAtCreationOrDefaultsByKindAndIsKeptOnTheRecord()
    {
        var web = platform.Web;
        var bridges = await CreateAsync(new { programme = "bridges" });
        var appeal = await CreateAsync(new { });
        var village = await CreateAsync(new { kind = "village", village = "测试村" });
        Assert.Equal("bridges", bridges.GetProperty("programme").GetString());
        Assert.Equal("other", appeal.GetProperty("programme").GetString());
        Assert.Equal("village_homes", village.GetProperty("programme").GetString());
        Assert.Equal(JsonValueKind.Null, bridges.GetProperty("template").ValueKind);

        // What the catalogue row holds is what every later read (and a reactivated grain) sees.
        var id = bridges.GetProperty("id").GetGuid();
        Assert.Equal("bridges", await platform.Database.ScalarAsync<string>("SELECT programme FROM campaigns WHERE id = $1", id));
        Assert.Equal("village_homes", await platform.Database.ScalarAsync<string>("SELECT programme FROM campaigns WHERE id = $1", village.GetProperty("id").GetGuid()));
        Assert.Equal("bridges", (await web.Admin.GetFromJsonAsync<JsonElement>($"/api/campaigns/{id}")).GetProperty("programme").GetString());
        var listed = (await web.Admin.GetFromJsonAsync<JsonElement>("/api/campaigns?status=draft&pageSize=100")).GetProperty("items").EnumerateArray();
        Assert.Equal("bridges", listed.Single(c => c.GetProperty("id").GetGuid() == id).GetProperty("programme").GetString());
    }

    [Fact]
    public async Task TheSchemaRefusesAnUnknownProgrammeAndATemplateAppealOfAnotherProgramme()
    {
        var id = (await CreateAsync(new { })).GetProperty("id").GetGuid();
        var unknown = await Assert.ThrowsAsync<PostgresException>(() => platform.Database.ScalarAsync<int>("UPDATE campaigns SET programme = 'lottery' WHERE id = $1 RETURNING 1", id));
        Assert.Equal("campaigns_programme_known", unknown.ConstraintName);
        var template = await Assert.ThrowsAsync<PostgresException>(() => platform.Database.ScalarAsync<int>("UPDATE campaigns SET template = 'disaster' WHERE id = $1 RETURNING 1", id));
        Assert.Equal("campaigns_template_is_an_appeal", template.ConstraintName);
        Assert.Equal("other", await platform.Database.ScalarAsync<string>("SELECT programme FROM campaigns WHERE id = $1", id));
    }

    [Fact]
    public async Task AnUnknownProgrammeInTheRequestIsAProblemAndNothingIsCreated()
    {
        var before = await platform.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns");
        var response = await platform.Web.Admin.PostAsJsonAsync("/api/campaigns", Body(new { programme = "lottery" }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await ApiCalls.ProblemAsync(response);
        Assert.Equal(before, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns"));
    }

    private async Task<JsonElement> CreateAsync(object overrides)
    {
        var response = await platform.Web.Admin.PostAsJsonAsync("/api/campaigns", Body(overrides));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    // The default campaign with some fields replaced (kind, village, programme).
    private static Dictionary<string, object?> Body(object overrides)
    {
        var body = JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(ApiCalls.NewCampaign(), ApiCalls.Json), ApiCalls.Json)!;
        foreach (var property in overrides.GetType().GetProperties())
        {
            if (property.Name == "village")
            {
                body["region"] = new { province = "陕西省", city = "商洛市", county = "丹凤县", village = property.GetValue(overrides) };
                continue;
            }
            body[property.Name] = property.GetValue(overrides);
        }
        return body;
    }
}
