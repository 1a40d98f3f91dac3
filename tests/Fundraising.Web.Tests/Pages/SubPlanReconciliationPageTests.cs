using static Fundraising.Web.Tests.Pages.AdminPageActions;
using static Fundraising.Web.Tests.Villages.VillageCalls;
using static Microsoft.Playwright.Assertions;

namespace Fundraising.Web.Tests.Pages;

/// <summary>
/// The admin page's reconciliation card in Chromium: each sub-plan of a village project with its exact figure three
/// ways (grain, row, ledger), and the sub-plans' sum beside the project's ledger total. The API's checks are
/// <c>SubPlanReconciliationTests</c>; this is what an admin sees.
/// </summary>
public sealed class SubPlanReconciliationPageTests(UnlimitedPlatform platform, BrowserFixture browser) : IClassFixture<UnlimitedPlatform>, IClassFixture<BrowserFixture>
{
    private readonly WebFrontEnd _web = platform.Web;

    [Fact]
    public async Task TheReconciliationCardShowsEachSubPlansExactFigureAndThatTheyAddUpToTheProject()
    {
        var project = await ProjectAsync(_web);
        var canteen = (await SubPlanAsync(_web.Admin, project, "老年食堂", 1_000_000)).GetProperty("id").GetGuid();
        var bridge = (await SubPlanAsync(_web.Admin, project, "便民桥", 2_000_000)).GetProperty("id").GetGuid();
        await GiveAsync(_web.Client, project, 10_050, canteen);
        var refunded = await GiveAsync(_web.Client, project, 4_000, canteen);
        await GiveAsync(_web.Client, project, 7_001, bridge);
        (await RefundAsync(_web.Admin, refunded.GetProperty("id").GetGuid(), 1_500)).EnsureSuccessStatusCode();

        await using var context = await browser.NewContextAsync(_web, new() { Width = 1280, Height = 900 });
        var page = await SignInAsync(context, _web);
        var food = page.Locator($"#subplan-reconciliation-rows tr[data-subplan-id='{canteen}'] td");
        var span = page.Locator($"#subplan-reconciliation-rows tr[data-subplan-id='{bridge}'] td");
        var sum = page.Locator($"#subplan-reconciliation-rows tr[data-subplan-sum='{project}'] td");
        await Expect(food).ToHaveTextAsync(["棣花村幸福家园", "老年食堂", "¥125.50", "¥125.50", "¥125.50", "2", "✓ 一致"]);
        await Expect(span).ToHaveTextAsync(["棣花村幸福家园", "便民桥", "¥70.01", "¥70.01", "¥70.01", "1", "✓ 一致"]);
        // Every gift named a sub-plan: they add up to the project's ledger, nothing left for the project as a whole.
        await Expect(sum).ToHaveTextAsync(["棣花村幸福家园", "子计划合计 Sum", "¥195.51", "¥195.51", "¥195.51", "3",
            "✓ 项目 Project ¥195.51，其中整个项目 whole project ¥0.00"]);
        await Expect(page.Locator($"#reconciliation-rows tr[data-campaign-id='{project}'] td").Nth(3)).ToHaveTextAsync("¥195.51");

        // A gift to the project as a whole: the sub-plans stay, the project grows by it, and the card says what it is.
        await GiveAsync(_web.Client, project, 2_000);
        await page.Locator("#refresh-reconciliation").ClickAsync();
        await Expect(sum.Nth(6)).ToHaveTextAsync("✓ 项目 Project ¥215.51，其中整个项目 whole project ¥20.00");
        await Expect(sum.Nth(4)).ToHaveTextAsync("¥195.51");
        await Expect(food.Nth(4)).ToHaveTextAsync("¥125.50");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "admin-subplan-reconciliation.png"), FullPage = true });
        Assert.Empty(PageActions.ScriptErrors(page));
        Assert.Empty(browser.CspViolations);
    }
}
