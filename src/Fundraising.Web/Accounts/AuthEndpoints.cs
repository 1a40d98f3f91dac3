using System.Security.Claims;
using Fundraising.Persistence.Accounts;
using Fundraising.Web.Http;
using Fundraising.Web.Security;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Fundraising.Web.Accounts;

/// <summary>Signing in and out with an account, who am I, and one's own API tokens.</summary>
public static class AuthEndpoints
{
    public static IEndpointRouteBuilder MapAuth(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Auth");
        // Limited per client address (guessing across many accounts); each account also locks after repeated failures.
        auth.MapPost("/sign-in", SignInAsync).WithSummary("Signs a staff account in (a session cookie).").AllowAnonymous().RequireRateLimiting(RateLimits.SignIn).ProducesProblems(401);

        var signedIn = auth.MapGroup("/").RequireAuthorization(Access.SignedIn).ProducesProblems(404);
        // Ends this cookie's session in PostgreSQL, so that a copy of the cookie opens nothing afterwards.
        signedIn.MapPost("/sign-out", async (HttpContext http) =>
        {
            await http.SignOutAsync(StaffAuthentication.CookieScheme);
            return TypedResults.NoContent();
        }).WithSummary("Ends this cookie's session.");
        signedIn.MapGet("/me", (ClaimsPrincipal user) => TypedResults.Ok(MeOf(user))).WithSummary("Who is signed in: account, role and scope.");
        // The token a signed-in page sends as X-CSRF-Token with every change it makes.
        signedIn.MapGet("/antiforgery", (HttpContext http, IAntiforgery antiforgery) =>
            TypedResults.Ok(new AntiforgeryResponse(antiforgery.GetAndStoreTokens(http).RequestToken!, StaffAuthentication.AntiforgeryHeader))).WithSummary("The token a signed-in page sends as X-CSRF-Token with its changes.");

        signedIn.MapPost("/tokens", CreateTokenAsync).WithSummary("Makes an API token for this account (shown once).");
        signedIn.MapGet("/tokens", async Task<Results<Ok<List<TokenResponse>>, ProblemHttpResult>> (
            ClaimsPrincipal user, AccountStore store, CancellationToken cancellationToken) =>
            StaffAuthentication.AccountIdOf(user) is { } id
                ? TypedResults.Ok((await store.ListTokensAsync(id, cancellationToken)).Select(TokenResponse.From).ToList())
                : TypedResults.Problem(NoAccount())).WithSummary("This account's API tokens.");
        signedIn.MapDelete("/tokens/{tokenId:guid}", async Task<Results<NoContent, ProblemHttpResult>> (
            Guid tokenId, ClaimsPrincipal user, AccountStore store, CancellationToken cancellationToken) =>
            StaffAuthentication.AccountIdOf(user) is not { } id ? TypedResults.Problem(NoAccount())
            : await store.RevokeTokenAsync(id, Actor.Of(user), tokenId, cancellationToken) ? TypedResults.NoContent()
            : TypedResults.Problem(Problem.NotFound("token", tokenId))).WithSummary("Revokes one of this account's API tokens.");
        return app;
    }

    private static async Task<Results<Ok<MeResponse>, ValidationProblem, ProblemHttpResult>> SignInAsync(
        SignInRequest request, HttpContext http, AccountSignIn accounts, CancellationToken cancellationToken)
    {
        var v = new Validation();
        var userName = v.Text("userName", request.UserName, 64);
        if (string.IsNullOrEmpty(request.Password))
        {
            v.Add("password", "'password' is required.");
        }
        else if (request.Password.Length > AccountEndpoints.MaxPasswordLength)
        {
            v.Add("password", $"'password' is at most {AccountEndpoints.MaxPasswordLength} characters.");
        }
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        var account = await accounts.CheckAsync(userName!, request.Password!, cancellationToken);
        if (account is null)
        {
            return TypedResults.Problem(new ProblemDetails
            {
                Title = "Sign-in failed.",
                Detail = "The user name or password is wrong, or the account is locked after repeated failures or disabled. Try again later.",
                Status = StatusCodes.Status401Unauthorized,
            });
        }
        var principal = StaffAuthentication.PrincipalOf(account, StaffAuthentication.CookieScheme);
        await http.SignInAsync(StaffAuthentication.CookieScheme, principal);
        return TypedResults.Ok(MeOf(principal));
    }

    private static async Task<Results<Created<CreatedTokenResponse>, ValidationProblem, ProblemHttpResult>> CreateTokenAsync(
        CreateTokenRequest request, ClaimsPrincipal user, AccountStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (StaffAuthentication.AccountIdOf(user) is not { } accountId)
        {
            return TypedResults.Problem(NoAccount());
        }
        var v = new Validation();
        var name = v.Text("name", request.Name, 80);
        if (request.ExpiresAt is { } expires && expires <= time.GetUtcNow())
        {
            v.Add("expiresAt", "'expiresAt' must be in the future.");
        }
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        var token = ApiTokens.NewToken();
        var created = await store.CreateTokenAsync(accountId, Actor.Of(user), name!, ApiTokens.Hash(token), request.ExpiresAt, cancellationToken);
        return TypedResults.Created($"/api/auth/tokens/{created.Id}", new CreatedTokenResponse(created.Id, created.Name, token, created.CreatedAt, created.ExpiresAt));
    }

    private static MeResponse MeOf(ClaimsPrincipal user)
    {
        var scope = StaffScope.Of(user)!;
        return new MeResponse(user.Identity!.Name!, user.FindFirstValue(StaffAuthentication.DisplayNameClaim) ?? user.Identity!.Name!, scope.Role,
            new ScopeResponse(scope.County, [.. scope.CampaignIds.Order()]));
    }

    private static ProblemDetails NoAccount() => CampaignAccess.Forbidden(
        "The bootstrap key has no account of its own; create an account (POST /api/admin/accounts) and sign in with it.");
}
