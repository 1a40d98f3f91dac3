using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fundraising.Web.Tests.Accounts;
using Npgsql;
using static Fundraising.Web.Tests.Disbursements.DisbursementCalls;

namespace Fundraising.Web.Tests.Disbursements;

/// <summary>
/// Money going out of a project: disbursements and their corrections, the balance rule (raised + matched - disbursed never
/// below zero, also when disbursements race and when a refund would take money already spent), roles and scope, bad input.
/// </summary>
public sealed class DisbursementTests(UnlimitedPlatform platform) : IClassFixture<UnlimitedPlatform>
{
    private readonly WebFrontEnd _web = platform.Web;

    private Task<long> ScalarAsync(string sql) => platform.Database.ScalarAsync<long>(sql);

    private async Task<string> StateAsync(Guid campaign) =>
        await platform.Database.ScalarAsync<string>($"""
            SELECT (SELECT count(*) FROM disbursements WHERE campaign_id = '{campaign}')::text || '/' ||
                   (SELECT disbursed_amount FROM campaigns WHERE id = '{campaign}')::text || '/' ||
                   (SELECT count(*) FROM admin_audit WHERE campaign_id = '{campaign}')::text || '/' ||
                   (SELECT coalesce(sum(refunded_amount), 0) FROM donations WHERE campaign_id = '{campaign}')::text
            """);

