using Fundraising.Contracts.Donations;
using Fundraising.Persistence.Ledger;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Fundraising.Persistence.Receipts;

/// <summary>A receipt (捐赠票据) for one succeeded gift.</summary>
public sealed record Receipt(string? Number, DonationRecord Donation, string CampaignTitle);

/// <summary>
/// Numbers receipts from a gap-free sequence per year (China time): <c>2026-00000001</c>, … .
/// Numbering runs off the donation hot path: a single issuer (an advisory lock makes it one across
/// all silos) takes the gifts that succeeded since its last round from <c>receipt_queue</c> (filled by
/// triggers in the gifts' own transactions), in order, bumps the year's counter
/// by exactly their number and assigns the range in the same transaction, so no number is ever
/// skipped or used twice, and donations never queue on one counter row.
/// </summary>
public sealed partial class ReceiptIssuer(NpgsqlDataSource dataSource, ILogger<ReceiptIssuer> logger) : BackgroundService
{
    private const long AdvisoryLockKey = 0x5265636569707473; // "Receipts"
    private const int RoundSize = 5_000;

    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest wait after failed rounds: failures back off from <see cref="Interval"/>, doubling up to this.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>Issues receipts for up to <see cref="RoundSize"/> gifts; returns how many. Zero when another issuer holds the lock.</summary>
    public async Task<int> IssueAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand($"SELECT pg_try_advisory_xact_lock({AdvisoryLockKey})", connection, transaction))
        {
            if (await lockCommand.ExecuteScalarAsync(cancellationToken) is not true)
            {
                return 0;
            }
        }
        // Every join of a round goes by key. Left to itself the planner, which estimates the round at a few hundred
        // rows and receipts from statistics taken before a burst, hashes the whole receipts table to find the few
        // gifts already numbered: a scan that grows with every receipt ever issued (measured: 74 ms a round, a third
        // of PostgreSQL's time, in the 10:00 opening). SET LOCAL holds for this transaction only.
        await using (var plan = new NpgsqlCommand("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off", connection, transaction))
        {
            await plan.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var issue = new NpgsqlCommand($"""
            WITH taken AS (
                DELETE FROM receipt_queue WHERE donation_id IN (
                    SELECT donation_id FROM receipt_queue ORDER BY succeeded_at, donation_id LIMIT {RoundSize} FOR UPDATE)
                RETURNING donation_id, succeeded_at),
            pending AS (
                SELECT t.donation_id AS id, t.succeeded_at, extract(year FROM t.succeeded_at AT TIME ZONE 'Asia/Shanghai')::int AS year
                FROM taken t JOIN donations d ON d.id = t.donation_id
                WHERE d.status <> 'pending' AND NOT EXISTS (SELECT 1 FROM receipts r WHERE r.donation_id = t.donation_id)),
            counts AS (SELECT year, count(*) AS n FROM pending GROUP BY year),
            bumped AS (
                INSERT INTO receipt_counters (year, last_number) SELECT year, n FROM counts
                ON CONFLICT (year) DO UPDATE SET last_number = receipt_counters.last_number + excluded.last_number
                RETURNING year, last_number),
            numbered AS (
                SELECT p.id, p.year,
                       b.last_number - c.n + row_number() OVER (PARTITION BY p.year ORDER BY p.succeeded_at, p.id) AS seq
                FROM pending p JOIN counts c USING (year) JOIN bumped b USING (year))
            INSERT INTO receipts (donation_id, number)
            SELECT n.id, n.year::text || '-' || lpad(n.seq::text, 8, '0') FROM numbered n
            """, connection, transaction);
        var issued = await issue.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return issued;
    }

    public async Task<Receipt?> FindAsync(Guid donationId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT d.id, d.campaign_id, d.amount, d.currency, d.display_name, d.anonymous, d.message, d.status, d.channel, d.provider,
                   d.created_at, d.succeeded_at, d.kind, d.refunded_amount, d.item, d.quantity, r.number, d.pledge_id, c.title
            FROM donations d JOIN campaigns c ON c.id = d.campaign_id LEFT JOIN receipts r ON r.donation_id = d.id
            WHERE d.id = $1 AND d.status <> 'pending'
            """);
        command.Parameters.Add(new() { Value = donationId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var donation = LedgerRows.ReadRecord(reader);
        return new Receipt(donation.ReceiptNumber, donation, reader.GetString(18));
    }

    /// <summary>A donor's receipts for one year (by the name on the gifts), for the yearly statement.</summary>
    public async Task<IReadOnlyList<Receipt>> StatementAsync(string donorName, int year, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT d.id, d.campaign_id, d.amount, d.currency, d.display_name, d.anonymous, d.message, d.status, d.channel, d.provider,
                   d.created_at, d.succeeded_at, d.kind, d.refunded_amount, d.item, d.quantity, r.number, d.pledge_id, c.title
            FROM donations d JOIN campaigns c ON c.id = d.campaign_id JOIN receipts r ON r.donation_id = d.id
            WHERE d.display_name = $1 AND r.number LIKE $2 || '-%'
            ORDER BY r.number
            """);
        command.Parameters.Add(new() { Value = donorName });
        command.Parameters.Add(new() { Value = year.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var receipts = new List<Receipt>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var donation = LedgerRows.ReadRecord(reader);
            receipts.Add(new Receipt(donation.ReceiptNumber, donation, reader.GetString(18)));
        }
        return receipts;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Whatever a round throws (the database restarting, a broken connection, a bug), the issuer logs it and tries
        // again later: an exception escaping a background service would stop the whole host, the front end with it.
        var wait = Interval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(wait, stoppingToken);
                while (await IssueAsync(stoppingToken) == RoundSize)
                {
                }
                wait = Interval;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                // Nothing of a failed round is kept (one transaction), so the next round picks up where this one stopped.
                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, MaxBackoff.Ticks));
                LogFailed(exception, wait);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Issuing receipts failed; retrying in {Wait}")]
    private partial void LogFailed(Exception exception, TimeSpan wait);
}
