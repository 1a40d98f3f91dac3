using System.Runtime.CompilerServices;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Fundraising.Web.Tests.Pages;

/// <summary>What a donor does on the pages, shared by the page tests.</summary>
public static class PageActions
{
    /// <summary>
    /// For what the server does, not what the page does: a freshly started front end's first page
    /// load, hub connection and donation pay for JIT, grain activation and database connections,
    /// which on two busy cores can take well over the few seconds allowed for a live update.
    /// </summary>
    public const float ServerTimeoutMs = 30_000;

    /// <summary>
    /// Opens a campaign page and waits until its data has loaded and its SignalR connection is up
    /// and watching: only then will it see what happens next.
    /// </summary>
    public static async Task<IPage> OpenCampaignAsync(IBrowserContext context, Guid campaignId)
    {
        var page = await NewPageAsync(context);
        await page.GotoAsync($"campaign.html?id={campaignId}");
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-loaded", "true", new() { Timeout = ServerTimeoutMs });
        await Expect(page.Locator("#live-status")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = ServerTimeoutMs });
        return page;
    }

    /// <summary>A new page that records its uncaught script errors.</summary>
    public static async Task<IPage> NewPageAsync(IBrowserContext context)
    {
        var page = await context.NewPageAsync();
        RecordScriptErrors(page);
        return page;
    }

    /// <summary>Fills the donate form and presses the button.</summary>
    public static async Task SubmitDonationAsync(IPage page, string yuan, string? name = null, string? message = null, bool anonymous = false)
    {
        await page.Locator("#amount").FillAsync(yuan);
        await page.Locator("#display-name").FillAsync(name ?? "");
        await page.Locator("#message").FillAsync(message ?? "");
        await page.Locator("#anonymous").SetCheckedAsync(anonymous);
        await page.Locator("#donate-button").ClickAsync();
    }

    /// <summary>Donates through the form and waits for the thank-you.</summary>
    public static async Task DonateAsync(IPage page, string yuan, string? name = null, string? message = null, bool anonymous = false)
    {
        await SubmitDonationAsync(page, yuan, name, message, anonymous);
        // Whichever comes first: the thank-you, or an error the page shows (then fail with its text).
        await Expect(page.Locator("#thank-you, #form-error, .field-error").Locator("visible=true").First).ToBeVisibleAsync(new() { Timeout = ServerTimeoutMs });
        if (!await page.Locator("#thank-you").IsVisibleAsync())
        {
            var shown = await page.Locator("#form-error, .field-error").Locator("visible=true").AllInnerTextsAsync();
            Assert.Fail("The donation did not go through; the page says: " + string.Join(" | ", shown));
        }
    }

    private static readonly ConditionalWeakTable<IPage, List<string>> Errors = new();

    /// <summary>Starts recording the page's uncaught script errors (see <see cref="ScriptErrors"/>).</summary>
    public static void RecordScriptErrors(IPage page)
    {
        var errors = Errors.GetOrCreateValue(page);
        page.PageError += (_, error) => errors.Add(error);
    }

    /// <summary>Uncaught script errors seen on the page so far.</summary>
    public static IReadOnlyList<string> ScriptErrors(IPage page) => Errors.TryGetValue(page, out var errors) ? errors : [];
}
