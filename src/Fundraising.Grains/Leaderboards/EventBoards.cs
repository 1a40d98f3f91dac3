using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Leaderboards;
using Fundraising.Contracts.Teams;
using Fundraising.Persistence.Leaderboards;

namespace Fundraising.Grains.Leaderboards;

/// <summary>
/// The exact aggregates behind one event's boards, kept per campaign so that any campaign can be re-read from the
/// ledger and replaced without touching the others: its totals by bucket, its matched money, its part of every verified
/// donor's sums, and its teams (a team raises for one campaign). Region boards are summed from the campaigns when shown.
/// </summary>
/// <remarks>
/// A campaign's deltas are applied in its totals-version order only: version v+1 after v; older ones are already in and
/// are dropped; newer ones wait for the gap to fill, and a gap that does not fill soon (a delta lost with a silo), or a
/// delta that asks for it, has the campaign re-read (<see cref="NeedingReread"/>). Not thread-safe: it lives in its grain.
/// </remarks>
public sealed class EventBoards(Guid eventId, BoardEventRow eventRow, Func<Guid, bool, string> donorKey)
{
    private const int TeamRecentCount = BoardStore.TeamRecentCount;

    private readonly Dictionary<Guid, CampaignPart> _campaigns = [];
    private readonly Dictionary<DonorId, DonorEntry> _donors = [];
    private readonly Dictionary<Guid, TeamEntry> _teams = [];
    // Deltas of campaigns this board does not know yet (they joined the event since it was read): kept for their re-read.
    private readonly Dictionary<Guid, List<CampaignBoardDelta>> _unknown = [];
    private readonly HashSet<BoardKind> _dirty = [];
    private readonly HashSet<Guid> _dirtyTeams = [];
    // Each board's lines as last made, until the next change to it: a push shows many entries of the same boards.
    private readonly Dictionary<BoardKind, IReadOnlyCollection<BoardRow>> _rows = [];

    public Guid EventId { get; } = eventId;

    public BoardOptions Options { get; private set; } = eventRow.Options;

    public string Currency { get; private set; } = eventRow.Currency;

    public IReadOnlySet<BoardKind> DirtyBoards => _dirty;

    public IReadOnlySet<Guid> DirtyTeams => _dirtyTeams;

    public bool HasChanges => _dirty.Count > 0 || _dirtyTeams.Count > 0;

    public void ClearChanges()
    {
        _dirty.Clear();
        _dirtyTeams.Clear();
    }

    /// <summary>The totals version applied for a campaign (null when the board does not know it).</summary>
    public long? VersionOf(Guid campaignId) => _campaigns.TryGetValue(campaignId, out var part) ? part.Version : null;

    /// <summary>Applies one campaign's delta if it is the next one; otherwise keeps it, or drops it when it is already in.</summary>
    public void Apply(CampaignBoardDelta delta, DateTimeOffset now)
    {
        if (!_campaigns.TryGetValue(delta.CampaignId, out var part))
        {
            if (!_unknown.TryGetValue(delta.CampaignId, out var waiting))
            {
                _unknown[delta.CampaignId] = waiting = [];
            }
            if (!delta.Reread)
            {
                waiting.Add(delta);
            }
            return;
        }
        if (delta.Reread)
        {
            part.RereadWanted = true;
            return;
        }
        if (delta.Version <= part.Version)
        {
            return;
        }
        part.Pending[delta.Version] = delta;
        Drain(part, now);
    }

    /// <summary>Campaigns to re-read now: asked for, unknown, or with a gap older than <paramref name="gapWait"/>.</summary>
    public IReadOnlyList<Guid> NeedingReread(DateTimeOffset now, TimeSpan gapWait) =>
        [.. _campaigns.Values.Where(p => p.RereadWanted || (p.WaitingSince is { } since && now - since >= gapWait)).Select(p => p.Row.Id)
            .Concat(_unknown.Keys)];

    /// <summary>
    /// Campaigns whose durable version is not the one applied, and campaigns that joined or left the event: what a
    /// board re-reads when it reconciles (a delta lost with a killed silo is found here, even with no later gift).
    /// </summary>
    public IReadOnlyList<Guid> Behind(IReadOnlyDictionary<Guid, long> versions) =>
        [.. versions.Where(v => !_campaigns.TryGetValue(v.Key, out var part) || part.Version != v.Value).Select(v => v.Key)
            .Concat(_campaigns.Keys.Where(id => !versions.ContainsKey(id)))];

