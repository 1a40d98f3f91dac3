using Fundraising.Contracts.Disbursements;
using Fundraising.Contracts.Donations;
using Fundraising.Contracts.Matching;
using Fundraising.Contracts.Villages;
using Fundraising.Persistence.Disbursements;
using Fundraising.Persistence.Ledger;
using Microsoft.Extensions.Logging;

namespace Fundraising.Grains.Campaigns;

/// <summary>
/// Money going out of the project: disbursements, their corrections, and the refunds that would take money already
/// disbursed. The balance rule (raised + matched - disbursed never below zero) is decided here, with
/// <see cref="DisbursementRules"/>; the database's CHECK (migration 0017) refuses the same state if a decision was ever
/// made on numbers another activation had changed.
/// </summary>
/// <remarks>
/// Everything that takes money out takes turns through <see cref="_outgoing"/>: concurrent disbursements each see the
/// one before, so exactly those that fit succeed. Gifts never wait for it: money coming in only raises the balance, and
/// the in-memory totals a decision reads lag the durable ones only by gifts not yet applied, which errs on the safe side.
/// </remarks>
public sealed partial class CampaignGrain
{
    private readonly SemaphoreSlim _outgoing = new(1, 1);
    // Read from the campaign's row at the first outgoing decision, then kept by the writes; null when it must be re-read.
    private long? _disbursed;

    public async Task<ProjectBalance> GetBalanceAsync()
    {
        await _outgoing.WaitAsync();
        try
        {
            return await BalanceAsync();
        }
        finally
        {
            _outgoing.Release();
        }
    }

    public async Task<DisbursementResult> DisburseAsync(NewDisbursement disbursement)
    {
        if (_definition is null)
        {
            return DisbursementResult.Failed(DisbursementError.CampaignNotFound);
        }
        if (disbursement.Currency != _definition.Currency)
        {
            return DisbursementResult.Failed(DisbursementError.CurrencyMismatch, $"'currency' must be the campaign's currency, {_definition.Currency}.");
        }
        var now = time.GetUtcNow();
        if (DisbursementRules.IsTooFarAhead(disbursement.PaidAt, now))
        {
            return DisbursementResult.Failed(DisbursementError.PaidAtInFuture,
                $"'paidAt' is more than {DisbursementRules.PaidAtLeeway.TotalHours:0} hours ahead: record money when it has gone out.");
        }
        if (await evidence.RefuseAsync(Id, disbursement.EvidencePhotoIds) is { } refused)
        {
            return DisbursementResult.Failed(DisbursementError.EvidenceRefused, refused);
        }
        var entry = new DisbursementRecord(Guid.CreateVersion7(), Id, disbursement.Amount, disbursement.Currency, disbursement.Purpose,
            disbursement.Payee, ToMicroseconds(disbursement.PaidAt), [.. disbursement.EvidencePhotoIds.Distinct()], disbursement.RecordedBy, ToMicroseconds(now));
        await _outgoing.WaitAsync();
        try
        {
            return await ReplayAsync(entry, disbursement.IdempotencyKey) ?? await TakeOutAsync(entry, disbursement.IdempotencyKey);
        }
        finally
        {
            _outgoing.Release();
        }
    }

    public async Task<DisbursementResult> CorrectDisbursementAsync(NewCorrection correction)
    {
        if (_definition is null)
        {
            return DisbursementResult.Failed(DisbursementError.CampaignNotFound);
        }
        await _outgoing.WaitAsync();
        try
        {
            // Read under the turn: this activation's corrections of the entry are all in the net it reads.
            if (await disbursements.FindAsync(correction.DisbursementId) is not var (original, net) || original.CampaignId != Id)
            {
                return DisbursementResult.Failed(DisbursementError.DisbursementNotFound);
            }
            var entry = new DisbursementRecord(Guid.CreateVersion7(), Id, correction.Amount, original.Currency, null, null, null, [],
                correction.RecordedBy, ToMicroseconds(time.GetUtcNow()), original.Id, correction.Reason);
            // A retry is answered before the rules: the net it would be checked against already includes it.
            if (await ReplayAsync(entry, correction.IdempotencyKey) is { } replay)
            {
                return replay;
            }
            if (original.IsCorrection)
            {
                return DisbursementResult.Failed(DisbursementError.CorrectsACorrection,
                    $"This entry corrects {original.Corrects}; correct that entry instead, so every correction names the original.");
            }
            if (!DisbursementRules.KeepsNetNonNegative(net, correction.Amount))
            {
                return DisbursementResult.Failed(DisbursementError.NetBelowZero,
                    $"The entry's net amount is {net} fen; a correction can take it to zero at most (amount ≥ {-net}).");
            }
            return await TakeOutAsync(entry, correction.IdempotencyKey);
        }
        finally
        {
            _outgoing.Release();
        }
    }

