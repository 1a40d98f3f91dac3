using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CsvHelper;
using static Fundraising.Web.Tests.Disbursements.DisbursementCalls;

namespace Fundraising.Web.Tests.Disbursements;

/// <summary>A project's public ledger: totals and entries in and out, paged; the same as CSV; anonymity; drafts hidden.</summary>
public sealed class LedgerTests(UnlimitedPlatform platform) : IClassFixture<UnlimitedPlatform>
{
    private readonly WebFrontEnd _web = platform.Web;

    private const string Secret = "不愿透露姓名的张三";

    /// <summary>A project with named and anonymous gifts (online and offline), a partial refund, a disbursement and a correction.</summary>
    private async Task<(Guid Campaign, Guid Disbursement)> BusyProjectAsync()
    {
        var (campaign, coordinator) = await ProjectWithCoordinatorAsync(_web);
        var named = (await ApiCalls.DonateAsync(_web.Client, campaign, 20_000, "李阿姨")).GetProperty("id").GetGuid();
        await ApiCalls.DonateAsync(_web.Client, campaign, 3_000, Secret, anonymous: true);
        await OfflineGiftAsync(_web, campaign, 50_000, Secret + "（线下）", anonymous: true);
        var refund = new HttpRequestMessage(HttpMethod.Post, $"/api/donations/{named}/refunds") { Content = JsonContent.Create(new { amount = 5_000, reason = "重复支付" }) };
        refund.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        (await _web.Admin.SendAsync(refund)).EnsureSuccessStatusCode();
        var disbursement = (await DisbursedAsync(coordinator.Bearer, campaign, 40_000, "=HYPERLINK(\"http://x\") 修缮老年活动室")).GetProperty("id").GetGuid();
        (await CorrectAsync(coordinator.Bearer, disbursement, 2_500, "漏记运费")).EnsureSuccessStatusCode();
        return (campaign, disbursement);
    }

    [Fact]
    public async Task TheLedgerShowsEveryEntryInAndOutInOrderWithoutNamingAnonymousDonors()
    {
        var (campaign, disbursement) = await BusyProjectAsync();
        var response = await _web.Client.GetAsync($"/api/campaigns/{campaign}/ledger");
        var raw = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("张三", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("重复支付", raw, StringComparison.Ordinal); // a refund's reason is staff's note about a donor: not public
        var ledger = JsonDocument.Parse(raw).RootElement;
        Assert.Equal((68_000L, 0L, 42_500L, 25_500L), (ledger.GetProperty("raisedAmount").GetInt64(), ledger.GetProperty("matchedAmount").GetInt64(),
            ledger.GetProperty("disbursedAmount").GetInt64(), ledger.GetProperty("balance").GetInt64()));
        var entries = ledger.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(["gift", "gift", "gift", "refund", "disbursement", "correction"], entries.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal(["李阿姨", "匿名爱心人士", "匿名爱心人士"], entries.Take(3).Select(e => e.GetProperty("donorName").GetString()));
        Assert.Equal(["online", "online", "offline"], entries.Take(3).Select(e => e.GetProperty("channel").GetString()));
        Assert.Equal(disbursement, entries[5].GetProperty("corrects").GetGuid());
        Assert.Equal("漏记运费", entries[5].GetProperty("reason").GetString());
        var times = entries.Select(e => e.GetProperty("at").GetDateTimeOffset()).ToList();
        Assert.Equal(times.Order(), times);
        Assert.Equal(ledger.GetProperty("balance").GetInt64(), entries.Sum(e => e.GetProperty("balanceEffect").GetInt64()));

        // Walking by cursor, two at a time, shows every entry once, in the same order.
        var walked = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await LedgerAsync(_web.Client, campaign, $"?pageSize=2{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}");
            walked.AddRange(page.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("id").GetGuid()));
            cursor = page.GetProperty("next").GetString();
        }
        while (cursor is not null);
        Assert.Equal(entries.Select(e => e.GetProperty("id").GetGuid()), walked);
        Assert.Equal(HttpStatusCode.BadRequest, (await _web.Client.GetAsync($"/api/campaigns/{campaign}/ledger?cursor=not-a-cursor")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _web.Client.GetAsync($"/api/campaigns/{campaign}/ledger?pageSize=0")).StatusCode);
    }

    [Fact]
    public async Task TheCsvIsTheWholeLedgerWithAByteOrderMarkAndItsSumsAddUp()
    {
        var (campaign, _) = await BusyProjectAsync();
        var response = await _web.Client.GetAsync($"/api/campaigns/{campaign}/ledger.csv");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("attachment", response.Content.Headers.ContentDisposition?.ToString(), StringComparison.Ordinal);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        Assert.DoesNotContain("张三", System.Text.Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);

        var rows = new List<(string Type, long Amount, long Effect, string? Donor, string? Purpose, string? Corrects)>();
        using (var csv = CsvReader.Create(new MemoryStream(bytes), leaveOpen: false))
        {
            while (csv.Read())
            {
                rows.Add((csv.GetString("type"), csv.Parse<long>("amount_fen"), csv.Parse<long>("balance_effect_fen"),
                    csv.GetStringOrNull("donor"), csv.GetStringOrNull("purpose"), csv.GetStringOrNull("corrects")));
            }
        }
        var ledger = await LedgerAsync(_web.Client, campaign);
        Assert.Equal(6, rows.Count);
        Assert.Equal(ledger.GetProperty("raisedAmount").GetInt64(),
            rows.Where(r => r.Type == "gift").Sum(r => r.Amount) - rows.Where(r => r.Type == "refund").Sum(r => r.Amount));
        Assert.Equal(ledger.GetProperty("disbursedAmount").GetInt64(), rows.Where(r => r.Type is "disbursement" or "correction").Sum(r => r.Amount));
        Assert.Equal(ledger.GetProperty("balance").GetInt64(), rows.Sum(r => r.Effect));
        Assert.Equal(["李阿姨", "匿名爱心人士", "匿名爱心人士"], rows.Where(r => r.Type == "gift").Select(r => r.Donor));
        // A purpose that starts like a formula is written as text for spreadsheets.
        Assert.StartsWith("'=HYPERLINK", rows.Single(r => r.Type == "disbursement").Purpose, StringComparison.Ordinal);
        Assert.NotNull(rows.Single(r => r.Type == "correction").Corrects);
    }

    [Fact]
    public async Task ADraftsLedgerIsNotPublic()
    {
        var created = await _web.Admin.PostAsJsonAsync("/api/campaigns", ApiCalls.NewCampaign(title: "未开放的项目"));
        var draft = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.NotFound, (await _web.Client.GetAsync($"/api/campaigns/{draft}/ledger")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _web.Client.GetAsync($"/api/campaigns/{draft}/ledger.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _web.Admin.GetAsync($"/api/campaigns/{draft}/ledger")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _web.Client.GetAsync($"/api/campaigns/{Guid.CreateVersion7()}/ledger")).StatusCode);
    }
}
