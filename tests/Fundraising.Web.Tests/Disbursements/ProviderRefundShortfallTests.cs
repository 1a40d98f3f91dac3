using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fundraising.Web.Tests.Payments;
using static Fundraising.Web.Tests.Disbursements.DisbursementCalls;

namespace Fundraising.Web.Tests.Disbursements;

/// <summary>
/// A refund the card provider already made (Stripe's refund event) against money already paid out: it is always recorded
/// (the money is gone), also while disbursements race it; what it leaves missing is flagged for admins in the
/// reconciliation, exactly; no money goes out until the balance is above zero again; then the database's CHECK is as
/// strict as before.
/// </summary>
public sealed class ProviderRefundShortfallTests(StripePlatform platform, Pages.BrowserFixture browser) : IClassFixture<StripePlatform>, IClassFixture<Pages.BrowserFixture>, IAsyncLifetime
{
    private readonly WebFrontEnd _web = platform.Web;

    public Task InitializeAsync() => platform.SetChaosAsync(StripePlatform.Calm);

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<long> ScalarAsync(string sql, params object[] parameters) => platform.Database.ScalarAsync<long>(sql, parameters);

    /// <summary>A card gift paid through the fake Stripe and counted; its id and payment intent.</summary>
    private async Task<(Guid Donation, string Intent)> CardGiftAsync(Guid campaign, long amount)
    {
        var raised = (await ApiCalls.GetCampaignAsync(_web.Client, campaign)).GetProperty("raisedAmount").GetInt64();
        var (id, sessionId) = await platform.StartCardDonationAsync(campaign, amount);
        await platform.PayAsync(sessionId);
        await platform.WaitForCampaignAsync(campaign, c => c.GetProperty("raisedAmount").GetInt64() == raised + amount);
        return (id, await platform.Database.ScalarAsync<string>("SELECT payment_intent_id FROM stripe_payments WHERE donation_id = $1", id));
    }

    /// <summary>Stripe reports a refund made on its side (its dashboard, a dispute): a signed event to our webhook.</summary>
    private async Task<object> ProviderRefundAsync(string intent, long amount, object? again = null)
    {
        var refund = again ?? new { id = "re_test_" + Guid.NewGuid().ToString("N"), @object = "refund", amount, currency = "cny", payment_intent = intent, status = "succeeded" };
        var answer = await platform.PostSignedEventAsync("refund.created", refund);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return refund;
    }

    private async Task<JsonElement?> ShortfallOfAsync(Guid campaign)
    {
        var report = await _web.Admin.GetFromJsonAsync<JsonElement>("/api/admin/reconciliation");
        Assert.True(report.GetProperty("allAgree").GetBoolean(), report.ToString());
        Assert.Equal(report.GetProperty("shortfalls").GetArrayLength(), report.GetProperty("shortfallCount").GetInt32());
        return report.GetProperty("shortfalls").EnumerateArray().Where(s => s.GetProperty("campaignId").GetGuid() == campaign).Cast<JsonElement?>().SingleOrDefault();
    }

    [Fact]
    public async Task AProviderRefundOfMoneyAlreadyPaidOutIsRecordedAndFlagsTheProjectUntilItsBalanceIsBack()
    {
        var (campaign, _) = await ProjectWithCoordinatorAsync(_web);
        var (gift, intent) = await CardGiftAsync(campaign, 6_000);
        await OfflineGiftAsync(_web, campaign, 4_000);
        await DisbursedAsync(_web.Admin, campaign, 9_000);

        // Stripe gave the whole ¥60 back after ¥90 of the ¥100 went out: recorded all the same, ¥50 short.
        var refund = await ProviderRefundAsync(intent, 6_000);
        Assert.Equal(6_000, await ScalarAsync("SELECT refunded_amount FROM donations WHERE id = $1", gift));
        var ledger = await LedgerAsync(_web.Client, campaign);
        Assert.Equal((4_000L, 9_000L, -5_000L), (ledger.GetProperty("raisedAmount").GetInt64(), ledger.GetProperty("disbursedAmount").GetInt64(), ledger.GetProperty("balance").GetInt64()));
        var shortfall = await ShortfallOfAsync(campaign) ?? throw new InvalidOperationException("The project is not flagged.");
        Assert.Equal((-5_000L, 5_000L, 9_000L), (shortfall.GetProperty("balance").GetInt64(), shortfall.GetProperty("shortfallAmount").GetInt64(), shortfall.GetProperty("disbursedAmount").GetInt64()));
        var cause = Assert.Single(shortfall.GetProperty("refunds").EnumerateArray());
        Assert.Equal((gift, 6_000L, 5_000L), (cause.GetProperty("donationId").GetGuid(), cause.GetProperty("refundAmount").GetInt64(), cause.GetProperty("shortfallAmount").GetInt64()));

        // The admin page's reconciliation card flags it, with the refund that caused it.
        await using (var context = await browser.NewContextAsync(_web, new() { Width = 1280, Height = 900 }))
        {
            var page = await Pages.AdminPageActions.SignInAsync(context, _web);
            var flagged = page.Locator($"#shortfall-rows tr[data-campaign-id='{campaign}'] td");
            await Microsoft.Playwright.Assertions.Expect(flagged.Nth(3)).ToHaveTextAsync("¥90.00");
            await Microsoft.Playwright.Assertions.Expect(flagged.Nth(4)).ToHaveTextAsync("¥50.00");
            await Microsoft.Playwright.Assertions.Expect(flagged.Nth(5)).ToContainTextAsync("退款 ¥60.00，缺口 ¥50.00");
            Assert.Empty(Pages.PageActions.ScriptErrors(page));
        }

        // Stripe sends it again: nothing more is refunded or flagged.
        await ProviderRefundAsync(intent, 6_000, refund);
        Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM refunds WHERE donation_id = $1", gift));
        Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM balance_shortfalls WHERE campaign_id = $1", campaign));

        // Short: not one fen goes out, whoever asks, and the refusal says why.
        var refused = await DisburseAsync(_web.Admin, campaign, Disbursement(1));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("5000 fen short", (await ApiCalls.ProblemAsync(refused)).GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Gifts bring it back to zero: no longer flagged, still nothing to pay out; one more gift and money can go out again.
        await OfflineGiftAsync(_web, campaign, 5_000);
        Assert.Null(await ShortfallOfAsync(campaign));
        Assert.Equal(HttpStatusCode.Conflict, (await DisburseAsync(_web.Admin, campaign, Disbursement(1))).StatusCode);
        await OfflineGiftAsync(_web, campaign, 1_000);
        await DisbursedAsync(_web.Admin, campaign, 1_000);

        // That disbursement cleared the row's allowance: the CHECK refuses an overdrawn balance exactly as before.
        Assert.Equal(0, await ScalarAsync("SELECT shortfall_allowance FROM campaigns WHERE id = $1", campaign));
        var violation = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            platform.Database.ScalarAsync<int>("UPDATE campaigns SET disbursed_amount = disbursed_amount + 1 WHERE id = $1 RETURNING 1", campaign));
        Assert.Equal("campaigns_balance_never_negative", violation.ConstraintName);
    }

