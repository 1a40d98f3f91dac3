using System.Security.Claims;
using System.Text.RegularExpressions;
using Fundraising.Persistence.Accounts;
using Fundraising.Web.Http;
using Fundraising.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Fundraising.Web.Accounts;

/// <summary>Staff accounts, managed by admins: create (with a role and a scope), list, disable.</summary>
public static partial class AccountEndpoints
{
    public const int MaxPasswordLength = 128;
    public const int MaxCampaignsPerCoordinator = 200;

    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder app)
    {
        var accounts = app.MapGroup("/api/admin/accounts").WithTags("Accounts").RequireAuthorization(Access.ManageAccounts).ProducesProblems(404, 409);
        accounts.MapPost("/", CreateAsync).WithSummary("Creates a staff account with a role and a scope.");
        accounts.MapGet("/", async (AccountStore store, CancellationToken cancellationToken) =>
            TypedResults.Ok((await store.ListAsync(cancellationToken)).Select(AccountResponse.From).ToList())).WithSummary("Lists staff accounts.");
        // Ends the account's sessions and revokes its tokens at once, on every front end.
        accounts.MapPost("/{id:guid}/disable", async Task<Results<Ok<AccountResponse>, ProblemHttpResult>> (
            Guid id, AccountStore store, ClaimsPrincipal user, CancellationToken cancellationToken) =>
            await store.DisableAsync(id, Actor.Of(user), cancellationToken) is { } account
                ? TypedResults.Ok(AccountResponse.From(account))
                : TypedResults.Problem(Problem.NotFound("account", id))).WithSummary("Disables a staff account and its sessions and tokens.");
        return app;
    }

    private static async Task<Results<Created<AccountResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateAccountRequest request, AccountStore store, IOptions<AccountOptions> options, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var v = new Validation();
        var userName = request.UserName?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(userName))
        {
            v.Add("userName", "'userName' is required.");
        }
        else if (!UserNamePattern().IsMatch(userName))
        {
            v.Add("userName", "'userName' must be 3 to 64 characters: letters a-z, digits, '.', '_' or '-', starting with a letter or digit.");
        }
        else if (userName == StaffAuthentication.BootstrapAdmin)
        {
            v.Add("userName", $"'{StaffAuthentication.BootstrapAdmin}' is the bootstrap key's name in the audit trail.");
        }
        var displayName = v.Text("displayName", request.DisplayName, FieldLimits.MaxNameLength);
        var min = options.Value.MinPasswordLength;
        if (string.IsNullOrEmpty(request.Password))
        {
            v.Add("password", "'password' is required.");
        }
        else if (request.Password.Length < min || request.Password.Length > MaxPasswordLength)
        {
            v.Add("password", $"'password' must be {min} to {MaxPasswordLength} characters.");
        }
        else if (string.Equals(request.Password, userName, StringComparison.OrdinalIgnoreCase))
        {
            v.Add("password", "'password' must not be the user name.");
        }
        var role = request.Role?.Trim().ToLowerInvariant();
        if (role is null || !Roles.All.Contains(role))
        {
            v.Add("role", $"'role' must be one of: {string.Join(", ", Roles.All)}.");
        }
        var county = v.Text("scope.county", request.Scope?.County, 40, required: false);
        var campaigns = request.Scope?.CampaignIds ?? [];
        switch (role)
        {
            case Roles.Association when campaigns.Count > 0:
                v.Add("scope.campaignIds", "An association's scope is a region ('county', or none for the city); projects are given to coordinators.");
                break;
            case Roles.Coordinator when county is not null:
                v.Add("scope.county", "A coordinator's scope is its projects ('campaignIds'), not a region.");
                break;
            case Roles.Coordinator when campaigns.Count is 0 or > MaxCampaignsPerCoordinator:
                v.Add("scope.campaignIds", $"A coordinator needs 1 to {MaxCampaignsPerCoordinator} projects in 'campaignIds'.");
                break;
            case Roles.Admin or Roles.Viewer when county is not null || campaigns.Count > 0:
                v.Add("scope", $"An {role}'s scope is the whole platform; leave 'scope' out.");
                break;
        }
        if (!v.IsValid)
        {
            return TypedResults.ValidationProblem(v.Errors);
        }
        var account = new NewAccount(Guid.CreateVersion7(), userName!, displayName!, AccountSignIn.HashPassword(request.Password!), role!, county, campaigns);
        switch (await store.CreateAsync(account, Actor.Of(user), cancellationToken))
        {
            case AccountCreateResult.UserNameTaken:
                return TypedResults.Problem(Problem.Conflict($"There is already an account named '{userName}'."));
            case AccountCreateResult.UnknownCampaign:
                return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["scope.campaignIds"] = ["Every id in 'campaignIds' must be a campaign that exists."],
                });
        }
        var created = await store.FindAsync(account.Id, cancellationToken);
        return TypedResults.Created($"/api/admin/accounts/{account.Id}", AccountResponse.From(created!));
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{2,63}$")]
    private static partial Regex UserNamePattern();
}
