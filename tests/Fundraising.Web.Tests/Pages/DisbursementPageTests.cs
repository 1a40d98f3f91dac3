using System.Globalization;
using Microsoft.Playwright;
using static Fundraising.Web.Tests.Disbursements.DisbursementCalls;
using static Fundraising.Web.Tests.Pages.AdminPageActions;
using static Microsoft.Playwright.Assertions;

namespace Fundraising.Web.Tests.Pages;

/// <summary>
/// The disbursement form on admin/index.html and the public ledger page, in a real Chromium against a real co-hosted
/// front end and PostgreSQL: a coordinator records money going out and the public sees it; a too-big amount shows the
/// server's problem and changes nothing; a correction shows both entries.
/// </summary>
public sealed class DisbursementPageTests(CoHostedPlatform platform, BrowserFixture browser) : IClassFixture<CoHostedPlatform>, IClassFixture<BrowserFixture>
{
    private readonly WebFrontEnd _web = platform.Web;

    private const string Secret = "隐名捐赠的赵四";

    /// <summary>A village project with ¥100 from a named donor and ¥20 from an anonymous one, and a coordinator of it signed in on the admin page.</summary>
    private async Task<(Guid Campaign, IPage Page)> CoordinatorOnTheProjectAsync(IBrowserContext context)
    {
        var (campaign, _) = await ProjectWithCoordinatorAsync(_web);
        await OfflineGiftAsync(_web, campaign, 10_000, "王大爷");
        await OfflineGiftAsync(_web, campaign, 2_000, Secret, anonymous: true);
        var userName = await CreateAccountAsync(_web, "coordinator", new { campaignIds = new[] { campaign } });
        var page = await OpenSignedOutAsync(context);
        await TypeCredentialsAsync(page, userName, Accounts.StaffClients.Password);
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-loaded", "true", new() { Timeout = PageActions.ServerTimeoutMs });
        await SelectCampaignAsync(page, campaign);
        await Expect(page.Locator("#d-balance")).ToHaveTextAsync("¥120.00");
        return (campaign, page);
    }

