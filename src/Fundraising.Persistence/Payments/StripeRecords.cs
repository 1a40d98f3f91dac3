using Npgsql;

namespace Fundraising.Persistence.Payments;

/// <summary>The platform's memory of Stripe: which webhook events were applied, and which payment paid for which gift.</summary>
public sealed class StripeRecords(NpgsqlDataSource dataSource)
{
    /// <summary>True when the event was already applied (a duplicate delivery).</summary>
    public async Task<bool> WasProcessedAsync(string eventId, string type, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO stripe_events (id, type) VALUES ($1, $2)
            ON CONFLICT (id) DO UPDATE SET type = excluded.type
            RETURNING processed_at IS NOT NULL
            """);
        command.Parameters.Add(new() { Value = eventId });
        command.Parameters.Add(new() { Value = type });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task MarkProcessedAsync(string eventId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("UPDATE stripe_events SET processed_at = now() WHERE id = $1 AND processed_at IS NULL");
        command.Parameters.Add(new() { Value = eventId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Remembers the session and/or payment intent of a gift; either may arrive first.</summary>
    public async Task LinkAsync(Guid donationId, string? checkoutSessionId, string? paymentIntentId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO stripe_payments (donation_id, checkout_session_id, payment_intent_id) VALUES ($1, $2, $3)
            ON CONFLICT (donation_id) DO UPDATE SET
                checkout_session_id = coalesce(stripe_payments.checkout_session_id, excluded.checkout_session_id),
                payment_intent_id = coalesce(stripe_payments.payment_intent_id, excluded.payment_intent_id)
            """);
        command.Parameters.Add(new() { Value = donationId });
        command.Parameters.Add(new() { Value = (object?)checkoutSessionId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)paymentIntentId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<string?> PaymentIntentOfAsync(Guid donationId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT payment_intent_id FROM stripe_payments WHERE donation_id = $1");
        command.Parameters.Add(new() { Value = donationId });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async Task<Guid?> DonationOfPaymentIntentAsync(string paymentIntentId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT donation_id FROM stripe_payments WHERE payment_intent_id = $1");
        command.Parameters.Add(new() { Value = paymentIntentId });
        return await command.ExecuteScalarAsync(cancellationToken) is Guid id ? id : null;
    }
}
