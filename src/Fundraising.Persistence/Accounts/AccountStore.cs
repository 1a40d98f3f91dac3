using System.Text.Json;
using Fundraising.Persistence.Audit;
using Npgsql;

namespace Fundraising.Persistence.Accounts;

/// <summary>A staff account as stored: never its password hash (see <see cref="AccountCredentials"/>).</summary>
public sealed record Account(
    Guid Id, string UserName, string DisplayName, string Role, string? ScopeCounty, IReadOnlyList<Guid> CampaignIds,
    DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? DisabledAt);

/// <summary>What sign-in needs: the account, its password hash and its lockout counters.</summary>
public sealed record AccountCredentials(Account Account, string PasswordHash, int FailedSignIns, DateTimeOffset? LockedUntil);

/// <summary>A new account, its password already hashed. <see cref="UserName"/> is in lower case.</summary>
public sealed record NewAccount(Guid Id, string UserName, string DisplayName, string PasswordHash, string Role, string? ScopeCounty, IReadOnlyList<Guid> CampaignIds);

public enum AccountCreateResult
{
    Created,
    UserNameTaken,
    UnknownCampaign,
}

/// <summary>An API token as listed: never the token itself, which exists only in the response that made it.</summary>
public sealed record ApiToken(Guid Id, Guid AccountId, string Name, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt);

/// <summary>
/// Staff accounts and their API tokens. SQL and mapping only: the sign-in rules (lockout thresholds, what a
/// token looks like, how a password is hashed) are the caller's, passed in as values. Every change an admin
/// makes is written with its audit entry in one transaction.
/// </summary>
public sealed class AccountStore(NpgsqlDataSource dataSource)
{
    private const string AccountColumns = """
        a.id, a.user_name, a.display_name, a.role, a.scope_county, a.created_at, a.created_by, a.disabled_at,
        coalesce((SELECT array_agg(c.campaign_id ORDER BY c.campaign_id) FROM account_campaigns c WHERE c.account_id = a.id), '{}')
        """;

