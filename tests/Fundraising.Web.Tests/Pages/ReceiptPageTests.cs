using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Fundraising.Web.Tests.Pages;

public sealed class ReceiptPageTests(CoHostedPlatform platform, BrowserFixture browser) : IClassFixture<CoHostedPlatform>, IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task TheDonorCanOpenAndPrintTheReceiptOfTheirGift()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web, ApiCalls.NewCampaign("重阳敬老 · 票据测试"));
        var (gift, token) = await ApiCalls.DonateWithReceiptTokenAsync(platform.Web.Client, campaign, 12_345, name: "<b>票据捐赠人</b>", anonymous: true);

        await using var context = await browser.NewContextAsync(platform.Web);
        var page = await context.NewPageAsync();
        await page.GotoAsync($"/receipt.html#donation={gift.GetProperty("id").GetGuid()}&token={Uri.EscapeDataString(token)}");

        await Assertions.Expect(page.Locator("#receipt-number")).ToHaveTextAsync(new Regex(@"^\d{4}-\d{8}$"), new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator("#receipt-amount")).ToHaveTextAsync("¥123.45");
        await Assertions.Expect(page.Locator("#receipt-campaign")).ToHaveTextAsync("重阳敬老 · 票据测试");
        // The donor's own receipt names them even for an anonymous gift, and markup stays text.
        await Assertions.Expect(page.Locator("#receipt-donor")).ToHaveTextAsync("<b>票据捐赠人</b>");
        Assert.Equal(0, await page.Locator("#receipt-donor b").CountAsync());
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "receipt.png"), FullPage = true });
    }

    [Fact]
    public async Task TheDonationIdAloneOpensNoReceipt()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var gift = await ApiCalls.DonateAsync(platform.Web.Client, campaign, 500, name: "只有编号的人", anonymous: true);
        var id = gift.GetProperty("id").GetGuid();
        await using var context = await browser.NewContextAsync(platform.Web);
        var page = await context.NewPageAsync();
        foreach (var address in new[] { $"/receipt.html?donation={id}", $"/receipt.html#donation={id}" })
        {
            await page.GotoAsync(address);
            await Assertions.Expect(page.Locator("#receipt-error")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#receipt-error")).ToContainTextAsync("未找到");
            Assert.DoesNotContain("只有编号的人", await page.ContentAsync());
        }
    }

    [Fact]
    public async Task StaffOpenAnyReceiptWithTheirSignInAndWithoutOneTheAdminLinkOpensNothing()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var gift = await ApiCalls.DonateAsync(platform.Web.Client, campaign, 700, name: "管理员查看的人", anonymous: true);
        var address = $"/receipt.html#donation={gift.GetProperty("id").GetGuid()}&admin=1";

        await using var stranger = await browser.NewContextAsync(platform.Web);
        var refused = await stranger.NewPageAsync();
        await refused.GotoAsync(address);
        await Assertions.Expect(refused.Locator("#receipt-error")).ToBeVisibleAsync();
        Assert.DoesNotContain("管理员查看的人", await refused.ContentAsync());

        await using var context = await browser.NewContextAsync(platform.Web);
        await AdminPageActions.SignInAsync(context, platform.Web);
        var page = await context.NewPageAsync();
        await page.GotoAsync(address);
        await Assertions.Expect(page.Locator("#receipt-donor")).ToHaveTextAsync("管理员查看的人");
    }

    [Fact]
    public async Task AnUnknownDonationShowsAClearMessage()
    {
        await using var context = await browser.NewContextAsync(platform.Web);
        var page = await context.NewPageAsync();
        await page.GotoAsync($"/receipt.html#donation={Guid.NewGuid()}");
        await Assertions.Expect(page.Locator("#receipt-error")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#receipt-error")).ToContainTextAsync("未找到");
    }
}
