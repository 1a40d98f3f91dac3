using Fundraising.Contracts.Teams;

namespace Fundraising.Contracts.Leaderboards;

/// <summary>
/// The leaderboards of one giving-day event. Key: the event's id. It keeps exact aggregates of every board, built from
/// the ledger and catalogue when it activates and moved by the campaigns' deltas (<see cref="ApplyAsync"/>), which the
/// silos' feeds hand it in batches on a timer, never one call per gift.
/// </summary>
public interface IEventBoardGrain : IGrainWithGuidKey
{
    /// <summary>Applies campaigns' deltas in each campaign's version order; a gap or a re-read request re-reads that campaign.</summary>
    Task ApplyAsync(IReadOnlyList<CampaignBoardDelta> deltas);

    /// <summary>The top <paramref name="top"/> of a board, its totals, and the entry of <paramref name="key"/> if given; null for an unknown event.</summary>
    Task<BoardView?> GetBoardAsync(BoardKind board, BoardOrder by, int top, string? key);

    /// <summary>One entry with its ranks on both orders; null when the event or the entry is unknown.</summary>
    Task<BoardEntryView?> GetEntryAsync(BoardKind board, string key);

    /// <summary>
    /// A verified donor's own entries on the donors board (found by the donor's id, which never leaves the silo in a key);
    /// null for an unknown event. Only the donor themselves may be told which anonymous entry is theirs.
    /// </summary>
    Task<DonorStanding?> GetDonorStandingAsync(Guid donorId);

    /// <summary>A team of this event with its live totals and members' newest gifts; null when it is not this event's.</summary>
    Task<TeamSnapshot?> GetTeamAsync(Guid teamId);

    /// <summary>A team was just created: it is on the teams board at once (with nothing raised).</summary>
    Task TeamCreatedAsync(TeamRecord team);

    /// <summary>Subscribes (or renews) a front end with what it watches; lapses without renewal like progress subscriptions.</summary>
    Task SubscribeAsync(IBoardObserver observer, BoardWatch watch);

    Task UnsubscribeAsync(IBoardObserver observer);
}

/// <summary>A front end that relays boards to its SignalR clients.</summary>
public interface IBoardObserver : IGrainObserver
{
    /// <summary>One-way: the board does not wait for a front end to relay its push.</summary>
    [Orleans.Concurrency.OneWay]
    Task OnBoardsAsync(BoardPush push);
}