    // The form's datetime-local wants the browser's local time; the browser runs in this process's zone.
    private static string LocalInput(DateTimeOffset at) => at.ToLocalTime().ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);

    private Task<long> DisbursementCountAsync(Guid campaign) =>
        platform.Database.ScalarAsync<long>($"SELECT count(*) FROM disbursements WHERE campaign_id = '{campaign}'");

    [Fact]
    public async Task ACoordinatorRecordsADisbursementAndThePublicLedgerPageShowsIt()
    {
        await using var context = await browser.NewContextAsync(_web);
        var (campaign, page) = await CoordinatorOnTheProjectAsync(context);

        await SubmitAndExpectDoneAsync(page, "disbursement-form", ("amount", "60.50"), ("purpose", "老人食堂购置米面油"), ("payee", "棣花镇供销社"),
            ("paidAt", LocalInput(DateTimeOffset.Now.AddHours(-3))));
        await Expect(page.Locator("#disbursement-form .form-done")).ToContainTextAsync("¥60.50");
        await Expect(page.Locator("#d-disbursed")).ToHaveTextAsync("¥60.50");
        await Expect(page.Locator("#d-balance")).ToHaveTextAsync("¥59.50");
        await Expect(page.Locator("#disbursement-rows tr[data-disbursement-id]")).ToHaveCountAsync(1);
        await Expect(page.Locator("#disbursement-rows")).ToContainTextAsync("棣花镇供销社");
        Assert.Equal(6_050, await platform.Database.ScalarAsync<long>($"SELECT disbursed_amount FROM campaigns WHERE id = '{campaign}'"));
        Assert.Empty(PageActions.ScriptErrors(page));

        // The public page, on a phone: totals, the entry, the gifts with the anonymous donor unnamed, a CSV link.
        await using var phone = await browser.NewContextAsync(_web, new ViewportSize { Width = 390, Height = 844 });
        var ledger = await PageActions.NewPageAsync(phone);
        await ledger.GotoAsync($"ledger.html?id={campaign}");
        await Expect(ledger.Locator("body")).ToHaveAttributeAsync("data-loaded", "true", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(ledger.Locator("#ledger-raised")).ToHaveTextAsync("¥120.00");
        await Expect(ledger.Locator("#ledger-disbursed")).ToHaveTextAsync("¥60.50");
        await Expect(ledger.Locator("#ledger-balance")).ToHaveTextAsync("¥59.50");
        var outgoing = ledger.Locator("#ledger-entries li[data-type=disbursement]");
        await Expect(outgoing).ToContainTextAsync("老人食堂购置米面油");
        await Expect(outgoing).ToContainTextAsync("棣花镇供销社");
        await Expect(outgoing).ToContainTextAsync("−¥60.50");
        await Expect(ledger.Locator("#ledger-entries li[data-type=gift]")).ToHaveCountAsync(2);
        await Expect(ledger.Locator("#ledger-entries")).ToContainTextAsync("匿名爱心人士");
        Assert.DoesNotContain("赵四", await ledger.ContentAsync(), StringComparison.Ordinal);
        await Expect(ledger.Locator("#ledger-csv")).ToHaveAttributeAsync("href", $"/api/campaigns/{campaign}/ledger.csv");
        var csv = await ledger.APIRequest.GetAsync($"/api/campaigns/{campaign}/ledger.csv");
        Assert.Equal(200, csv.Status);
        Assert.Empty(PageActions.ScriptErrors(ledger));
        await ledger.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "ledger-phone.png"), FullPage = true });

        // The project's public page links to its ledger.
        var project = await PageActions.OpenCampaignAsync(phone, campaign);
        await Expect(project.Locator("#ledger-link")).ToHaveAttributeAsync("href", $"/ledger.html?id={campaign}");
        await Expect(project.Locator("#disbursed")).ToHaveTextAsync("¥60.50");
        await Expect(project.Locator("#balance")).ToHaveTextAsync("¥59.50");
        Assert.Empty(PageActions.ScriptErrors(project));
    }

    [Fact]
    public async Task ATooBigDisbursementShowsTheProblemAndChangesNothing()
    {
        await using var context = await browser.NewContextAsync(_web);
        var (campaign, page) = await CoordinatorOnTheProjectAsync(context);

        await SubmitAsync(page, "disbursement-form", ("amount", "120.01"), ("purpose", "修缮便民桥"), ("payee", "某建筑队"),
            ("paidAt", LocalInput(DateTimeOffset.Now.AddHours(-1))));
        var error = page.Locator("#disbursement-form .form-error");
        await Expect(error).ToBeVisibleAsync(new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(error).ToContainTextAsync("balance is not enough");
        await Expect(error).ToContainTextAsync("balance is 12000 fen");
        await Expect(page.Locator("#d-balance")).ToHaveTextAsync("¥120.00");
        await Expect(page.Locator("#disbursement-rows tr[data-disbursement-id]")).ToHaveCountAsync(0);
        Assert.Equal(0, await DisbursementCountAsync(campaign));

        // A payment date two days ahead is named as the field that is wrong, and nothing is recorded either.
        await SubmitAsync(page, "disbursement-form", ("amount", "10"), ("purpose", "修缮便民桥"), ("payee", "某建筑队"),
            ("paidAt", LocalInput(DateTimeOffset.Now.AddDays(2))));
        await Expect(error).ToContainTextAsync("（paidAt）");
        await Expect(page.Locator("#d-paid")).ToHaveAttributeAsync("aria-invalid", "true");
        Assert.Equal(0, await DisbursementCountAsync(campaign));
        Assert.Empty(PageActions.ScriptErrors(page));
    }

    [Fact]
    public async Task ACorrectionIsRecordedOnThePageAndBothEntriesStayVisible()
    {
        await using var context = await browser.NewContextAsync(_web);
        var (campaign, page) = await CoordinatorOnTheProjectAsync(context);
        var original = (await DisbursedAsync(_web.Admin, campaign, 8_000, "购置儿童之家图书")).GetProperty("id").GetGuid();
        await page.Locator("#refresh-donations").ClickAsync();
        await Expect(page.Locator("#d-balance")).ToHaveTextAsync("¥40.00");

        await page.Locator($"#disbursement-rows tr[data-disbursement-id='{original}'] button[data-correct]").ClickAsync();
        await Expect(page.Locator("#correction-target")).ToContainTextAsync("净额 ¥80.00");
        await SubmitAsync(page, "correction-form", ("direction", "less"), ("amount", "15"), ("reason", "发票实为 65 元"));
        await Expect(page.Locator("#correction-done")).ToContainTextAsync("-¥15.00");
        await Expect(page.Locator("#d-disbursed")).ToHaveTextAsync("¥65.00");
        await Expect(page.Locator("#d-balance")).ToHaveTextAsync("¥55.00");
        await Expect(page.Locator("#disbursement-rows tr[data-disbursement-id]")).ToHaveCountAsync(2);
        await Expect(page.Locator($"#disbursement-rows tr[data-corrects='{original}']")).ToContainTextAsync("发票实为 65 元");
        await Expect(page.Locator($"#disbursement-rows tr[data-disbursement-id='{original}']")).ToContainTextAsync("¥65.00");

        var ledger = await PageActions.NewPageAsync(context);
        await ledger.GotoAsync($"ledger.html?id={campaign}");
        await Expect(ledger.Locator("body")).ToHaveAttributeAsync("data-loaded", "true", new() { Timeout = PageActions.ServerTimeoutMs });
        await Expect(ledger.Locator("#ledger-entries li[data-type=disbursement]")).ToContainTextAsync("购置儿童之家图书");
        await Expect(ledger.Locator("#ledger-entries li[data-type=correction]")).ToContainTextAsync("发票实为 65 元");
        await Expect(ledger.Locator("#ledger-entries li[data-type=correction]")).ToContainTextAsync(original.ToString());
        await Expect(ledger.Locator("#ledger-disbursed")).ToHaveTextAsync("¥65.00");
        Assert.Empty(PageActions.ScriptErrors(page));
        Assert.Empty(PageActions.ScriptErrors(ledger));
    }
}