    /// <summary>
    /// Of the campaigns <see cref="Behind"/> named at a reconciliation (each with the durable version read then), those
    /// still below it: a campaign whose deltas were only on their way (queued at a silo's feed for an interval) has caught
    /// up by now and needs no re-read, one whose delta was lost has not.
    /// </summary>
    public IReadOnlyList<Guid> StillBehind(IReadOnlyDictionary<Guid, long> suspects) =>
        [.. suspects.Where(s => VersionOf(s.Key) is not { } applied || applied < s.Value).Select(s => s.Key)];

    /// <summary>
    /// Replaces the parts of the campaigns <paramref name="snapshot"/> holds with what the ledger says, then applies the
    /// deltas waiting above their versions. Of <paramref name="requested"/> (null: the whole event), a campaign the
    /// snapshot does not hold no longer takes part and leaves the boards.
    /// </summary>
    public void Load(BoardSnapshot snapshot, IReadOnlyCollection<Guid>? requested, DateTimeOffset now)
    {
        (Options, Currency) = (snapshot.Event.Options, snapshot.Event.Currency);
        var donorsByCampaign = snapshot.Donors.ToLookup(d => d.CampaignId, d => d.Donor);
        var teamsByCampaign = snapshot.Teams.ToLookup(t => t.CampaignId);
        foreach (var row in snapshot.Campaigns)
        {
            if (!_campaigns.TryGetValue(row.Id, out var part))
            {
                _campaigns[row.Id] = part = new CampaignPart(row);
            }
            RemoveDonors(part);
            foreach (var donor in donorsByCampaign[row.Id])
            {
                AddDonor(part, donor);
            }
            (part.Row, part.Version, part.Sums, part.Matched) = (row, row.Version, snapshot.CampaignSums.GetValueOrDefault(row.Id), row.MatchedAmount);
            foreach (var team in _teams.Values.Where(t => t.Team.CampaignId == row.Id))
            {
                (team.Sums, team.Recent) = (BucketSums.Zero, []);
                _dirtyTeams.Add(team.Team.Id);
            }
            foreach (var team in teamsByCampaign[row.Id])
            {
                var entry = _teams.TryGetValue(team.Id, out var known) ? known : _teams[team.Id] = new TeamEntry(team);
                (entry.Team, entry.Sums) = (team, snapshot.TeamSums.GetValueOrDefault(team.Id));
                entry.Recent = [.. snapshot.TeamRecent.GetValueOrDefault(team.Id) ?? []];
                _dirtyTeams.Add(team.Id);
            }
            part.RereadWanted = false;
            part.WaitingSince = null;
            if (_unknown.Remove(row.Id, out var waiting))
            {
                foreach (var delta in waiting.Where(d => d.Version > part.Version))
                {
                    part.Pending[delta.Version] = delta;
                }
            }
            foreach (var old in part.Pending.Keys.Where(v => v <= part.Version).ToList())
            {
                part.Pending.Remove(old);
            }
            Drain(part, now);
        }
        var held = snapshot.Campaigns.Select(c => c.Id).ToHashSet();
        foreach (var gone in (requested ?? [.. _campaigns.Keys]).Where(id => !held.Contains(id)).ToList())
        {
            _unknown.Remove(gone);
            if (_campaigns.Remove(gone, out var part))
            {
                RemoveDonors(part);
                foreach (var team in _teams.Values.Where(t => t.Team.CampaignId == gone).ToList())
                {
                    _teams.Remove(team.Team.Id);
                }
            }
        }
        Changed(Enum.GetValues<BoardKind>());
    }

    /// <summary>A team just created: on the teams board at once, with nothing raised yet.</summary>
    public void AddTeam(TeamRecord team)
    {
        if (team.EventId == EventId && _campaigns.ContainsKey(team.CampaignId) && !_teams.ContainsKey(team.Id))
        {
            _teams[team.Id] = new TeamEntry(team);
            Changed(BoardKind.Teams);
            _dirtyTeams.Add(team.Id);
        }
    }

