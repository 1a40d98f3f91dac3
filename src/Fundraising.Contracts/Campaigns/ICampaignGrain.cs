using Fundraising.Contracts.Donations;
using Fundraising.Contracts.Progress;

namespace Fundraising.Contracts.Campaigns;

/// <summary>
/// One campaign (an appeal or a village project) and the single writer of its donations.
/// Keyed by the campaign's <see cref="Guid"/>. Donation commands are group-committed to the
/// ledger in PostgreSQL: a command completes only after its batch is durable.
/// </summary>
public interface ICampaignGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Creates the campaign in <see cref="CampaignStatus.Draft"/>. The catalogue row and the audit entry naming
    /// <paramref name="actor"/> are written in one transaction; so are they for opening and closing.
    /// </summary>
    Task<CampaignCommandResult> CreateAsync(CampaignDefinition definition, string actor);

    /// <summary>Moves a draft campaign to live. Opening a live campaign is a no-op (and audits nothing).</summary>
    Task<CampaignCommandResult> OpenAsync(string actor);

    /// <summary>Closes a campaign; it accepts no donations afterwards. Closing a closed campaign is a no-op.</summary>
    Task<CampaignCommandResult> CloseAsync(string actor);

    /// <summary>The campaign, or null when it was never created.</summary>
    Task<CampaignSummary?> GetSummaryAsync();

    /// <summary>Records a pending donation, idempotent on <see cref="NewDonation.IdempotencyKey"/>.</summary>
    Task<DonationResult> CreateDonationAsync(NewDonation donation);

    /// <summary>
    /// Marks a pending donation succeeded: <paramref name="provider"/> (its name, e.g. <c>sandbox</c>, <c>stripe</c>) says it
    /// was paid. Only the provider the gift was started with can confirm it (<see cref="DonationRecord.IsPaidThrough"/>);
    /// any other is refused with <see cref="DonationError.ProviderMismatch"/> and nothing changes. Idempotent.
    /// </summary>
    Task<DonationResult> ConfirmDonationAsync(Guid donationId, string provider);

    /// <summary>
    /// Records money a payment provider has already taken without a donor at the door (a monthly gift's
    /// invoice): a succeeded online gift, idempotent on <see cref="NewDonation.IdempotencyKey"/>, which
    /// names the provider's object (the invoice) so that a redelivered notification counts once.
    /// Counts even if the campaign has closed since the donor signed up, because the money was taken.
    /// </summary>
    Task<DonationResult> RecordProviderPaymentAsync(NewDonation payment);

    /// <summary>Records an offline gift (cash, bank transfer) that succeeds at once.</summary>
    Task<DonationResult> RecordOfflineDonationAsync(NewOfflineDonation donation);

    /// <summary>
    /// Imports a gift made before the platform kept the ledger (an earlier year's records): written through the same
    /// group commit, with its past date, as succeeded, online (provider <c>import</c>) or offline (method <c>import</c>),
    /// with an <c>import_gift</c> audit entry. Taken whatever the campaign's status (the gift happened), in its currency;
    /// idempotent on <see cref="ImportedGift.IdempotencyKey"/>, so an import run twice counts once.
    /// </summary>
    Task<DonationResult> ImportGiftAsync(ImportedGift gift);

    /// <summary>
    /// Whether a monthly gift of this amount and currency may start now: the same admission as a one-off
    /// online gift (live, currency, limit), and the team and sub-plan it names, if any, are this campaign's
    /// (<see cref="DonationError.TeamNotFound"/>, <see cref="DonationError.SubPlanNotFound"/>). Writes nothing; each paid
    /// month is recorded through <see cref="RecordProviderPaymentAsync"/>.
    /// </summary>
    Task<DonationResult> AdmitMonthlyGiftAsync(long amount, string currency, Guid? teamId = null, Guid? subPlanId = null);

    /// <summary>Records a stage pledge (认捐) with its audit entry. It counts nothing until offline gifts pay it.</summary>
    Task<PledgeResult> RecordPledgeAsync(NewPledge pledge);

    /// <summary>
    /// Decides a refund without making it: the gift as it stands and the amount that
    /// <see cref="RefundAsync"/> would give back now, or why it would refuse. A card refund asks this before
    /// the provider moves money.
    /// </summary>
    Task<RefundResult> PrepareRefundAsync(NewRefund refund);

    /// <summary>
    /// Gives money back: a compensating entry, never more than was paid less earlier refunds, also
    /// under concurrent requests. Idempotent on <see cref="NewRefund.IdempotencyKey"/>.
    /// </summary>
    Task<RefundResult> RefundAsync(NewRefund refund);

    /// <summary>The in-memory totals, for reconciliation against the ledger.</summary>
    Task<CampaignTotals> GetTotalsAsync();

    /// <summary>The current progress snapshot.</summary>
    Task<ProgressSnapshot?> GetProgressAsync();

    /// <summary>Subscribes a front end to coalesced progress pushes. Must be renewed within <see cref="ProgressSubscription.Lifetime"/>.</summary>
    Task SubscribeAsync(IProgressObserver observer);

    /// <summary>Stops pushes to a front end.</summary>
    Task UnsubscribeAsync(IProgressObserver observer);

    /// <summary>Re-reads which matching pools may match this campaign's gifts (one was created or resumed).</summary>
    Task PoolsChangedAsync();

    /// <summary>
    /// An admin's decision on a held match of one of this campaign's gifts: released, it counts in the campaign's matched
    /// total; rejected, its money returns to the pool. Once only.
    /// </summary>
    Task<Matching.FlagDecisionError> DecideFlaggedAsync(Guid donationId, Matching.FlagDecision decision, string actor);

    /// <summary>
    /// A verified donor opens a team (一起捐) for this campaign, on the teams board of the event it takes part in that is
    /// open now (the one ending soonest) or else the next to open. Refused for an unknown or draft campaign, a closed
    /// campaign, and a campaign in no open or upcoming event.
    /// </summary>
    Task<Teams.TeamResult> CreateTeamAsync(Teams.NewTeam team);

    /// <summary>The giving-day events this campaign takes part in (cached; re-read about every 30 s).</summary>
    Task<IReadOnlyList<Guid>> GetEventsAsync();

    /// <summary>Re-reads which events this campaign takes part in (one was just created), so its next gifts reach their boards.</summary>
    Task EventsChangedAsync();

    /// <summary>
    /// Adds a sub-plan to this village project (refused for appeals, closed projects, a title it already has). Gifts may
    /// name it from then on (<see cref="NewDonation.SubPlanId"/>); a gift naming a sub-plan of another campaign is refused
    /// with <see cref="DonationError.SubPlanNotFound"/>.
    /// </summary>
    Task<Villages.SubPlanResult> CreateSubPlanAsync(Villages.NewSubPlan subPlan);

    /// <summary>This project's sub-plans with their progress (in memory, moved by each commit that touches them).</summary>
    Task<IReadOnlyList<Villages.SubPlanSummary>> GetSubPlansAsync();

    /// <summary>
    /// Posts an update or a milestone on this project; every photo it names must be one of this project's. Watchers of the
    /// feed get it with the next coalesced push.
    /// </summary>
    Task<Villages.PostResult> PostAsync(Villages.NewPost post);

    /// <summary>
    /// Tells this project's watchers that a photo of it was stored (<c>POST /api/campaigns/{id}/photos</c>): the next
    /// coalesced push carries it as a <see cref="Villages.FeedKind.Photo"/> entry, so the village page shows it at once.
    /// </summary>
    Task PhotoAddedAsync(Guid photoId, string? caption);

    /// <summary>
    /// Records money going out of the project (a disbursement or expense), with its audit entry and the project's
    /// disbursed total in one transaction; acknowledged only once durable. Refused when it is not in the campaign's
    /// currency, when it was paid more than a day ahead of now, when its evidence is refused, and when it would take the
    /// balance (raised + matched - disbursed) below zero, also when many arrive at once: they take turns.
    /// </summary>
    Task<Disbursements.DisbursementResult> DisburseAsync(Disbursements.NewDisbursement disbursement);

    /// <summary>
    /// Corrects one of this project's disbursements with a new entry naming it (both stay). Refused for a correction of a
    /// correction, one that would take the corrected entry's net amount below zero, and one that would overdraw the balance.
    /// </summary>
    Task<Disbursements.DisbursementResult> CorrectDisbursementAsync(Disbursements.NewCorrection correction);

    /// <summary>Raised, matched and disbursed as this campaign holds them now (the balance its next disbursement is decided on).</summary>
    Task<Disbursements.ProjectBalance> GetBalanceAsync();
}
