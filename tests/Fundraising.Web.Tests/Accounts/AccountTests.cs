using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Fundraising.Web.Tests.Accounts;

/// <summary>
/// Accounts, cookie sign-in, lockout, sign-out, disabling, API tokens and the antiforgery check, against the real platform.
/// Its tests sign in more often from one address than the sign-in rate limit allows a minute, so the class runs without
/// limits; the limit itself is <see cref="SignInIsRateLimitedPerAddressEvenWithTheRightPassword"/>.
/// </summary>
public sealed class AccountTests(UnlimitedPlatform platform) : IClassFixture<UnlimitedPlatform>
{
    [Fact]
    public async Task SignInIsRateLimitedPerAddressEvenWithTheRightPassword()
    {
        await using var database = await TestDatabase.CreateAsync(migrate: false);
        await using var web = await Platform.StartCoHostedWebAsync(database, new Dictionary<string, string> { ["RateLimits__SignIn__PermitLimit"] = "3" });
        Assert.Equal(HttpStatusCode.Created, (await StaffClients.CreateAccountAsync(web, "limited", "viewer")).StatusCode);
        using var client = StaffClients.CookieClient(web);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await StaffClients.SignInAsync(client, "limited", $"guess {i} of many")).StatusCode);
        }
        var limited = await StaffClients.SignInAsync(client, "limited", StaffClients.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        await ApiCalls.ProblemAsync(limited);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/auth/me")).StatusCode);
    }

    private WebFrontEnd Web => platform.Web;

    [Fact]
    public async Task AnAccountIsCreatedWithItsRoleAndScopeAndNoResponseCarriesThePasswordOrItsHash()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(Web);
        var created = await StaffClients.CreateAccountAsync(Web, "Village.Coordinator-1", "coordinator", new { campaignIds = new[] { campaign } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadAsStringAsync();
        var account = JsonDocument.Parse(body).RootElement;
        Assert.Equal("village.coordinator-1", account.GetProperty("userName").GetString());
        Assert.Equal("coordinator", account.GetProperty("role").GetString());
        Assert.Equal(campaign, account.GetProperty("scope").GetProperty("campaignIds")[0].GetGuid());
        var list = await Web.Admin.GetStringAsync("/api/admin/accounts");
        var hash = await platform.Database.ScalarAsync<string>("SELECT password_hash FROM accounts WHERE user_name = 'village.coordinator-1'");
        foreach (var text in new[] { body, list })
        {
            Assert.DoesNotContain(StaffClients.Password, text);
            Assert.DoesNotContain(hash, text);
            Assert.DoesNotContain("password", text, StringComparison.OrdinalIgnoreCase);
        }
        Assert.NotEqual(StaffClients.Password, hash);

        var signedIn = StaffClients.CookieClient(Web);
        Assert.Equal(HttpStatusCode.OK, (await StaffClients.SignInAsync(signedIn, "VILLAGE.coordinator-1", StaffClients.Password)).StatusCode);
        var me = await signedIn.GetFromJsonAsync<JsonElement>("/api/auth/me");
        Assert.Equal("village.coordinator-1", me.GetProperty("userName").GetString());
        Assert.Equal("coordinator", me.GetProperty("role").GetString());
        Assert.Equal(campaign, me.GetProperty("scope").GetProperty("campaignIds")[0].GetGuid());
    }

    [Fact]
    public async Task BadAccountsAreRefusedNamingTheFieldAndNothingIsCreated()
    {
        var before = await platform.Database.ScalarAsync<long>("SELECT count(*) FROM accounts");
        var bad = await Web.Admin.PostAsJsonAsync("/api/admin/accounts", new { userName = "a", displayName = "", password = "short", role = "root" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await ApiCalls.ProblemAsync(bad)).GetProperty("errors");
        foreach (var field in new[] { "userName", "displayName", "password", "role" })
        {
            Assert.True(errors.TryGetProperty(field, out _), field);
        }
        var unknownProject = await StaffClients.CreateAccountAsync(Web, "coord-unknown", "coordinator", new { campaignIds = new[] { Guid.NewGuid() } });
        Assert.Equal(HttpStatusCode.BadRequest, unknownProject.StatusCode);
        Assert.True((await ApiCalls.ProblemAsync(unknownProject)).GetProperty("errors").TryGetProperty("scope.campaignIds", out _));
        var viewerWithCounty = await StaffClients.CreateAccountAsync(Web, "viewer-county", "viewer", new { county = "丹凤县" });
        Assert.Equal(HttpStatusCode.BadRequest, viewerWithCounty.StatusCode);
        var reserved = await StaffClients.CreateAccountAsync(Web, "bootstrap-admin", "admin");
        Assert.Equal(HttpStatusCode.BadRequest, reserved.StatusCode);
        Assert.Equal(before, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM accounts"));

        Assert.Equal(HttpStatusCode.Created, (await StaffClients.CreateAccountAsync(Web, "same-name", "viewer")).StatusCode);
        var duplicate = await StaffClients.CreateAccountAsync(Web, "Same-Name", "admin");
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal("viewer", await platform.Database.ScalarAsync<string>("SELECT role FROM accounts WHERE user_name = 'same-name'"));
    }

    [Fact]
    public async Task TheSessionCookieIsHttpOnlyAndSameSiteStrictAndHoldsNoClaims()
    {
        Assert.Equal(HttpStatusCode.Created, (await StaffClients.CreateAccountAsync(Web, "cookie-check", "viewer")).StatusCode);
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = Web.BaseAddress };
        var response = await StaffClients.SignInAsync(client, "cookie-check", StaffClients.Password);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("fundraising.session=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        // Plain HTTP here, so not Secure; behind HTTPS the same policy (SameAsRequest) marks it Secure.
        Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase);
        // The cookie is a session key: the account's claims live in PostgreSQL, one row per sign-in.
        Assert.True(cookie.Length < 900, cookie);
        Assert.Equal(1L, await platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM account_sessions s JOIN accounts a ON a.id = s.account_id WHERE a.user_name = 'cookie-check'"));
    }

    [Fact]
    public async Task RepeatedFailuresLockTheAccountSoEvenTheRightPasswordIsRefusedAndUnknownNamesLookTheSame()
    {
        Assert.Equal(HttpStatusCode.Created, (await StaffClients.CreateAccountAsync(Web, "lock-me", "viewer")).StatusCode);
        using var client = StaffClients.CookieClient(Web);
        var unknown = await StaffClients.SignInAsync(client, "nobody-here", "whatever password");
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        var unknownDetail = (await ApiCalls.ProblemAsync(unknown)).GetProperty("detail").GetString();
        for (var i = 0; i < 5; i++)
        {
            var wrong = await StaffClients.SignInAsync(client, "lock-me", $"wrong password {i}");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.Equal(unknownDetail, (await ApiCalls.ProblemAsync(wrong)).GetProperty("detail").GetString());
        }
        var locked = await StaffClients.SignInAsync(client, "lock-me", StaffClients.Password);
        Assert.Equal(HttpStatusCode.Unauthorized, locked.StatusCode);
        Assert.Equal(unknownDetail, (await ApiCalls.ProblemAsync(locked)).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/auth/me")).StatusCode);
        Assert.True(await platform.Database.ScalarAsync<bool>("SELECT locked_until > now() + interval '10 minutes' FROM accounts WHERE user_name = 'lock-me'"));

        // Once the lock has passed, the right password works again and the count starts from zero.
        await platform.Database.ScalarAsync<object>("UPDATE accounts SET locked_until = now() - interval '1 second' WHERE user_name = 'lock-me' RETURNING 1");
        Assert.Equal(HttpStatusCode.OK, (await StaffClients.SignInAsync(client, "lock-me", StaffClients.Password)).StatusCode);
        Assert.Equal(0, await platform.Database.ScalarAsync<int>("SELECT failed_sign_ins FROM accounts WHERE user_name = 'lock-me'"));
    }

    [Fact]
    public async Task SigningOutEndsTheSessionOnTheServerSoACopiedCookieOpensNothing()
    {
        var member = await StaffClients.CreateAsync(Web, "viewer");
        var jar = ((HttpClientHandler)typeof(HttpMessageInvoker).GetField("_handler", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .GetValue(member.Cookie)!).CookieContainer;
        var stolen = jar.GetCookieHeader(Web.BaseAddress);
        using var thief = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = Web.BaseAddress };
        thief.DefaultRequestHeaders.Add("Cookie", stolen);
        Assert.Equal(HttpStatusCode.OK, (await thief.GetAsync("/api/auth/me")).StatusCode);

        var signOut = await StaffClients.PostWithAntiforgeryAsync(member.Cookie, member.AntiforgeryToken, "/api/auth/sign-out", null);
        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await thief.GetAsync("/api/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await member.Cookie.GetAsync("/api/auth/me")).StatusCode);
    }

    [Fact]
    public async Task ChangesMadeWithTheCookieNeedTheAntiforgeryTokenAndBearerCallsDoNot()
    {
        var member = await StaffClients.CreateAsync(Web, "association");
        var before = await platform.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns");
        var forged = await member.Cookie.PostAsJsonAsync("/api/campaigns", ApiCalls.NewCampaign());
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Contains("X-CSRF-Token", (await ApiCalls.ProblemAsync(forged)).GetProperty("detail").GetString());
        var wrongToken = await StaffClients.PostWithAntiforgeryAsync(member.Cookie, "not-the-token", "/api/campaigns", ApiCalls.NewCampaign());
        Assert.Equal(HttpStatusCode.BadRequest, wrongToken.StatusCode);
        Assert.Equal(before, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM campaigns"));

        Assert.Equal(HttpStatusCode.Created, (await StaffClients.PostWithAntiforgeryAsync(member.Cookie, member.AntiforgeryToken, "/api/campaigns", ApiCalls.NewCampaign())).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await member.Bearer.PostAsJsonAsync("/api/campaigns", ApiCalls.NewCampaign())).StatusCode);
    }

    [Fact]
    public async Task TokensAreShownOnceKeptAsADigestAndStopWorkingWhenRevokedOrExpired()
    {
        var member = await StaffClients.CreateAsync(Web, "viewer");
        Assert.Equal(HttpStatusCode.OK, (await member.Bearer.GetAsync("/api/auth/me")).StatusCode);
        var token = member.Bearer.DefaultRequestHeaders.Authorization!.Parameter!;
        Assert.StartsWith("frt_", token);
        var listed = await member.Cookie.GetStringAsync("/api/auth/tokens");
        Assert.DoesNotContain(token, listed);
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM api_tokens WHERE encode(token_hash, 'escape') LIKE '%' || $1 || '%'", token[4..20]));
        var id = JsonDocument.Parse(listed).RootElement[0].GetProperty("id").GetGuid();

        var revoke = new HttpRequestMessage(HttpMethod.Delete, $"/api/auth/tokens/{id}");
        revoke.Headers.Add("X-CSRF-Token", member.AntiforgeryToken);
        Assert.Equal(HttpStatusCode.NoContent, (await member.Cookie.SendAsync(revoke)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await member.Bearer.GetAsync("/api/auth/me")).StatusCode);

        var expiring = await StaffClients.PostWithAntiforgeryAsync(member.Cookie, member.AntiforgeryToken, "/api/auth/tokens",
            new { name = "short", expiresAt = DateTimeOffset.UtcNow.AddSeconds(2) });
        Assert.Equal(HttpStatusCode.Created, expiring.StatusCode);
        using var shortLived = new HttpClient { BaseAddress = Web.BaseAddress };
        shortLived.DefaultRequestHeaders.Authorization = new("Bearer", (await expiring.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString());
        Assert.Equal(HttpStatusCode.OK, (await shortLived.GetAsync("/api/auth/me")).StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Equal(HttpStatusCode.Unauthorized, (await shortLived.GetAsync("/api/auth/me")).StatusCode);

        var past = await StaffClients.PostWithAntiforgeryAsync(member.Cookie, member.AntiforgeryToken, "/api/auth/tokens",
            new { name = "past", expiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) });
        Assert.Equal(HttpStatusCode.BadRequest, past.StatusCode);
        Assert.True((await ApiCalls.ProblemAsync(past)).GetProperty("errors").TryGetProperty("expiresAt", out _));
    }

    [Fact]
    public async Task DisablingAnAccountEndsItsSessionsAndTokensAtOnce()
    {
        var member = await StaffClients.CreateAsync(Web, "admin");
        Assert.Equal(HttpStatusCode.OK, (await member.Bearer.GetAsync("/api/admin/accounts")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await member.Cookie.GetAsync("/api/admin/accounts")).StatusCode);

        var disabled = await Web.Admin.PostAsync($"/api/admin/accounts/{member.Id}/disable", null);
        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        Assert.NotEqual(JsonValueKind.Null, (await disabled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("disabledAt").ValueKind);
        Assert.Equal(HttpStatusCode.Unauthorized, (await member.Bearer.GetAsync("/api/admin/accounts")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await member.Cookie.GetAsync("/api/admin/accounts")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await StaffClients.SignInAsync(StaffClients.CookieClient(Web), member.UserName, member.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Web.Admin.PostAsync($"/api/admin/accounts/{Guid.NewGuid()}/disable", null)).StatusCode);
    }

    [Fact]
    public async Task TheBootstrapKeyIsAnAdminWithoutTokensOfItsOwn()
    {
        var me = await Web.Admin.GetFromJsonAsync<JsonElement>("/api/auth/me");
        Assert.Equal("bootstrap-admin", me.GetProperty("userName").GetString());
        Assert.Equal("admin", me.GetProperty("role").GetString());
        var token = await Web.Admin.PostAsJsonAsync("/api/auth/tokens", new { name = "no" });
        Assert.Equal(HttpStatusCode.Forbidden, token.StatusCode);
        await ApiCalls.ProblemAsync(token);
        using var wrongKey = new HttpClient { BaseAddress = Web.BaseAddress };
        wrongKey.DefaultRequestHeaders.Authorization = new("Bearer", "frt_not-a-real-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrongKey.GetAsync("/api/auth/me")).StatusCode);
    }
}