    /// <summary>Every line of a board, unranked.</summary>
    public IReadOnlyCollection<BoardRow> Rows(BoardKind board)
    {
        if (_rows.TryGetValue(board, out var made))
        {
            return made;
        }
        return _rows[board] = MakeRows(board);
    }

    private IReadOnlyCollection<BoardRow> MakeRows(BoardKind board)
    {
        var shown = _campaigns.Values.Where(p => p.Row.Status != CampaignStatus.Draft);
        return board switch
        {
            BoardKind.Campaigns => [.. shown.Select(CampaignRow)],
            BoardKind.Villages => [.. shown.Where(p => p.Row.Kind == CampaignKind.Village).Select(CampaignRow)],
            BoardKind.Towns => Regions(shown.Where(p => p.Row.Town is not null), p => $"{p.Row.City}/{p.Row.County}/{p.Row.Town}", p => p.Row.Town!),
            BoardKind.Counties => Regions(shown, p => $"{p.Row.City}/{p.Row.County}", p => p.Row.County),
            BoardKind.Cities => Regions(shown, p => p.Row.City, p => p.Row.City),
            BoardKind.Teams => [.. _teams.Values.Select(t => Row(t.Team.Id.ToString(), t.Team.Name, t.Sums, 0))],
            _ => [.. _donors.Values.Where(d => !d.Sums.IsZero).Select(d => Row(d.Key, d.Anonymous ? BoardNames.Anonymous : d.Name ?? BoardNames.Unnamed, d.Sums, 0))],
        };
    }

    public BoardView View(BoardKind board, BoardOrder by, int top, string? key, DateTimeOffset now)
    {
        var rows = Rows(board);
        var entry = key is null ? null : Find(rows, board, key) is { } row ? BoardRanking.Entry(row, BoardRanking.RankOf(rows, row, by)) : null;
        return new BoardView(EventId, board, by, now, BoardRanking.Top(rows, by, top), BoardRanking.Totals(rows), Currency, entry);
    }

    public BoardEntryView? Entry(BoardKind board, string key, DateTimeOffset now)
    {
        var rows = Rows(board);
        return Find(rows, board, key) is { } row
            ? new BoardEntryView(EventId, board, row.Key, row.Name, row.Amount, row.Count, row.MatchedAmount,
                BoardRanking.RankOf(rows, row, BoardOrder.Amount), BoardRanking.RankOf(rows, row, BoardOrder.Count), now)
            : null;
    }

    public TeamSnapshot? Team(Guid teamId, DateTimeOffset now)
    {
        if (!_teams.TryGetValue(teamId, out var team))
        {
            return null;
        }
        var (amount, count) = team.Sums.Counted(Options);
        return new TeamSnapshot(team.Team, amount, count, [.. team.Recent], now);
    }

    // Campaign and team keys are ids: any spelling of the id finds the entry.
    private static BoardRow? Find(IReadOnlyCollection<BoardRow> rows, BoardKind board, string key)
    {
        if (board is BoardKind.Campaigns or BoardKind.Villages or BoardKind.Teams && Guid.TryParse(key, out var id))
        {
            key = id.ToString();
        }
        return rows.FirstOrDefault(r => r.Key == key);
    }

    private BoardRow CampaignRow(CampaignPart part) => Row(part.Row.Id.ToString(), part.Row.Title, part.Sums, part.Matched);

    private BoardRow[] Regions(IEnumerable<CampaignPart> parts, Func<CampaignPart, string> key, Func<CampaignPart, string> name) =>
        [.. parts.GroupBy(key, StringComparer.Ordinal).Select(g =>
        {
            var (amount, count) = g.Aggregate(BucketSums.Zero, (sum, p) => sum.Add(p.Sums)).Counted(Options);
            return new BoardRow(g.Key, name(g.First()), amount, count, g.Sum(p => p.Matched));
        })];

    private BoardRow Row(string key, string name, BucketSums sums, long matched)
    {
        var (amount, count) = sums.Counted(Options);
        return new BoardRow(key, name, amount, count, matched);
    }

    private void Changed(BoardKind board)
    {
        _dirty.Add(board);
        _rows.Remove(board);
    }

