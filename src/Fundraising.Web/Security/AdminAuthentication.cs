using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Fundraising.Web.Security;

/// <summary>The bootstrap admin key. Bound from <c>Admin:ApiKey</c> (environment: <c>Admin__ApiKey</c>).</summary>
public sealed class AdminOptions
{
    [Required(ErrorMessage = "Admin:ApiKey is required (set Admin__ApiKey); admin endpoints have no anonymous access.")]
    [MinLength(24, ErrorMessage = "Admin:ApiKey must be at least 24 characters.")]
    public string ApiKey { get; set; } = "";
}

public static class AdminAuthentication
{
    public const string Scheme = "AdminKey";
    public const string Role = "admin";
    public const string Policy = "Admin";

    /// <summary>
    /// Admin requests carry <c>Authorization: Bearer &lt;key&gt;</c>. The key is compared in constant
    /// time and never logged; a valid key grants the <c>admin</c> role.
    /// </summary>
    public static WebApplicationBuilder AddAdminAuthentication(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AdminOptions>().BindConfiguration("Admin").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddAuthentication(Scheme).AddScheme<AuthenticationSchemeOptions, AdminKeyHandler>(Scheme, null);
        builder.Services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy.RequireRole(Role));
        return builder;
    }

    private sealed class AdminKeyHandler(
        IOptionsMonitor<AuthenticationSchemeOptions> options,
        ILoggerFactory logger,
        UrlEncoder encoder,
        IOptions<AdminOptions> admin) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var header = Request.Headers.Authorization.ToString();
            if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }
            var presented = Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim());
            var expected = Encoding.UTF8.GetBytes(admin.Value.ApiKey);
            if (!CryptographicOperations.FixedTimeEquals(presented, expected))
            {
                return Task.FromResult(AuthenticateResult.Fail("The admin key is not valid."));
            }
            var identity = new ClaimsIdentity(
                [new Claim(ClaimTypes.Name, "bootstrap-admin"), new Claim(ClaimTypes.Role, Role)], AdminAuthentication.Scheme);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), AdminAuthentication.Scheme)));
        }

        protected override Task HandleChallengeAsync(AuthenticationProperties properties)
        {
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            Response.Headers.WWWAuthenticate = "Bearer";
            return Task.CompletedTask;
        }
    }
}

/// <summary>Who is acting, as the audit trail records it.</summary>
public static class Actor
{
    public static string Of(ClaimsPrincipal user) => user.Identity?.Name ?? "admin";
}
