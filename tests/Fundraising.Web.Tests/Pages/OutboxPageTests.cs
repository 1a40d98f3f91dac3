using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Fundraising.Web.Tests.Pages;

/// <summary>The development outbox page on a Development host without SMTP, where every code goes to the outbox.</summary>
public sealed class OutboxPageTests(CoHostedPlatform platform, BrowserFixture browser) : IClassFixture<CoHostedPlatform>, IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task TheOutboxPageShowsTheCodesForAnAddressNewestFirst()
    {
        using var client = Api.RateLimitTests.ClientFrom(platform.Web.BaseAddress, "127.0.2.1");
        var phone = $"1390013{Random.Shared.Next(0, 10_000):D4}";
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/donors/verifications", new { phone })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/donors/verifications", new { email = "page.donor@example.org" })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/donors/verifications", new { phone })).StatusCode);
        var items = (await client.GetFromJsonAsync<JsonElement>($"/_dev/outbox?to={phone}")).GetProperty("items");
        var newest = items[0].GetProperty("code").GetString()!;
        var older = items[1].GetProperty("code").GetString()!;

        await using var context = await browser.NewContextAsync(platform.Web);
        var page = await context.NewPageAsync();
        await page.GotoAsync($"/dev/outbox.html?to={phone}");
        var listed = page.Locator("#outbox-items > li");
        await Assertions.Expect(listed).ToHaveCountAsync(2);
        await Assertions.Expect(listed.Nth(0).Locator("strong")).ToHaveTextAsync(newest);
        await Assertions.Expect(listed.Nth(1).Locator("strong")).ToHaveTextAsync(older);
        await Assertions.Expect(listed.Nth(0)).ToContainTextAsync("+86" + phone);

        await page.FillAsync("#outbox-to", "page.donor@example.org");
        await page.ClickAsync("#outbox-filter button");
        await Assertions.Expect(listed).ToHaveCountAsync(1);
        await Assertions.Expect(listed.Nth(0)).ToContainTextAsync("page.donor@example.org");
        Assert.Empty(browser.CspViolations);
    }
}
