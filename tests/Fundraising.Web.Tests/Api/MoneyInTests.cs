using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Fundraising.Web.Tests.Api;

/// <summary>Refunds, goods, stage pledges, receipts and the audit trail through the HTTP API.</summary>
public sealed class MoneyInTests(CoHostedPlatform platform) : IClassFixture<CoHostedPlatform>
{
    private HttpClient Admin => platform.Web.Admin;

    private static HttpRequestMessage Post(string url, object body, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }
        return request;
    }

    [Fact]
    public async Task AdminRefundsLowerTheTotalsAndTheLiveProgressAndNeverExceedThePayment()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var gift = await ApiCalls.DonateAsync(platform.Web.Client, campaign, 10_000);
        var id = gift.GetProperty("id").GetGuid();
        await using var watcher = await ProgressWatcher.ConnectAsync(platform.Web.BaseAddress);
        await watcher.WatchAsync(campaign);
        await watcher.WaitForRaisedAsync(campaign, 10_000);

        var partial = await Admin.SendAsync(Post($"/api/donations/{id}/refunds", new { amount = 4_000, reason = "重复扣款" }, "r1"));
        Assert.Equal(HttpStatusCode.Created, partial.StatusCode);
        Assert.Equal(4_000, (await partial.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("donation").GetProperty("refundedAmount").GetInt64());
        await watcher.WaitForRaisedAsync(campaign, 6_000);

        var over = await Admin.SendAsync(Post($"/api/donations/{id}/refunds", new { amount = 6_001, reason = "超额" }, "r2"));
        Assert.Equal(HttpStatusCode.BadRequest, over.StatusCode);
        Assert.True((await ApiCalls.ProblemAsync(over)).GetProperty("errors").TryGetProperty("amount", out _));

        var replay = await Admin.SendAsync(Post($"/api/donations/{id}/refunds", new { amount = 4_000, reason = "重复扣款" }, "r1"));
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());

        var rest = await Admin.SendAsync(Post($"/api/donations/{id}/refunds", new { reason = "捐赠人撤回" }, "r3"));
        Assert.Equal("refunded", (await rest.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("donation").GetProperty("status").GetString());
        var after = await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign);
        Assert.Equal(0, after.GetProperty("raisedAmount").GetInt64());
        Assert.Equal(0, after.GetProperty("donationCount").GetInt64());
        await watcher.WaitForRaisedAsync(campaign, 0);

        var report = await Admin.GetFromJsonAsync<JsonElement>("/api/admin/reconciliation");
        Assert.True(report.GetProperty("campaigns").EnumerateArray().Single(c => c.GetProperty("campaignId").GetGuid() == campaign).GetProperty("agrees").GetBoolean());
    }

    [Fact]
    public async Task ConcurrentRefundRequestsNeverExceedThePayment()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var id = (await ApiCalls.DonateAsync(platform.Web.Client, campaign, 10_000)).GetProperty("id").GetGuid();
        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            Admin.SendAsync(Post($"/api/donations/{id}/refunds", new { amount = 3_000, reason = "并发退款" }, $"c{i}"))));
        Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Created), r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));
        Assert.Equal(1_000, (await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign)).GetProperty("raisedAmount").GetInt64());
    }

    [Fact]
    public async Task RefundsAreForAdminsOnlyAndNeedAKeyAndAReason()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var id = (await ApiCalls.DonateAsync(platform.Web.Client, campaign, 1_000)).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Unauthorized, (await platform.Web.Client.SendAsync(Post($"/api/donations/{id}/refunds", new { reason = "x" }, "k"))).StatusCode);
        var noKey = await Admin.SendAsync(Post($"/api/donations/{id}/refunds", new { reason = "x" }, null));
        Assert.True((await ApiCalls.ProblemAsync(noKey)).GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
        var noReason = await Admin.SendAsync(Post($"/api/donations/{id}/refunds", new { amount = 1 }, "k"));
        Assert.True((await ApiCalls.ProblemAsync(noReason)).GetProperty("errors").TryGetProperty("reason", out _));
        var unknown = await Admin.SendAsync(Post($"/api/donations/{Guid.NewGuid()}/refunds", new { reason = "x" }, "k"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(1_000, (await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign)).GetProperty("raisedAmount").GetInt64());
    }

    [Fact]
    public async Task GoodsAreCountedAtTheirValuationApartFromMoney()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        await ApiCalls.DonateAsync(platform.Web.Client, campaign, 500);
        var goods = await Admin.PostAsJsonAsync($"/api/campaigns/{campaign}/offline-donations", new
        {
            kind = "goods", item = "饮水机", quantity = 932, amount = 46_600_000, currency = "CNY", donorName = "某电器公司", reference = "GOODS-001",
        });
        Assert.Equal(HttpStatusCode.Created, goods.StatusCode);
        var cash = await Admin.PostAsJsonAsync($"/api/campaigns/{campaign}/offline-donations", new { amount = 20_000, currency = "CNY", donorName = "张先生", reference = "CASH-001", method = "cash" });
        Assert.Equal(HttpStatusCode.Created, cash.StatusCode);

        var totals = await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign);
        Assert.Equal(46_620_500, totals.GetProperty("raisedAmount").GetInt64());
        Assert.Equal(20_500, totals.GetProperty("moneyAmount").GetInt64());
        Assert.Equal(500, totals.GetProperty("onlineAmount").GetInt64());
        Assert.Equal(20_000, totals.GetProperty("offlineAmount").GetInt64());
        Assert.Equal(46_600_000, totals.GetProperty("goodsAmount").GetInt64());
        Assert.Equal(3, totals.GetProperty("donationCount").GetInt64());

        var missingItem = await Admin.PostAsJsonAsync($"/api/campaigns/{campaign}/offline-donations", new { kind = "goods", amount = 1, currency = "CNY", donorName = "x", reference = "G-2" });
        var errors = (await ApiCalls.ProblemAsync(missingItem)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("item", out _));
        Assert.True(errors.TryGetProperty("quantity", out _));
    }

    [Fact]
    public async Task StagePledgesArePaidInPartsAndCountOnlyWhenPaid()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var created = await Admin.PostAsJsonAsync($"/api/campaigns/{campaign}/pledges", new { donorName = "商洛某集团", amount = 1_000_000, currency = "CNY", note = "理事会现场认捐" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var pledgeId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal(0, (await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign)).GetProperty("raisedAmount").GetInt64());

        var part = await Admin.PostAsJsonAsync($"/api/campaigns/{campaign}/offline-donations", new { amount = 700_000, currency = "CNY", donorName = "商洛某集团", reference = "PLEDGE-PAY-1", pledgeId });
        Assert.Equal(HttpStatusCode.Created, part.StatusCode);
        var over = await Admin.PostAsJsonAsync($"/api/campaigns/{campaign}/offline-donations", new { amount = 300_001, currency = "CNY", donorName = "商洛某集团", reference = "PLEDGE-PAY-2", pledgeId });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, over.StatusCode);

        var list = await Admin.GetFromJsonAsync<JsonElement>($"/api/campaigns/{campaign}/pledges");
        Assert.Equal(300_000, list.GetProperty("outstandingAmount").GetInt64());
        Assert.Equal(700_000, (await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign)).GetProperty("raisedAmount").GetInt64());
    }

    /// <summary>
    /// A receipt reference names one offline entry: the same reference again is a retry only when every field is
    /// the same. Each variant changes one field of the goods entry (or its pledge), and is refused with 422.
    /// </summary>
    [Theory]
    [InlineData("item")]
    [InlineData("quantity")]
    [InlineData("amount")]
    [InlineData("donorName")]
    [InlineData("anonymous")]
    [InlineData("kind")]
    [InlineData("pledgeId")]
    public async Task TheSameReferenceWithAnyFieldChangedIsRefusedAndChangesNothing(string field)
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var pledge = await Admin.PostAsJsonAsync($"/api/campaigns/{campaign}/pledges", new { donorName = "县粮油公司", amount = 5_000_000, currency = "CNY" });
        var pledgeId = (await pledge.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var reference = $"FP-{field}";
        object Entry(string? changed) => changed switch
        {
            "kind" => new { kind = "money", amount = 120_000, currency = "CNY", donorName = "县粮油公司", reference, method = "cash" },
            "pledgeId" => new { amount = 120_000, currency = "CNY", donorName = "县粮油公司", reference, pledgeId },
            _ => new
            {
                kind = "goods",
                item = changed == "item" ? "食用油 (5 L)" : "大米 (10 kg)",
                quantity = changed == "quantity" ? 61 : 60,
                amount = changed == "amount" ? 120_001 : 120_000,
                currency = "CNY",
                donorName = changed == "donorName" ? "县粮油集团" : "县粮油公司",
                anonymous = changed == "anonymous",
                reference,
            },
        };
        // The pledge variant's first entry is a cash payment of the pledge, the others' a goods entry.
        var first = await Admin.PostAsJsonAsync($"/api/campaigns/{campaign}/offline-donations", field == "pledgeId" ? Entry("kind") : Entry(null));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var retry = await Admin.PostAsJsonAsync($"/api/campaigns/{campaign}/offline-donations", field == "pledgeId" ? Entry("kind") : Entry(null));
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());

        var changed = await Admin.PostAsJsonAsync($"/api/campaigns/{campaign}/offline-donations", Entry(field));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, changed.StatusCode);
        Assert.Contains("Idempotency-Key", (await ApiCalls.ProblemAsync(changed)).GetProperty("title").GetString());
        Assert.Equal(1L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM donations WHERE campaign_id = $1", campaign));
        Assert.Equal(120_000, (await ApiCalls.GetCampaignAsync(platform.Web.Client, campaign)).GetProperty("raisedAmount").GetInt64());
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT paid_amount FROM pledges WHERE id = $1", pledgeId));
    }

    [Fact]
    public async Task EveryAdminEntryIsInTheAuditTrail()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        await Admin.PostAsJsonAsync($"/api/campaigns/{campaign}/offline-donations", new { amount = 100, currency = "CNY", donorName = "李女士", reference = "AUDIT-1" });
        var trail = await Admin.GetFromJsonAsync<JsonElement[]>($"/api/admin/audit?campaignId={campaign}");
        var actions = trail!.Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Equal(["record_offline_gift", "open_campaign", "create_campaign"], actions);
        Assert.All(trail!, e => Assert.Equal("bootstrap-admin", e.GetProperty("actor").GetString()));
        Assert.Equal(HttpStatusCode.Unauthorized, (await platform.Web.Client.GetAsync("/api/admin/audit")).StatusCode);
    }

    [Fact]
    public async Task EverySucceededGiftGetsAReceiptAndTheDonorAYearlyStatement()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var donor = "年度捐赠人" + Guid.NewGuid().ToString("N")[..6];
        var (gift, token) = await ApiCalls.DonateWithReceiptTokenAsync(platform.Web.Client, campaign, 1_000, name: donor, anonymous: true);
        var first = gift.GetProperty("id").GetGuid();
        await ApiCalls.DonateAsync(platform.Web.Client, campaign, 2_000, name: donor);

        JsonElement receipt = default;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            receipt = await (await ApiCalls.GetReceiptAsync(platform.Web.Client, first, token)).Content.ReadFromJsonAsync<JsonElement>();
            if (receipt.GetProperty("issued").GetBoolean())
            {
                break;
            }
            await Task.Delay(200);
        }
        Assert.Matches(@"^\d{4}-\d{8}$", receipt.GetProperty("number").GetString());
        Assert.Equal(donor, receipt.GetProperty("donorName").GetString());

        var year = int.Parse(receipt.GetProperty("number").GetString()![..4]);
        JsonElement statement = default;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            statement = await Admin.GetFromJsonAsync<JsonElement>($"/api/admin/statements/{year}?donorName={Uri.EscapeDataString(donor)}");
            if (statement.GetProperty("giftCount").GetInt32() == 2)
            {
                break;
            }
            await Task.Delay(200);
        }
        Assert.Equal(3_000, statement.GetProperty("totalAmount").GetInt64());
        Assert.Equal(HttpStatusCode.NotFound, (await platform.Web.Client.GetAsync($"/api/donations/{Guid.NewGuid()}/receipt")).StatusCode);
    }

    [Fact]
    public async Task AReceiptOpensOnlyWithItsDonorsTokenNeverWithTheIdAlone()
    {
        var campaign = await ApiCalls.CreateLiveCampaignAsync(platform.Web);
        var (created, gift) = await ApiCalls.DonateAndKeepTheAnswerAsync(platform.Web.Client, campaign, 99_900, name: "不愿透露姓名的人", anonymous: true);
        var id = gift.GetProperty("id").GetGuid();
        // The id alone, which travels in Stripe's return address, admin links and logs, opens nothing.
        Assert.Equal(HttpStatusCode.NotFound, (await ApiCalls.GetReceiptAsync(platform.Web.Client, id, null)).StatusCode);
        var token = created.GetProperty("receiptToken").GetString()!;
        var (other, otherToken) = await ApiCalls.DonateWithReceiptTokenAsync(platform.Web.Client, campaign, 100);

        // Without the token, with a wrong one, or with another gift's: exactly what an unknown id gets (404, not 403).
        foreach (var wrong in new[] { null, "", "not-a-token", otherToken, token[..^2] + "AA" })
        {
            var refused = await ApiCalls.GetReceiptAsync(platform.Web.Client, id, wrong);
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
            Assert.DoesNotContain("不愿透露姓名的人", await refused.Content.ReadAsStringAsync());
        }
        var opened = await ApiCalls.GetReceiptAsync(platform.Web.Client, id, token);
        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        Assert.Equal("不愿透露姓名的人", (await opened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("donorName").GetString());
        Assert.Equal(HttpStatusCode.OK, (await ApiCalls.GetReceiptAsync(platform.Web.Client, other.GetProperty("id").GetGuid(), otherToken)).StatusCode);

        // Admins open any receipt on their own route; nobody else does.
        Assert.Equal("不愿透露姓名的人", (await Admin.GetFromJsonAsync<JsonElement>($"/api/admin/donations/{id}/receipt")).GetProperty("donorName").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await platform.Web.Client.GetAsync($"/api/admin/donations/{id}/receipt")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.GetAsync($"/api/admin/donations/{Guid.NewGuid()}/receipt")).StatusCode);
    }
}
