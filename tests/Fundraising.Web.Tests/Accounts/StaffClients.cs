using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Fundraising.Web.Tests.Accounts;

/// <summary>A signed-in staff member: the account, a cookie client (with its antiforgery token) and a bearer client (an API token).</summary>
public sealed record StaffMember(Guid Id, string UserName, string Password, HttpClient Cookie, string AntiforgeryToken, HttpClient Bearer);

/// <summary>Accounts made through the API with the bootstrap key, signed in as a browser and as automation would.</summary>
public static class StaffClients
{
    public const string Password = "correct horse battery staple";

    /// <summary>Creates an account (as the bootstrap admin) and returns its response.</summary>
    public static async Task<HttpResponseMessage> CreateAccountAsync(WebFrontEnd web, string userName, string role, object? scope = null, string password = Password) =>
        await web.Admin.PostAsJsonAsync("/api/admin/accounts", new { userName, displayName = $"测试 {userName}", password, role, scope });

    /// <summary>A client with its own cookie jar, as one browser is.</summary>
    public static HttpClient CookieClient(WebFrontEnd web) =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), UseCookies = true }) { BaseAddress = web.BaseAddress };

    public static async Task<HttpResponseMessage> SignInAsync(HttpClient client, string userName, string password) =>
        await client.PostAsJsonAsync("/api/auth/sign-in", new { userName, password });

    /// <summary>The antiforgery token a signed-in page sends with its changes.</summary>
    public static async Task<string> AntiforgeryAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/api/auth/antiforgery")).GetProperty("token").GetString()!;

    /// <summary>A change made as a signed-in page makes it: with the antiforgery header.</summary>
    public static Task<HttpResponseMessage> PostWithAntiforgeryAsync(HttpClient client, string token, string url, object? body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Add("X-CSRF-Token", token);
        return client.SendAsync(request);
    }

    /// <summary>Creates the account, signs in with a cookie and makes an API token; fails the test on any refusal.</summary>
    public static async Task<StaffMember> CreateAsync(WebFrontEnd web, string role, object? scope = null, string? userName = null)
    {
        userName ??= $"{role}-{Guid.NewGuid():N}"[..24];
        var created = await CreateAccountAsync(web, userName, role, scope);
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"account {userName}: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var cookie = CookieClient(web);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(cookie, userName, Password)).StatusCode);
        var antiforgery = await AntiforgeryAsync(cookie);
        var token = await PostWithAntiforgeryAsync(cookie, antiforgery, "/api/auth/tokens", new { name = "tests" });
        Assert.Equal(HttpStatusCode.Created, token.StatusCode);
        var secret = (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        var bearer = new HttpClient { BaseAddress = web.BaseAddress, DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", secret) } };
        return new StaffMember(id, userName, Password, cookie, antiforgery, bearer);
    }
}
