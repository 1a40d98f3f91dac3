using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Fundraising.Load.Donors;
using Fundraising.Load.Measurement;
using HdrHistogram;

namespace Fundraising.Load.Cards;

/// <summary>A donation the fake Stripe answered as paid: what reconciliation and the pay → succeeded timing need.</summary>
internal readonly record struct PaidDonation(int Campaign, Guid Id, long Amount, DateTimeOffset PayStartedAt);

/// <summary>A donation whose create or payment got no definite answer within its attempts: settled after the run.</summary>
internal sealed record CardInDoubt(int Campaign, string Key, int Gift, bool Decline, string? SessionId, Guid Id);

/// <summary>
/// One card donor loop, the way a browser goes through Checkout: create the donation on the platform
/// (Idempotency-Key; the answer carries the Checkout URL on the fake Stripe), sometimes send the same
/// create again (it must answer the same donation and the same session), then pay on the fake's
/// checkout with a card that succeeds or, for a share of donors, is declined. The donation succeeds
/// later, when the fake's webhooks reach the platform. At most one request in flight; counts and
/// histograms are this loop's own, merged at the end.
/// </summary>
internal sealed class CardDonor
{
    private static readonly MediaTypeHeaderValue JsonType = new("application/json") { CharSet = "utf-8" };
    private static readonly byte[] Succeed = """{"outcome":"succeed"}"""u8.ToArray();
    private static readonly byte[] Decline = """{"outcome":"decline"}"""u8.ToArray();

    private readonly CardRun _run;
    private readonly HttpClient _http;
    private readonly string _keyPrefix;
    private readonly Random _random;
    private long _sequence;

    public CardDonor(CardRun run, HttpClient http, int index, string runId)
    {
        _run = run;
        _http = http;
        _keyPrefix = $"card-{runId}-{index}-";
        _random = new Random(HashCode.Combine(runId, index));
    }

    public long Paid;
    public long PaidMeasured;
    public long Declined;
    public long Requests;
    public long RequestsMeasured;
    public long ReplaysChecked;
    public readonly long[] Errors = new long[Enum.GetValues<ErrorKind>().Length];
    public readonly LongHistogram Create = Latency.NewHistogram();
    public readonly LongHistogram Pay = Latency.NewHistogram();
    public readonly LongHistogram Replay = Latency.NewHistogram();
    public readonly List<PaidDonation> PaidDonations = [];
    public readonly List<Guid> DeclinedDonations = [];
    public readonly List<CardInDoubt> InDoubt = [];

    /// <summary>Flat out, or paced (<paramref name="slotTicks"/> apart): then the create's latency counts from its slot, so a slow server cannot hide its queue.</summary>
    public async Task RunAsync(long firstSlot, long slotTicks)
    {
        var slot = firstSlot;
        while (!_run.Stopping)
        {
            var due = Stopwatch.GetTimestamp();
            if (slotTicks > 0)
            {
                if (slot > due)
                {
                    await Task.Delay(TimeSpan.FromSeconds((slot - due) / (double)Stopwatch.Frequency));
                }
                due = slot;
                slot += slotTicks;
            }
            if (due >= _run.Deadline)
            {
                return;
            }
            await DonateAsync(due);
        }
    }

    private async Task DonateAsync(long due)
    {
        while (_run.Settings.MaxBacklog is { } max && Volatile.Read(ref _run.Backlog) > max && !_run.Stopping && Stopwatch.GetTimestamp() < _run.Deadline)
        {
            await Task.Delay(10);
        }
        var campaign = _random.Next(_run.Campaigns.Count);
        var gift = _random.Next(DonationBodies.Gifts.Count);
        var key = NextKey();
        var decline = _random.NextDouble() < _run.Settings.DeclineShare;
        var retry = _random.NextDouble() < _run.Settings.RetryShare;

        var created = await CreateAsync(campaign, key, gift, Create, _run.Settings.MaxAttempts, due);
        if (created.Outcome == Outcome.InDoubt)
        {
            InDoubt.Add(new CardInDoubt(campaign, key, gift, decline, null, default));
        }
        if (created.Outcome != Outcome.Ok)
        {
            return;
        }
        if (retry)
        {
            // As after a lost response: the same donation, and the same Checkout Session (the platform creates it with key checkout-{id}).
            var again = await CreateAsync(campaign, key, gift, Replay, _run.Settings.MaxAttempts);
            if (again.Outcome == Outcome.Ok)
            {
                ReplaysChecked++;
                if (!again.Replayed || again.Id != created.Id || again.SessionId != created.SessionId)
                {
                    Errors[(int)ErrorKind.ReplayMismatch]++;
                }
            }
        }
        await PayAndRecordAsync(campaign, gift, created.Id, created.SessionId!, decline, key, _run.Settings.MaxAttempts);
    }

    /// <summary>Pays on the fake's checkout and records the answer; a payment without a definite answer is set aside.</summary>
    internal async Task PayAndRecordAsync(int campaign, int gift, Guid id, string sessionId, bool decline, string key, int attempts)
    {
        var payStartedAt = DateTimeOffset.UtcNow;
        var paid = await PayAsync(sessionId, decline, attempts);
        var end = Stopwatch.GetTimestamp();
        switch (paid)
        {
            case PayOutcome.Paid:
                Paid++;
                PaidDonations.Add(new PaidDonation(campaign, id, DonationBodies.Gifts[gift].Amount, payStartedAt));
                if (end >= _run.MeasureFrom && end <= _run.Deadline)
                {
                    PaidMeasured++;
                }
                break;
            case PayOutcome.Declined:
                Declined++;
                DeclinedDonations.Add(id);
                break;
            case PayOutcome.InDoubt:
                InDoubt.Add(new CardInDoubt(campaign, key, gift, decline, sessionId, id));
                break;
        }
    }

