using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Contracts.Progress;
using Fundraising.Persistence.Catalog;
using Fundraising.Persistence.Ledger;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Fundraising.Grains.Campaigns;

/// <summary>
/// A campaign: its definition (Orleans grain storage), its running totals (in memory, loaded from
/// the catalogue row the ledger keeps exact), and the single writer of its donations.
/// </summary>
/// <remarks>
/// Reentrant so that thousands of concurrent donors can queue into one group commit instead of
/// waiting for each other's database round trip. Admin commands, which write grain state, take
/// turns through <see cref="_stateWrites"/> so that two state writes are never in flight at once.
/// </remarks>
[Reentrant]
public sealed partial class CampaignGrain(
    [PersistentState("campaign")] IPersistentState<CampaignState> state,
    IDonationLedger ledger,
    ICampaignCatalog catalog,
    TimeProvider time,
    ILogger<CampaignGrain> logger) : Grain, ICampaignGrain
{
    private const int RecentDonorCount = 10;
    private const int IdempotencyCacheLimit = 100_000;

    private readonly SemaphoreSlim _stateWrites = new(1, 1);
    private readonly Dictionary<IProgressObserver, DateTimeOffset> _observers = [];
    // Keys already committed by this activation: most retries are answered without a database trip.
    // A miss is still exact: the ledger's unique index finds the earlier row.
    private readonly Dictionary<string, (byte[] Hash, DonationRecord Record)> _recentKeys = [];
    private readonly LinkedList<RecentDonor> _recentDonors = new();
    private DonationCommitQueue _commits = null!;
    private CampaignTotals _totals = CampaignTotals.Zero;
    private bool _totalsSuspect;
    private long _version;
    private long _pushedVersion;
    private IGrainTimer? _pushTimer;

    private Guid Id => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _commits = new DonationCommitQueue(Id, ledger, ApplyCommittedAsync, () => { _totalsSuspect = true; return Task.CompletedTask; }, logger);
        // Versions must keep growing when the grain is reactivated elsewhere (a silo died), or watchers
        // would drop the new activation's pushes as stale: start from the clock (in microseconds, which
        // stays below 2^53 so browsers read it exactly), then count changes.
        _version = time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        if (state.State.Definition is { } definition)
        {
            var totals = await catalog.LoadTotalsAsync(Id, cancellationToken);
            if (totals is null)
            {
                // The grain state was written but the process died before the catalogue row was: finish the job.
                await catalog.UpsertAsync(Id, definition, state.State.Status, cancellationToken);
                totals = CampaignTotals.Zero;
            }
            _totals = totals;
            foreach (var donation in await ledger.ListSucceededAsync(Id, 0, RecentDonorCount, cancellationToken))
            {
                _recentDonors.AddLast(ToRecentDonor(donation));
            }
        }
    }

    public Task<CampaignCommandResult> CreateAsync(CampaignDefinition definition) => ChangeStateAsync(mayCreate: true, current =>
    {
        if (current.Definition is not null)
        {
            return CampaignCommandError.AlreadyExists;
        }
        current.Definition = definition;
        current.Status = CampaignStatus.Draft;
        return CampaignCommandError.None;
    });

    public Task<CampaignCommandResult> OpenAsync() => ChangeStateAsync(mayCreate: false, current => current.Status switch
    {
        CampaignStatus.Closed => CampaignCommandError.InvalidTransition,
        _ => Transition(current, CampaignStatus.Live),
    });

    public Task<CampaignCommandResult> CloseAsync() => ChangeStateAsync(mayCreate: false, current => Transition(current, CampaignStatus.Closed));

    private static CampaignCommandError Transition(CampaignState current, CampaignStatus to)
    {
        current.Status = to;
        return CampaignCommandError.None;
    }

    private async Task<CampaignCommandResult> ChangeStateAsync(bool mayCreate, Func<CampaignState, CampaignCommandError> change)
    {
        await _stateWrites.WaitAsync();
        try
        {
            if (state.State.Definition is null && !mayCreate)
            {
                return new CampaignCommandResult(CampaignCommandError.NotFound, null);
            }
            var before = (state.State.Definition, state.State.Status);
            var error = change(state.State);
            if (error != CampaignCommandError.None)
            {
                return new CampaignCommandResult(error, Summary(), ErrorDetail(error));
            }
            if (before != (state.State.Definition, state.State.Status))
            {
                try
                {
                    await state.WriteStateAsync();
                }
                catch
                {
                    // Memory must not run ahead of what is durable.
                    (state.State.Definition, state.State.Status) = before;
                    throw;
                }
                // Grain state is the truth; the catalogue row follows it (and is repaired on activation).
                await catalog.UpsertAsync(Id, state.State.Definition!, state.State.Status);
                _version++;
                LogStatus(Id, state.State.Status);
            }
            return new CampaignCommandResult(CampaignCommandError.None, Summary());
        }
        finally
        {
            _stateWrites.Release();
        }
    }

    private string? ErrorDetail(CampaignCommandError error) => error switch
    {
        CampaignCommandError.AlreadyExists => "The campaign already exists.",
        CampaignCommandError.InvalidTransition => $"A {state.State.Status.ToString().ToLowerInvariant()} campaign cannot be opened.",
        _ => null,
    };

    public Task<CampaignSummary?> GetSummaryAsync() => Task.FromResult(Summary());

    public Task<CampaignTotals> GetTotalsAsync() => Task.FromResult(_totals);

    public Task<ProgressSnapshot?> GetProgressAsync() => Task.FromResult(Snapshot());

    public Task<DonationResult> CreateDonationAsync(NewDonation donation) =>
        InsertOnlineAsync(donation, Admit(donation.Currency), DonationStatus.Pending, RequestFingerprint.Of(donation));

    // No live check: the provider has taken the money (a renewal after the campaign closed still happened).
    public Task<DonationResult> RecordProviderPaymentAsync(NewDonation payment) =>
        InsertOnlineAsync(payment, Admit(payment.Currency, mustBeLive: false), DonationStatus.Succeeded, RequestFingerprint.OfProviderPayment(payment));

    private async Task<DonationResult> InsertOnlineAsync(NewDonation donation, DonationError refusal, DonationStatus status, byte[] hash)
    {
        if (refusal != DonationError.None)
        {
            return DonationResult.Failed(refusal);
        }
        if (Replay(donation.IdempotencyKey, hash) is { } replay)
        {
            return replay;
        }
        var now = time.GetUtcNow();
        var record = new DonationRecord(
            Guid.CreateVersion7(), Id, donation.Amount, donation.Currency, donation.DisplayName, donation.Anonymous,
            donation.Message, status, DonationChannel.Online, donation.Provider, now, status == DonationStatus.Pending ? null : now);
        return Remember(donation.IdempotencyKey, hash, await CommitAsync(() => _commits.InsertAsync(new LedgerInsert(record, donation.IdempotencyKey, hash))));
    }

    public async Task<DonationResult> RecordOfflineDonationAsync(NewOfflineDonation donation)
    {
        var refusal = Admit(donation.Currency);
        if (refusal != DonationError.None)
        {
            return DonationResult.Failed(refusal);
        }
        var hash = RequestFingerprint.Of(donation);
        if (Replay(donation.IdempotencyKey, hash) is { } replay)
        {
            return replay;
        }
        var now = time.GetUtcNow();
        var record = new DonationRecord(
            Guid.CreateVersion7(), Id, donation.Amount, donation.Currency, donation.DonorName, donation.Anonymous,
            null, DonationStatus.Succeeded, DonationChannel.Offline, "offline", now, now,
            donation.Kind, 0, donation.Item, donation.Quantity, null, donation.PledgeId);
        var insert = new LedgerInsert(record, donation.IdempotencyKey, hash, donation.Reference, donation.Method, donation.RecordedBy);
        return Remember(donation.IdempotencyKey, hash, await CommitAsync(() => _commits.InsertAsync(insert)));
    }

    public async Task<DonationResult> ConfirmDonationAsync(Guid donationId)
    {
        if (state.State.Definition is null)
        {
            return DonationResult.Failed(DonationError.CampaignNotFound);
        }
        // A payment taken while the campaign was live counts even if it closed since: no status check here.
        return await CommitAsync(() => _commits.ConfirmAsync(donationId));
    }

    public async Task<RefundResult> RefundAsync(NewRefund refund)
    {
        if (state.State.Definition is null)
        {
            return RefundResult.Failed(RefundError.DonationNotFound);
        }
        // Amount 0 asks the ledger for everything still refundable; it decides under the gift's row lock.
        var record = new RefundRecord(Guid.CreateVersion7(), refund.DonationId, Id, refund.Amount ?? 0, refund.Reason, refund.RequestedBy, time.GetUtcNow());
        return await CommitAsync(() => _commits.RefundAsync(new LedgerRefund(record, refund.IdempotencyKey)));
    }

    private async Task<T> CommitAsync<T>(Func<Task<T>> enqueue)
    {
        if (_totalsSuspect && _commits.Queued == 0)
        {
            // A batch failed without telling whether it committed: re-read the durable totals first.
            _totals = await catalog.LoadTotalsAsync(Id) ?? _totals;
            _totalsSuspect = false;
            _version++;
        }
        return await enqueue();
    }

    private DonationError Admit(string currency, bool mustBeLive = true)
    {
        if (state.State.Definition is not { } definition)
        {
            return DonationError.CampaignNotFound;
        }
        if (mustBeLive && (state.State.Status != CampaignStatus.Live || time.GetUtcNow() >= definition.EndsAt))
        {
            return DonationError.CampaignNotLive;
        }
        return string.Equals(currency, definition.Currency, StringComparison.Ordinal) ? DonationError.None : DonationError.CurrencyMismatch;
    }

    private DonationResult? Replay(string key, byte[] hash)
    {
        if (!_recentKeys.TryGetValue(key, out var earlier))
        {
            return null;
        }
        return earlier.Hash.AsSpan().SequenceEqual(hash)
            ? new DonationResult(DonationError.None, earlier.Record, Replayed: true)
            : DonationResult.Failed(DonationError.IdempotencyKeyReused);
    }

    private DonationResult Remember(string key, byte[] hash, DonationResult result)
    {
        if (result.Error == DonationError.None && result.Donation is { } record)
        {
            if (_recentKeys.Count >= IdempotencyCacheLimit)
            {
                _recentKeys.Clear();
            }
            _recentKeys[key] = (hash, record);
        }
        return result;
    }

    private Task ApplyCommittedAsync(LedgerBatchOutcome outcome)
    {
        var delta = outcome.TotalsDelta();
        if (delta == CampaignTotals.Zero)
        {
            return Task.CompletedTask;
        }
        _totals = _totals.Add(delta);
        foreach (var donation in outcome.Inserted.Where(d => d.Status == DonationStatus.Succeeded).Concat(outcome.Confirmed)
                     .OrderByDescending(d => d.SucceededAt).Take(RecentDonorCount).Reverse())
        {
            _recentDonors.AddFirst(ToRecentDonor(donation));
            if (_recentDonors.Count > RecentDonorCount)
            {
                _recentDonors.RemoveLast();
            }
        }
        _version++;
        return Task.CompletedTask;
    }

    public Task SubscribeAsync(IProgressObserver observer)
    {
        _observers[observer] = time.GetUtcNow();
        _pushTimer ??= this.RegisterGrainTimer(PushProgressAsync, new GrainTimerCreationOptions
        {
            DueTime = ProgressSubscription.PushInterval,
            Period = ProgressSubscription.PushInterval,
            Interleave = true,
        });
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(IProgressObserver observer)
    {
        _observers.Remove(observer);
        return Task.CompletedTask;
    }

    // Runs at most every PushInterval, so a campaign taking thousands of gifts a second sends
    // about four messages a second to each front end, each carrying the latest totals.
    private async Task PushProgressAsync(CancellationToken cancellationToken)
    {
        var expiry = time.GetUtcNow() - ProgressSubscription.Lifetime;
        foreach (var stale in _observers.Where(o => o.Value < expiry).Select(o => o.Key).ToList())
        {
            _observers.Remove(stale);
        }
        if (_observers.Count == 0)
        {
            _pushTimer?.Dispose();
            _pushTimer = null;
            return;
        }
        if (_pushedVersion == _version || Snapshot() is not { } snapshot)
        {
            return;
        }
        _pushedVersion = _version;
        // OnProgressAsync is one-way: a slow or dead front end cannot hold up the others.
        await Task.WhenAll(_observers.Keys.Select(o => o.OnProgressAsync(snapshot)));
    }

    private CampaignSummary? Summary() => state.State.Definition is { } definition
        ? new CampaignSummary(Id, definition, state.State.Status, _totals.RaisedAmount, _totals.DonationCount, _totals)
        : null;

    private ProgressSnapshot? Snapshot() => Summary() is { } summary
        ? new ProgressSnapshot(summary, [.. _recentDonors], _version)
        : null;

    private static RecentDonor ToRecentDonor(DonationRecord donation) =>
        new(donation.PublicName, donation.Amount, donation.Message, donation.SucceededAt ?? donation.CreatedAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} is now {Status}")]
    private partial void LogStatus(Guid campaignId, CampaignStatus status);
}
