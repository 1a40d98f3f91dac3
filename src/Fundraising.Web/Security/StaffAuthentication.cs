using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Fundraising.Persistence.Accounts;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Fundraising.Web.Security;

/// <summary>The bootstrap admin key. Bound from <c>Admin:ApiKey</c> (environment: <c>Admin__ApiKey</c>).</summary>
public sealed class AdminOptions
{
    [Required(ErrorMessage = "Admin:ApiKey is required (set Admin__ApiKey); admin endpoints have no anonymous access.")]
    [MinLength(24, ErrorMessage = "Admin:ApiKey must be at least 24 characters.")]
    public string ApiKey { get; set; } = "";
}

/// <summary>Sign-in rules. Bound from <c>Accounts</c>.</summary>
public sealed class AccountOptions
{
    /// <summary>Failed sign-ins in a row that lock an account.</summary>
    [Range(1, 100)]
    public int MaxFailedSignIns { get; set; } = 5;

    /// <summary>How long a locked account refuses every sign-in, even with the right password.</summary>
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a cookie sign-in lasts without use (sliding).</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    [Range(12, 128)]
    public int MinPasswordLength { get; set; } = 12;
}

/// <summary>
/// Who is calling. Pages sign in with an account and a cookie (HttpOnly, SameSite=Strict, Secure over HTTPS, the
/// session itself in PostgreSQL); automation sends <c>Authorization: Bearer</c> with an account's API token or the
/// bootstrap key. Cookie-authenticated changes must carry the antiforgery header.
/// </summary>
public static class StaffAuthentication
{
    public const string Scheme = "Staff";
    public const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string BearerScheme = "Bearer";
    public const string CookieName = "fundraising.session";
    public const string AntiforgeryHeader = "X-CSRF-Token";
    public const string BootstrapAdmin = "bootstrap-admin";
    public const string DisplayNameClaim = "fundraising:display_name";

    public static WebApplicationBuilder AddStaffAuthentication(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AdminOptions>().BindConfiguration("Admin").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<AccountOptions>().BindConfiguration("Accounts").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AccountSignIn>();

        // One key ring for every front end, so that any of them reads a cookie another wrote.
        builder.Services.AddDataProtection().SetApplicationName("fundraising");
        builder.Services.AddOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>()
            .Configure<DataProtectionKeyRepository>((options, keys) => options.XmlRepository = keys);

        builder.Services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "Cookie or bearer", options =>
                // A request that names its credentials is judged by them alone; a cookie is never a fallback for a bad token.
                options.ForwardDefaultSelector = http => http.Request.Headers.Authorization.Count > 0 ? BearerScheme : CookieScheme)
            .AddCookie(CookieScheme, _ => { })
            .AddScheme<AuthenticationSchemeOptions, BearerHandler>(BearerScheme, null);
        builder.Services.AddOptions<CookieAuthenticationOptions>(CookieScheme)
            .Configure<SessionTicketStore, IOptions<AccountOptions>>((options, sessions, accounts) =>
            {
                options.Cookie.Name = CookieName;
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = accounts.Value.SessionLifetime;
                options.SlidingExpiration = true;
                options.SessionStore = sessions;
                // An API answers 401 and 403; it never redirects to a sign-in page.
                options.Events.OnRedirectToLogin = context => Status(context.Response, StatusCodes.Status401Unauthorized);
                options.Events.OnRedirectToAccessDenied = context => Status(context.Response, StatusCodes.Status403Forbidden);
            });

        var authorization = builder.Services.AddAuthorizationBuilder();
        foreach (var (policy, roles) in Access.RolesOf)
        {
            authorization.AddPolicy(policy, p => p.RequireAuthenticatedUser().RequireRole(roles));
        }

