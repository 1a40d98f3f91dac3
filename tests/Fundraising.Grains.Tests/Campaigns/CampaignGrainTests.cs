using Fundraising.Contracts.Campaigns;
using Fundraising.Contracts.Donations;

namespace Fundraising.Grains.Tests.Campaigns;

[Collection(InMemoryClusterCollection.Name)]
public sealed class CampaignGrainTests(InMemoryClusterFixture fixture)
{
    private static readonly CampaignDefinition Appeal = new(
        "重阳敬老", "慰问高龄老人", CampaignKind.Appeal, new Region("陕西省", "商洛市", "山阳县", null), "CNY", 57_870_000,
        DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

    private InMemoryLedger Ledger => InMemoryClusterFixture.Ledger;

    private async Task<ICampaignGrain> LiveCampaignAsync(CampaignDefinition? definition = null)
    {
        var grain = fixture.Cluster.GrainFactory.GetGrain<ICampaignGrain>(Guid.NewGuid());
        Assert.Equal(CampaignCommandError.None, (await grain.CreateAsync(definition ?? Appeal, "test-admin")).Error);
        Assert.Equal(CampaignCommandError.None, (await grain.OpenAsync("test-admin")).Error);
        return grain;
    }

    private static NewDonation Gift(string key, long amount = 100, string currency = "CNY") =>
        new(key, amount, currency, "捐赠人", false, null, "sandbox");

    [Fact]
    public async Task ConcurrentDonationsAreGroupCommittedInFewBatches()
    {
        var grain = await LiveCampaignAsync();
        var batchesBefore = Ledger.BatchSizes.Count;
        Ledger.Gate = new TaskCompletionSource();
        var creates = Enumerable.Range(0, 500).Select(i => grain.CreateDonationAsync(Gift($"k{i}"))).ToList();
        await Task.Delay(200);
        Ledger.Gate.SetResult();
        Ledger.Gate = null;
        var results = await Task.WhenAll(creates);

        Assert.All(results, r => Assert.Equal(DonationError.None, r.Error));
        Assert.Equal(500, results.Select(r => r.Donation!.Id).Distinct().Count());
        var batches = Ledger.BatchSizes.Count - batchesBefore;
        // One write in flight, the rest queued behind it: a handful of commits, not 500.
        Assert.InRange(batches, 1, 10);
    }

    [Fact]
    public async Task ALedgerThatAnswersWithoutYieldingNeverStallsTheQueue()
    {
        var grain = await LiveCampaignAsync();
        Ledger.Synchronous = true;
        try
        {
            // With a stale "flush in progress" marker left by a flush that completed synchronously, the
            // second donation would wait forever (the grain call would time out).
            for (var i = 0; i < 20; i++)
            {
                var created = await grain.CreateDonationAsync(Gift($"sync-{i}")).WaitAsync(TimeSpan.FromSeconds(20));
                await grain.ConfirmDonationAsync(created.Donation!.Id, "sandbox").WaitAsync(TimeSpan.FromSeconds(20));
            }
        }
        finally
        {
            Ledger.Synchronous = false;
        }
        Assert.Equal(new CampaignTotals(2_000, 20, OnlineAmount: 2_000), await grain.GetTotalsAsync());
    }

    [Fact]
    public async Task DonationIsAcknowledgedOnlyAfterItsBatchCommits()
    {
        var grain = await LiveCampaignAsync();
        var created = await grain.CreateDonationAsync(Gift("ack"));
        Ledger.Gate = new TaskCompletionSource();
        var confirm = grain.ConfirmDonationAsync(created.Donation!.Id, "sandbox");
        await Task.Delay(300);
        Assert.False(confirm.IsCompleted);
        Assert.Equal(0, (await grain.GetTotalsAsync()).DonationCount);
        Ledger.Gate.SetResult();
        Ledger.Gate = null;
        Assert.Equal(DonationStatus.Succeeded, (await confirm).Donation!.Status);
        Assert.Equal(new CampaignTotals(100, 1, OnlineAmount: 100), await grain.GetTotalsAsync());
    }

    [Fact]
    public async Task FailedCommitFailsItsCallersAndCountsNothingUntilRetried()
    {
        var grain = await LiveCampaignAsync();
        var created = await grain.CreateDonationAsync(Gift("fail", 700));
        Ledger.FailNext = new InvalidOperationException("database unavailable");
        await Assert.ThrowsAnyAsync<Exception>(() => grain.ConfirmDonationAsync(created.Donation!.Id, "sandbox"));
        Assert.Equal(CampaignTotals.Zero, await grain.GetTotalsAsync());

        var retried = await grain.ConfirmDonationAsync(created.Donation!.Id, "sandbox");
        Assert.False(retried.Replayed);
        Assert.Equal(new CampaignTotals(700, 1, OnlineAmount: 700), await grain.GetTotalsAsync());
    }

    [Fact]
    public async Task ABatchThatCommittedWithItsAcknowledgementLostIsCountedFromTheLedgerEvenWithNoLaterGift()
    {
        var grain = await LiveCampaignAsync();
        var created = await grain.CreateDonationAsync(Gift("lost-ack", 900));
        Ledger.LoseNextAcknowledgement = new InvalidOperationException("connection closed while committing");
        await Assert.ThrowsAnyAsync<Exception>(() => grain.ConfirmDonationAsync(created.Donation!.Id, "sandbox"));

        // Nothing else happens to this campaign: its totals must still come to the ledger's on their own.
        var ledger = new CampaignTotals(900, 1, OnlineAmount: 900);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await grain.GetTotalsAsync() != ledger && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.Equal(ledger, await grain.GetTotalsAsync());

        // The donor's retry finds the gift already succeeded: answered, and counted once.
        var retried = await grain.ConfirmDonationAsync(created.Donation!.Id, "sandbox");
        Assert.Equal(DonationStatus.Succeeded, retried.Donation!.Status);
        Assert.Equal(ledger, await grain.GetTotalsAsync());
    }

    [Fact]
    public async Task ABusyCampaignCountsABatchWhoseAcknowledgementWasLostBeforeItsNextBatch()
    {
        var grain = await LiveCampaignAsync();
        var first = await grain.CreateDonationAsync(Gift("busy-lost", 400));
        var more = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => grain.CreateDonationAsync(Gift($"busy-{i}"))));
        Ledger.LoseNextAcknowledgement = new InvalidOperationException("connection closed while committing");
        Ledger.Gate = new TaskCompletionSource();
        var lost = grain.ConfirmDonationAsync(first.Donation!.Id, "sandbox");
        await Task.Delay(100);
        // Gifts keep coming while the lost batch is in flight (the queue is never empty when a gift arrives): the batch
        // after it starts from the ledger's totals.
        var confirms = more.Select(m => grain.ConfirmDonationAsync(m.Donation!.Id, "sandbox")).ToList();
        await Task.Delay(100);
        Ledger.Gate.SetResult();
        Ledger.Gate = null;
        await Assert.ThrowsAnyAsync<Exception>(() => lost);
        Assert.All(await Task.WhenAll(confirms), c => Assert.Equal(DonationStatus.Succeeded, c.Donation!.Status));
        Assert.Equal(new CampaignTotals(2_400, 21, OnlineAmount: 2_400), await grain.GetTotalsAsync());
        Assert.Equal((2_400L, 21), Ledger.SucceededSum(grain.GetPrimaryKey()));
    }

    [Fact]
    public async Task RetryWithTheSameKeyIsAReplayAndADifferentBodyIsRefused()
    {
        var grain = await LiveCampaignAsync();
        var first = await grain.CreateDonationAsync(Gift("same", 300));
        var retry = await grain.CreateDonationAsync(Gift("same", 300));
        var misuse = await grain.CreateDonationAsync(Gift("same", 301));
        Assert.True(retry.Replayed);
        Assert.Equal(first.Donation!.Id, retry.Donation!.Id);
        Assert.Equal(DonationError.IdempotencyKeyReused, misuse.Error);
    }

    [Fact]
    public async Task ConcurrentDuplicatesInOneBatchCountOnce()
    {
        var grain = await LiveCampaignAsync();
        Ledger.Gate = new TaskCompletionSource();
        var creates = Enumerable.Range(0, 50).Select(_ => grain.CreateDonationAsync(Gift("dup", 500))).ToList();
        await Task.Delay(100);
        Ledger.Gate.SetResult();
        Ledger.Gate = null;
        var results = await Task.WhenAll(creates);
        Assert.Single(results.Select(r => r.Donation!.Id).Distinct());

        var confirms = await Task.WhenAll(results.Select(r => grain.ConfirmDonationAsync(r.Donation!.Id, "sandbox")));
        Assert.Single(confirms, c => !c.Replayed);
        Assert.Equal(new CampaignTotals(500, 1, OnlineAmount: 500), await grain.GetTotalsAsync());
    }

    [Fact]
    public async Task TotalsEqualTheLedgerAfterThousandsOfConcurrentGifts()
    {
        var grain = await LiveCampaignAsync();
        var id = grain.GetPrimaryKey();
        var gifts = await Task.WhenAll(Enumerable.Range(1, 2_000).Select(async i =>
        {
            var created = await grain.CreateDonationAsync(Gift($"bulk-{i}", i));
            await grain.ConfirmDonationAsync(created.Donation!.Id, "sandbox");
            await grain.ConfirmDonationAsync(created.Donation!.Id, "sandbox");
            return (long)i;
        }));
        var expected = new CampaignTotals(gifts.Sum(), 2_000, OnlineAmount: gifts.Sum());
        Assert.Equal(expected, await grain.GetTotalsAsync());
        Assert.Equal((expected.RaisedAmount, expected.DonationCount), Ledger.SucceededSum(id));
    }

    [Fact]
    public async Task DonationsAreRefusedUnlessTheCampaignIsLiveAndInItsCurrency()
    {
        var draft = fixture.Cluster.GrainFactory.GetGrain<ICampaignGrain>(Guid.NewGuid());
        Assert.Equal(DonationError.CampaignNotFound, (await draft.CreateDonationAsync(Gift("x"))).Error);
        await draft.CreateAsync(Appeal, "test-admin");
        Assert.Equal(DonationError.CampaignNotLive, (await draft.CreateDonationAsync(Gift("x"))).Error);

        var live = await LiveCampaignAsync();
        Assert.Equal(DonationError.CurrencyMismatch, (await live.CreateDonationAsync(Gift("usd", currency: "USD"))).Error);
        await live.CloseAsync("test-admin");
        Assert.Equal(DonationError.CampaignNotLive, (await live.CreateDonationAsync(Gift("late"))).Error);

        var ended = await LiveCampaignAsync(Appeal with { StartsAt = DateTimeOffset.UtcNow.AddDays(-3), EndsAt = DateTimeOffset.UtcNow.AddSeconds(-1) });
        Assert.Equal(DonationError.CampaignNotLive, (await ended.CreateDonationAsync(Gift("ended"))).Error);
    }

    [Fact]
    public async Task OnlyTheProviderAGiftWasStartedWithCanConfirmIt()
    {
        var grain = await LiveCampaignAsync();
        var card = await grain.CreateDonationAsync(Gift("card-gift", 99_900) with { Provider = "stripe" });
        var refused = await grain.ConfirmDonationAsync(card.Donation!.Id, "sandbox");
        Assert.Equal(DonationError.ProviderMismatch, refused.Error);
        Assert.Equal(0, (await grain.GetTotalsAsync()).RaisedAmount);

        Assert.Equal(DonationStatus.Succeeded, (await grain.ConfirmDonationAsync(card.Donation!.Id, "stripe")).Donation!.Status);
        // Once paid, another provider's word is still refused, not answered as a replay.
        Assert.Equal(DonationError.ProviderMismatch, (await grain.ConfirmDonationAsync(card.Donation!.Id, "sandbox")).Error);
        Assert.Equal(99_900, (await grain.GetTotalsAsync()).RaisedAmount);
    }

    [Fact]
    public async Task APaymentTakenBeforeClosingStillCounts()
    {
        var grain = await LiveCampaignAsync();
        var created = await grain.CreateDonationAsync(Gift("before-close", 900));
        await grain.CloseAsync("test-admin");
        Assert.Equal(DonationStatus.Succeeded, (await grain.ConfirmDonationAsync(created.Donation!.Id, "sandbox")).Donation!.Status);
        Assert.Equal(900, (await grain.GetTotalsAsync()).RaisedAmount);
    }

    [Fact]
    public async Task AProviderPaymentCountsAtOnceAndOnceEvenAfterTheCampaignClosed()
    {
        var grain = await LiveCampaignAsync();
        await grain.CloseAsync("test-admin");
        var invoice = new NewDonation("stripe-invoice:in_test_1", 3_000, "CNY", "月捐人", false, null, "stripe");

        var first = await grain.RecordProviderPaymentAsync(invoice);
        var again = await grain.RecordProviderPaymentAsync(invoice);

        Assert.Equal(DonationStatus.Succeeded, first.Donation!.Status);
        Assert.True(again.Replayed);
        Assert.Equal(first.Donation.Id, again.Donation!.Id);
        Assert.Equal(3_000, (await grain.GetTotalsAsync()).RaisedAmount);
        Assert.Equal(1, (await grain.GetTotalsAsync()).DonationCount);
        Assert.Equal(DonationError.CurrencyMismatch, (await grain.RecordProviderPaymentAsync(invoice with { IdempotencyKey = "stripe-invoice:in_test_2", Currency = "USD" })).Error);

        // Past its end date too: the money was taken, so it counts.
        var ended = await LiveCampaignAsync(Appeal with { StartsAt = DateTimeOffset.UtcNow.AddDays(-3), EndsAt = DateTimeOffset.UtcNow.AddSeconds(-1) });
        Assert.Equal(DonationStatus.Succeeded, (await ended.RecordProviderPaymentAsync(invoice)).Donation!.Status);
        Assert.Equal(3_000, (await ended.GetTotalsAsync()).RaisedAmount);
    }

    [Fact]
    public async Task CampaignCanBeCreatedOnlyOnceAndClosedCampaignsCannotReopen()
    {
        var grain = await LiveCampaignAsync();
        Assert.Equal(CampaignCommandError.AlreadyExists, (await grain.CreateAsync(Appeal, "test-admin")).Error);
        await grain.CloseAsync("test-admin");
        Assert.Equal(CampaignCommandError.InvalidTransition, (await grain.OpenAsync("test-admin")).Error);
        var missing = fixture.Cluster.GrainFactory.GetGrain<ICampaignGrain>(Guid.NewGuid());
        Assert.Equal(CampaignCommandError.NotFound, (await missing.OpenAsync("test-admin")).Error);
        Assert.Null(await missing.GetSummaryAsync());
    }

    [Fact]
    public async Task ProgressShowsRecentDonorsWithoutAnonymousNames()
    {
        var grain = await LiveCampaignAsync();
        var named = await grain.CreateDonationAsync(new NewDonation("n", 100, "CNY", "实名", false, "加油", "sandbox"));
        var hidden = await grain.CreateDonationAsync(new NewDonation("a", 200, "CNY", "隐名", true, null, "sandbox"));
        await grain.ConfirmDonationAsync(named.Donation!.Id, "sandbox");
        await grain.ConfirmDonationAsync(hidden.Donation!.Id, "sandbox");
        var progress = await grain.GetProgressAsync();
        Assert.NotNull(progress);
        Assert.Equal(2, progress.RecentDonors.Count);
        Assert.Null(progress.RecentDonors[0].DisplayName);
        Assert.Equal(200, progress.RecentDonors[0].Amount);
        Assert.Equal("实名", progress.RecentDonors[1].DisplayName);
    }
}
