using System.Security.Claims;
using Fundraising.Persistence.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Fundraising.Web.Security;

/// <summary>
/// Checks a user name and password: ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/> (PBKDF2), lockout after
/// <see cref="AccountOptions.MaxFailedSignIns"/> failures in a row, the same work and the same answer for an unknown
/// user name, a wrong password, a locked or a disabled account, so that the answer tells a guesser nothing.
/// </summary>
public sealed class AccountSignIn(AccountStore accounts, SessionTicketStore sessions, IOptions<AccountOptions> options, TimeProvider time, ILogger<AccountSignIn> logger)
{
    private static readonly PasswordHasher<Account> Hasher = new();

    // Verified against when the user name is unknown, so that the reply takes as long as for a real account.
    private static readonly string UnknownUserHash = Hasher.HashPassword(null!, "no account has this password");

    public static string HashPassword(string password) => Hasher.HashPassword(null!, password);

    /// <summary>The account, when the password is right and the account may sign in now; null otherwise.</summary>
    public async Task<Account?> CheckAsync(string userName, string password, CancellationToken cancellationToken)
    {
        var found = await accounts.FindCredentialsAsync(userName.Trim().ToLowerInvariant(), cancellationToken);
        if (found is null)
        {
            Hasher.VerifyHashedPassword(null!, UnknownUserHash, password);
            return null;
        }
        var now = time.GetUtcNow();
        var verdict = Hasher.VerifyHashedPassword(found.Account, found.PasswordHash, password);
        if (found.Account.DisabledAt is not null || found.LockedUntil > now)
        {
            return null;
        }
        if (verdict == PasswordVerificationResult.Failed)
        {
            await accounts.RecordFailedSignInAsync(found.Account.Id, options.Value.MaxFailedSignIns, now + options.Value.LockoutDuration, cancellationToken);
            if (found.FailedSignIns + 1 >= options.Value.MaxFailedSignIns)
            {
                logger.LogWarning("Account {UserName} locked for {Duration} after {Failures} failed sign-ins",
                    found.Account.UserName, options.Value.LockoutDuration, options.Value.MaxFailedSignIns);
            }
            return null;
        }
        var rehash = verdict == PasswordVerificationResult.SuccessRehashNeeded ? Hasher.HashPassword(found.Account, password) : null;
        await accounts.RecordSignInAsync(found.Account.Id, rehash, cancellationToken);
        // Sign-ins are rare: each sweeps away the sessions that have expired since, so the table stays small.
        await sessions.DeleteExpiredAsync(now, cancellationToken);
        return found.Account;
    }

    /// <summary>The account behind a signed-in principal, read again (it may have been disabled since); null for the bootstrap key.</summary>
    public async Task<Account?> CurrentAsync(ClaimsPrincipal user, CancellationToken cancellationToken) =>
        StaffAuthentication.AccountIdOf(user) is { } id && await accounts.FindAsync(id, cancellationToken) is { DisabledAt: null } account ? account : null;
}
