using System.Diagnostics;
using System.Text;
using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;
using Fundraising.Persistence.Ledger;
using Fundraising.Persistence.Pledges;
using Npgsql;

namespace Fundraising.Grains.Tests.Persistence;

/// <summary><see cref="PostgresLedgerWriter.CommitManyAsync"/>: many campaigns' batches in one transaction.</summary>
public sealed class MultiCampaignLedgerTests : LedgerTestBase
{
    private const int Campaigns = 8;

    [Fact]
    public async Task ManyCampaignsInOneTransactionGetExactlyTheOutcomesAndTotalsOfOneTransactionEach()
    {
        var alone = await ScriptsAsync();
        var together = await ScriptsAsync();
        var aloneOutcomes = new List<string>[Campaigns];
        var togetherOutcomes = new List<string>[Campaigns];
        for (var i = 0; i < Campaigns; i++)
        {
            (aloneOutcomes[i], togetherOutcomes[i]) = ([], []);
        }

        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < Campaigns; i++)
            {
                aloneOutcomes[i].Add(Describe(await Ledger.CommitAsync(alone[i].Round(round, alone[(i + 1) % Campaigns]))));
            }
            var outcomes = await Ledger.CommitManyAsync([.. together.Select((s, i) => s.Round(round, together[(i + 1) % Campaigns]))]);
            Assert.Equal(Campaigns, outcomes.Count);
            for (var i = 0; i < Campaigns; i++)
            {
                togetherOutcomes[i].Add(Describe(outcomes[i]));
            }
        }

        // What the script must do, whichever way it is written (so the comparison cannot pass by both being wrong).
        var expected = new CampaignTotals(631_390, 6, OnlineAmount: 390, OfflineAmount: 601_000, GoodsAmount: 30_000);
        var reconciliation = await Queries.ReconcileAsync();
        for (var i = 0; i < Campaigns; i++)
        {
            Assert.Equal(aloneOutcomes[i], togetherOutcomes[i]);
            foreach (var script in new[] { alone[i], together[i] })
            {
                Assert.Equal(expected, await Catalog.LoadTotalsAsync(script.Campaign));
                var row = Assert.Single(reconciliation, r => r.CampaignId == script.Campaign);
                Assert.Equal(expected, row.Ledger);
                // Three admin entries (offline money, goods, the allowed pledge payment) and two refunds.
                Assert.Equal(5L, await Database.ScalarAsync<long>("SELECT count(*) FROM admin_audit WHERE campaign_id = $1 AND action IN ('record_offline_gift', 'record_goods', 'refund')", script.Campaign));
                Assert.Equal(600_000L, await Database.ScalarAsync<long>("SELECT paid_amount FROM pledges WHERE id = $1", script.Pledge));
            }
        }
        // Spot checks of the shared description, so that an outcome both ways get wrong still fails.
        Assert.Contains("refused PledgeOverpaid", togetherOutcomes[0][0]);
        Assert.Contains("existing dup 10", togetherOutcomes[0][0]);
        Assert.Contains("missing 2", togetherOutcomes[0][1]);
        Assert.Contains("unchanged 999 Pending", togetherOutcomes[0][1]);
        Assert.Contains("existing b 250", togetherOutcomes[0][1]);
        Assert.Contains("existing a 100", togetherOutcomes[0][1]);
        Assert.Contains("refund None 3000 Refunded", togetherOutcomes[0][2]);
    }

    [Fact]
    public async Task TheStatementsOfATransactionDoNotGrowWithTheNumberOfCampaignsInIt()
    {
        var statements = 0;
        var builder = new NpgsqlDataSourceBuilder(Database.ConnectionString);
        // Called for every command this data source runs while something listens to Npgsql's traces.
        builder.ConfigureTracing(tracing => tracing.ConfigureCommandFilter(_ => { Interlocked.Increment(ref statements); return false; }));
        await using var counted = builder.Build();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        };
        ActivitySource.AddActivityListener(listener);
        var writer = new PostgresLedgerWriter(counted);

        async Task<int> StatementsForAsync(int campaigns)
        {
            var batches = new List<LedgerBatch>();
            for (var i = 0; i < campaigns; i++)
            {
                var campaign = await CampaignAsync();
                var earlier = Online(campaign, "earlier", 300, DonationStatus.Pending);
                await Ledger.CommitAsync(new LedgerBatch(campaign, [earlier], []));
                batches.Add(new LedgerBatch(campaign,
                    [Online(campaign, "new", 100, DonationStatus.Pending), earlier with { Record = earlier.Record with { Id = Guid.CreateVersion7() } }, Offline(campaign, "cash", 1_000)],
                    [new(earlier.Record.Id, "sandbox"), new(Guid.NewGuid(), "sandbox")]));
            }
            var before = Volatile.Read(ref statements);
            var outcomes = await writer.CommitManyAsync(batches);
            Assert.All(outcomes, o => Assert.Equal((2, 1, 1, 1), (o.Inserted.Count, o.Existing.Count, o.Confirmed.Count, o.Missing.Count)));
            return Volatile.Read(ref statements) - before;
        }

        var few = await StatementsForAsync(2);
        var many = await StatementsForAsync(40);
        Assert.True(few >= 6, $"only {few} statements were counted: is the counter working?");
        Assert.Equal(few, many);
    }

    [Fact]
    public async Task TwoBatchesOfOneCampaignAreRefusedInOneTransaction()
    {
        var campaign = await CampaignAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => Ledger.CommitManyAsync([
            new LedgerBatch(campaign, [Online(campaign, "one", 100, DonationStatus.Succeeded)], []),
            new LedgerBatch(campaign, [Online(campaign, "two", 100, DonationStatus.Succeeded)], [])]));
        Assert.Equal(0L, await Database.ScalarAsync<long>("SELECT count(*) FROM donations WHERE campaign_id = $1", campaign));
    }

    [Fact]
    public async Task ACampaignWithoutACatalogueRowFailsTheWholeTransaction()
    {
        var real = await CampaignAsync();
        var ghost = Guid.NewGuid();
        // The ghost's gift is pending (no foreign key failure: only its confirmation would move totals); the real one's succeeded.
        var exception = await Assert.ThrowsAnyAsync<Exception>(() => Ledger.CommitManyAsync([
            new LedgerBatch(real, [Online(real, "real", 100, DonationStatus.Succeeded)], []),
            new LedgerBatch(ghost, [Offline(ghost, "ghost", 100)], [])]));
        Assert.True(exception is CampaignNotInCatalogueException or PostgresException, exception.ToString());
        Assert.Equal(0L, await Database.ScalarAsync<long>("SELECT count(*) FROM donations WHERE campaign_id = $1", real));
        Assert.Equal(CampaignTotals.Zero, await Catalog.LoadTotalsAsync(real));
    }

    private static LedgerInsert Online(Guid campaign, string key, long amount, DonationStatus status, string provider = "sandbox") => new(
        new DonationRecord(Guid.CreateVersion7(), campaign, amount, "CNY", "捐赠人", false, null, status, DonationChannel.Online, provider,
            DateTimeOffset.UtcNow, status == DonationStatus.Pending ? null : DateTimeOffset.UtcNow),
        key, Encoding.UTF8.GetBytes(key));

    private static LedgerInsert Offline(Guid campaign, string key, long amount, DonationKind kind = DonationKind.Money, Guid? pledge = null) => new(
        new DonationRecord(Guid.CreateVersion7(), campaign, amount, "CNY", "企业", false, null, DonationStatus.Succeeded, DonationChannel.Offline, "offline",
            DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, kind, 0, kind == DonationKind.Goods ? "太阳能热水器" : null, kind == DonationKind.Goods ? 12 : null, null, pledge),
        key, Encoding.UTF8.GetBytes(key), "REF-" + key, "bank_transfer", "admin");

    private static LedgerRefund Refund(Guid campaign, Guid donation, long amount, string key) =>
        new(new RefundRecord(Guid.CreateVersion7(), donation, campaign, amount, "捐赠人要求退款", "admin", DateTimeOffset.UtcNow), key);

    private async Task<Script[]> ScriptsAsync()
    {
        var scripts = new Script[Campaigns];
        for (var i = 0; i < Campaigns; i++)
        {
            var campaign = await CampaignAsync();
            var pledge = new PledgeRecord(Guid.NewGuid(), campaign, "商洛某企业", 1_000_000, "CNY", "理事会现场认捐", 0, "admin", DateTimeOffset.UtcNow);
            await new PledgeStore(Database.DataSource).CreateAsync(pledge);
            scripts[i] = new Script(campaign, pledge.Id);
        }
        return scripts;
    }

    /// <summary>Three rounds of one campaign's batches touching every kind of entry, retry and refusal the ledger knows.</summary>
    private sealed class Script(Guid campaign, Guid pledge)
    {
        public Guid Campaign { get; } = campaign;
        public Guid Pledge { get; } = pledge;

        private readonly LedgerInsert _a = Online(campaign, "a", 100, DonationStatus.Pending);
        private readonly LedgerInsert _b = Online(campaign, "b", 250, DonationStatus.Pending);
        private readonly LedgerInsert _c = Online(campaign, "c", 40, DonationStatus.Pending);
        private readonly LedgerInsert _card = Online(campaign, "card", 999, DonationStatus.Pending, "stripe");
        private readonly LedgerInsert _paid = Online(campaign, "paid", 5_000, DonationStatus.Succeeded);

        public LedgerBatch Round(int round, Script neighbour) => round switch
        {
            0 => new LedgerBatch(Campaign,
                [_a, _b, _card, _paid, Offline(Campaign, "cash", 1_000), Offline(Campaign, "goods", 30_000, DonationKind.Goods),
                 Offline(Campaign, "pledge-1", 600_000, pledge: Pledge), Offline(Campaign, "pledge-2", 500_000, pledge: Pledge),
                 Online(Campaign, "dup", 10, DonationStatus.Pending), Online(Campaign, "dup", 20, DonationStatus.Pending)],
                []),
            1 => new LedgerBatch(Campaign,
                // A retry of "a" (same body), "b" again with another body, and a new gift.
                [_a with { Record = _a.Record with { Id = Guid.CreateVersion7() } }, _b with { Record = _b.Record with { Id = Guid.CreateVersion7() }, RequestHash = [7] }, _c],
                // Twice the same; another provider's gift; an unknown id; the next campaign's gift (which it confirms itself).
                [new(_a.Record.Id, "sandbox"), new(_b.Record.Id, "sandbox"), new(_a.Record.Id, "sandbox"), new(_card.Record.Id, "sandbox"),
                 new(Guid.NewGuid(), "sandbox"), new(neighbour._b.Record.Id, "sandbox")],
                [Refund(Campaign, _paid.Record.Id, 2_000, "r1")]),
            _ => new LedgerBatch(Campaign, [],
                [new(_a.Record.Id, "sandbox"), new(_c.Record.Id, "sandbox")],
                // A replay, the same key for another amount, the rest in full, a gift it does not have.
                [Refund(Campaign, _paid.Record.Id, 2_000, "r1"), Refund(Campaign, _paid.Record.Id, 2_500, "r1"),
                 Refund(Campaign, _paid.Record.Id, 0, "r-rest"), Refund(Campaign, Guid.NewGuid(), 10, "r-x")]),
        };
    }

    /// <summary>An outcome without ids (which differ between the two runs): amounts, statuses, keys, errors.</summary>
    private static string Describe(LedgerBatchOutcome outcome)
    {
        static string Record(DonationRecord r) => $"{r.Amount} {r.Status} {r.Channel} {r.Kind} {r.Provider} {r.RefundedAmount}";
        var lines = new List<string>();
        lines.AddRange(outcome.Inserted.Select(r => "inserted " + Record(r)).Order());
        lines.AddRange(outcome.Existing.Select(e => $"existing {e.IdempotencyKey} {e.Record.Amount} {(e.RequestHash.SequenceEqual(Encoding.UTF8.GetBytes(e.IdempotencyKey)) ? "same" : "other")}").Order());
        lines.AddRange(outcome.Confirmed.Select(r => "confirmed " + Record(r)).Order());
        lines.AddRange(outcome.Unchanged.Select(r => "unchanged " + Record(r)).Order());
        lines.Add($"missing {outcome.Missing.Count}");
        lines.AddRange(outcome.RefusedInserts!.Values.Select(e => $"refused {e}").Order());
        lines.AddRange(outcome.RefundList.Select(r => $"refund {r.Result.Error} {r.Result.Refund?.Amount} {r.Result.Donation?.Status} {r.Result.Replayed}"));
        lines.Add($"delta {outcome.TotalsDelta()}");
        return string.Join("\n", lines);
    }
}