    private void Changed(IEnumerable<BoardKind> boards)
    {
        foreach (var board in boards)
        {
            Changed(board);
        }
    }

    // Applies the campaign's waiting deltas while the next one is there; a gap left behind starts waiting.
    private void Drain(CampaignPart part, DateTimeOffset now)
    {
        while (part.Pending.Remove(part.Version + 1, out var next))
        {
            ApplyNext(part, next);
        }
        part.WaitingSince = part.Pending.Count == 0 ? null : part.WaitingSince ?? now;
    }

    private void ApplyNext(CampaignPart part, CampaignBoardDelta delta)
    {
        part.Version = delta.Version;
        part.Sums = part.Sums.Add(delta.Sums);
        part.Matched += delta.MatchedAmount;
        Changed([BoardKind.Campaigns, BoardKind.Counties, BoardKind.Cities]);
        if (part.Row.Kind == CampaignKind.Village)
        {
            Changed(BoardKind.Villages);
        }
        if (part.Row.Town is not null)
        {
            Changed(BoardKind.Towns);
        }
        foreach (var donor in delta.Donors)
        {
            AddDonor(part, donor);
        }
        foreach (var change in delta.Teams)
        {
            if (!_teams.TryGetValue(change.TeamId, out var team))
            {
                // A team this board has not seen (created on a silo whose notice did not arrive): the ledger knows it.
                part.RereadWanted = true;
                continue;
            }
            team.Sums = team.Sums.Add(change.Sums);
            team.Recent = [.. change.Recent.Concat(team.Recent).Take(TeamRecentCount)];
            Changed(BoardKind.Teams);
            _dirtyTeams.Add(team.Team.Id);
        }
    }

    private void AddDonor(CampaignPart part, DonorDelta donor)
    {
        var id = new DonorId(donor.DonorId, donor.Anonymous);
        var mine = part.Donors.GetValueOrDefault(id).Add(donor.Sums);
        if (mine.IsZero)
        {
            part.Donors.Remove(id);
        }
        else
        {
            part.Donors[id] = mine;
        }
        if (!_donors.TryGetValue(id, out var entry))
        {
            _donors[id] = entry = new DonorEntry(donorKey(donor.DonorId, donor.Anonymous), donor.Anonymous);
        }
        entry.Sums = entry.Sums.Add(donor.Sums);
        if (!donor.Anonymous && donor.At >= entry.NameAt)
        {
            (entry.Name, entry.NameAt) = (donor.Name, donor.At);
        }
        if (entry.Sums.IsZero)
        {
            _donors.Remove(id);
        }
        Changed(BoardKind.Donors);
    }

    private void RemoveDonors(CampaignPart part)
    {
        foreach (var (id, sums) in part.Donors)
        {
            if (_donors.TryGetValue(id, out var entry))
            {
                entry.Sums = entry.Sums.Subtract(sums);
                if (entry.Sums.IsZero)
                {
                    _donors.Remove(id);
                }
            }
        }
        part.Donors.Clear();
        Changed(BoardKind.Donors);
    }

    private readonly record struct DonorId(Guid Donor, bool Anonymous);

    private sealed class CampaignPart(BoardCampaignRow row)
    {
        public BoardCampaignRow Row { get; set; } = row;
        public long Version { get; set; } = row.Version;
        public BucketSums Sums { get; set; }
        public long Matched { get; set; }
        public Dictionary<DonorId, BucketSums> Donors { get; } = [];
        public SortedDictionary<long, CampaignBoardDelta> Pending { get; } = [];
        public DateTimeOffset? WaitingSince { get; set; }
        public bool RereadWanted { get; set; }
    }

    private sealed class DonorEntry(string key, bool anonymous)
    {
        public string Key { get; } = key;
        public bool Anonymous { get; } = anonymous;
        public BucketSums Sums { get; set; }
        public string? Name { get; set; }
        public DateTimeOffset NameAt { get; set; } = DateTimeOffset.MinValue;
    }

    private sealed class TeamEntry(TeamRecord team)
    {
        public TeamRecord Team { get; set; } = team;
        public BucketSums Sums { get; set; }
        public List<TeamGift> Recent { get; set; } = [];
    }
}
