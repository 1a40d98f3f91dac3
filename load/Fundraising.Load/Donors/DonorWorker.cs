using System.Buffers.Text;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Fundraising.Load.Measurement;
using HdrHistogram;

namespace Fundraising.Load.Donors;

/// <summary>
/// One donor loop: create a donation (with an Idempotency-Key), sometimes send the same create again
/// as a client does after a lost response, confirm it, sometimes confirm again. At most one request
/// in flight. The hot path reuses pre-serialized bodies and one receive buffer, records latencies
/// into its own histograms and counts into its own fields: no locks, no LINQ, no per-request
/// allocation beyond what HttpClient itself needs (request, response, key and confirm URI).
/// </summary>
internal sealed class DonorWorker
{
    private static readonly byte[] IdProperty = "\"id\":\""u8.ToArray();
    private static readonly byte[] ConfirmUrlProperty = "\"confirmUrl\":\""u8.ToArray();
    private static readonly byte[] MatchProperty = "\"match\":"u8.ToArray();
    private static readonly byte[] AmountProperty = "\"amount\":"u8.ToArray();
    private static readonly byte[] StatusProperty = "\"status\":\""u8.ToArray();
    private static readonly MediaTypeHeaderValue JsonType = new("application/json") { CharSet = "utf-8" };

    private readonly DonorLoad _load;
    private readonly HttpClient _http;
    private readonly string _keyPrefix;
    private readonly ByteArrayContent[] _bodies;
    private FastRandom _random;
    private byte[] _buffer = new byte[4096];
    private long _sequence;

    public DonorWorker(DonorLoad load, HttpClient http, int index, string runId)
    {
        _load = load;
        _http = http;
        _keyPrefix = $"{runId}-{index}-";
        _random = new FastRandom((ulong)(index + 1) * 0x9E3779B97F4A7C15UL ^ (ulong)Environment.TickCount64);
        _bodies = new ByteArrayContent[DonationBodies.Utf8.Length];
        for (var i = 0; i < _bodies.Length; i++)
        {
            _bodies[i] = new ByteArrayContent(DonationBodies.Utf8[i]);
            _bodies[i].Headers.ContentType = JsonType;
            _ = _bodies[i].Headers.ContentLength; // computed once, here, not on the hot path
        }
        AckCount = new long[load.Campaigns.Count];
        AckAmount = new long[load.Campaigns.Count];
        if (load.Options.OpensAfter is not null)
        {
            RequestBefore = Latency.NewHistogram();
            RequestAfter = Latency.NewHistogram();
        }
    }

    // Written only by this worker; read by the progress display (a torn read is impossible for aligned longs on 64-bit).
    public long Succeeded;
    public long SucceededMeasured;
    public long RequestsMeasured;
    public long Requests;
    public long ReplaysChecked;
    public readonly long[] Errors = new long[Enum.GetValues<ErrorKind>().Length];
    public readonly long[] AckCount;
    public readonly long[] AckAmount;
    public readonly LongHistogram Create = Latency.NewHistogram();
    public readonly LongHistogram Confirm = Latency.NewHistogram();
    public readonly LongHistogram Replay = Latency.NewHistogram();
    public readonly LongHistogram Donation = Latency.NewHistogram();
    public readonly List<InDoubtDonation> InDoubt = [];

    // The opening: measured acknowledgements before the pool opened, request latency on each side of it.
    public long SucceededBefore;
    public readonly LongHistogram? RequestBefore;
    public readonly LongHistogram? RequestAfter;

    // The match of the last confirmation answered OK (one request in flight per loop: no race).
    private Opening.MatchStatus _lastMatch;
    private long _lastMatchAmount;