        builder.Services.AddAntiforgery(options =>
        {
            options.HeaderName = AntiforgeryHeader;
            options.Cookie.Name = "fundraising.antiforgery";
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        return builder;
    }

    /// <summary>
    /// Authentication, then the antiforgery check: a change (POST, PUT, PATCH, DELETE) made with the session cookie must
    /// carry the <c>X-CSRF-Token</c> header from <c>GET /api/auth/antiforgery</c>. Bearer requests need none: a browser
    /// never adds a bearer header on its own.
    /// </summary>
    public static WebApplication UseStaffAuthentication(this WebApplication app)
    {
        app.UseAuthentication();
        app.Use(async (http, next) =>
        {
            if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method) && !HttpMethods.IsOptions(http.Request.Method)
                && http.User.Identity is { IsAuthenticated: true, AuthenticationType: CookieScheme })
            {
                var antiforgery = http.RequestServices.GetRequiredService<IAntiforgery>();
                if (!await antiforgery.IsRequestValidAsync(http))
                {
                    await TypedResults.Problem(
                        detail: $"A change made with the sign-in cookie must carry the {AntiforgeryHeader} header from GET /api/auth/antiforgery.",
                        statusCode: StatusCodes.Status400BadRequest, title: "The antiforgery token is missing or not valid.").ExecuteAsync(http);
                    return;
                }
            }
            await next(http);
        });
        app.UseAuthorization();
        return app;
    }

    /// <summary>The principal of an account, as a cookie session or a token carries it.</summary>
    public static ClaimsPrincipal PrincipalOf(Account account, string authenticationType)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, account.Id.ToString()),
            new(ClaimTypes.Name, account.UserName),
            new(DisplayNameClaim, account.DisplayName),
            new(ClaimTypes.Role, account.Role),
        };
        if (account.ScopeCounty is { } county)
        {
            claims.Add(new Claim(StaffScope.CountyClaim, county));
        }
        claims.AddRange(account.CampaignIds.Select(id => new Claim(StaffScope.CampaignClaim, id.ToString())));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationType, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>The account id of a signed-in account; null for the bootstrap key.</summary>
    public static Guid? AccountIdOf(ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    private static Task Status(HttpResponse response, int status)
    {
        response.StatusCode = status;
        return Task.CompletedTask;
    }

    /// <summary><c>Authorization: Bearer</c> with the bootstrap key (compared in constant time) or an account's API token.</summary>
    private sealed class BearerHandler(
        IOptionsMonitor<AuthenticationSchemeOptions> options,
        ILoggerFactory logger,
        UrlEncoder encoder,
        IOptions<AdminOptions> admin,
        AccountStore accounts,
        TimeProvider time) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var header = Request.Headers.Authorization.ToString();
            if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return AuthenticateResult.Fail("Only bearer credentials are accepted in the Authorization header.");
            }
            var presented = header["Bearer ".Length..].Trim();
            if (ApiTokens.LooksLikeToken(presented))
            {
                var account = await accounts.FindByTokenAsync(ApiTokens.Hash(presented), time.GetUtcNow(), Context.RequestAborted);
                return account is null
                    ? AuthenticateResult.Fail("The API token is not valid, revoked or expired.")
                    : AuthenticateResult.Success(new AuthenticationTicket(PrincipalOf(account, BearerScheme), BearerScheme));
            }
            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(admin.Value.ApiKey)))
            {
                return AuthenticateResult.Fail("The bearer credential is not valid.");
            }
            var identity = new ClaimsIdentity(
                [new Claim(ClaimTypes.Name, BootstrapAdmin), new Claim(DisplayNameClaim, "Bootstrap admin key"), new Claim(ClaimTypes.Role, Roles.Admin)],
                BearerScheme, ClaimTypes.Name, ClaimTypes.Role);
            return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), BearerScheme));
        }

        protected override Task HandleChallengeAsync(AuthenticationProperties properties)
        {
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            Response.Headers.WWWAuthenticate = "Bearer";
            return Task.CompletedTask;
        }
    }
}