    internal enum Outcome
    {
        Ok,
        Refused,
        InDoubt,
    }

    internal enum PayOutcome
    {
        Paid,
        Declined,
        Refused,
        InDoubt,
    }

    internal readonly record struct Created(Outcome Outcome, Guid Id, string? SessionId, bool Replayed);

    internal async Task<Created> CreateAsync(int campaign, string key, int gift, LongHistogram histogram, int attempts, long? due = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, _run.DonationUris[campaign]) { Content = Json(DonationBodies.Utf8[gift]) };
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
            var answer = await SendAsync(request, histogram, attempt == 1 ? due : null);
            if (answer.Status == HttpStatusCode.Created)
            {
                if (TryReadCreated(answer.Body, out var id, out var sessionId))
                {
                    return new Created(Outcome.Ok, id, sessionId, answer.Replayed);
                }
                Errors[(int)ErrorKind.BadResponse]++;
                return new Created(Outcome.Refused, default, null, false);
            }
            if (!IsTransient(answer.Status))
            {
                return new Created(Outcome.Refused, default, null, false);
            }
            if (attempt >= attempts)
            {
                return new Created(Outcome.InDoubt, default, null, false);
            }
            await Backoff(attempt);
        }
    }

    /// <summary>
    /// <c>POST /_fake/checkout/{id}/pay</c>. Paying a session that is already complete answers it again, so a retry after a
    /// lost answer is safe; a declined card leaves the session open and unpaid.
    /// </summary>
    private async Task<PayOutcome> PayAsync(string sessionId, bool decline, int attempts)
    {
        for (var attempt = 1; ; attempt++)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_run.Settings.Stripe, $"/_fake/checkout/{sessionId}/pay"))
            {
                Content = Json(decline ? Decline : Succeed),
            };
            var answer = await SendAsync(request, Pay);
            if (answer.Status == HttpStatusCode.OK)
            {
                var status = ReadPaymentStatus(answer.Body);
                if (status == "paid")
                {
                    return PayOutcome.Paid;
                }
                if (status == "unpaid")
                {
                    return PayOutcome.Declined;
                }
                Errors[(int)ErrorKind.BadResponse]++;
                return PayOutcome.Refused;
            }
            if (!IsTransient(answer.Status))
            {
                return PayOutcome.Refused;
            }
            if (attempt >= attempts)
            {
                return PayOutcome.InDoubt;
            }
            await Backoff(attempt);
        }
    }

    private static ByteArrayContent Json(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = JsonType;
        return content;
    }

    private static Task Backoff(int attempt) => Task.Delay(Math.Min(50 * attempt * attempt, 2_000));

    // Status 0 stands for "no answer" (timeout or connection failure), already counted.
    private static bool IsTransient(HttpStatusCode status) =>
        status == 0 || (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or HttpStatusCode.Conflict;

    private readonly record struct Answer(HttpStatusCode Status, byte[] Body, bool Replayed);

    private async Task<Answer> SendAsync(HttpRequestMessage request, LongHistogram histogram, long? due = null)
    {
        Requests++;
        var start = due ?? Stopwatch.GetTimestamp();
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, CancellationToken.None);
            var body = await response.Content.ReadAsByteArrayAsync();
            var end = Stopwatch.GetTimestamp();
            if (end >= _run.MeasureFrom && end <= _run.Deadline)
            {
                RequestsMeasured++;
                Latency.Record(histogram, start, end);
            }
            var status = response.StatusCode;
            if ((int)status >= 400)
            {
                Errors[(int)(IsTransient(status) ? ErrorKind.ServerError : ErrorKind.Rejected)]++;
                if (Interlocked.Increment(ref _run.LoggedRejections) <= 5)
                {
                    _run.Log($"{(int)status} from {request.RequestUri!.AbsolutePath}: {Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 400))}");
                }
            }
            var replayed = response.Headers.NonValidated.TryGetValues("Idempotent-Replayed", out var values) && values.ToString() == "true";
            return new Answer(status, body, replayed);
        }
        catch (TaskCanceledException)
        {
            Errors[(int)ErrorKind.Timeout]++;
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            Errors[(int)ErrorKind.Connection]++;
        }
        finally
        {
            request.Dispose();
        }
        return new Answer(0, [], false);
    }

    /// <summary>The donation id and the Checkout Session id, the last segment of <c>payment.redirectUrl</c> (<c>.../checkout/cs_...</c>).</summary>
    private static bool TryReadCreated(byte[] body, out Guid id, out string? sessionId)
    {
        id = default;
        sessionId = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (!root.TryGetProperty("id", out var idElement) || !idElement.TryGetGuid(out id)
                || !root.TryGetProperty("payment", out var payment) || !payment.TryGetProperty("redirectUrl", out var redirect)
                || redirect.GetString() is not { } url)
            {
                return false;
            }
            sessionId = url[(url.LastIndexOf('/') + 1)..];
            return sessionId.StartsWith("cs_", StringComparison.Ordinal);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? ReadPaymentStatus(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("payment_status", out var status) ? status.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private string NextKey() => _keyPrefix + (++_sequence).ToString("D10", System.Globalization.CultureInfo.InvariantCulture);
}
