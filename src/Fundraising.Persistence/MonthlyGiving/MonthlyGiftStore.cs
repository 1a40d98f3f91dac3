using Fundraising.Persistence;
using Fundraising.Contracts.Donations;
using Fundraising.Contracts.MonthlyGiving;
using Npgsql;
using NpgsqlTypes;

namespace Fundraising.Persistence.MonthlyGiving;

/// <summary>A monthly gift (月捐) as stored. Amounts in minor units of <see cref="Currency"/>.</summary>
public sealed record MonthlyGiftRecord(
    Guid Id,
    Guid CampaignId,
    string IdempotencyKey,
    byte[] RequestHash,
    long Amount,
    string Currency,
    string? DisplayName,
    bool Anonymous,
    string? Email,
    string CheckoutSessionId,
    string? CheckoutUrl,
    string? StripeCustomerId,
    string? StripeSubscriptionId,
    MonthlyGiftStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CancelledAt,
    Guid? TeamId = null,
    Guid? SubPlanId = null);

/// <summary>One gift a monthly gift has made: a paid invoice and its donation as the ledger holds it.</summary>
public sealed record MonthlyGiftPayment(
    string InvoiceId, Guid DonationId, long Amount, string Currency, DonationStatus Status, long RefundedAmount, DateTimeOffset? SucceededAt)
{
    /// <summary>What this month adds to the campaign now (<see cref="DonationRecord.Net"/>).</summary>
    public long NetAmount => DonationRecord.Net(Status, Amount, RefundedAmount);
}

/// <summary>A monthly gift as admins list it: the gift, the months it has paid (refunded ones included) and what they gave net of refunds.</summary>
public sealed record MonthlyGiftSummary(MonthlyGiftRecord Gift, int MonthsPaid, long TotalGiven);

/// <summary>Monthly gifts and the invoices that paid them.</summary>
public sealed class MonthlyGiftStore(NpgsqlDataSource dataSource)
{
    private const string Columns = """
        id, campaign_id, idempotency_key, request_hash, amount, currency, display_name, anonymous, email,
        checkout_session_id, checkout_url, stripe_customer_id, stripe_subscription_id, status, created_at, cancelled_at,
        team_id, sub_plan_id
        """;