    // Called in turn: the entry already recorded under this key (a retry), a refusal when the key named another entry, else null.
    private async Task<DisbursementResult?> ReplayAsync(DisbursementRecord entry, string? key)
    {
        if (key is null || await disbursements.FindByKeyAsync(Id, key) is not { } earlier)
        {
            return null;
        }
        return DisbursementRules.IsRetryOf(entry, earlier)
            ? new DisbursementResult(DisbursementError.None, earlier, null, await BalanceAsync(), Replayed: true)
            : DisbursementResult.Failed(DisbursementError.IdempotencyKeyReused,
                "This Idempotency-Key was used for a different entry; a retry must repeat the request exactly.");
    }

    // Called in turn (under _outgoing): decides on the balance, writes, and only then moves memory.
    private async Task<DisbursementResult> TakeOutAsync(DisbursementRecord entry, string? key)
    {
        var balance = await BalanceAsync();
        if (!DisbursementRules.Fits(balance, entry.Amount))
        {
            return DisbursementResult.Failed(DisbursementError.ExceedsBalance, Overdraws(entry.Amount, balance), balance);
        }
        DisbursementWrite write;
        try
        {
            write = await disbursements.WriteAsync(entry, key);
        }
        catch
        {
            // Whether it committed is unknown: the next decision re-reads the durable total.
            _disbursed = null;
            throw;
        }
        switch (write)
        {
            case DisbursementWrite.Written:
                _disbursed = balance.DisbursedAmount + entry.Amount;
                await DisbursementRecordedAsync(entry);
                return new DisbursementResult(DisbursementError.None, entry, null, balance with { DisbursedAmount = _disbursed.Value });
            case DisbursementWrite.Overdrawn:
                // The durable totals disagree with memory (another activation took money out): they are right.
                _disbursed = null;
                if (await disbursements.LoadBalanceAsync(Id) is { } durable)
                {
                    _disbursed = durable.DisbursedAmount;
                    balance = durable;
                }
                return DisbursementResult.Failed(DisbursementError.ExceedsBalance, Overdraws(entry.Amount, balance), balance);
            case DisbursementWrite.KeyTaken:
                // Another activation recorded under the key meanwhile: nothing was written here.
                return await ReplayAsync(entry, key) ?? DisbursementResult.Failed(DisbursementError.IdempotencyKeyReused);
            case DisbursementWrite.NetBelowZero:
                return DisbursementResult.Failed(DisbursementError.NetBelowZero, "The corrected entry's net amount would go below zero.");
            default:
                return DisbursementResult.Failed(DisbursementError.DisbursementNotFound);
        }
    }

    /// <summary>
    /// The one place a recorded disbursement or correction is known durable (its transaction has committed): from here it
    /// goes to the project's live feed with the next coalesced push (the history reads it from the table).
    /// </summary>
    private Task DisbursementRecordedAsync(DisbursementRecord entry)
    {
        LogDisbursed(Id, entry.Id, entry.Amount, entry.Currency, entry.Corrects);
        AddToFeed(new FeedEntry(FeedKind.Disbursement, entry.Id, Id, entry.RecordedAt, Name: entry.Payee, Amount: entry.Amount, Currency: entry.Currency,
            Title: entry.Purpose, Body: entry.Reason, PhotoIds: entry.EvidencePhotoIds));
        _version++;
        return Task.CompletedTask;
    }

    // Memory's balance; the disbursed total is read once per activation (or after an uncertain write).
    private async Task<ProjectBalance> BalanceAsync()
    {
        _disbursed ??= (await disbursements.LoadBalanceAsync(Id))?.DisbursedAmount ?? 0;
        return new ProjectBalance(_totals.RaisedAmount, _totals.MatchedAmount, _disbursed.Value);
    }

