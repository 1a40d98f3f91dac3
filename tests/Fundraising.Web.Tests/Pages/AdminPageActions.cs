using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Fundraising.Web.Tests.Pages;

/// <summary>What an admin does on admin/index.html, shared by the admin page tests.</summary>
public static class AdminPageActions
{
    /// <summary>Opens the admin page, which shows only the sign-in form until an account has signed in.</summary>
    public static async Task<IPage> OpenSignedOutAsync(IBrowserContext context)
    {
        var page = await PageActions.NewPageAsync(context);
        await page.GotoAsync("admin/");
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-state", "signed-out");
        return page;
    }

    public static async Task TypeCredentialsAsync(IPage page, string userName, string password)
    {
        await page.Locator("#signin-user").FillAsync(userName);
        await page.Locator("#signin-password").FillAsync(password);
        await page.Locator("#signin-form button[type=submit]").ClickAsync();
    }

    /// <summary>A new account (made with the bootstrap key, as the first account is); returns its user name.</summary>
    public static async Task<string> CreateAccountAsync(WebFrontEnd web, string role = "admin", object? scope = null)
    {
        var userName = $"{role}-{Guid.NewGuid():N}"[..24];
        var created = await web.Admin.PostAsJsonAsync("/api/admin/accounts",
            new { userName, displayName = $"页面测试 {role}", password = Accounts.StaffClients.Password, role, scope });
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        return userName;
    }

    /// <summary>Signs in with a new admin account and waits until the page has loaded its data.</summary>
    public static Task<IPage> SignInAsync(IBrowserContext context, WebFrontEnd web) => SignInAsAsync(context, web, "admin");

    /// <summary>Signs in with a new account of <paramref name="role"/> and <paramref name="scope"/> and waits until the page has loaded its data.</summary>
    public static async Task<IPage> SignInAsAsync(IBrowserContext context, WebFrontEnd web, string role, object? scope = null)
    {
        var userName = await CreateAccountAsync(web, role, scope);
        var page = await OpenSignedOutAsync(context);
        await TypeCredentialsAsync(page, userName, Accounts.StaffClients.Password);
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-loaded", "true", new() { Timeout = PageActions.ServerTimeoutMs });
        return page;
    }

    public static ILocator CampaignRow(IPage page, Guid campaignId) => page.Locator($"#campaign-rows tr[data-campaign-id='{campaignId}']");

    /// <summary>Opens a campaign's panel from the list and waits for its totals and gifts.</summary>
    public static async Task SelectCampaignAsync(IPage page, Guid campaignId)
    {
        await CampaignRow(page, campaignId).Locator("button[data-action=select]").ClickAsync();
        await Expect(page.Locator("#campaign-panel")).ToHaveAttributeAsync("data-campaign-id", campaignId.ToString());
        await Expect(page.Locator("#campaign-panel")).ToHaveAttributeAsync("data-loaded", "true");
    }

    /// <summary>Fills the named fields of a form (by their API field names) and submits it.</summary>
    public static async Task SubmitAsync(IPage page, string formId, params (string Name, string Value)[] fields)
    {
        var form = page.Locator($"#{formId}");
        foreach (var (name, value) in fields)
        {
            var input = form.Locator($"[name='{name}']");
            if (await input.EvaluateAsync<string>("e => e.tagName") == "SELECT")
            {
                await input.SelectOptionAsync(value);
            }
            else
            {
                await input.FillAsync(value);
            }
        }
        await form.Locator("button[type=submit]").ClickAsync();
    }

    /// <summary>Submits a form and waits for its success message; fails with what the page shows otherwise.</summary>
    public static async Task SubmitAndExpectDoneAsync(IPage page, string formId, params (string Name, string Value)[] fields)
    {
        await SubmitAsync(page, formId, fields);
        var form = page.Locator($"#{formId}");
        await Expect(form.Locator(".form-done, .form-error").Locator("visible=true").First).ToBeVisibleAsync(new() { Timeout = PageActions.ServerTimeoutMs });
        if (await form.Locator(".form-error").IsVisibleAsync())
        {
            Assert.Fail($"#{formId} was refused: {await form.Locator(".form-error").InnerTextAsync()}");
        }
    }

    public static async Task<JsonElement> CampaignAsync(WebFrontEnd web, Guid campaignId) =>
        await web.Client.GetFromJsonAsync<JsonElement>($"/api/campaigns/{campaignId}");
}