    /// <summary>Inserts the gift unless its (campaign, key) already exists; returns the row that is stored either way.</summary>
    public async Task<MonthlyGiftRecord> InsertAsync(MonthlyGiftRecord gift, CancellationToken cancellationToken = default)
    {
        await using (var command = dataSource.CreateCommand("""
            INSERT INTO monthly_gifts (id, campaign_id, idempotency_key, request_hash, amount, currency, display_name, anonymous, email,
                                       checkout_session_id, checkout_url, status, created_at, team_id, sub_plan_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', $12, $13, $14)
            ON CONFLICT DO NOTHING
            """))
        {
            command.Parameters.Add(new() { Value = gift.Id });
            command.Parameters.Add(new() { Value = gift.CampaignId });
            command.Parameters.Add(new() { Value = gift.IdempotencyKey });
            command.Parameters.Add(new() { Value = gift.RequestHash });
            command.Parameters.Add(new() { Value = gift.Amount });
            command.Parameters.Add(new() { Value = gift.Currency });
            command.Parameters.Add(Text(gift.DisplayName));
            command.Parameters.Add(new() { Value = gift.Anonymous });
            command.Parameters.Add(Text(gift.Email));
            command.Parameters.Add(new() { Value = gift.CheckoutSessionId });
            command.Parameters.Add(Text(gift.CheckoutUrl));
            command.Parameters.Add(new() { Value = gift.CreatedAt.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(Id(gift.TeamId));
            command.Parameters.Add(Id(gift.SubPlanId));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        return await FindByKeyAsync(gift.CampaignId, gift.IdempotencyKey, cancellationToken)
            ?? throw new InvalidOperationException($"Monthly gift {gift.Id} was neither inserted nor found.");
    }

    public Task<MonthlyGiftRecord?> FindAsync(Guid id, CancellationToken cancellationToken = default) =>
        FindOneAsync($"SELECT {Columns} FROM monthly_gifts WHERE id = $1", [id], cancellationToken);

    public Task<MonthlyGiftRecord?> FindByKeyAsync(Guid campaignId, string idempotencyKey, CancellationToken cancellationToken = default) =>
        FindOneAsync($"SELECT {Columns} FROM monthly_gifts WHERE campaign_id = $1 AND idempotency_key = $2", [campaignId, idempotencyKey], cancellationToken);

    /// <summary>
    /// Remembers the gift's Stripe customer and subscription (whichever event tells us first) and moves a
    /// pending gift to active. A cancelled gift stays cancelled. Returns the gift as it stands.
    /// </summary>
    public Task<MonthlyGiftRecord?> AttachSubscriptionAsync(Guid id, string? customerId, string? subscriptionId, CancellationToken cancellationToken = default) =>
        FindOneAsync($"""
            UPDATE monthly_gifts SET
                stripe_customer_id = coalesce(stripe_customer_id, $2),
                stripe_subscription_id = coalesce(stripe_subscription_id, $3),
                status = CASE WHEN status = 'pending' AND coalesce(stripe_subscription_id, $3) IS NOT NULL THEN 'active' ELSE status END
            WHERE id = $1
            RETURNING {Columns}
            """, [id, (object?)customerId ?? DBNull.Value, (object?)subscriptionId ?? DBNull.Value], cancellationToken);

    /// <summary>Marks the gift cancelled (idempotent: the first cancellation time stays).</summary>
    public Task<MonthlyGiftRecord?> MarkCancelledAsync(Guid id, CancellationToken cancellationToken = default) =>
        FindOneAsync($"""
            UPDATE monthly_gifts SET status = 'cancelled', cancelled_at = coalesce(cancelled_at, now())
            WHERE id = $1
            RETURNING {Columns}
            """, [id], cancellationToken);

    /// <summary>Links a paid invoice to the donation it made; a second link of the same invoice is ignored.</summary>
    public async Task LinkInvoiceAsync(string invoiceId, Guid monthlyGiftId, Guid donationId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO monthly_gift_invoices (invoice_id, monthly_gift_id, donation_id) VALUES ($1, $2, $3)
            ON CONFLICT (invoice_id) DO NOTHING
            """);
        command.Parameters.Add(new() { Value = invoiceId });
        command.Parameters.Add(new() { Value = monthlyGiftId });
        command.Parameters.Add(new() { Value = donationId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>True once the invoice's gift is fully recorded (its link is written last).</summary>
    public async Task<bool> InvoiceRecordedAsync(string invoiceId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM monthly_gift_invoices WHERE invoice_id = $1)");
        command.Parameters.Add(new() { Value = invoiceId });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The gifts made so far, oldest first, as the ledger holds them (refunds included).</summary>
    public async Task<IReadOnlyList<MonthlyGiftPayment>> PaymentsAsync(Guid monthlyGiftId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT i.invoice_id, d.id, d.amount, d.currency, d.status, d.refunded_amount, d.succeeded_at
            FROM monthly_gift_invoices i JOIN donations d ON d.id = i.donation_id
            WHERE i.monthly_gift_id = $1
            ORDER BY d.succeeded_at, d.id
            """);
        command.Parameters.Add(new() { Value = monthlyGiftId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var payments = new List<MonthlyGiftPayment>();
        while (await reader.ReadAsync(cancellationToken))
        {
            payments.Add(new MonthlyGiftPayment(
                reader.GetString(0), reader.GetGuid(1), reader.GetInt64(2), reader.GetString(3), Ledger.LedgerRows.ParseStatus(reader.GetString(4)), reader.GetInt64(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6)));
        }
        return payments;
    }

    /// <summary>One page of a campaign's monthly gifts, newest first, and how many it has in all.</summary>
    public async Task<(KeysetPage<MonthlyGiftSummary> Page, long Total)> ListByCampaignAsync(
        Guid campaignId, PageRequest page, CancellationToken cancellationToken = default)
    {
        var items = new List<MonthlyGiftSummary>();
        await using (var command = dataSource.CreateCommand())
        {
            command.Parameters.Add(new() { Value = campaignId });
            var after = KeysetSql.After(page.After, command);
            var window = KeysetSql.Window(page, command);
            // Read by monthly_gifts_by_campaign (campaign_id, created_at DESC, id DESC), added in 0010.
            command.CommandText = $$"""
                SELECT {{Columns}}, coalesce(paid.months, 0), coalesce(paid.total, 0)
                FROM monthly_gifts
                LEFT JOIN LATERAL (
                    SELECT count(*)::int AS months, sum(d.amount - d.refunded_amount)::bigint AS total
                    FROM monthly_gift_invoices i JOIN donations d ON d.id = i.donation_id
                    WHERE i.monthly_gift_id = monthly_gifts.id AND d.status <> 'pending'
                ) paid ON true
                WHERE campaign_id = $1 {{after}}
                {{KeysetSql.Order}}
                {{window}}
                """;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(new MonthlyGiftSummary(Read(reader), reader.GetInt32(18), reader.GetInt64(19)));
            }
        }
        await using var count = dataSource.CreateCommand("SELECT count(*) FROM monthly_gifts WHERE campaign_id = $1");
        count.Parameters.Add(new() { Value = campaignId });
        return (KeysetSql.Page(items, page.Size, g => new Keyset(g.Gift.CreatedAt, g.Gift.Id)), (long)(await count.ExecuteScalarAsync(cancellationToken))!);
    }

    private async Task<MonthlyGiftRecord?> FindOneAsync(string sql, object[] parameters, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter is DBNull ? new NpgsqlParameter { Value = parameter, NpgsqlDbType = NpgsqlDbType.Text } : new NpgsqlParameter { Value = parameter });
        }
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Id(Guid? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid };

    private static MonthlyGiftRecord Read(NpgsqlDataReader reader) => new(
        reader.GetGuid(0),
        reader.GetGuid(1),
        reader.GetString(2),
        reader.GetFieldValue<byte[]>(3),
        reader.GetInt64(4),
        reader.GetString(5),
        reader.IsDBNull(6) ? null : reader.GetString(6),
        reader.GetBoolean(7),
        reader.IsDBNull(8) ? null : reader.GetString(8),
        reader.GetString(9),
        reader.IsDBNull(10) ? null : reader.GetString(10),
        reader.IsDBNull(11) ? null : reader.GetString(11),
        reader.IsDBNull(12) ? null : reader.GetString(12),
        reader.GetString(13) switch { "active" => MonthlyGiftStatus.Active, "cancelled" => MonthlyGiftStatus.Cancelled, _ => MonthlyGiftStatus.Pending },
        reader.GetFieldValue<DateTimeOffset>(14),
        reader.IsDBNull(15) ? null : reader.GetFieldValue<DateTimeOffset>(15),
        reader.IsDBNull(16) ? null : reader.GetGuid(16),
        reader.IsDBNull(17) ? null : reader.GetGuid(17));
}