    /// <summary>
    /// Called in turn (under _outgoing) before a refund is made or prepared: refused when the project has disbursed money
    /// and giving back this gift (and the pool money its refund takes back) would take the balance below zero. Null when
    /// it may go ahead, when it is a retry of a refund already made, or when the ledger will refuse it anyway (unknown gift,
    /// nothing left to refund).
    /// </summary>
    private async Task<RefundResult?> RefuseOverdrawingRefundAsync(NewRefund refund) =>
        await MissingAfterRefundAsync(refund) is ( > 0, var donation) ? RefundResult.Failed(RefundError.ExceedsBalance, donation) : null;

    /// <summary>
    /// Called in turn: how many fen this refund (and the pool money it takes back) would take the balance below zero, with
    /// the gift; 0 when it fits, when nothing has gone out, when it is a retry of a refund already made, or when the ledger
    /// will refuse it anyway (unknown gift, nothing left to refund).
    /// </summary>
    private async Task<(long Missing, DonationRecord? Donation)> MissingAfterRefundAsync(NewRefund refund)
    {
        var balance = await BalanceAsync();
        if (balance.DisbursedAmount == 0)
        {
            return (0, null); // nothing has gone out: a refund can never take more than the gifts put in
        }
        if (await queries.FindAsync(refund.DonationId) is not { } donation || donation.CampaignId != Id
            || RefundRules.Decide(donation, refund.Amount) is not (RefundError.None, var amount))
        {
            return (0, null);
        }
        // A retry of a refund already made (the admin's, then Stripe's notice of it) takes nothing more: the ledger replays it.
        if (await disbursements.IsRefundRecordedAsync(donation.Id, refund.IdempotencyKey))
        {
            return (0, donation);
        }
        var (matched, reversed) = await disbursements.MatchOnGiftAsync(donation.Id);
        var takenBack = MatchReversal.TakenBack(matched, reversed, donation.Amount, donation.NetAmount - amount);
        return (Math.Max(0, amount + takenBack - Math.Max(0, balance.Balance)), donation);
    }

    /// <summary>
    /// Called in turn (under _outgoing) for a refund the provider already made: recorded whatever the balance. If it
    /// takes the balance below zero, the row is first allowed exactly that shortfall (migration 0021), and once the refund
    /// is durable the shortfall is recorded for admins (the reconciliation lists the project). Until gifts or a
    /// correction bring the balance back, every disbursement is refused: none fits a balance below zero.
    /// </summary>
    private async Task<RefundResult> RecordProviderRefundAsync(NewRefund refund, RefundRecord record)
    {
        var (missing, _) = await MissingAfterRefundAsync(refund);
        if (missing > 0)
        {
            await disbursements.AllowShortfallAsync(Id, missing);
        }
        var result = await _commits.RefundAsync(new LedgerRefund(record, refund.IdempotencyKey));
        if (missing > 0 && result is { Error: RefundError.None, Refund: { } made } && await BalanceAsync() is { Balance: < 0 } after)
        {
            await disbursements.RecordShortfallAsync(new BalanceShortfall(refund.IdempotencyKey, Id, made.DonationId, made.Amount, -after.Balance, time.GetUtcNow()));
            LogShortfall(Id, made.DonationId, made.Amount, -after.Balance);
        }
        return result;
    }

    private static string Overdraws(long amount, ProjectBalance balance) => balance.Balance < 0
        ? $"The project is {-balance.Balance} fen short (raised {balance.RaisedAmount} + matched {balance.MatchedAmount} - disbursed {balance.DisbursedAmount}): "
            + "a refund the card provider made took money already paid out. No money can go out until gifts or a correction bring the balance above zero. Nothing was recorded."
        : $"The project's balance is {balance.Balance} fen (raised {balance.RaisedAmount} + matched {balance.MatchedAmount} - disbursed {balance.DisbursedAmount}); "
            + $"{amount} fen more would take it below zero. Nothing was recorded.";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {CampaignId} is {Shortfall} fen short: the provider refunded {Amount} of gift {DonationId} after the money was paid out")]
    private partial void LogShortfall(Guid campaignId, Guid donationId, long amount, long shortfall);

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} recorded disbursement {DisbursementId} of {Amount} {Currency} (corrects {Corrects})")]
    private partial void LogDisbursed(Guid campaignId, Guid disbursementId, long amount, string currency, Guid? corrects);
}
