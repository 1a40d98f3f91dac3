using Fundraising.Persistence;
using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Contracts.Progress;
using Fundraising.Grains.Progress;
using Fundraising.Persistence.Catalog;
using Fundraising.Persistence.Ledger;
using Fundraising.Persistence.Pledges;
using Fundraising.Persistence.Matching;
using Fundraising.Contracts.Matching;
using Fundraising.Grains.Matching;
using Fundraising.Contracts.Leaderboards;
using Fundraising.Contracts.Teams;
using Fundraising.Grains.Leaderboards;
using Fundraising.Persistence.Leaderboards;
using Fundraising.Contracts.Villages;
using Fundraising.Persistence.Villages;
using Fundraising.Persistence.Disbursements;
using Fundraising.Grains.Disbursements;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Fundraising.Grains.Campaigns;

/// <summary>
/// A campaign: its definition and status (the catalogue row, written with its audit entry in one
/// transaction), its running totals (in memory, loaded from the same row, which the ledger keeps exact),
/// and the single writer of its donations. Every rule about what the campaign takes is decided here or
/// in a domain type it calls (<see cref="Admission"/>, <see cref="RefundRules"/>, <see cref="PledgeRules"/>,
/// <see cref="RequestFingerprint"/>), with the one <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>
/// Reentrant so that thousands of concurrent donors can queue into one group commit instead of
/// waiting for each other's database round trip. Admin commands take turns through
/// <see cref="_commands"/> so that two status changes are never in flight at once.
/// </remarks>
[Reentrant]
public sealed partial class CampaignGrain(
    IDonationLedger ledger,
    ILedgerQueries queries,
    ICampaignCatalog catalog,
    IPledgeStore pledges,
    IDisbursementStore disbursements,
    IDisbursementEvidence evidence,
    ICampaignPools pools,
    ICampaignEvents events,
    BoardFeed boards,
    IVillageProjects villages,
    IOptions<DonationLimits> limits,
    IOptions<MatchingOptions> matching,
    IOptions<LeaderboardOptions> leaderboards,
    TimeProvider time,
    ILogger<CampaignGrain> logger) : Grain, ICampaignGrain
{
    private const int RecentDonorCount = 10;
    private const int IdempotencyCacheLimit = 100_000;
    private const int MaxSubPlans = 50;
    private const int MaxFeedPerPush = 50;

    private readonly SemaphoreSlim _commands = new(1, 1);
    private readonly ProgressSubscribers _observers = new();
    // Keys already committed by this activation: most retries are answered without a database trip.
    // A miss is still exact: the ledger's unique index finds the earlier row.
    private readonly Dictionary<string, (byte[] Hash, DonationRecord Record)> _recentKeys = [];
    private readonly LinkedList<RecentDonor> _recentDonors = new();
    private DonationCommitQueue _commits = null!;
    private CampaignDefinition? _definition;
    private CampaignStatus _status;
    private CampaignTotals _totals = CampaignTotals.Zero;
    private long _version;
    private long _pushedVersion;
    private IGrainTimer? _pushTimer;
    private readonly CampaignSlices _slices = new();
    private DateTimeOffset _poolsReadAt = DateTimeOffset.MinValue;
    private Task? _granting;
    // The events this campaign takes part in (their boards get its deltas), and the teams known to be its own.
    private IReadOnlyList<Guid> _events = [];
    private readonly HashSet<Guid> _teams = [];
    private readonly Dictionary<Guid, SubPlanSummary> _subPlans = [];
    private readonly List<FeedEntry> _feed = [];

    private Guid Id => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _commits = new DonationCommitQueue(Id, ledger, Plan, ApplyCommittedAsync, () =>
        {
            // Whether it committed is unknown: the boards re-read this campaign rather than guess.
            boards.Add(_events, CampaignBoardDelta.RereadOf(Id));
            return Task.CompletedTask;
        }, ReadTotalsAgainAsync, logger);
        // Versions must keep growing when the grain is reactivated elsewhere (a silo died), or watchers
        // would drop the new activation's pushes as stale: start from the clock (in microseconds, which
        // stays below 2^53 so browsers read it exactly), then count changes.
        _version = time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        if (await catalog.LoadAsync(Id, cancellationToken) is { } row)
        {
            Adopt(row);
            if (row.Definition.Kind == CampaignKind.Village)
            {
                foreach (var plan in await villages.SubPlansAsync(Id, cancellationToken))
                {
                    _subPlans[plan.Id] = plan;
                }
            }
            foreach (var donation in (await queries.ListSucceededAsync(Id, new PageRequest(RecentDonorCount), cancellationToken)).Items)
            {
                _recentDonors.AddLast(ToRecentDonor(donation));
            }
            if (boards.Enabled)
            {
                await ReadEventsAsync(cancellationToken);
                var every = leaderboards.Value.EventsRefreshEvery;
                this.RegisterGrainTimer(ReadEventsAsync, new GrainTimerCreationOptions { DueTime = every, Period = every, Interleave = true });
            }
        }
    }

    private async Task ReadEventsAsync(CancellationToken cancellationToken) =>
        _events = [.. (await events.EventsOfCampaignAsync(Id, cancellationToken)).Select(e => e.EventId)];

    public Task<IReadOnlyList<Guid>> GetEventsAsync() => Task.FromResult(_events);

    public Task EventsChangedAsync() => _definition is not null && boards.Enabled ? ReadEventsAsync(CancellationToken.None) : Task.CompletedTask;

    public async Task<TeamResult> CreateTeamAsync(NewTeam team)
    {
        if (_definition is null || _status == CampaignStatus.Draft)
        {
            return new TeamResult(TeamError.CampaignNotFound, null);
        }
        if (_status == CampaignStatus.Closed)
        {
            return new TeamResult(TeamError.CampaignClosed, null, "The campaign is closed: it takes no more gifts, so no new teams.");
        }
        var now = time.GetUtcNow();
        var taking = await events.EventsOfCampaignAsync(Id);
        // The event open now that ends soonest, or else the next to open: the team is on that event's teams board.
        var chosen = taking.Where(e => e.StartsAt <= now && now < e.EndsAt).OrderBy(e => e.EndsAt).FirstOrDefault()
            ?? taking.Where(e => e.StartsAt > now).OrderBy(e => e.StartsAt).FirstOrDefault();
        if (chosen is null)
        {
            return taking.Count == 0
                ? new TeamResult(TeamError.NoOpenEvent, null, "The campaign takes part in no giving-day event, so it has no teams board.")
                : new TeamResult(TeamError.EventClosed, null, "Every event this campaign takes part in is over.");
        }
        var record = new TeamRecord(Guid.CreateVersion7(), Id, chosen.EventId, team.Name, team.GoalAmount, team.Story, ToMicroseconds(now));
        await events.CreateTeamAsync(record, team.CreatedBy);
        _teams.Add(record.Id);
        try
        {
            await GrainFactory.GetGrain<IEventBoardGrain>(chosen.EventId).TeamCreatedAsync(record);
        }
        catch (Exception exception)
        {
            // The team is durable; the board finds it when it next re-reads this campaign (at the team's first gift, or reconciling).
            LogTeamNoticeFailed(exception, record.Id);
        }
        return new TeamResult(TeamError.None, record);
    }

    // A gift's team must be one of this campaign's: known, or read once and remembered.
    private async Task<bool> IsOwnTeamAsync(Guid teamId)
    {
        if (_teams.Contains(teamId))
        {
            return true;
        }
        if (await events.FindTeamAsync(teamId) is { } team && team.CampaignId == Id)
        {
            _teams.Add(teamId);
            return true;
        }
        return false;
    }

    public async Task<CampaignCommandResult> CreateAsync(CampaignDefinition definition, string actor)
    {
        // Kept as PostgreSQL keeps it (to the microsecond), so a reactivated grain holds exactly what this one did.
        definition = definition with { StartsAt = ToMicroseconds(definition.StartsAt), EndsAt = ToMicroseconds(definition.EndsAt) };
        // The programme is decided once, here: the one asked for, or the kind's default (reports group by it for good).
        definition = definition with { Programme = definition.ProgrammeOrDefault };
        await _commands.WaitAsync();
        try
        {
            if (_definition is not null)
            {
                return new CampaignCommandResult(CampaignCommandError.AlreadyExists, Summary(), "The campaign already exists.");
            }
            if (!await catalog.CreateAsync(Id, definition, actor))
            {
                // Created meanwhile by another activation (a silo presumed dead): take what is durable.
                if (await catalog.LoadAsync(Id) is { } row)
                {
                    Adopt(row);
                }
                return new CampaignCommandResult(CampaignCommandError.AlreadyExists, Summary(), "The campaign already exists.");
            }
            (_definition, _status) = (definition, CampaignStatus.Draft);
            _version++;
            LogStatus(Id, _status);
            return new CampaignCommandResult(CampaignCommandError.None, Summary());
        }
        finally
        {
            _commands.Release();
        }
    }

    public Task<CampaignCommandResult> OpenAsync(string actor) => ChangeStatusAsync(CampaignStatus.Live, actor, "open_campaign");

    public Task<CampaignCommandResult> CloseAsync(string actor) => ChangeStatusAsync(CampaignStatus.Closed, actor, "close_campaign");

    private async Task<CampaignCommandResult> ChangeStatusAsync(CampaignStatus to, string actor, string action)
    {
        await _commands.WaitAsync();
        try
        {
            if (_definition is null)
            {
                return new CampaignCommandResult(CampaignCommandError.NotFound, null);
            }
            if (_status == to)
            {
                return new CampaignCommandResult(CampaignCommandError.None, Summary());
            }
            if (to == CampaignStatus.Live && _status == CampaignStatus.Closed)
            {
                return new CampaignCommandResult(CampaignCommandError.InvalidTransition, Summary(), "A closed campaign cannot be opened.");
            }
            // Memory changes only once the row and its audit entry are durable.
            if (!await catalog.ChangeStatusAsync(Id, _status, to, actor, action))
            {
                // Another activation (a silo that was presumed dead) changed it: take the durable state, then decide again.
                if (await catalog.LoadAsync(Id) is { } row)
                {
                    _status = row.Status;
                }
                return new CampaignCommandResult(CampaignCommandError.InvalidTransition, Summary(), "The campaign changed meanwhile; reload and try again.");
            }
            _status = to;
            _version++;
            LogStatus(Id, _status);
            return new CampaignCommandResult(CampaignCommandError.None, Summary());
        }
        finally
        {
            _commands.Release();
        }
    }

    public Task<CampaignSummary?> GetSummaryAsync() => Task.FromResult(Summary());

    public Task<CampaignTotals> GetTotalsAsync() => Task.FromResult(_totals);

    public Task<ProgressSnapshot?> GetProgressAsync() => Task.FromResult(Snapshot());

    public Task<DonationResult> CreateDonationAsync(NewDonation donation) =>
        InsertOnlineAsync(donation, Admit(new(donation.Currency, donation.Amount, limits.Value.MaxOnlineAmount)), DonationStatus.Pending, RequestFingerprint.Of(donation));

    // No live check: the provider has taken the money (a renewal after the campaign closed still happened).
    public Task<DonationResult> RecordProviderPaymentAsync(NewDonation payment) =>
        InsertOnlineAsync(payment, Admit(new(payment.Currency, payment.Amount, limits.Value.MaxOnlineAmount, MustBeLive: false)),
            DonationStatus.Succeeded, RequestFingerprint.OfProviderPayment(payment));

    public async Task<DonationResult> AdmitMonthlyGiftAsync(long amount, string currency, Guid? teamId = null, Guid? subPlanId = null)
    {
        if (Admit(new(currency, amount, limits.Value.MaxOnlineAmount)) is { } refusal)
        {
            return refusal;
        }
        return await TargetRefusalAsync(teamId, subPlanId) ?? DonationResult.Admitted;
    }

    /// <summary>Why a gift's team or sub-plan is not this campaign's (one-off and monthly alike), or null when both are.</summary>
    private async Task<DonationResult?> TargetRefusalAsync(Guid? teamId, Guid? subPlanId)
    {
        if (teamId is { } team && !await IsOwnTeamAsync(team))
        {
            return DonationResult.Failed(DonationError.TeamNotFound);
        }
        // Sub-plans are all in memory (read at activation, added only here): one that is not known is not this project's.
        return subPlanId is { } plan && !_subPlans.ContainsKey(plan)
            ? DonationResult.Failed(DonationError.SubPlanNotFound, "'subPlanId' is not a sub-plan of this project.")
            : null;
    }

    private async Task<DonationResult> InsertOnlineAsync(NewDonation donation, DonationResult? refusal, DonationStatus status, byte[] hash)
    {
        if (refusal is not null)
        {
            return refusal;
        }
        if (Replay(donation.IdempotencyKey, hash) is { } replay)
        {
            return replay;
        }
        if (await TargetRefusalAsync(donation.TeamId, donation.SubPlanId) is { } targetRefusal)
        {
            return targetRefusal;
        }
        var now = time.GetUtcNow();
        var record = new DonationRecord(
            Guid.CreateVersion7(), Id, donation.Amount, donation.Currency, donation.DisplayName, donation.Anonymous,
            donation.Message, status, DonationChannel.Online, donation.Provider, now, status == DonationStatus.Pending ? null : now,
            DonorId: donation.DonorId, TeamId: donation.TeamId, SubPlanId: donation.SubPlanId);
        if (status == DonationStatus.Succeeded && donation.DonorId is not null)
        {
            await PrepareMatchingAsync();
        }
        return Remember(donation.IdempotencyKey, hash, await _commits.InsertAsync(new LedgerInsert(record, donation.IdempotencyKey, hash)));
    }

    public async Task<DonationResult> RecordOfflineDonationAsync(NewOfflineDonation donation)
    {
        if (Admit(new(donation.Currency, donation.Amount, limits.Value.MaxOfflineAmount)) is { } refusal)
        {
            return refusal;
        }
        var hash = RequestFingerprint.Of(donation);
        if (Replay(donation.IdempotencyKey, hash) is { } replay)
        {
            return replay;
        }
        if (donation.SubPlanId is { } subPlanId && !_subPlans.ContainsKey(subPlanId))
        {
            return DonationResult.Failed(DonationError.SubPlanNotFound, "'subPlanId' is not a sub-plan of this project.");
        }
        var now = time.GetUtcNow();
        var record = new DonationRecord(
            Guid.CreateVersion7(), Id, donation.Amount, donation.Currency, donation.DonorName, donation.Anonymous,
            null, DonationStatus.Succeeded, DonationChannel.Offline, "offline", now, now,
            donation.Kind, 0, donation.Item, donation.Quantity, null, donation.PledgeId, SubPlanId: donation.SubPlanId);
        var insert = new LedgerInsert(record, donation.IdempotencyKey, hash, donation.Reference, donation.Method, donation.RecordedBy);
        return Remember(donation.IdempotencyKey, hash, await _commits.InsertAsync(insert));
    }

    public async Task<DonationResult> ImportGiftAsync(ImportedGift gift)
    {
        // An earlier year's gift happened whatever the campaign's status now; currency and size are checked as for any gift.
        var max = gift.Channel == DonationChannel.Online ? limits.Value.MaxOnlineAmount : limits.Value.MaxOfflineAmount;
        if (Admit(new(gift.Currency, gift.Amount, max, MustBeLive: false)) is { } refusal)
        {
            return refusal;
        }
        var hash = RequestFingerprint.Of(gift);
        if (Replay(gift.IdempotencyKey, hash) is { } replay)
        {
            return replay;
        }
        var at = ToMicroseconds(gift.MadeAt);
        // Goods are always recorded offline, as the ledger's buckets count them.
        var channel = gift.Kind == DonationKind.Goods ? DonationChannel.Offline : gift.Channel;
        var record = new DonationRecord(
            Guid.CreateVersion7(), Id, gift.Amount, gift.Currency, gift.DonorName, gift.Anonymous, null, DonationStatus.Succeeded,
            channel, channel == DonationChannel.Online ? "import" : "offline", at, at, gift.Kind, 0, gift.Item, gift.Quantity);
        var insert = new LedgerInsert(record, gift.IdempotencyKey, hash, gift.Source, "import", gift.ImportedBy);
        return Remember(gift.IdempotencyKey, hash, await _commits.InsertAsync(insert));
    }

    public async Task<PledgeResult> RecordPledgeAsync(NewPledge pledge)
    {
        // A pledge is a promise, not money: it is taken whether or not the campaign is live, in its currency, within the offline limit.
        if (Admit(new(pledge.Currency, pledge.Amount, limits.Value.MaxOfflineAmount, MustBeLive: false)) is { } refusal)
        {
            return new PledgeResult(refusal.Error, null, refusal.Detail);
        }
        var record = new PledgeRecord(Guid.CreateVersion7(), Id, pledge.DonorName, pledge.Amount, pledge.Currency, pledge.Note, 0, pledge.RecordedBy, time.GetUtcNow());
        await pledges.CreateAsync(record);
        return new PledgeResult(DonationError.None, record);
    }

    public async Task<DonationResult> ConfirmDonationAsync(Guid donationId, string provider)
    {
        if (_definition is null)
        {
            return DonationResult.Failed(DonationError.CampaignNotFound);
        }
        // A payment taken while the campaign was live counts even if it closed since: no status check here.
        // Only the gift's own provider confirms it (DonationRecord.IsPaidThrough), decided on the row in the batch:
        // no read of the gift before the hot path's one write.
        await PrepareMatchingAsync();
        return await _commits.ConfirmAsync(new LedgerConfirm(donationId, provider));
    }

    public async Task<RefundResult> PrepareRefundAsync(NewRefund refund)
    {
        if (_definition is null || await queries.FindAsync(refund.DonationId) is not { } donation || donation.CampaignId != Id)
        {
            return RefundResult.Failed(RefundError.DonationNotFound);
        }
        var (error, amount) = RefundRules.Decide(donation, refund.Amount);
        if (error != RefundError.None)
        {
            return RefundResult.Failed(error, donation);
        }
        // Asked before a provider moves money: a refund that would overdraw the project is refused while nothing has moved.
        await _outgoing.WaitAsync();
        try
        {
            return await RefuseOverdrawingRefundAsync(refund)
                ?? new RefundResult(RefundError.None, new RefundRecord(Guid.Empty, donation.Id, Id, amount, refund.Reason, refund.RequestedBy, time.GetUtcNow()), donation);
        }
        finally
        {
            _outgoing.Release();
        }
    }

    public async Task<RefundResult> RefundAsync(NewRefund refund)
    {
        if (_definition is null)
        {
            return RefundResult.Failed(RefundError.DonationNotFound);
        }
        // Amount 0 asks the ledger for everything still refundable; it decides under the gift's row lock.
        var record = new RefundRecord(Guid.CreateVersion7(), refund.DonationId, Id, refund.Amount ?? 0, refund.Reason, refund.RequestedBy, time.GetUtcNow());
        // Money going back out takes its turn with disbursements (CampaignGrain.Disbursements.cs), so the two never
        // both spend the same balance.
        await _outgoing.WaitAsync();
        try
        {
            // A refund the provider already made cannot be refused: it is recorded, and what it leaves missing is a shortfall.
            return refund.MadeByProvider
                ? await RecordProviderRefundAsync(refund, record)
                : await RefuseOverdrawingRefundAsync(refund) ?? await _commits.RefundAsync(new LedgerRefund(record, refund.IdempotencyKey));
        }
        finally
        {
            _outgoing.Release();
        }
    }

    // A batch failed without telling whether it committed: the commit queue has the durable totals read again, with no
    // batch of this campaign in flight, before its next batch.
    private async Task ReadTotalsAgainAsync()
    {
        _totals = await catalog.LoadTotalsAsync(Id) ?? _totals;
        if (_subPlans.Count > 0)
        {
            foreach (var plan in await villages.SubPlansAsync(Id))
            {
                _subPlans[plan.Id] = plan;
            }
        }
        _version++;
    }

    private DonationResult? Admit(Admission.Request request) =>
        Admission.Refuse(_definition, _status, time.GetUtcNow(), request) is { } refusal ? DonationResult.Failed(refusal.Error, refusal.Detail) : null;

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
        if (outcome.Matching is { } matched)
        {
            _slices.Committed(matched);
            StartGrantsIfLow();
        }
        if (_events.Count > 0 && BoardDeltas.From(Id, outcome) is { } boardDelta)
        {
            boards.Add(_events, boardDelta);
        }
        ApplyToSubPlans(outcome);
        var delta = outcome.TotalsDelta();
        if (delta == CampaignTotals.Zero)
        {
            return Task.CompletedTask;
        }
        // The totals the batch's transaction left in the catalogue, not this activation's sum: for a moment around a
        // silo's stop or death two activations of a campaign can commit (each its own gifts, the ledger both), and a
        // sum would leave the survivor short of the ledger for good (seen in the chaos run's rolling restart).
        _totals = outcome.Totals ?? _totals.Add(delta);
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

    // Village projects: the sub-plans (their progress moved by each commit that touches them, as the ledger's row is)
    // and the feed entries since the last push, sent with it.
    public async Task<SubPlanResult> CreateSubPlanAsync(NewSubPlan subPlan)
    {
        await _commands.WaitAsync();
        try
        {
            if (_definition is null)
            {
                return new SubPlanResult(SubPlanError.CampaignNotFound, null);
            }
            if (_definition.Kind != CampaignKind.Village)
            {
                return new SubPlanResult(SubPlanError.NotVillage, null, "Sub-plans belong to village projects; this campaign is an appeal.");
            }
            if (_status == CampaignStatus.Closed)
            {
                return new SubPlanResult(SubPlanError.CampaignClosed, null, "The project is closed: it takes no more gifts, so no new sub-plans.");
            }
            if (_subPlans.Count >= MaxSubPlans)
            {
                return new SubPlanResult(SubPlanError.TooMany, null, $"A project has at most {MaxSubPlans} sub-plans.");
            }
            var record = new SubPlanSummary(Guid.CreateVersion7(), Id, subPlan.Title, subPlan.Description, subPlan.GoalAmount, 0, 0, ToMicroseconds(time.GetUtcNow()));
            if (_subPlans.Values.Any(p => p.Title == subPlan.Title) || !await villages.CreateSubPlanAsync(record, subPlan.CreatedBy))
            {
                return new SubPlanResult(SubPlanError.DuplicateTitle, null, $"The project already has a sub-plan titled '{subPlan.Title}'.");
            }
            _subPlans[record.Id] = record;
            _version++;
            return new SubPlanResult(SubPlanError.None, record);
        }
        finally
        {
            _commands.Release();
        }
    }

    public Task<IReadOnlyList<SubPlanSummary>> GetSubPlansAsync() => Task.FromResult(SubPlanList());

    public async Task<PostResult> PostAsync(NewPost post)
    {
        if (_definition is null)
        {
            return new PostResult(PostError.CampaignNotFound, null);
        }
        var photos = post.PhotoIds.Distinct().ToList();
        if (photos.Count > 0 && await villages.CountPhotosAsync(Id, photos) != photos.Count)
        {
            return new PostResult(PostError.PhotoNotFound, null, "Every photo must be one uploaded to this project.");
        }
        var now = ToMicroseconds(time.GetUtcNow());
        // A milestone is reached when the coordinator says (now unless told); an update has no such date.
        var reachedAt = post.Kind == FeedKind.Milestone ? ToMicroseconds(post.ReachedAt ?? now) : (DateTimeOffset?)null;
        var entry = new FeedEntry(post.Kind, Guid.CreateVersion7(), Id, now, Title: post.Title, Body: post.Body, PhotoIds: photos, ReachedAt: reachedAt);
        await villages.CreatePostAsync(entry, post.CreatedBy);
        AddToFeed(entry);
        _version++;
        return new PostResult(PostError.None, entry);
    }

    public Task PhotoAddedAsync(Guid photoId, string? caption)
    {
        if (_definition is not null && _pushTimer is not null)
        {
            AddToFeed(new FeedEntry(FeedKind.Photo, photoId, Id, ToMicroseconds(time.GetUtcNow()), Title: caption, PhotoIds: [photoId]));
            _version++;
        }
        return Task.CompletedTask;
    }

    private IReadOnlyList<SubPlanSummary> SubPlanList() => [.. _subPlans.Values.OrderBy(p => p.CreatedAt).ThenBy(p => p.Id)];

    // Only while someone watches: the feed's history is the ledger's and the posts' tables, this is only the live part.
    private void AddToFeed(FeedEntry entry)
    {
        if (_pushTimer is null)
        {
            return;
        }
        _feed.Add(entry);
        if (_feed.Count > MaxFeedPerPush)
        {
            _feed.RemoveAt(0);
        }
    }

    private void ApplyToSubPlans(LedgerBatchOutcome outcome)
    {
        foreach (var (subPlanId, amount, count) in outcome.SubPlanDeltas())
        {
            if (_subPlans.TryGetValue(subPlanId, out var plan))
            {
                _subPlans[subPlanId] = plan with { RaisedAmount = plan.RaisedAmount + amount, DonationCount = plan.DonationCount + count };
            }
        }
        // Nobody watches (no push timer): nothing to build for the feed, on the hot path of every commit.
        if (_pushTimer is null)
        {
            return;
        }
        foreach (var donation in outcome.Succeeded)
        {
            AddToFeed(new FeedEntry(FeedKind.Gift, donation.Id, Id, donation.SucceededAt ?? donation.CreatedAt, donation.PublicName,
                donation.Amount, donation.Currency, donation.SubPlanId,
                donation.SubPlanId is { } plan && _subPlans.TryGetValue(plan, out var named) ? named.Title : null));
        }
    }

    public Task SubscribeAsync(IProgressObserver observer)
    {
        _observers.Renew(observer, time.GetUtcNow());
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
        if (!_observers.DropLapsed(time.GetUtcNow()))
        {
            _pushTimer?.Dispose();
            _pushTimer = null;
            return;
        }
        if (_pushedVersion == _version || Snapshot(_feed.Count == 0 ? null : [.. _feed]) is not { } snapshot)
        {
            return;
        }
        _pushedVersion = _version;
        _feed.Clear();
        // OnProgressAsync is one-way: a slow or dead front end cannot hold up the others.
        await Task.WhenAll(_observers.All.Select(o => o.OnProgressAsync(snapshot)));
    }

    public async Task PoolsChangedAsync()
    {
        await ReadPoolsAsync();
        StartGrantsIfLow();
    }

    public async Task<FlagDecisionError> DecideFlaggedAsync(Guid donationId, FlagDecision decision, string actor)
    {
        var (outcome, delta) = await pools.DecideFlaggedAsync(donationId, Id, decision, actor);
        if (outcome == FlagDecisionOutcome.NotFound)
        {
            return FlagDecisionError.NotFound;
        }
        if (outcome == FlagDecisionOutcome.AlreadyDecided)
        {
            return FlagDecisionError.AlreadyDecided;
        }
        if (delta != 0)
        {
            // The row changed in the same transaction; memory follows it (deltas add up whatever order batches land in).
            _totals = _totals.Add(new CampaignTotals(0, 0, MatchedAmount: delta));
            _version++;
            // Decided outside the commit queue: the boards re-read the campaign (its totals version moved with it).
            boards.Add(_events, CampaignBoardDelta.RereadOf(Id));
        }
        return FlagDecisionError.None;
    }

    // The plan of the batch being formed: the pools open to this campaign, each with the day it matches for.
    private IMatchPlan? Plan()
    {
        var open = _slices.PlanPools(time.GetUtcNow());
        return open.Count == 0 ? null : new MatchPlan(Id, open, matching.Value.Velocity);
    }

    // Before a gift that may be matched is committed: know the pools, and have a slice of each open one. A gift waits for a
    // grant only when its campaign has nothing left of a pool that may still grant (not one that said it is empty);
    // otherwise the next slice is asked for in the background.
    private async Task PrepareMatchingAsync()
    {
        var now = time.GetUtcNow();
        if (now - _poolsReadAt > matching.Value.PoolsRefreshEvery)
        {
            await ReadPoolsAsync();
        }
        if (_slices.NeedsGrant(now, matching.Value.RefillBelow) is not { Count: > 0 } needed)
        {
            return;
        }
        var grants = _granting ?? StartGrants(needed);
        if (needed.Any(p => _slices.WorthWaitingFor(p, now)))
        {
            await grants;
        }
    }

    private void StartGrantsIfLow()
    {
        if (_granting is null && _slices.NeedsGrant(time.GetUtcNow(), matching.Value.RefillBelow) is { Count: > 0 } needed)
        {
            // Awaited by the next gift that needs it; its failures are logged there and here, never lost silently.
            StartGrants(needed);
        }
    }

    // The grants in flight, remembered only while they are: a run that finished before returning must not stay "in flight".
    private Task StartGrants(IReadOnlyList<PoolTerms> needed)
    {
        var grants = GrantAsync(needed);
        _granting = grants.IsCompleted ? null : grants;
        return grants;
    }

    private async Task GrantAsync(IReadOnlyList<PoolTerms> needed)
    {
        try
        {
            foreach (var terms in needed)
            {
                var wanted = _slices.Wanted(terms, matching.Value, time.GetUtcNow());
                var grant = await GrainFactory.GetGrain<IMatchingPoolGrain>(terms.PoolId).GrantAsync(Id, wanted);
                _slices.Granted(terms.PoolId, grant, time.GetUtcNow());
            }
        }
        catch (Exception exception)
        {
            // Gifts go on without a match from this pool until the next try; matching is never worth refusing a gift.
            LogGrantFailed(exception, Id);
            foreach (var terms in needed)
            {
                _slices.Granted(terms.PoolId, new SliceGrant(null, default, 0, time.GetUtcNow() + matching.Value.EmptyRetryAfter), time.GetUtcNow());
            }
        }
        finally
        {
            _granting = null;
        }
    }

    private async Task ReadPoolsAsync()
    {
        _slices.SetTerms(await pools.PoolsForCampaignAsync(Id, time.GetUtcNow()));
        _poolsReadAt = time.GetUtcNow();
    }

    private CampaignSummary? Summary() => _definition is { } definition
        ? new CampaignSummary(Id, definition, _status, _totals.RaisedAmount, _totals.DonationCount, _totals)
        : null;

    private ProgressSnapshot? Snapshot(IReadOnlyList<FeedEntry>? feed = null) => Summary() is { } summary
        ? new ProgressSnapshot(summary, [.. _recentDonors], _version, _subPlans.Count == 0 ? null : SubPlanList(), feed)
        : null;

    /// <summary>Memory takes what is durable: definition, status and the totals the ledger keeps exact.</summary>
    private void Adopt(CampaignRow row) => (_definition, _status, _totals) = (row.Definition, row.Status, row.Totals);

    private static DateTimeOffset ToMicroseconds(DateTimeOffset at) => new(at.Ticks - at.Ticks % 10, at.Offset);

    private static RecentDonor ToRecentDonor(DonationRecord donation) =>
        new(donation.PublicName, donation.Amount, donation.Message, donation.SucceededAt ?? donation.CreatedAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {CampaignId} could not get a matching slice; its gifts go unmatched until the next try")]
    private partial void LogGrantFailed(Exception exception, Guid campaignId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Team {TeamId} was created but its board was not told; it appears there at its board's next re-read")]
    private partial void LogTeamNoticeFailed(Exception exception, Guid teamId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} is now {Status}")]
    private partial void LogStatus(Guid campaignId, CampaignStatus status);
}
