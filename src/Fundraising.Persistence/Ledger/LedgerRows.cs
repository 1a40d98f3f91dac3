using Fundraising.Contracts.Donations;
using Npgsql;
using NpgsqlTypes;

namespace Fundraising.Persistence.Ledger;

/// <summary>How a ledger row is read and written: the column list every query selects, and the mapping both ways.</summary>
internal static class LedgerRows
{
    // Receipts are rows of their own (see migration 0006); a gift reads its number through the primary key.
    public const string Columns = """
        id, campaign_id, amount, currency, display_name, anonymous, message, status, channel, provider,
        created_at, succeeded_at, kind, refunded_amount, item, quantity,
        (SELECT r.number FROM receipts r WHERE r.donation_id = donations.id) AS receipt_number,
        pledge_id, idempotency_key, request_hash, donor_id, team_id, sub_plan_id
        """;

    public static NpgsqlParameter Texts(IEnumerable<string?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    public static string StatusText(DonationStatus status) => status switch
    {
        DonationStatus.Succeeded => "succeeded",
        DonationStatus.Refunded => "refunded",
        _ => "pending",
    };

    /// <summary>Runs <paramref name="command"/> and maps every row it returns (its columns are <see cref="Columns"/>).</summary>
    public static async Task<List<DonationRecord>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var records = new List<DonationRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(ReadRecord(reader));
        }
        return records;
    }

    public static DonationStatus ParseStatus(string text) => text switch
    {
        "succeeded" => DonationStatus.Succeeded,
        "refunded" => DonationStatus.Refunded,
        _ => DonationStatus.Pending,
    };

    public static DonationRecord ReadRecord(NpgsqlDataReader reader) => new(
        Id: reader.GetGuid(0),
        CampaignId: reader.GetGuid(1),
        Amount: reader.GetInt64(2),
        Currency: reader.GetString(3).Trim(),
        DisplayName: reader.IsDBNull(4) ? null : reader.GetString(4),
        Anonymous: reader.GetBoolean(5),
        Message: reader.IsDBNull(6) ? null : reader.GetString(6),
        Status: ParseStatus(reader.GetString(7)),
        Channel: reader.GetString(8) == "online" ? DonationChannel.Online : DonationChannel.Offline,
        Provider: reader.GetString(9),
        CreatedAt: reader.GetFieldValue<DateTimeOffset>(10),
        SucceededAt: reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11),
        Kind: reader.GetString(12) == "goods" ? DonationKind.Goods : DonationKind.Money,
        RefundedAmount: reader.GetInt64(13),
        Item: reader.IsDBNull(14) ? null : reader.GetString(14),
        Quantity: reader.IsDBNull(15) ? null : reader.GetInt64(15),
        ReceiptNumber: reader.IsDBNull(16) ? null : reader.GetString(16),
        PledgeId: reader.IsDBNull(17) ? null : reader.GetGuid(17),
        // Queries that select their own columns (receipts) stop before the donor, which they do not need.
        DonorId: reader.FieldCount > 20 && !reader.IsDBNull(20) ? reader.GetGuid(20) : null,
        TeamId: reader.FieldCount > 21 && !reader.IsDBNull(21) ? reader.GetGuid(21) : null,
        SubPlanId: reader.FieldCount > 22 && !reader.IsDBNull(22) ? reader.GetGuid(22) : null);
}
