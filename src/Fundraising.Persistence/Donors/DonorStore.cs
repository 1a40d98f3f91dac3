using Npgsql;

namespace Fundraising.Persistence.Donors;

/// <summary>A new one-time code for an address, as hashes only (see <c>0012_donor_verification.sql</c>).</summary>
public sealed record NewVerification(byte[] AddressHash, string Kind, byte[] CodeHash, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

/// <summary>
/// A confirm attempt: the code's hash to compare, the attempt limit, and the token to issue when it matches, as the hash of
/// the token made for the donor's id (the token names its donor, whom the store finds or makes).
/// </summary>
public sealed record VerificationAttempt(
    byte[] AddressHash, byte[] CodeHash, int MaxAttempts, DateTimeOffset Now, Func<Guid, byte[]> TokenHashFor, DateTimeOffset TokenExpiresAt);

/// <summary>A donor found by a token.</summary>
public sealed record VerifiedDonor(Guid DonorId, string Kind, DateTimeOffset TokenExpiresAt);

/// <summary>
/// Donors, their one-time codes and their tokens. SQL and mapping only: how codes and tokens are made, how long
/// they live and how many tries a code allows are the caller's, passed in as values.
/// </summary>
public sealed class DonorStore(NpgsqlDataSource dataSource)
{
    /// <summary>Stores the address's code, replacing any earlier one (its tries and its use start afresh).</summary>
    public async Task ReplaceCodeAsync(NewVerification verification, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO donor_verifications (id, address_hash, kind, code_hash, created_at, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (address_hash) DO UPDATE SET id = excluded.id, kind = excluded.kind, code_hash = excluded.code_hash,
                created_at = excluded.created_at, expires_at = excluded.expires_at, attempts = 0, consumed_at = NULL
            """);
        command.Parameters.Add(new() { Value = Guid.CreateVersion7() });
        command.Parameters.Add(new() { Value = verification.AddressHash });
        command.Parameters.Add(new() { Value = verification.Kind });
        command.Parameters.Add(new() { Value = verification.CodeHash });
        command.Parameters.Add(new() { Value = verification.CreatedAt });
        command.Parameters.Add(new() { Value = verification.ExpiresAt });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// In one transaction, with the code's row locked so that parallel tries count one by one: when the address has
    /// a live code (not consumed, not expired at <see cref="VerificationAttempt.Now"/>, fewer than MaxAttempts wrong
    /// tries) equal to the given hash, consumes it, makes the donor if new and stores the token; returns the donor id.
    /// A wrong code counts one try; anything else returns null and changes nothing.
    /// </summary>
    public async Task<Guid?> ConfirmAsync(VerificationAttempt attempt, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        byte[] codeHash;
        string kind;
        await using (var find = new NpgsqlCommand("""
            SELECT code_hash, kind FROM donor_verifications
            WHERE address_hash = $1 AND consumed_at IS NULL AND expires_at > $2 AND attempts < $3
            FOR UPDATE
            """, connection, transaction))
        {
            find.Parameters.Add(new() { Value = attempt.AddressHash });
            find.Parameters.Add(new() { Value = attempt.Now });
            find.Parameters.Add(new() { Value = attempt.MaxAttempts });
            await using var reader = await find.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }
            codeHash = reader.GetFieldValue<byte[]>(0);
            kind = reader.GetString(1);
        }
        if (!System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(codeHash, attempt.CodeHash))
        {
            await using var wrong = new NpgsqlCommand(
                "UPDATE donor_verifications SET attempts = attempts + 1 WHERE address_hash = $1", connection, transaction);
            wrong.Parameters.Add(new() { Value = attempt.AddressHash });
            await wrong.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return null;
        }
        await using (var consume = new NpgsqlCommand(
            "UPDATE donor_verifications SET consumed_at = $2 WHERE address_hash = $1", connection, transaction))
        {
            consume.Parameters.Add(new() { Value = attempt.AddressHash });
            consume.Parameters.Add(new() { Value = attempt.Now });
            await consume.ExecuteNonQueryAsync(cancellationToken);
        }
        Guid donorId;
        await using (var donor = new NpgsqlCommand("""
            INSERT INTO donors (id, address_hash, kind, created_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (address_hash) DO UPDATE SET kind = excluded.kind
            RETURNING id
            """, connection, transaction))
        {
            donor.Parameters.Add(new() { Value = Guid.CreateVersion7() });
            donor.Parameters.Add(new() { Value = attempt.AddressHash });
            donor.Parameters.Add(new() { Value = kind });
            donor.Parameters.Add(new() { Value = attempt.Now });
            donorId = (Guid)(await donor.ExecuteScalarAsync(cancellationToken))!;
        }
        await using (var token = new NpgsqlCommand(
            "INSERT INTO donor_tokens (token_hash, donor_id, created_at, expires_at) VALUES ($1, $2, $3, $4)", connection, transaction))
        {
            token.Parameters.Add(new() { Value = attempt.TokenHashFor(donorId) });
            token.Parameters.Add(new() { Value = donorId });
            token.Parameters.Add(new() { Value = attempt.Now });
            token.Parameters.Add(new() { Value = attempt.TokenExpiresAt });
            await token.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return donorId;
    }

    /// <summary>The donor a token's digest belongs to, while the token is unexpired at <paramref name="now"/>.</summary>
    public async Task<VerifiedDonor?> FindByTokenAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT d.id, d.kind, t.expires_at FROM donor_tokens t JOIN donors d ON d.id = t.donor_id
            WHERE t.token_hash = $1 AND t.expires_at > $2
            """);
        command.Parameters.Add(new() { Value = tokenHash });
        command.Parameters.Add(new() { Value = now });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new VerifiedDonor(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2))
            : null;
    }
}