    [Fact]
    public async Task ACoordinatorRecordsADisbursementWithItsAuditEntryAndTheLedgerShowsIt()
    {
        var (campaign, coordinator) = await ProjectWithCoordinatorAsync(_web);
        await OfflineGiftAsync(_web, campaign, 10_000, "王大爷");
        // The evidence is a receipt photographed and uploaded to the project by its coordinator.
        var photo = await Villages.VillageCalls.PhotoAsync(coordinator.Bearer, campaign);
        var paidAt = DateTimeOffset.UtcNow.AddDays(-1);

        var response = await DisburseAsync(coordinator.Bearer, campaign, Disbursement(6_000, paidAt: paidAt, photos: [photo]));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var entry = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = entry.GetProperty("id").GetGuid();
        Assert.Equal($"/api/campaigns/{campaign}/disbursements/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(campaign, entry.GetProperty("campaignId").GetGuid());
        Assert.Equal(6_000, entry.GetProperty("amount").GetInt64());
        Assert.Equal("CNY", entry.GetProperty("currency").GetString());
        Assert.Equal("老人食堂购置米面油", entry.GetProperty("purpose").GetString());
        Assert.Equal("棣花镇供销社", entry.GetProperty("payee").GetString());
        Assert.Equal(paidAt.ToUnixTimeSeconds(), entry.GetProperty("paidAt").GetDateTimeOffset().ToUnixTimeSeconds());
        Assert.Equal([photo], entry.GetProperty("evidencePhotoIds").EnumerateArray().Select(p => p.GetGuid()));
        Assert.Equal(coordinator.UserName, entry.GetProperty("recordedBy").GetString());
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("corrects").ValueKind);

        // One transaction wrote the entry, the campaign's total and the audit entry naming the coordinator.
        Assert.Equal(6_000, await ScalarAsync($"SELECT disbursed_amount FROM campaigns WHERE id = '{campaign}'"));
        Assert.Equal(coordinator.UserName, await platform.Database.ScalarAsync<string>(
            $"SELECT actor FROM admin_audit WHERE subject_id = '{id}' AND action = 'record_disbursement'"));
        Assert.Equal(photo, await platform.Database.ScalarAsync<Guid>($"SELECT evidence_photo_ids[1] FROM disbursements WHERE id = '{id}'"));

        var ledger = await LedgerAsync(_web.Client, campaign);
        Assert.Equal((10_000L, 0L, 6_000L, 4_000L), (ledger.GetProperty("raisedAmount").GetInt64(), ledger.GetProperty("matchedAmount").GetInt64(),
            ledger.GetProperty("disbursedAmount").GetInt64(), ledger.GetProperty("balance").GetInt64()));
        var entries = ledger.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(["gift", "disbursement"], entries.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal("王大爷", entries[0].GetProperty("donorName").GetString());
        Assert.Equal((6_000L, -6_000L), (entries[1].GetProperty("amount").GetInt64(), entries[1].GetProperty("balanceEffect").GetInt64()));
        Assert.Equal("棣花镇供销社", entries[1].GetProperty("payee").GetString());

        // The staff list shows it with its net amount; the grain's balance agrees with the row.
        var list = await coordinator.Bearer.GetFromJsonAsync<JsonElement>($"/api/campaigns/{campaign}/disbursements");
        Assert.Equal(4_000, list.GetProperty("balance").GetInt64());
        Assert.Equal(6_000, list.GetProperty("items")[0].GetProperty("netAmount").GetInt64());
    }

    [Fact]
    public async Task ConcurrentDisbursementsNeverOverdrawTheBalance()
    {
        var (campaign, coordinator) = await ProjectWithCoordinatorAsync(_web);
        await OfflineGiftAsync(_web, campaign, 10_000);
        var association = await StaffClients.CreateAsync(_web, "association", new { county = "丹凤县" });

        // 24 disbursements of ¥15 race from three callers (¥360 asked for, ¥100 there): exactly six fit.
        var callers = new[] { coordinator.Bearer, association.Bearer, _web.Admin };
        using var start = new SemaphoreSlim(0);
        var racing = Enumerable.Range(0, 24).Select(async i =>
        {
            await start.WaitAsync();
            return await DisburseAsync(callers[i % callers.Length], campaign, Disbursement(1_500, purpose: $"第 {i} 笔"));
        }).ToList();
        start.Release(racing.Count);
        var answers = await Task.WhenAll(racing);

        Assert.Equal(6, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        foreach (var refused in answers.Where(a => a.StatusCode != HttpStatusCode.Created))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            var problem = await ApiCalls.ProblemAsync(refused);
            Assert.Contains("below zero", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.True(problem.GetProperty("balance").GetInt64() < 1_500);
        }
        Assert.Equal(9_000, await ScalarAsync($"SELECT sum(amount)::bigint FROM disbursements WHERE campaign_id = '{campaign}'"));
        Assert.Equal(9_000, await ScalarAsync($"SELECT disbursed_amount FROM campaigns WHERE id = '{campaign}'"));
        Assert.Equal(6, await ScalarAsync($"SELECT count(*) FROM admin_audit WHERE campaign_id = '{campaign}' AND action = 'record_disbursement'"));
        Assert.Equal(1_000, (await LedgerAsync(_web.Client, campaign)).GetProperty("balance").GetInt64());

        // What is left still goes out, to the fen, and then nothing more.
        await DisbursedAsync(_web.Admin, campaign, 1_000);
        Assert.Equal(HttpStatusCode.Conflict, (await DisburseAsync(_web.Admin, campaign, Disbursement(1))).StatusCode);
    }

    [Fact]
    public async Task ACorrectionIsANewEntryNamingTheOriginalAndBothStayVisible()
    {
        var (campaign, coordinator) = await ProjectWithCoordinatorAsync(_web);
        await OfflineGiftAsync(_web, campaign, 10_000);
        var original = (await DisbursedAsync(coordinator.Bearer, campaign, 5_000)).GetProperty("id").GetGuid();

        var less = await CorrectAsync(coordinator.Bearer, original, -1_200, "发票金额为 38 元");
        Assert.Equal(HttpStatusCode.Created, less.StatusCode);
        var correction = await less.Content.ReadFromJsonAsync<JsonElement>();
        var correctionId = correction.GetProperty("id").GetGuid();
        Assert.Equal(original, correction.GetProperty("corrects").GetGuid());
        Assert.Equal((-1_200L, "发票金额为 38 元"), (correction.GetProperty("amount").GetInt64(), correction.GetProperty("reason").GetString()));
        Assert.Equal(3_800, await ScalarAsync($"SELECT disbursed_amount FROM campaigns WHERE id = '{campaign}'"));

        var before = await StateAsync(campaign);
        // A correction of a correction is refused: corrections name the original.
        var twice = await CorrectAsync(coordinator.Bearer, correctionId, 100);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, twice.StatusCode);
        Assert.Contains(original.ToString(), (await ApiCalls.ProblemAsync(twice)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        // Below zero: the entry's net is 3,800.
        var negative = await CorrectAsync(coordinator.Bearer, original, -3_801);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, negative.StatusCode);
        Assert.Contains("3800", (await ApiCalls.ProblemAsync(negative)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        // More than the balance (10,000 - 3,800 = 6,200 left).
        var over = await CorrectAsync(coordinator.Bearer, original, 6_201);
        Assert.Equal(HttpStatusCode.Conflict, over.StatusCode);
        Assert.Equal(before, await StateAsync(campaign));

        // To zero is allowed (the payment did not happen): the entry is voided, and still there.
        Assert.Equal(HttpStatusCode.Created, (await CorrectAsync(coordinator.Bearer, original, -3_800, "付款已撤回")).StatusCode);
        var ledger = await LedgerAsync(_web.Client, campaign);
        var outs = ledger.GetProperty("entries").EnumerateArray().Where(e => e.GetProperty("type").GetString() != "gift").ToList();
        Assert.Equal(["disbursement", "correction", "correction"], outs.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal([5_000L, -1_200L, -3_800L], outs.Select(e => e.GetProperty("amount").GetInt64()));
        Assert.All(outs.Skip(1), e => Assert.Equal(original, e.GetProperty("corrects").GetGuid()));
        Assert.Equal((0L, 10_000L), (ledger.GetProperty("disbursedAmount").GetInt64(), ledger.GetProperty("balance").GetInt64()));
        var list = await coordinator.Bearer.GetFromJsonAsync<JsonElement>($"/api/campaigns/{campaign}/disbursements");
        Assert.Equal(0, list.GetProperty("items")[0].GetProperty("netAmount").GetInt64());
    }

    [Fact]
    public async Task ARetryWithTheSameIdempotencyKeyRecordsNothingTwice()
    {
        var (campaign, coordinator) = await ProjectWithCoordinatorAsync(_web);
        await OfflineGiftAsync(_web, campaign, 10_000);
        Task<HttpResponseMessage> SendAsync(string url, object body, string key)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", key);
            return coordinator.Bearer.SendAsync(request);
        }
        var paidAt = DateTimeOffset.Parse("2026-12-01T09:30:00+08:00", System.Globalization.CultureInfo.InvariantCulture);
        var body = Disbursement(3_000, paidAt: paidAt);
        var first = await SendAsync($"/api/campaigns/{campaign}/disbursements", body, "d-1");
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var id = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var again = await SendAsync($"/api/campaigns/{campaign}/disbursements", body, "d-1");
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(id, (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        var before = await StateAsync(campaign);
        var misuse = await SendAsync($"/api/campaigns/{campaign}/disbursements", Disbursement(3_001, paidAt: paidAt), "d-1");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, misuse.StatusCode);
        Assert.Equal(before, await StateAsync(campaign));

        // A correction that voided the entry, retried: its replay, not "below zero".
        var voiding = new { amount = -3_000, reason = "付款撤回" };
        Assert.Equal(HttpStatusCode.Created, (await SendAsync($"/api/disbursements/{id}/corrections", voiding, "c-1")).StatusCode);
        var retried = await SendAsync($"/api/disbursements/{id}/corrections", voiding, "c-1");
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        Assert.Equal("true", retried.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(2, await ScalarAsync($"SELECT count(*) FROM disbursements WHERE campaign_id = '{campaign}'"));
        Assert.Equal(0, await ScalarAsync($"SELECT disbursed_amount FROM campaigns WHERE id = '{campaign}'"));
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync($"/api/campaigns/{campaign}/disbursements", body, new string('k', 129))).StatusCode);
    }

    [Fact]
    public async Task DisbursementsAreAppendOnlyAndTheBalanceIsGuardedByTheSchemaToo()
    {
        var (campaign, coordinator) = await ProjectWithCoordinatorAsync(_web);
        await OfflineGiftAsync(_web, campaign, 5_000);
        var id = (await DisbursedAsync(coordinator.Bearer, campaign, 2_000)).GetProperty("id").GetGuid();

        async Task RefusedAsync(string sql, string expected)
        {
            await using var command = platform.Database.DataSource.CreateCommand(sql);
            var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Contains(expected, error.MessageText + error.ConstraintName, StringComparison.Ordinal);
        }
        await RefusedAsync($"UPDATE disbursements SET amount = 1 WHERE id = '{id}'", "append-only");
        await RefusedAsync($"DELETE FROM disbursements WHERE id = '{id}'", "append-only");
        await RefusedAsync("TRUNCATE disbursements", "append-only");
        // Whatever a process believes, the row refuses an overdrawn balance and a correction of a correction.
        await RefusedAsync($"UPDATE campaigns SET disbursed_amount = 5001 WHERE id = '{campaign}'", "campaigns_balance_never_negative");
        var correction = (await (await CorrectAsync(coordinator.Bearer, id, -500)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await RefusedAsync($"""
            INSERT INTO disbursements (id, campaign_id, amount, currency, corrects, reason, recorded_by, recorded_at)
            VALUES (gen_random_uuid(), '{campaign}', 1, 'CNY', '{correction}', 'x', 'sql', now())
            """, "disbursements_correct_an_original");
        await RefusedAsync($"""
            INSERT INTO disbursements (id, campaign_id, amount, currency, corrects, reason, recorded_by, recorded_at)
            VALUES (gen_random_uuid(), '{campaign}', -1501, 'CNY', '{id}', 'x', 'sql', now())
            """, "disbursements_net_not_negative");
        Assert.Equal(2_000, await ScalarAsync($"SELECT amount FROM disbursements WHERE id = '{id}'"));
        Assert.Equal(1_500, await ScalarAsync($"SELECT disbursed_amount FROM campaigns WHERE id = '{campaign}'"));
    }

    [Fact]
    public async Task ARefundThatWouldTakeDisbursedMoneyIsRefused()
    {
        var (campaign, coordinator) = await ProjectWithCoordinatorAsync(_web);
        var big = (await ApiCalls.DonateAsync(_web.Client, campaign, 10_000)).GetProperty("id").GetGuid();
        var small = (await ApiCalls.DonateAsync(_web.Client, campaign, 2_000)).GetProperty("id").GetGuid();
        await DisbursedAsync(coordinator.Bearer, campaign, 11_000);

        Task<HttpResponseMessage> RefundAsync(Guid donation, long? amount, string? key = null)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/donations/{donation}/refunds") { Content = JsonContent.Create(new { amount, reason = "捐赠人申请退款" }) };
            request.Headers.Add("Idempotency-Key", key ?? Guid.NewGuid().ToString());
            return _web.Admin.SendAsync(request);
        }
        var before = await StateAsync(campaign);
        var whole = await RefundAsync(small, null);
        Assert.Equal(HttpStatusCode.Conflict, whole.StatusCode);
        Assert.Contains("balance below zero", (await ApiCalls.ProblemAsync(whole)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await RefundAsync(big, 1_001)).StatusCode);
        Assert.Equal(before, await StateAsync(campaign));

        // What is left (¥10) can go back, to the fen; then the balance is zero, and a retry of that refund is its replay.
        Assert.Equal(HttpStatusCode.Created, (await RefundAsync(small, 1_000, "last-ten-yuan")).StatusCode);
        var retry = await RefundAsync(small, 1_000, "last-ten-yuan");
        Assert.True(retry.IsSuccessStatusCode, $"retry: {(int)retry.StatusCode} {await retry.Content.ReadAsStringAsync()}");
        Assert.Equal(1_000, await ScalarAsync($"SELECT refunded_amount FROM donations WHERE id = '{small}'"));
        var ledger = await LedgerAsync(_web.Client, campaign);
        Assert.Equal((11_000L, 11_000L, 0L), (ledger.GetProperty("raisedAmount").GetInt64(), ledger.GetProperty("disbursedAmount").GetInt64(), ledger.GetProperty("balance").GetInt64()));
        Assert.Equal(HttpStatusCode.Conflict, (await RefundAsync(big, 1)).StatusCode);
    }

    [Fact]
    public async Task BadDisbursementsAreRefusedNamingWhatIsWrongAndChangeNothing()
    {
        var (campaign, coordinator) = await ProjectWithCoordinatorAsync(_web);
        await OfflineGiftAsync(_web, campaign, 10_000);
        var before = await StateAsync(campaign);
        var now = DateTimeOffset.UtcNow;
        foreach (var (body, field) in new (object, string)[]
        {
            (Disbursement(0), "amount"),
            (Disbursement(-500), "amount"),
            (new { currency = "CNY", purpose = "米面", payee = "供销社", paidAt = now }, "amount"),
            (Disbursement(500, currency: "USD"), "currency"),
            (Disbursement(500, currency: "XYZ"), "currency"),
            (Disbursement(500, paidAt: now.AddDays(2)), "paidAt"),
            (new { amount = 500, currency = "CNY", purpose = "米面", payee = "供销社" }, "paidAt"),
            (Disbursement(500, purpose: ""), "purpose"),
            (new { amount = 500, currency = "CNY", payee = "供销社", paidAt = now }, "purpose"),
            (Disbursement(500, payee: "  "), "payee"),
            (Disbursement(500, purpose: new string('米', 201)), "purpose"),
            (Disbursement(500, photos: [Guid.Empty]), "evidencePhotoIds"),
        })
        {
            var bad = await DisburseAsync(coordinator.Bearer, campaign, body);
            Assert.True(bad.StatusCode == HttpStatusCode.BadRequest, $"{field}: {(int)bad.StatusCode}");
            Assert.True((await ApiCalls.ProblemAsync(bad)).GetProperty("errors").TryGetProperty(field, out _), field);
        }
        // Within a day ahead is fine (time zones); a day and a minute is not.
        Assert.Equal(HttpStatusCode.BadRequest, (await DisburseAsync(coordinator.Bearer, campaign, Disbursement(500, paidAt: now.AddDays(1).AddMinutes(2)))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await DisburseAsync(_web.Admin, Guid.CreateVersion7(), Disbursement(500))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await CorrectAsync(_web.Admin, Guid.CreateVersion7(), -1)).StatusCode);
        var malformed = await _web.Admin.PostAsync($"/api/campaigns/{campaign}/disbursements", new StringContent("{\"amount\":", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal(before, await StateAsync(campaign));

        var id = (await DisbursedAsync(coordinator.Bearer, campaign, 1_000)).GetProperty("id").GetGuid();
        before = await StateAsync(campaign);
        foreach (var (amount, reason, field) in new (long?, string?, string)[] { (0, "x", "amount"), (null, "x", "amount"), (-1, null, "reason"), (-1, "", "reason") })
        {
            var bad = await CorrectAsync(coordinator.Bearer, id, amount, reason);
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.True((await ApiCalls.ProblemAsync(bad)).GetProperty("errors").TryGetProperty(field, out _), field);
        }
        Assert.Equal(before, await StateAsync(campaign));
    }

    [Fact]
    public async Task OnlyTheProjectsOwnStaffMayDisburseAndCorrect()
    {
        var (campaign, coordinator) = await ProjectWithCoordinatorAsync(_web, "山阳县");
        var (other, otherCoordinator) = await ProjectWithCoordinatorAsync(_web, "山阳县");
        await OfflineGiftAsync(_web, campaign, 10_000);
        var id = (await DisbursedAsync(coordinator.Bearer, campaign, 1_000)).GetProperty("id").GetGuid();
        var viewer = await StaffClients.CreateAsync(_web, "viewer");
        var elsewhere = await StaffClients.CreateAsync(_web, "association", new { county = "洛南县" });
        var county = await StaffClients.CreateAsync(_web, "association", new { county = "山阳县" });
        using var anonymous = new HttpClient { BaseAddress = _web.BaseAddress };

        var before = await StateAsync(campaign);
        foreach (var (who, client, status) in new (string, HttpClient, HttpStatusCode)[]
        {
            ("another project's coordinator", otherCoordinator.Bearer, HttpStatusCode.Forbidden),
            ("a viewer", viewer.Bearer, HttpStatusCode.Forbidden),
            ("another county's association", elsewhere.Bearer, HttpStatusCode.Forbidden),
            ("nobody", anonymous, HttpStatusCode.Unauthorized),
        })
        {
            var disbursed = await DisburseAsync(client, campaign, Disbursement(500));
            Assert.True(disbursed.StatusCode == status, $"{who} disbursing: {(int)disbursed.StatusCode}");
            Assert.Equal("application/problem+json", disbursed.Content.Headers.ContentType?.MediaType);
            var corrected = await CorrectAsync(client, id, -100);
            Assert.True(corrected.StatusCode == status, $"{who} correcting: {(int)corrected.StatusCode}");
            Assert.True((await client.GetAsync($"/api/campaigns/{campaign}/disbursements")).StatusCode == status, $"{who} listing");
        }
        Assert.Equal(before, await StateAsync(campaign));
        Assert.Equal(0, await ScalarAsync($"SELECT count(*) FROM disbursements WHERE campaign_id = '{other}'"));

        // The county's association may, and so may the project's own coordinator with the session cookie (and its antiforgery token).
        Assert.Equal(HttpStatusCode.Created, (await DisburseAsync(county.Bearer, campaign, Disbursement(500))).StatusCode);
        var withCookie = await StaffClients.PostWithAntiforgeryAsync(coordinator.Cookie, coordinator.AntiforgeryToken, $"/api/disbursements/{id}/corrections", new { amount = -100, reason = "找零" });
        Assert.Equal(HttpStatusCode.Created, withCookie.StatusCode);
        var noToken = await coordinator.Cookie.PostAsJsonAsync($"/api/campaigns/{campaign}/disbursements", Disbursement(500));
        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
    }
}
