using Npgsql;

namespace Fundraising.Persistence.Payments;

/// <summary>The platform's memory of Stripe: which webhook events were applied, and which payment paid for which gift.</summary>
public sealed class StripeRecords(NpgsqlDataSource dataSource)
{
    /// <summary>True when the event was already applied (a duplicate delivery). A read: it writes nothing.</summary>
    public async Task<bool> WasProcessedAsync(string eventId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT processed_at IS NOT NULL FROM stripe_events WHERE id = $1");
        command.Parameters.Add(new() { Value = eventId });
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>Records that the event's effect is durable; the first record of an event id stands.</summary>
    public async Task MarkProcessedAsync(string eventId, string type, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO stripe_events (id, type, processed_at) VALUES ($1, $2, now())
            ON CONFLICT (id) DO UPDATE SET processed_at = coalesce(stripe_events.processed_at, excluded.processed_at)
            """);
        command.Parameters.Add(new() { Value = eventId });
        command.Parameters.Add(new() { Value = type });
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

    /// <summary>The gift a payment intent paid for, with its campaign (the grain that owns it), or null when it is not ours.</summary>
    public async Task<(Guid DonationId, Guid CampaignId)?> DonationOfPaymentIntentAsync(string paymentIntentId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT d.id, d.campaign_id FROM stripe_payments p JOIN donations d ON d.id = p.donation_id WHERE p.payment_intent_id = $1
            """);
        command.Parameters.Add(new() { Value = paymentIntentId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetGuid(0), reader.GetGuid(1)) : null;
    }

    /// <summary>
    /// Stripe gifts still pending that were created between <paramref name="createdAfter"/> and
    /// <paramref name="createdBefore"/>, with their Checkout Session: the reconciliation job asks Stripe about each.
    /// </summary>
    public async Task<IReadOnlyList<PendingStripeDonation>> PendingDonationsAsync(
        DateTimeOffset createdAfter, DateTimeOffset createdBefore, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT d.id, d.campaign_id, p.checkout_session_id, p.payment_intent_id
            FROM stripe_payments p JOIN donations d ON d.id = p.donation_id
            WHERE p.created_at >= $1 AND p.created_at < $2 AND d.provider = 'stripe' AND d.status = 'pending'
            ORDER BY p.created_at
            LIMIT $3
            """);
        command.Parameters.Add(new() { Value = createdAfter.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = createdBefore.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var pending = new List<PendingStripeDonation>();
        while (await reader.ReadAsync(cancellationToken))
        {
            pending.Add(new PendingStripeDonation(
                reader.GetGuid(0), reader.GetGuid(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }
        return pending;
    }
}

/// <summary>A Stripe gift that no webhook has confirmed yet, and the Stripe objects that would tell.</summary>
public sealed record PendingStripeDonation(Guid DonationId, Guid CampaignId, string? CheckoutSessionId, string? PaymentIntentId);
