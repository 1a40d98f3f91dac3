using System.Net.Http.Json;
using System.Text.Json;
using static Fundraising.Web.Tests.Villages.VillageCalls;

namespace Fundraising.Web.Tests.Villages;

/// <summary>
/// <c>GET /api/admin/reconciliation</c> checks each sub-plan three ways (grain, row, ledger rows that name it): gifts and
/// refunds agree, and a sub-plan row that drifted from its ledger rows is reported as disagreeing.
/// </summary>
public sealed class SubPlanReconciliationTests(UnlimitedPlatform platform) : IClassFixture<UnlimitedPlatform>
{
    private async Task<JsonElement> ReconcileAsync() => await platform.Web.Admin.GetFromJsonAsync<JsonElement>("/api/admin/reconciliation");

    private static JsonElement SubPlan(JsonElement report, Guid id) =>
        report.GetProperty("subPlans").EnumerateArray().Single(p => p.GetProperty("subPlanId").GetGuid() == id);

    private static (long, long) Totals(JsonElement plan, string where) =>
        (plan.GetProperty(where).GetProperty("raisedAmount").GetInt64(), plan.GetProperty(where).GetProperty("donationCount").GetInt64());

    [Fact]
    public async Task EachSubPlanAgreesWithItsLedgerRowsAndADriftedRowIsCaught()
    {
        var project = await ProjectAsync(platform.Web);
        var canteen = (await SubPlanAsync(platform.Web.Admin, project, "老年食堂", 1_000_000)).GetProperty("id").GetGuid();
        var bridge = (await SubPlanAsync(platform.Web.Admin, project, "便民桥", 2_000_000)).GetProperty("id").GetGuid();
        await GiveAsync(platform.Web.Client, project, 10_000, canteen);
        var refunded = await GiveAsync(platform.Web.Client, project, 4_000, canteen);
        await GiveAsync(platform.Web.Client, project, 7_000, bridge);
        await GiveAsync(platform.Web.Client, project, 1_000); // the project as a whole: no sub-plan's
        (await RefundAsync(platform.Web.Admin, refunded.GetProperty("id").GetGuid(), 1_500)).EnsureSuccessStatusCode();

        var report = await ReconcileAsync();
        Assert.True(report.GetProperty("allAgree").GetBoolean(), report.ToString());
        Assert.Equal(report.GetProperty("subPlans").GetArrayLength(), report.GetProperty("subPlanCount").GetInt32());
        var food = SubPlan(report, canteen);
        Assert.True(food.GetProperty("agrees").GetBoolean());
        Assert.Equal(project, food.GetProperty("campaignId").GetGuid());
        Assert.Equal("老年食堂", food.GetProperty("title").GetString());
        foreach (var where in new[] { "grain", "row", "ledger" })
        {
            Assert.Equal((12_500L, 2L), Totals(food, where));
            Assert.Equal((7_000L, 1L), Totals(SubPlan(report, bridge), where));
        }

        // The row drifts from the ledger (as a lost update would leave it): the reconciliation says so for that sub-plan only.
        Assert.Equal(7_001L, await platform.Database.ScalarAsync<long>("UPDATE sub_plans SET raised_amount = raised_amount + 1 WHERE id = $1 RETURNING raised_amount", bridge));
        var drifted = await ReconcileAsync();
        Assert.False(drifted.GetProperty("allAgree").GetBoolean());
        var bridgeNow = SubPlan(drifted, bridge);
        Assert.False(bridgeNow.GetProperty("agrees").GetBoolean());
        Assert.Equal((7_001L, 1L), Totals(bridgeNow, "row"));
        Assert.Equal((7_000L, 1L), Totals(bridgeNow, "ledger"));
        Assert.True(SubPlan(drifted, canteen).GetProperty("agrees").GetBoolean());
        // The campaigns themselves still agree: only the sub-plan check catches this.
        Assert.True(drifted.GetProperty("campaigns").EnumerateArray().Single(c => c.GetProperty("campaignId").GetGuid() == project).GetProperty("agrees").GetBoolean());
        Assert.Equal(7_000L, await platform.Database.ScalarAsync<long>("UPDATE sub_plans SET raised_amount = raised_amount - 1 WHERE id = $1 RETURNING raised_amount", bridge));
    }
}
