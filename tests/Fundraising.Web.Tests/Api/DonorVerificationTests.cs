using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Fundraising.Web.Tests.Api;

/// <summary>
/// Verified donors against a Development host whose e-mail goes over real SMTP to a local listener on 127.0.0.1.
/// Each test sends from its own loopback address (127.0.1.n), so the per-address rate limits stay at their defaults.
/// </summary>
public sealed partial class DonorVerificationTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private LocalSmtpServer _smtp = null!;
    private WebFrontEnd _web = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _smtp = new LocalSmtpServer();
        _web = await Platform.StartCoHostedWebAsync(_database, _smtp.HostSettings);
    }

    public async Task DisposeAsync()
    {
        await _web.DisposeAsync();
        await _smtp.DisposeAsync();
        await _database.DisposeAsync();
    }

    private HttpClient From(int n) => RateLimitTests.ClientFrom(_web.BaseAddress, $"127.0.1.{n}");

    private static Task<HttpResponseMessage> RequestAsync(HttpClient client, object body) => client.PostAsJsonAsync("/api/donors/verifications", body);

    private static Task<HttpResponseMessage> ConfirmAsync(HttpClient client, object body) => client.PostAsJsonAsync("/api/donors/verifications/confirm", body);

    private async Task<string> MailedCodeAsync(HttpClient client, string email, int count = 1)
    {
        Assert.Equal(HttpStatusCode.Accepted, (await RequestAsync(client, new { email })).StatusCode);
        var mail = await _smtp.WaitForMessageAsync(email.Trim().ToLowerInvariant(), count);
        var code = SixDigits().Match(mail.Body).Value;
        Assert.Contains(code, mail.Subject);
        return code;
    }

    private static string WrongCode(string code) => code == "000000" ? "000001" : "000000";

    private static async Task<string> TitleOfAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString()!;

    private static async Task<string[]> FieldsOfAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Select(e => e.Name).Order()];
    }

    [Fact]
    public async Task AnEmailCodeArrivesOverSmtpAndConfirmsToADonorTokenAndTheDatabaseHoldsNothingPlain()
    {
        using var client = From(1);
        var code = await MailedCodeAsync(client, "  Donor.One@Example.ORG ");
        Assert.Equal("noreply@fundraising.test", _smtp.MessagesTo("donor.one@example.org")[0].From);

        var confirmed = await ConfirmAsync(client, new { email = "donor.one@example.org", code });
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        var body = await confirmed.Content.ReadFromJsonAsync<JsonElement>();
        var token = body.GetProperty("donorToken").GetString()!;
        Assert.Matches("^fdt_[A-Za-z0-9_-]{76}$", token);
        Assert.True(body.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddDays(29));

        Assert.Equal(1L, await _database.ScalarAsync<long>("SELECT count(*) FROM donors WHERE kind = 'email'"));
        Assert.Equal(1L, await _database.ScalarAsync<long>("SELECT count(*) FROM donor_tokens WHERE token_hash = sha256(convert_to($1, 'UTF8'))", token));
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM donor_verifications WHERE consumed_at IS NULL"));
        var everything = await _database.ScalarAsync<string>("""
            SELECT concat_ws(' ', (SELECT string_agg(d::text, ' ') FROM donors d), (SELECT string_agg(v::text, ' ') FROM donor_verifications v),
                                  (SELECT string_agg(t::text, ' ') FROM donor_tokens t))
            """);
        foreach (var secret in new[] { "donor.one", "example.org", code, token, token[4..] })
        {
            Assert.DoesNotContain(secret, everything, StringComparison.OrdinalIgnoreCase);
        }
        // The address's code went by SMTP, not to the outbox.
        var outbox = await client.GetFromJsonAsync<JsonElement>("/_dev/outbox?to=donor.one@example.org");
        Assert.Equal(0, outbox.GetProperty("items").GetArrayLength());
        Assert.DoesNotContain("donor.one@example.org", _web.Output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task FiveWrongTriesKillTheCode()
    {
        using var client = From(2);
        var code = await MailedCodeAsync(client, "five.tries@example.org");
        for (var i = 0; i < 5; i++)
        {
            var wrong = await ConfirmAsync(client, new { email = "five.tries@example.org", code = WrongCode(code) });
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        }
        var right = await ConfirmAsync(client, new { email = "five.tries@example.org", code });
        Assert.Equal(HttpStatusCode.BadRequest, right.StatusCode);
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM donor_tokens"));
        Assert.Equal(5, await _database.ScalarAsync<int>("SELECT max(attempts) FROM donor_verifications"));
    }

    [Fact]
    public async Task FourWrongTriesStillLeaveTheCodeUsable()
    {
        using var client = From(3);
        var code = await MailedCodeAsync(client, "four.tries@example.org");
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await ConfirmAsync(client, new { email = "four.tries@example.org", code = WrongCode(code) })).StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, (await ConfirmAsync(client, new { email = "four.tries@example.org", code })).StatusCode);
    }

    [Fact]
    public async Task AnExpiredCodeIsRefusedWithTheSameAnswerAsAWrongOne()
    {
        using var client = From(4);
        var code = await MailedCodeAsync(client, "expired@example.org");
        var wrong = await ConfirmAsync(client, new { email = "expired@example.org", code = WrongCode(code) });
        await _database.ScalarAsync<object>(
            "UPDATE donor_verifications SET created_at = now() - interval '11 minutes', expires_at = now() - interval '1 minute'");
        var expired = await ConfirmAsync(client, new { email = "expired@example.org", code });
        Assert.Equal(HttpStatusCode.BadRequest, expired.StatusCode);
        Assert.Equal(await TitleOfAsync(wrong), await TitleOfAsync(expired));
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM donor_tokens"));
    }

    [Fact]
    public async Task ACodeWorksOnceAndTheSameDonorGetsANewTokenNextTime()
    {
        using var client = From(5);
        var code = await MailedCodeAsync(client, "once@example.org");
        Assert.Equal(HttpStatusCode.OK, (await ConfirmAsync(client, new { email = "once@example.org", code })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ConfirmAsync(client, new { email = "once@example.org", code })).StatusCode);

        var again = await MailedCodeAsync(client, "once@example.org", count: 2);
        Assert.Equal(HttpStatusCode.OK, (await ConfirmAsync(client, new { email = "once@example.org", code = again })).StatusCode);
        Assert.Equal(1L, await _database.ScalarAsync<long>("SELECT count(*) FROM donors"));
        Assert.Equal(2L, await _database.ScalarAsync<long>("SELECT count(*) FROM donor_tokens"));
    }

    [Fact]
    public async Task ANewRequestReplacesTheOldCode()
    {
        using var client = From(6);
        var first = await MailedCodeAsync(client, "replace@example.org");
        var second = await MailedCodeAsync(client, "replace@example.org", count: 2);
        if (second == first)
        {
            second = await MailedCodeAsync(client, "replace@example.org", count: 3); // one in a million: the same code twice
        }
        Assert.NotEqual(first, second);
        Assert.Equal(HttpStatusCode.BadRequest, (await ConfirmAsync(client, new { email = "replace@example.org", code = first })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ConfirmAsync(client, new { email = "replace@example.org", code = second })).StatusCode);
    }

    [Fact]
    public async Task PhoneCodesGoToTheOutboxNewestFirstAndConfirm()
    {
        using var client = From(7);
        Assert.Equal(HttpStatusCode.Accepted, (await RequestAsync(client, new { phone = "138 0013 8000" })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await RequestAsync(client, new { phone = "+8613800138000" })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await RequestAsync(client, new { phone = "+447700900123" })).StatusCode);

        var outbox = await client.GetFromJsonAsync<JsonElement>("/_dev/outbox?to=13800138000");
        var items = outbox.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, items.Count);
        Assert.All(items, i => Assert.Equal("+8613800138000", i.GetProperty("to").GetString()));
        Assert.True(items[0].GetProperty("sentAt").GetDateTimeOffset() >= items[1].GetProperty("sentAt").GetDateTimeOffset());
        var newest = items[0].GetProperty("code").GetString()!;
        Assert.Contains(newest, items[0].GetProperty("body").GetString());
        Assert.Equal(3, (await client.GetFromJsonAsync<JsonElement>("/_dev/outbox")).GetProperty("items").GetArrayLength());

        var confirmed = await ConfirmAsync(client, new { phone = "13800138000", code = newest });
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Equal(1L, await _database.ScalarAsync<long>("SELECT count(*) FROM donors WHERE kind = 'phone'"));
        Assert.Empty(_smtp.MessagesTo("+8613800138000"));
        var page = await client.GetAsync("/dev/outbox.html");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task BadInputIsRefusedNamingTheFields()
    {
        using var client = From(8);
        Assert.Equal(["email", "phone"], await FieldsOfAsync(await RequestAsync(client, new { })));
        Assert.Equal(["email", "phone"], await FieldsOfAsync(await RequestAsync(client, new { phone = "13800138000", email = "a@example.org" })));
        Assert.Equal(["phone"], await FieldsOfAsync(await RequestAsync(client, new { phone = "12345" })));
        Assert.Equal(["phone"], await FieldsOfAsync(await RequestAsync(client, new { phone = "1280013800" })));
        Assert.Equal(["email"], await FieldsOfAsync(await RequestAsync(client, new { email = "not-an-address" })));
        Assert.Equal(["code"], await FieldsOfAsync(await ConfirmAsync(client, new { email = "a@example.org", code = "12a456" })));
        Assert.Equal(["code", "email", "phone"], await FieldsOfAsync(await ConfirmAsync(client, new { })));
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM donor_verifications"));
    }

    [Fact]
    public async Task AnUnknownAddressGetsTheSameAnswerAsAKnownOne()
    {
        using var client = From(9);
        var code = await MailedCodeAsync(client, "known@example.org");
        Assert.Equal(HttpStatusCode.OK, (await ConfirmAsync(client, new { email = "known@example.org", code })).StatusCode);
        var known = await RequestAsync(client, new { email = "known@example.org" });
        var unknown = await RequestAsync(client, new { email = "never.seen@example.org" });
        Assert.Equal(HttpStatusCode.Accepted, known.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, unknown.StatusCode);
        Assert.Equal(await known.Content.ReadAsStringAsync(), await unknown.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TooManyRequestsFromOneAddressGet429()
    {
        using var client = From(10);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await RequestAsync(client, new { phone = $"+4477009001{i:D2}" })).StatusCode);
        }
        var refused = await RequestAsync(client, new { phone = "+447700900199" });
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter is not null);
        using var other = From(11);
        Assert.Equal(HttpStatusCode.Accepted, (await RequestAsync(other, new { phone = "+447700900199" })).StatusCode);
    }

    [Fact]
    public async Task TooManyConfirmsFromOneAddressGet429()
    {
        using var client = From(12);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await ConfirmAsync(client, new { email = $"guess{i}@example.org", code = "123456" })).StatusCode);
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, (await ConfirmAsync(client, new { email = "guess@example.org", code = "123456" })).StatusCode);
    }

    [Fact]
    public async Task AnSmtpServerThatDoesNotAnswerGives503AndNoAddressInTheLog()
    {
        await using var database = await TestDatabase.CreateAsync(migrate: false);
        await using var web = await Platform.StartCoHostedWebAsync(database, new Dictionary<string, string>
        {
            ["Donors__Smtp__Host"] = "127.0.0.1",
            ["Donors__Smtp__Port"] = TestEnvironment.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Donors__Smtp__UseTls"] = "false",
        });
        var response = await RequestAsync(web.Client, new { email = "unlucky@example.org" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("unlucky@example.org", web.Output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task InProductionTheOutboxDoesNotExistAndPhoneCodesAreRefused()
    {
        await using var database = await TestDatabase.CreateAsync(migrate: false);
        await using var web = await Platform.StartCoHostedWebAsync(database, new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" });
        Assert.Equal(HttpStatusCode.NotFound, (await web.Client.GetAsync("/_dev/outbox")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await web.Client.GetAsync("/dev/outbox.html")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await web.Client.GetAsync("/dev/outbox.js")).StatusCode);
        var phone = await RequestAsync(web.Client, new { phone = "13800138000" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, phone.StatusCode);
        Assert.Contains("no SMS sender is configured", await phone.Content.ReadAsStringAsync());
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM donor_verifications"));
    }

    [Fact]
    public async Task InProductionTheHostRefusesToStartWithoutAnSmtpHost()
    {
        await using var database = await TestDatabase.CreateAsync(migrate: false);
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => Platform.StartCoHostedWebAsync(database, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Donors__Smtp__Host"] = "",
        }));
        Assert.Contains("Donors:Smtp:Host is required in Production", failure.Message);
    }

    [Fact]
    public async Task TheHostRefusesToStartWithAShortAddressKey()
    {
        await using var database = await TestDatabase.CreateAsync(migrate: false);
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Platform.StartCoHostedWebAsync(database, new Dictionary<string, string> { ["Donors__AddressKey"] = "too-short" }));
        Assert.Contains("Donors:AddressKey must be at least 32 characters", failure.Message);
    }

    [GeneratedRegex(@"\b\d{6}\b")]
    private static partial Regex SixDigits();
}