    public async Task RunAsync(long firstSlot, long slotTicks)
    {
        var slot = firstSlot;
        var roster = _load.Options.Roster;
        while (true)
        {
            // With verified donors, the next gift is the next ready donor's (the loop waits for one if none is).
            var donor = roster is null ? -1 : await roster.TakeAsync(_load.Deadline);
            if (roster is not null && donor < 0)
            {
                return;
            }
            long start;
            if (slotTicks > 0)
            {
                // Paced: wait for this worker's next slot; latency counts from the slot, so a slow server
                // cannot hide its queueing by slowing the generator down (no coordinated omission).
                var wait = slot - Stopwatch.GetTimestamp();
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromTicks(wait * TimeSpan.TicksPerSecond / Stopwatch.Frequency));
                }
                start = slot;
                slot += slotTicks;
            }
            else
            {
                start = Stopwatch.GetTimestamp();
            }
            if (start >= _load.Deadline || _load.Stopping)
            {
                roster?.Return(donor, null);
                return;
            }
            var gave = await DonateAsync(start, donor);
            roster?.Return(donor, gave ? Stopwatch.GetTimestamp() : null);
        }
    }

    /// <summary>One gift; true when the server took it (acknowledged, or in doubt: it may have).</summary>
    private async Task<bool> DonateAsync(long start, int donor)
    {
        var campaign = _load.Picker.Pick(_random.NextDouble());
        var gift = _random.Next(_bodies.Length);
        var key = NextKey();
        var retry = _random.NextDouble() < _load.Options.RetryShare;

        var created = await CreateAsync(campaign, key, gift, donor, start, Create);
        if (created.Outcome == Outcome.Refused)
        {
            return false;
        }
        if (created.Outcome != Outcome.Ok)
        {
            InDoubt.Add(new InDoubtDonation(campaign, key, gift, donor, null));
            return true;
        }
        if (retry)
        {
            // The same request again, as after a lost response: it must be answered with the same donation.
            var again = await CreateAsync(campaign, key, gift, donor, Stopwatch.GetTimestamp(), Replay);
            if (again.Outcome == Outcome.Ok)
            {
                ReplaysChecked++;
                if (!again.Replayed || again.Id != created.Id)
                {
                    Errors[(int)ErrorKind.ReplayMismatch]++;
                }
            }
        }

        var confirmed = await ConfirmAsync(created.ConfirmUri!, Confirm);
        if (confirmed != Outcome.Ok)
        {
            if (confirmed == Outcome.InDoubt)
            {
                InDoubt.Add(new InDoubtDonation(campaign, key, gift, donor, created.ConfirmUri));
            }
            return true;
        }
        var acknowledged = Stopwatch.GetTimestamp();
        Acknowledge(campaign, gift, donor, acknowledged);
        if (acknowledged >= _load.MeasureFrom && acknowledged <= _load.Deadline)
        {
            SucceededMeasured++;
            if (acknowledged < _load.OpensAt)
            {
                SucceededBefore++;
            }
            Latency.Record(Donation, start, acknowledged);
        }
        if (retry && await ConfirmAsync(created.ConfirmUri!, Replay) == Outcome.Ok)
        {
            ReplaysChecked++;
        }
        return true;
    }

    /// <summary>Counts a gift the server confirmed; its match is the last confirmation's answer.</summary>
    internal void Acknowledge(int campaign, int gift, int donor, long timestamp)
    {
        _load.Options.Matches?.Add(donor, DonationBodies.Gifts[gift].Amount, _lastMatch, _lastMatchAmount);
        Succeeded++;
        AckCount[campaign]++;
        AckAmount[campaign] += DonationBodies.Gifts[gift].Amount;
        if (campaign == 0)
        {
            _load.HotAcks?.Add(timestamp);
        }
        _load.AllAcks?.Add(timestamp);
    }

    internal enum Outcome
    {
        Ok,
        Refused,
        InDoubt,
    }

    internal readonly record struct Created(Outcome Outcome, Guid Id, Uri? ConfirmUri, bool Replayed);

    internal async Task<Created> CreateAsync(int campaign, string key, int gift, int donor, long start, LongHistogram histogram, int? maxAttempts = null)
    {
        var attempts = maxAttempts ?? _load.Options.MaxAttempts;
        for (var attempt = 1; ; attempt++)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, _load.DonationUris[campaign]) { Content = _bodies[gift] };
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
            if (donor >= 0)
            {
                request.Headers.TryAddWithoutValidation("Donor-Token", _load.Options.Roster!.Tokens[donor]);
            }
            var (status, length, replayed) = await SendAsync(request, start, histogram);
            if (status == HttpStatusCode.Created)
            {
                if (TryParseCreated(length, out var id, out var confirmUri))
                {
                    return new Created(Outcome.Ok, id, confirmUri, replayed);
                }
                Errors[(int)ErrorKind.BadResponse]++;
                return new Created(Outcome.Refused, default, null, false);
            }
            if (!IsTransient(status))
            {
                return new Created(Outcome.Refused, default, null, false);
            }
            if (attempt >= attempts)
            {
                return new Created(Outcome.InDoubt, default, null, false);
            }
            await Backoff(attempt);
            start = Stopwatch.GetTimestamp();
        }
    }

    internal async Task<Outcome> ConfirmAsync(Uri confirmUri, LongHistogram histogram, int? maxAttempts = null)
    {
        var attempts = maxAttempts ?? _load.Options.MaxAttempts;
        for (var attempt = 1; ; attempt++)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, confirmUri);
            var (status, length, _) = await SendAsync(request, Stopwatch.GetTimestamp(), histogram);
            if (status == HttpStatusCode.OK)
            {
                if (_load.Options.Matches is not null)
                {
                    (_lastMatch, _lastMatchAmount) = ParseMatch(length);
                }
                return Outcome.Ok;
            }
            if (!IsTransient(status))
            {
                return Outcome.Refused;
            }
            if (attempt >= attempts)
            {
                return Outcome.InDoubt;
            }
            await Backoff(attempt);
        }
    }

    private static Task Backoff(int attempt) => Task.Delay(Math.Min(50 * attempt * attempt, 2_000));

    // Status 0 stands for "no answer" (timeout or connection failure), already counted.
    private static bool IsTransient(HttpStatusCode status) =>
        status == 0 || (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    private async Task<(HttpStatusCode Status, int Length, bool Replayed)> SendAsync(HttpRequestMessage request, long start, LongHistogram histogram)
    {
        Requests++;
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, CancellationToken.None);
        }
        catch (TaskCanceledException)
        {
            Errors[(int)ErrorKind.Timeout]++;
            _load.CountFailure();
            return (0, 0, false);
        }
        catch (HttpRequestException)
        {
            Errors[(int)ErrorKind.Connection]++;
            _load.CountFailure();
            return (0, 0, false);
        }
        using (response)
        {
            int length;
            try
            {
                length = await ReadBodyAsync(response);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
            {
                Errors[(int)ErrorKind.Connection]++;
                return (0, 0, false);
            }
            var end = Stopwatch.GetTimestamp();
            var status = response.StatusCode;
            if (end >= _load.MeasureFrom && end <= _load.Deadline)
            {
                RequestsMeasured++;
                Latency.Record(histogram, start, end);
                if (RequestBefore is not null)
                {
                    Latency.Record(end < _load.OpensAt ? RequestBefore : RequestAfter!, start, end);
                }
            }
            if ((int)status >= 400)
            {
                Errors[(int)(IsTransient(status) ? ErrorKind.ServerError : ErrorKind.Rejected)]++;
                if (IsTransient(status))
                {
                    _load.CountFailure();
                }
                if (_load.Options.Log is { } log && Interlocked.Increment(ref _load.LoggedRejections) <= 5)
                {
                    log($"{(int)status} from {request.RequestUri!.AbsolutePath}: {Encoding.UTF8.GetString(_buffer, 0, Math.Min(length, 400))}");
                }
            }
            var replayed = response.Headers.NonValidated.TryGetValues("Idempotent-Replayed", out var values) && values.ToString() == "true";
            return (status, length, replayed);
        }
    }

    private async Task<int> ReadBodyAsync(HttpResponseMessage response)
    {
        await using var stream = await response.Content.ReadAsStreamAsync();
        var length = 0;
        while (true)
        {
            if (length == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
            var read = await stream.ReadAsync(_buffer.AsMemory(length));
            if (read == 0)
            {
                return length;
            }
            length += read;
        }
    }

    private bool TryParseCreated(int length, out Guid id, out Uri? confirmUri)
    {
        var body = _buffer.AsSpan(0, length);
        id = default;
        confirmUri = null;
        var at = body.IndexOf(IdProperty);
        if (at < 0 || !Utf8Parser.TryParse(body[(at + IdProperty.Length)..], out id, out _))
        {
            return false;
        }
        at = body.IndexOf(ConfirmUrlProperty);
        if (at < 0)
        {
            return false;
        }
        var rest = body[(at + ConfirmUrlProperty.Length)..];
        var end = rest.IndexOf((byte)'"');
        if (end <= 0)
        {
            return false;
        }
        confirmUri = new Uri(_load.Options.Target, Encoding.UTF8.GetString(rest[..end]));
        return true;
    }

    /// <summary>
    /// The confirmation's <c>match</c> (<c>{"poolId":…,"amount":N,"status":"matched|held|none"}</c>, or null), cut out of
    /// the bytes like the id: the object has no nested object, so it ends at the first closing brace.
    /// </summary>
    private (Opening.MatchStatus, long) ParseMatch(int length)
    {
        var body = _buffer.AsSpan(0, length);
        var at = body.IndexOf(MatchProperty);
        if (at < 0)
        {
            return (Opening.MatchStatus.Missing, 0);
        }
        var match = body[(at + MatchProperty.Length)..].TrimStart(" "u8);
        var end = match.IndexOf((byte)'}');
        if (match.StartsWith("null"u8) || end < 0)
        {
            return (Opening.MatchStatus.Missing, 0);
        }
        match = match[..end];
        long amount = 0;
        at = match.IndexOf(AmountProperty);
        if (at >= 0)
        {
            Utf8Parser.TryParse(match[(at + AmountProperty.Length)..].TrimStart(" "u8), out amount, out _);
        }
        at = match.IndexOf(StatusProperty);
        var status = at < 0 ? default : match[(at + StatusProperty.Length)..];
        return (status.StartsWith("matched\""u8) ? Opening.MatchStatus.Matched
            : status.StartsWith("held\""u8) ? Opening.MatchStatus.Held
            : status.StartsWith("none\""u8) ? Opening.MatchStatus.None
            : Opening.MatchStatus.Missing, amount);
    }

    private string NextKey()
    {
        var n = ++_sequence;
        return string.Create(_keyPrefix.Length + 10, (_keyPrefix, n), static (span, state) =>
        {
            state._keyPrefix.AsSpan().CopyTo(span);
            state.n.TryFormat(span[state._keyPrefix.Length..], out _, "D10");
        });
    }
}

/// <summary>A donation whose create or confirm got no definite answer within its attempts: resolved after the run.</summary>
internal sealed record InDoubtDonation(int Campaign, string Key, int Gift, int Donor, Uri? ConfirmUri);
