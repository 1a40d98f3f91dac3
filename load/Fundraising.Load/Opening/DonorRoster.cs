using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Fundraising.Load.Donors;

namespace Fundraising.Load.Opening;

/// <summary>How the roster's donors pace themselves: most like people, a few much faster.</summary>
public sealed record DonorPace(
    int Donors = 20_000,
    int FastDonors = 50,
    double HumanGapMinSeconds = 16,
    double HumanGapMaxSeconds = 24,
    double FastGapMinSeconds = 2,
    double FastGapMaxSeconds = 8)
{
    /// <summary>The most gifts a second the roster can offer without any person giving faster than their pace.</summary>
    public double MostPerSecond => (Donors - FastDonors) / ((HumanGapMinSeconds + HumanGapMaxSeconds) / 2) +
        FastDonors / ((FastGapMinSeconds + FastGapMaxSeconds) / 2);
}

/// <summary>
/// Verified donors for the opening: each verified through the server's own routes before the measured window
/// (<c>POST /api/donors/verifications</c>, the code from the development outbox <c>GET /_dev/outbox?to=</c>,
/// <c>POST /api/donors/verifications/confirm</c> → <c>donorToken</c>), then handed to donor loops one at a time.
/// A donor is never used by two loops at once and is ready again only after their pace: people at least
/// <see cref="DonorPace.HumanGapMinSeconds"/> (more than the platform's 15 s velocity rule) after their last
/// acknowledged gift, the fast ones (index below <see cref="DonorPace.FastDonors"/>) within seconds, so that their gifts
/// are held and flagged. Taking and returning donors is one short lock per gift (a few thousand a second at most).
/// </summary>
public sealed class DonorRoster
{
    // People and the fast ones wait apart: when the server is slower than the people's pace, ready people queue up, and a
    // fast donor in the same queue would wait behind all of them and never give fast. A ready fast donor goes first.
    private readonly PriorityQueue<int, long> _people = new();
    private readonly PriorityQueue<int, long> _fast = new();
    private readonly Lock _lock = new();
    private FastRandom _random = new(0x5DEECE66DUL);

    private DonorRoster(DonorPace pace, string[] tokens, string[] addresses, double seconds)
    {
        Pace = pace;
        Tokens = tokens;
        Addresses = addresses;
        VerifySeconds = seconds;
    }

    public DonorPace Pace { get; }

    /// <summary>Each donor's <c>Donor-Token</c>.</summary>
    public string[] Tokens { get; }

    public string[] Addresses { get; }

    /// <summary>How long verifying every donor took.</summary>
    public double VerifySeconds { get; }

    public int Count => Tokens.Length;

    public bool IsFast(int donor) => donor < Pace.FastDonors;

    /// <summary>Verifies <see cref="DonorPace.Donors"/> addresses through the server, <paramref name="parallel"/> at a time.</summary>
    public static async Task<DonorRoster> VerifyAsync(Uri target, DonorPace pace, int parallel, Action<string> log, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = parallel, UseProxy = false, UseCookies = false })
        {
            BaseAddress = target,
            Timeout = TimeSpan.FromSeconds(60),
        };
        var run = Guid.NewGuid().ToString("N")[..8];
        var addresses = new string[pace.Donors];
        var tokens = new string[pace.Donors];
        var done = 0;
        var clock = Stopwatch.StartNew();
        await Parallel.ForAsync(0, pace.Donors, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            addresses[i] = $"donor{i}.{run}@load.example.org";
            tokens[i] = await VerifyOneAsync(http, addresses[i], ct);
            var n = Interlocked.Increment(ref done);
            if (n % 5_000 == 0)
            {
                log($"  {n:N0} donors verified ({n / clock.Elapsed.TotalSeconds:N0}/s)");
            }
        });
        return new DonorRoster(pace, tokens, addresses, Math.Round(clock.Elapsed.TotalSeconds, 1));
    }

    private static async Task<string> VerifyOneAsync(HttpClient http, string email, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using (var requested = await http.PostAsJsonAsync("/api/donors/verifications", new { email }, cancellationToken))
                {
                    requested.EnsureSuccessStatusCode();
                }
                var outbox = await http.GetFromJsonAsync<JsonElement>($"/_dev/outbox?to={Uri.EscapeDataString(email)}", cancellationToken);
                var items = outbox.GetProperty("items");
                if (items.GetArrayLength() == 0)
                {
                    throw new HttpRequestException($"No code in the development outbox for {email}.");
                }
                var code = items[0].GetProperty("code").GetString();
                using var confirmed = await http.PostAsJsonAsync("/api/donors/verifications/confirm", new { email, code }, cancellationToken);
                confirmed.EnsureSuccessStatusCode();
                var body = await confirmed.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
                return body.GetProperty("donorToken").GetString() ?? throw new HttpRequestException("No donorToken in the answer.");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && attempt < 5 && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(200 * attempt, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Lets the donors in as the load starts: people arrive over the first <see cref="DonorPace.HumanGapMinSeconds"/>
    /// (so the offered rate is even from the start, not one burst of everyone's first gift), the fast ones within their gap.
    /// </summary>
    public void Start(long startTimestamp)
    {
        lock (_lock)
        {
            _people.Clear();
            _fast.Clear();
            for (var i = 0; i < Tokens.Length; i++)
            {
                var spread = IsFast(i) ? Pace.FastGapMaxSeconds : Pace.HumanGapMinSeconds;
                QueueOf(i).Enqueue(i, startTimestamp + (long)(spread * _random.NextDouble() * Stopwatch.Frequency));
            }
        }
    }

    /// <summary>
    /// A fast donor who is ready, else the person who has been ready longest (waiting until they are, but never past <paramref name="deadline"/>):
    /// the loop that takes them has them alone until <see cref="Return"/>. -1 when none came back by the deadline.
    /// </summary>
    public async Task<int> TakeAsync(long deadline)
    {
        int donor;
        long readyAt;
        while (true)
        {
            lock (_lock)
            {
                if ((_fast.TryPeek(out _, out var fastAt) && fastAt <= Stopwatch.GetTimestamp() && _fast.TryDequeue(out donor, out readyAt))
                    || _people.TryDequeue(out donor, out readyAt) || _fast.TryDequeue(out donor, out readyAt))
                {
                    break;
                }
            }
            // Every donor is with another loop (fewer donors than loops): wait for one to come back.
            if (Stopwatch.GetTimestamp() >= deadline)
            {
                return -1;
            }
            await Task.Delay(5);
        }
        var wait = Math.Min(readyAt, deadline) - Stopwatch.GetTimestamp();
        if (wait > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency));
        }
        return donor;
    }

    /// <summary>
    /// Gives the donor back: ready again after their pace from <paramref name="gaveAt"/> when they gave, or at once
    /// (as they were) when they did not.
    /// </summary>
    public void Return(int donor, long? gaveAt)
    {
        lock (_lock)
        {
            long readyAt = 0;
            if (gaveAt is { } at)
            {
                var (min, max) = IsFast(donor)
                    ? (Pace.FastGapMinSeconds, Pace.FastGapMaxSeconds)
                    : (Pace.HumanGapMinSeconds, Pace.HumanGapMaxSeconds);
                readyAt = at + (long)((min + (max - min) * _random.NextDouble()) * Stopwatch.Frequency);
            }
            QueueOf(donor).Enqueue(donor, readyAt);
        }
    }

    private PriorityQueue<int, long> QueueOf(int donor) => IsFast(donor) ? _fast : _people;
}
