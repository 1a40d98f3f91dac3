using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.WebUtilities;
using Npgsql;

namespace Fundraising.Persistence.Accounts;

/// <summary>
/// Cookie sign-ins kept in PostgreSQL (<c>account_sessions</c>): the cookie carries only a random key, so
/// signing out, expiry and disabling the account end the session on every front end at once. A session
/// whose account is disabled is not found, whatever its cookie says.
/// </summary>
public sealed class SessionTicketStore(NpgsqlDataSource dataSource, TimeProvider time) : ITicketStore
{
    /// <summary>The claim that names the account a ticket belongs to.</summary>
    public const string AccountIdClaim = ClaimTypes.NameIdentifier;

    public async Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        var key = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var accountId = Guid.Parse(ticket.Principal.FindFirstValue(AccountIdClaim)
            ?? throw new InvalidOperationException("A session needs the account's id claim."));
        await using var command = dataSource.CreateCommand(
            "INSERT INTO account_sessions (key_hash, account_id, ticket, expires_at) VALUES ($1, $2, $3, $4)");
        command.Parameters.Add(new() { Value = Hash(key) });
        command.Parameters.Add(new() { Value = accountId });
        command.Parameters.Add(new() { Value = TicketSerializer.Default.Serialize(ticket) });
        command.Parameters.Add(new() { Value = ExpiresAt(ticket) });
        await command.ExecuteNonQueryAsync();
        return key;
    }

    public async Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        await using var command = dataSource.CreateCommand("UPDATE account_sessions SET ticket = $2, expires_at = $3 WHERE key_hash = $1");
        command.Parameters.Add(new() { Value = Hash(key) });
        command.Parameters.Add(new() { Value = TicketSerializer.Default.Serialize(ticket) });
        command.Parameters.Add(new() { Value = ExpiresAt(ticket) });
        await command.ExecuteNonQueryAsync();
    }

    public async Task<AuthenticationTicket?> RetrieveAsync(string key)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT s.ticket FROM account_sessions s JOIN accounts a ON a.id = s.account_id
            WHERE s.key_hash = $1 AND s.expires_at > $2 AND a.disabled_at IS NULL
            """);
        command.Parameters.Add(new() { Value = Hash(key) });
        command.Parameters.Add(new() { Value = time.GetUtcNow() });
        return await command.ExecuteScalarAsync() is byte[] ticket ? TicketSerializer.Default.Deserialize(ticket) : null;
    }

    public async Task RemoveAsync(string key)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM account_sessions WHERE key_hash = $1");
        command.Parameters.Add(new() { Value = Hash(key) });
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Deletes sessions that expired before <paramref name="before"/>; returns how many.</summary>
    public async Task<int> DeleteExpiredAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM account_sessions WHERE expires_at < $1");
        command.Parameters.Add(new() { Value = before });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private DateTimeOffset ExpiresAt(AuthenticationTicket ticket) => ticket.Properties.ExpiresUtc ?? time.GetUtcNow().AddHours(8);

    private static byte[] Hash(string key) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key));
}
