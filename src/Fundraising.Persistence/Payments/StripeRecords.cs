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

    /// <summary>Holds a paid object that does not match its gift; the first hold of an object stands (redeliveries, reconciliation).</summary>
    public async Task HoldAsync(StripePaymentHold hold, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO stripe_payment_holds (stripe_object_id, stripe_object, donation_id, campaign_id, reason,
                expected_amount, expected_currency, paid_amount, paid_currency, livemode)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            ON CONFLICT (stripe_object_id) DO NOTHING
            """);
        command.Parameters.Add(new() { Value = hold.StripeObjectId });
        command.Parameters.Add(new() { Value = hold.StripeObject });
        command.Parameters.Add(new() { Value = hold.DonationId });
        command.Parameters.Add(new() { Value = hold.CampaignId });
        command.Parameters.Add(new() { Value = hold.Reason });
        command.Parameters.Add(new() { Value = hold.ExpectedAmount });
        command.Parameters.Add(new() { Value = hold.ExpectedCurrency });
        command.Parameters.Add(new() { Value = (object?)hold.PaidAmount ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new() { Value = (object?)hold.PaidCurrency ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = hold.Livemode });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Held payments, newest first.</summary>
    public async Task<IReadOnlyList<StripePaymentHold>> ListHoldsAsync(long skip, int take, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT stripe_object_id, stripe_object, donation_id, campaign_id, reason, expected_amount, expected_currency,
                   paid_amount, paid_currency, livemode, held_at
            FROM stripe_payment_holds ORDER BY held_at DESC, stripe_object_id OFFSET $1 LIMIT $2
            """);
        command.Parameters.Add(new() { Value = skip });
        command.Parameters.Add(new() { Value = take });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var holds = new List<StripePaymentHold>();
        while (await reader.ReadAsync(cancellationToken))
        {
            holds.Add(new StripePaymentHold(
                reader.GetString(0), reader.GetString(1), reader.GetGuid(2), reader.GetGuid(3), reader.GetString(4), reader.GetInt64(5), reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetInt64(7), reader.IsDBNull(8) ? null : reader.GetString(8), reader.GetBoolean(9),
                reader.GetFieldValue<DateTimeOffset>(10)));
        }
        return holds;
    }

    /// <summary>Keeps a refund whose payment intent no gift is linked to yet; recording the same refund again changes nothing.</summary>
    public async Task KeepPendingRefundAsync(StripePendingRefund refund, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO stripe_pending_refunds (refund_id, payment_intent_id, amount, reason) VALUES ($1, $2, $3, $4)
            ON CONFLICT (refund_id) DO NOTHING
            """);
        command.Parameters.Add(new() { Value = refund.RefundId });
        command.Parameters.Add(new() { Value = refund.PaymentIntentId });
        command.Parameters.Add(new() { Value = refund.Amount });
        command.Parameters.Add(new() { Value = refund.Reason });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Pending refunds not yet applied whose payment intent is now linked to a gift, oldest first: all of them, or only
    /// those of <paramref name="paymentIntentId"/> (one probe of the unapplied index, for the payment just linked).
    /// </summary>
    public async Task<IReadOnlyList<LinkedStripeRefund>> LinkedPendingRefundsAsync(string? paymentIntentId = null, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT r.refund_id, r.amount, r.reason, d.id, d.campaign_id
            FROM stripe_pending_refunds r
            JOIN stripe_payments p ON p.payment_intent_id = r.payment_intent_id
            JOIN donations d ON d.id = p.donation_id
            WHERE r.applied_at IS NULL AND ($1::text IS NULL OR r.payment_intent_id = $1)
            ORDER BY r.received_at
            """);
        command.Parameters.Add(new() { Value = (object?)paymentIntentId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var refunds = new List<LinkedStripeRefund>();
        while (await reader.ReadAsync(cancellationToken))
        {
            refunds.Add(new LinkedStripeRefund(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetGuid(3), reader.GetGuid(4)));
        }
        return refunds;
    }

    /// <summary>Marks a pending refund applied, once its ledger entry is durable.</summary>
    public async Task MarkRefundAppliedAsync(string refundId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE stripe_pending_refunds SET applied_at = coalesce(applied_at, now()) WHERE refund_id = $1");
        command.Parameters.Add(new() { Value = refundId });
        await command.ExecuteNonQueryAsync(cancellationToken);
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

/// <summary>A paid Stripe object that does not match its gift, held for an admin instead of counted.</summary>
public sealed record StripePaymentHold(
    string StripeObjectId, string StripeObject, Guid DonationId, Guid CampaignId, string Reason,
    long ExpectedAmount, string ExpectedCurrency, long? PaidAmount, string? PaidCurrency, bool Livemode, DateTimeOffset HeldAt);

/// <summary>A Stripe refund kept until its payment intent is linked to a gift.</summary>
public sealed record StripePendingRefund(string RefundId, string PaymentIntentId, long Amount, string Reason);

/// <summary>A pending Stripe refund whose payment intent is now linked to a gift: it can be applied.</summary>
public sealed record LinkedStripeRefund(string RefundId, long Amount, string Reason, Guid DonationId, Guid CampaignId);

/// <summary>A Stripe gift that no webhook has confirmed yet, and the Stripe objects that would tell.</summary>
public sealed record PendingStripeDonation(Guid DonationId, Guid CampaignId, string? CheckoutSessionId, string? PaymentIntentId);