    public async Task<AccountCreateResult> CreateAsync(NewAccount account, string actor, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO accounts (id, user_name, display_name, password_hash, role, scope_county, created_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_name) DO NOTHING
            """, connection, transaction))
        {
            insert.Parameters.Add(new() { Value = account.Id });
            insert.Parameters.Add(new() { Value = account.UserName });
            insert.Parameters.Add(new() { Value = account.DisplayName });
            insert.Parameters.Add(new() { Value = account.PasswordHash });
            insert.Parameters.Add(new() { Value = account.Role });
            insert.Parameters.Add(new() { Value = (object?)account.ScopeCounty ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            insert.Parameters.Add(new() { Value = actor });
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return AccountCreateResult.UserNameTaken;
            }
        }
        if (account.CampaignIds.Count > 0)
        {
            await using var campaigns = new NpgsqlCommand("""
                INSERT INTO account_campaigns (account_id, campaign_id)
                SELECT $1, c.id FROM campaigns c WHERE c.id = ANY($2)
                """, connection, transaction);
            campaigns.Parameters.Add(new() { Value = account.Id });
            campaigns.Parameters.Add(new() { Value = account.CampaignIds.Distinct().ToArray() });
            if (await campaigns.ExecuteNonQueryAsync(cancellationToken) != account.CampaignIds.Distinct().Count())
            {
                return AccountCreateResult.UnknownCampaign; // the transaction is rolled back on dispose
            }
        }
        var details = JsonSerializer.Serialize(new
        {
            userName = account.UserName,
            role = account.Role,
            county = account.ScopeCounty,
            campaignIds = account.CampaignIds,
        });
        await AuditLog.WriteAsync(connection, transaction, actor, "create_account", null, account.Id, details, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return AccountCreateResult.Created;
    }

    public async Task<IReadOnlyList<Account>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {AccountColumns} FROM accounts a ORDER BY a.created_at, a.id");
        return await ReadAccountsAsync(command, cancellationToken);
    }

    public async Task<Account?> FindAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {AccountColumns} FROM accounts a WHERE a.id = $1");
        command.Parameters.Add(new() { Value = id });
        return (await ReadAccountsAsync(command, cancellationToken)).SingleOrDefault();
    }

    public async Task<AccountCredentials?> FindCredentialsAsync(string userName, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {AccountColumns}, a.password_hash, a.failed_sign_ins, a.locked_until FROM accounts a WHERE a.user_name = $1
            """);
        command.Parameters.Add(new() { Value = userName });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new AccountCredentials(ReadAccount(reader), reader.GetString(9), reader.GetInt32(10),
                reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11))
            : null;
    }

    /// <summary>
    /// Counts a failed sign-in; the <paramref name="maxFailures"/>th in a row locks the account until
    /// <paramref name="lockUntil"/> and starts the count again. One statement, so concurrent guesses all count.
    /// </summary>
    public async Task RecordFailedSignInAsync(Guid id, int maxFailures, DateTimeOffset lockUntil, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE accounts SET
                locked_until = CASE WHEN failed_sign_ins + 1 >= $2 THEN $3 ELSE locked_until END,
                failed_sign_ins = CASE WHEN failed_sign_ins + 1 >= $2 THEN 0 ELSE failed_sign_ins + 1 END
            WHERE id = $1
            """);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = maxFailures });
        command.Parameters.Add(new() { Value = lockUntil });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A good sign-in: the failure count starts again; a newer hash of the same password replaces the old one.</summary>
    public async Task RecordSignInAsync(Guid id, string? rehashedPassword, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE accounts SET failed_sign_ins = 0, locked_until = NULL, password_hash = coalesce($2, password_hash) WHERE id = $1
            """);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = (object?)rehashedPassword ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Disables the account, ends its sessions and revokes its tokens, with the audit entry, in one transaction.
    /// Null when there is no such account; an account already disabled is returned as it is, with no new entry.
    /// </summary>
    public async Task<Account?> DisableAsync(Guid id, string actor, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var disable = new NpgsqlCommand(
            "UPDATE accounts SET disabled_at = now() WHERE id = $1 AND disabled_at IS NULL RETURNING user_name", connection, transaction))
        {
            disable.Parameters.Add(new() { Value = id });
            if (await disable.ExecuteScalarAsync(cancellationToken) is string userName)
            {
                foreach (var sql in new[]
                {
                    "DELETE FROM account_sessions WHERE account_id = $1",
                    "UPDATE api_tokens SET revoked_at = now() WHERE account_id = $1 AND revoked_at IS NULL",
                })
                {
                    await using var end = new NpgsqlCommand(sql, connection, transaction);
                    end.Parameters.Add(new() { Value = id });
                    await end.ExecuteNonQueryAsync(cancellationToken);
                }
                await AuditLog.WriteAsync(connection, transaction, actor, "disable_account", null, id,
                    JsonSerializer.Serialize(new { userName }), cancellationToken);
            }
        }
        await using var read = new NpgsqlCommand($"SELECT {AccountColumns} FROM accounts a WHERE a.id = $1", connection, transaction);
        read.Parameters.Add(new() { Value = id });
        var account = (await ReadAccountsAsync(read, cancellationToken)).SingleOrDefault();
        await transaction.CommitAsync(cancellationToken);
        return account;
    }

    public async Task<ApiToken> CreateTokenAsync(Guid accountId, string name, byte[] tokenHash, DateTimeOffset? expiresAt, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO api_tokens (id, account_id, name, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)
            RETURNING {TokenColumns}
            """);
        command.Parameters.Add(new() { Value = Guid.CreateVersion7() });
        command.Parameters.Add(new() { Value = accountId });
        command.Parameters.Add(new() { Value = name });
        command.Parameters.Add(new() { Value = tokenHash });
        command.Parameters.Add(new() { Value = (object?)expiresAt ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        return (await ReadTokensAsync(command, cancellationToken)).Single();
    }

    public async Task<IReadOnlyList<ApiToken>> ListTokensAsync(Guid accountId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {TokenColumns} FROM api_tokens WHERE account_id = $1 ORDER BY created_at, id");
        command.Parameters.Add(new() { Value = accountId });
        return await ReadTokensAsync(command, cancellationToken);
    }

    /// <summary>Revokes one of the account's own tokens; false when the account has no such token.</summary>
    public async Task<bool> RevokeTokenAsync(Guid accountId, Guid tokenId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND account_id = $2");
        command.Parameters.Add(new() { Value = tokenId });
        command.Parameters.Add(new() { Value = accountId });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>The enabled account a live token (not revoked, not expired at <paramref name="now"/>) belongs to; null otherwise.</summary>
    public async Task<Account?> FindByTokenAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {AccountColumns} FROM api_tokens t JOIN accounts a ON a.id = t.account_id
            WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2) AND a.disabled_at IS NULL
            """);
        command.Parameters.Add(new() { Value = tokenHash });
        command.Parameters.Add(new() { Value = now });
        return (await ReadAccountsAsync(command, cancellationToken)).SingleOrDefault();
    }

    private const string TokenColumns = "id, account_id, name, created_at, expires_at, revoked_at";

    private static async Task<IReadOnlyList<ApiToken>> ReadTokensAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var tokens = new List<ApiToken>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            tokens.Add(new ApiToken(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5)));
        }
        return tokens;
    }

    private static async Task<IReadOnlyList<Account>> ReadAccountsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var accounts = new List<Account>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            accounts.Add(ReadAccount(reader));
        }
        return accounts;
    }

    private static Account ReadAccount(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.GetFieldValue<Guid[]>(8), reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6),
        reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7));
}
