using Fundraising.Persistence.Accounts;

namespace Fundraising.Web.Accounts;

/// <summary>An association's region (<c>county</c>; none for the city's association) or a coordinator's projects.</summary>
public sealed record ScopeRequest(string? County, IReadOnlyList<Guid>? CampaignIds);

/// <summary>Body of <c>POST /api/admin/accounts</c>.</summary>
public sealed record CreateAccountRequest(string? UserName, string? DisplayName, string? Password, string? Role, ScopeRequest? Scope);

public sealed record ScopeResponse(string? County, IReadOnlyList<Guid> CampaignIds);

/// <summary>An account as admins see it: never a password or its hash.</summary>
public sealed record AccountResponse(
    Guid Id, string UserName, string DisplayName, string Role, ScopeResponse Scope, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? DisabledAt)
{
    public static AccountResponse From(Account a) =>
        new(a.Id, a.UserName, a.DisplayName, a.Role, new ScopeResponse(a.ScopeCounty, a.CampaignIds), a.CreatedAt, a.CreatedBy, a.DisabledAt);
}

/// <summary>Body of <c>POST /api/auth/sign-in</c>.</summary>
public sealed record SignInRequest(string? UserName, string? Password);

/// <summary>Who is signed in (<c>GET /api/auth/me</c>).</summary>
public sealed record MeResponse(string UserName, string DisplayName, string Role, ScopeResponse Scope);

public sealed record AntiforgeryResponse(string Token, string HeaderName);

/// <summary>Body of <c>POST /api/auth/tokens</c>.</summary>
public sealed record CreateTokenRequest(string? Name, DateTimeOffset? ExpiresAt);

/// <summary>A token as listed; <see cref="CreatedTokenResponse.Token"/> is in the create response only.</summary>
public sealed record TokenResponse(Guid Id, string Name, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt)
{
    public static TokenResponse From(ApiToken t) => new(t.Id, t.Name, t.CreatedAt, t.ExpiresAt, t.RevokedAt);
}

public sealed record CreatedTokenResponse(Guid Id, string Name, string Token, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);