    [Fact]
    public async Task DisbursementsRacingAProviderRefundNeverLoseTheRefundAndLeaveExactlyTheShortfallTheyMade()
    {
        var outcomes = new List<int>();
        for (var round = 0; round < 4; round++)
        {
            var (campaign, coordinator) = await ProjectWithCoordinatorAsync(_web);
            var (gift, intent) = await CardGiftAsync(campaign, 6_000);
            await OfflineGiftAsync(_web, campaign, 4_000);

            // Twelve disbursements of ¥10 (¥100 there) and Stripe's refund of the ¥60 card gift, released together.
            using var start = new SemaphoreSlim(0);
            var callers = new[] { coordinator.Bearer, _web.Admin };
            var racing = Enumerable.Range(0, 12).Select(async i =>
            {
                await start.WaitAsync();
                return await DisburseAsync(callers[i % callers.Length], campaign, Disbursement(1_000, purpose: $"第 {i} 笔"));
            }).ToList();
            var refund = Task.Run(async () =>
            {
                await start.WaitAsync();
                await ProviderRefundAsync(intent, 6_000);
            });
            start.Release(racing.Count + 1);
            var answers = await Task.WhenAll(racing);
            await refund;

            // The refund is in the ledger whatever came first; every disbursement either went out or was refused (409).
            Assert.Equal(6_000, await ScalarAsync("SELECT refunded_amount FROM donations WHERE id = $1", gift));
            Assert.All(answers, a => Assert.Contains(a.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
            var paidOut = answers.Count(a => a.StatusCode == HttpStatusCode.Created);
            outcomes.Add(paidOut);
            // At least what is left after the refund went out (¥40); at most what was there before it (¥100).
            Assert.InRange(paidOut, 4, 10);
            Assert.Equal(paidOut * 1_000L, await ScalarAsync("SELECT coalesce(sum(amount), 0)::bigint FROM disbursements WHERE campaign_id = $1", campaign));
            Assert.Equal(paidOut * 1_000L, await ScalarAsync("SELECT disbursed_amount FROM campaigns WHERE id = $1", campaign));
            var balance = 4_000 - paidOut * 1_000L;
            Assert.Equal(balance, (await LedgerAsync(_web.Client, campaign)).GetProperty("balance").GetInt64());

            // Short exactly when disbursements went out before the refund took their money back, and by exactly that much.
            var shortfall = await ShortfallOfAsync(campaign);
            if (balance < 0)
            {
                Assert.Equal(-balance, shortfall!.Value.GetProperty("shortfallAmount").GetInt64());
                Assert.Equal(-balance, await ScalarAsync("SELECT shortfall_amount FROM balance_shortfalls WHERE campaign_id = $1", campaign));
            }
            else
            {
                Assert.Null(shortfall);
                Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM balance_shortfalls WHERE campaign_id = $1", campaign));
            }
            // Nothing left or short: no more money goes out either way.
            Assert.Equal(HttpStatusCode.Conflict, (await DisburseAsync(_web.Admin, campaign, Disbursement(1))).StatusCode);
        }
        Console.WriteLine($"Disbursements that went out per round (4 when the refund came first, up to 10 when it came last): {string.Join(", ", outcomes)}");
    }
}
