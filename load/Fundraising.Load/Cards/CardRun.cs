using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fundraising.Load.Api;
using Fundraising.Load.Donors;
using Fundraising.Load.Measurement;
using HdrHistogram;

namespace Fundraising.Load.Cards;

/// <summary>
/// The card scenario: donors give through Stripe Checkout on the fake Stripe, whose webhooks (duplicated and
/// reordered by its chaos switches) confirm the gifts on the platform. After the run it settles what is in
/// doubt, waits until every webhook has been delivered, and reconciles exactly: the payments donors were told
/// succeeded = the payments in Stripe's event list = the platform's API, ledger, grains and catalogue; declined
/// payments count nowhere. Throughput is counted end to end, by when the platform recorded each gift as succeeded.
/// </summary>
public sealed class CardRun : IDisposable
{
    private readonly CardDonor[] _donors;
    private readonly HttpClient _http;
    internal int LoggedRejections;

    /// <summary>Webhook events waiting at the fake Stripe, polled during the run when <see cref="CardSettings.MaxBacklog"/> is set.</summary>
    internal int Backlog;
    internal volatile bool Stopping;

    private CardRun(CardSettings settings, IReadOnlyList<Guid> campaigns, Action<string> log)
    {
        Settings = settings;
        Campaigns = campaigns;
        Log = log;
        DonationUris = [.. campaigns.Select(id => new Uri(settings.Target, $"/api/campaigns/{id}/donations"))];
        _http = new HttpClient(new SocketsHttpHandler
        {
            // One connection per donor and server: each loop has at most one request in flight.
            MaxConnectionsPerServer = settings.Workers,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        })
        {
            Timeout = settings.RequestTimeout,
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        var runId = Guid.NewGuid().ToString("N")[..8];
        _donors = [.. Enumerable.Range(0, settings.Workers).Select(i => new CardDonor(this, _http, i, runId))];
    }

    internal CardSettings Settings { get; }

    internal IReadOnlyList<Guid> Campaigns { get; }

    internal Uri[] DonationUris { get; }

    internal Action<string> Log { get; }

    internal long MeasureFrom { get; private set; } = long.MaxValue;

    internal long Deadline { get; private set; } = long.MaxValue;

    /// <summary>What a moment of the run looked like: clocks, CPU, webhook deliveries.</summary>
    private sealed record Mark(long Timestamp, DateTimeOffset At, CpuSampler.Snapshot Cpu, CpuSampler.Snapshot StripeCpu, WebhookCounts Webhooks);

    public static async Task<CardResult> RunAsync(CardSettings settings, Action<string> log, CancellationToken cancellationToken = default)
    {
        var startedAt = DateTimeOffset.UtcNow;
        using var api = new PlatformApi(settings.Target, settings.AdminKey);
        using var stripe = new FakeStripeControl(settings.Stripe, settings.StripeKey);
        await stripe.SetChaosAsync(settings.Chaos, cancellationToken);
        log($"{settings.Name}: fake Stripe chaos: {settings.Chaos.DuplicateRate:P0} of webhooks delivered twice, reordered within {settings.Chaos.ReorderWindowMs} ms, " +
            (settings.Chaos.Drops ? $"{settings.Chaos.DropRate:P0} dropped (settled by the platform's reconcile job after the run)" : "no drops"));

        var specs = settings.Campaigns > 1 ? PlatformApi.SpreadCampaigns(settings.Campaigns) : [PlatformApi.HotCampaign(settings.Name)];
        var campaigns = await api.CreateCampaignsAsync(specs, open: true, cancellationToken: cancellationToken);
        using var run = new CardRun(settings, campaigns, log);
        try
        {
            return await run.ExecuteAsync(api, stripe, startedAt, cancellationToken);
        }
        finally
        {
            // Leave the fake calm for whoever uses it next.
            await stripe.SetChaosAsync(new CardChaos(0, 0, 0, settings.Chaos.Seed), CancellationToken.None);
        }
    }

    private async Task<CardResult> ExecuteAsync(PlatformApi api, FakeStripeControl stripe, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        var cpu = new CpuSampler(Settings.ServerPid, Settings.PostgresPid);
        // A second sampler whose "server" is the fake Stripe, so its share is reported apart from "other".
        var stripeCpu = new CpuSampler(Settings.StripePid, null);
        async Task<Mark> MarkAt(long timestamp)
        {
            var wait = timestamp - Stopwatch.GetTimestamp();
            if (wait > 0 && !Stopping)
            {
                await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency), CancellationToken.None);
            }
            return new Mark(Stopwatch.GetTimestamp(), DateTimeOffset.UtcNow, cpu.Take(), stripeCpu.Take(), await stripe.GetWebhooksAsync(CancellationToken.None));
        }

        var start = Stopwatch.GetTimestamp();
        MeasureFrom = start + (long)(Settings.Warmup.TotalSeconds * Stopwatch.Frequency);
        Deadline = start + (long)((Settings.Warmup + Settings.Duration).TotalSeconds * Stopwatch.Frequency);
        using var stop = cancellationToken.Register(() => Stopping = true);
        var limit = Settings.MaxBacklog is { } max ? $", no new gift while more than {max:N0} webhook events wait" : "";
        Log($"{Settings.Name}: card donations {(Settings.Rate is { } r ? $"at {r:N0}/s" : "flat out")}{limit} with {Settings.Workers} donors on {Campaigns.Count:N0} campaign(s), {Settings.DeclineShare:P0} declined, " +
            $"{Settings.RetryShare:P0} creates retried; {Settings.Warmup.TotalSeconds:N0} s warm-up + {Settings.Duration.TotalSeconds:N0} s");
        var first = MarkAt(MeasureFrom);
        var last = MarkAt(Deadline);
        var slotTicks = Settings.Rate is { } rate ? (long)(Stopwatch.Frequency * Settings.Workers / rate) : 0;
        var loops = _donors.Select((donor, i) => Task.Run(() => donor.RunAsync(start + slotTicks * i / Settings.Workers, slotTicks), CancellationToken.None)).ToArray();
        using var pollStop = new CancellationTokenSource();
        var poll = Settings.MaxBacklog is null ? Task.CompletedTask : PollBacklogAsync(stripe, pollStop.Token);
        using (Settings.ProgressInterval > TimeSpan.Zero ? new Timer(_ => ShowProgress(start), null, Settings.ProgressInterval, Settings.ProgressInterval) : null)
        {
            await Task.WhenAll(loops);
        }
        await pollStop.CancelAsync();
        await poll;
        var (windowStart, windowEnd) = (await first, await last);
        var unresolved = await SettleInDoubtAsync();

        var failures = new List<string>();
        var (settleSeconds, webhooks, redelivered) = await WaitForWebhooksAsync(stripe, failures, cancellationToken);
        var stripeReconcile = Settings.Chaos.Drops ? await RunReconcileJobAsync(api, webhooks, failures, cancellationToken) : null;

        Log($"{Settings.Name}: reading Stripe's event list and reconciling...");
        var paid = _donors.SelectMany(d => d.PaidDonations).ToList();
        var declined = _donors.SelectMany(d => d.DeclinedDonations).ToList();
        var reconciliation = await ReconcileAsync(api, stripe, startedAt, paid, declined, unresolved, cancellationToken);
        Log(reconciliation.Describe());
        if (!reconciliation.Exact)
        {
            failures.Add(reconciliation.Describe());
        }

        var (payToSucceeded, sampled, succeededInWindow) = await TimeSuccessesAsync(paid, windowStart.At, windowEnd.At, cancellationToken);
        return Collect(startedAt, windowStart, windowEnd, unresolved, settleSeconds, webhooks, redelivered, payToSucceeded, sampled,
            succeededInWindow, reconciliation, failures, stripeReconcile);
    }

    private async Task PollBacklogAsync(FakeStripeControl stripe, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                Volatile.Write(ref Backlog, (await stripe.GetWebhooksAsync(cancellationToken)).Pending);
                await Task.Delay(50, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException)
            {
                // One lost answer from a busy fake: keep the last count and ask again.
                await Task.Delay(50, CancellationToken.None);
            }
        }
    }

    private void ShowProgress(long start)
    {
        long paid = 0, declined = 0, requests = 0, errors = 0;
        foreach (var donor in _donors)
        {
            paid += Volatile.Read(ref donor.Paid);
            declined += Volatile.Read(ref donor.Declined);
            requests += Volatile.Read(ref donor.Requests);
            errors += donor.Errors.Sum();
        }
        var elapsed = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
        Log($"[{elapsed,5:F0}s] paid {paid:N0}  declined {declined:N0}  requests {requests:N0}  errors {errors:N0}  webhook backlog {Volatile.Read(ref Backlog):N0}");
    }

    /// <summary>
    /// Donations whose create or payment got no definite answer are settled the way a client must: the same create
    /// again with the same key, and the payment again (paying a paid session answers it again).
    /// </summary>
    private async Task<long> SettleInDoubtAsync()
    {
        long unresolved = 0;
        var scratch = Latency.NewHistogram();
        foreach (var donor in _donors)
        {
            var doubts = donor.InDoubt.ToList();
            donor.InDoubt.Clear();
            foreach (var doubt in doubts)
            {
                var (id, sessionId) = (doubt.Id, doubt.SessionId);
                if (sessionId is null)
                {
                    var created = await donor.CreateAsync(doubt.Campaign, doubt.Key, doubt.Gift, scratch, attempts: 20);
                    if (created.Outcome == CardDonor.Outcome.InDoubt)
                    {
                        unresolved++;
                    }
                    if (created.Outcome != CardDonor.Outcome.Ok)
                    {
                        continue;
                    }
                    (id, sessionId) = (created.Id, created.SessionId!);
                }
                await donor.PayAndRecordAsync(doubt.Campaign, doubt.Gift, id, sessionId, doubt.Decline, doubt.Key, attempts: 20);
            }
            unresolved += donor.InDoubt.Count;
        }
        if (unresolved > 0)
        {
            Log($"{unresolved} card donations are still in doubt.");
        }
        return unresolved;
    }

    /// <summary>
    /// Polls the fake until no event is pending delivery. Failed events (every attempt refused) are a failure of the run; so are
    /// dropped ones unless drops are switched on. Without drops they are redelivered once so the rest can still be checked;
    /// with drops they are left to the platform's reconcile job, which is what is being tested.
    /// </summary>
    private async Task<(double Seconds, WebhookCounts Counts, long Redelivered)> WaitForWebhooksAsync(FakeStripeControl stripe, List<string> failures,
        CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        long redelivered = 0;
        while (true)
        {
            var counts = await stripe.GetWebhooksAsync(cancellationToken);
            // With drops on, dropped events are expected (the reconcile job settles them); events the platform refused at every attempt never are.
            var undelivered = Settings.Chaos.Drops ? counts.Failed : counts.Failed + counts.Dropped;
            if (counts.Pending == 0 && undelivered > 0 && Settings.Chaos.Drops)
            {
                failures.Add($"{counts.Failed:N0} webhook events failed every delivery attempt; left to the reconcile job.");
            }
            else if (counts.Pending == 0 && undelivered > 0 && redelivered == 0)
            {
                failures.Add($"{counts.Failed:N0} webhook events failed every delivery attempt and {counts.Dropped:N0} were dropped; redelivered once.");
                redelivered = await stripe.RedeliverAsync(cancellationToken);
                continue;
            }
            if (counts.Pending == 0)
            {
                var dropped = Settings.Chaos.Drops ? $", {counts.Dropped:N0} dropped as asked" : "";
                Log($"{Settings.Name}: no webhook event waiting {watch.Elapsed.TotalSeconds:N1} s after the last payment: {counts.Delivered:N0} events, {counts.Attempts:N0} delivery attempts{dropped}.");
                return (Math.Round(watch.Elapsed.TotalSeconds, 2), counts, redelivered);
            }
            if (watch.Elapsed > Settings.SettleTimeout)
            {
                failures.Add($"{counts.Pending:N0} webhook events still pending {Settings.SettleTimeout.TotalSeconds:N0} s after the last payment.");
                return (Math.Round(watch.Elapsed.TotalSeconds, 2), counts, redelivered);
            }
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>
    /// With drops on, after the webhooks drained: runs the platform's Stripe reconciliation job until a run reports nothing
    /// left to settle (or <see cref="CardSettings.ReconcileTimeout"/> passes, which fails the run). The gifts it settled are
    /// what the public API's totals grew by meanwhile: no donor and no webhook is active any more.
    /// </summary>
    private async Task<CardStripeReconcile> RunReconcileJobAsync(PlatformApi api, WebhookCounts webhooks, List<string> failures, CancellationToken cancellationToken)
    {
        Log($"{Settings.Name}: {webhooks.Dropped:N0} webhook events were dropped; running the platform's Stripe reconcile job...");
        var before = await ApiTotalsAsync(api, cancellationToken);
        var watch = Stopwatch.StartNew();
        int runs = 0, pendingConfirmed = 0, eventsApplied = 0;
        StripeReconcileRunDto? last = null;
        var finished = false;
        while (true)
        {
            last = await api.ReconcileStripeAsync(cancellationToken);
            runs++;
            pendingConfirmed += last.PendingConfirmed;
            eventsApplied += last.EventsApplied;
            Log($"{Settings.Name}: reconcile run {runs}: {last.PendingChecked:N0} pending gifts checked, {last.PendingConfirmed:N0} confirmed, {last.PendingFailed:N0} not answered; " +
                $"{last.EventsListed:N0} undelivered events listed, {last.EventsApplied:N0} applied, {last.EventsAlreadyApplied:N0} already applied, {last.EventsIgnored:N0} with nothing for the platform, {last.EventsFailed:N0} failed");
            if (last.NothingLeft)
            {
                finished = true;
                break;
            }
            if (watch.Elapsed > Settings.ReconcileTimeout)
            {
                failures.Add($"The Stripe reconcile job still had work after {runs} runs and {Settings.ReconcileTimeout.TotalSeconds:N0} s.");
                break;
            }
            if (last.PendingFailed + last.EventsFailed > 0)
            {
                await Task.Delay(500, cancellationToken);
            }
        }
        var seconds = Math.Round(watch.Elapsed.TotalSeconds, 2);
        var after = await ApiTotalsAsync(api, cancellationToken);
        var result = new CardStripeReconcile(webhooks.Dropped, runs, finished, seconds, new Totals(after.Count - before.Count, after.Amount - before.Amount),
            pendingConfirmed, eventsApplied, last);
        Log($"{Settings.Name}: {result.Describe()}");
        return result;
    }

    private async Task<Totals> ApiTotalsAsync(PlatformApi api, CancellationToken cancellationToken)
    {
        long count = 0, amount = 0;
        foreach (var campaign in Campaigns)
        {
            var totals = await api.GetCampaignTotalsAsync(campaign, cancellationToken);
            (count, amount) = (count + totals.Count, amount + totals.Amount);
        }
        return new Totals(count, amount);
    }

    private async Task<CardReconciliation> ReconcileAsync(PlatformApi api, FakeStripeControl stripe, DateTimeOffset startedAt,
        List<PaidDonation> paid, List<Guid> declined, long unresolved, CancellationToken cancellationToken)
    {
        var index = Campaigns.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i);
        var payments = (await stripe.ListSucceededPaymentsAsync(startedAt, cancellationToken)).Where(p => index.ContainsKey(p.CampaignId)).ToList();
        var perCampaign = new Totals[Campaigns.Count];
        foreach (var payment in payments)
        {
            var i = index[payment.CampaignId];
            perCampaign[i] = new Totals(perCampaign[i].Count + 1, perCampaign[i].Amount + payment.Amount);
        }
        var platform = await Reconciler.CheckAsync(api, Campaigns, perCampaign, unresolved, cancellationToken);

        var inStripe = payments.Select(p => p.DonationId).ToHashSet();
        var paidIds = paid.Select(p => p.Id).ToHashSet();
        var donors = new Totals(paid.Count, paid.Sum(p => p.Amount));
        var stripeTotals = new Totals(payments.Count, payments.Sum(p => p.Amount));

        // Failed payments count nowhere: a declined donation stays pending, so it has no receipt.
        var checkedDeclined = declined.Count <= 500 ? declined : [.. declined.Where((_, i) => i % (declined.Count / 500 + 1) == 0)];
        long declinedWithReceipt = 0;
        await Parallel.ForEachAsync(checkedDeclined, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (id, ct) =>
        {
            if (await ReadReceiptAsync(id, ct) is not null)
            {
                Interlocked.Increment(ref declinedWithReceipt);
            }
        });
        var exact = platform.Exact && donors == stripeTotals && paidIds.SetEquals(inStripe) && paidIds.Count == paid.Count && declinedWithReceipt == 0;
        return new CardReconciliation(exact, donors, stripeTotals, paidIds.Count(id => !inStripe.Contains(id)), inStripe.Count(id => !paidIds.Contains(id)),
            declinedWithReceipt, checkedDeclined.Count, platform);
    }

    /// <summary>
    /// When each gift succeeded, from its receipt (<c>donatedAt</c> is the ledger's <c>succeeded_at</c>, PostgreSQL's clock on
    /// this machine): pay → succeeded latency of the payments made within the measured window, and how many gifts
    /// succeeded within it (whenever they were paid). An even sample beyond
    /// <see cref="CardSettings.LatencySample"/> gifts, scaled up for the count.
    /// </summary>
    private async Task<(LongHistogram Latency, long Sampled, long SucceededInWindow)> TimeSuccessesAsync(List<PaidDonation> paid,
        DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var stride = Math.Max(1, (paid.Count + Settings.LatencySample - 1) / Settings.LatencySample);
        var sample = paid.Where((_, i) => i % stride == 0).ToList();
        var histograms = new System.Collections.Concurrent.ConcurrentBag<LongHistogram>();
        long inWindow = 0;
        await Parallel.ForEachAsync(sample, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (donation, ct) =>
            {
                if (await ReadReceiptAsync(donation.Id, ct) is not { } succeededAt)
                {
                    return;
                }
                if (donation.PayStartedAt >= from && donation.PayStartedAt <= to)
                {
                    // Timed like the other latencies: only payments made within the measured window.
                    var histogram = Latency.NewHistogram();
                    Latency.RecordMicros(histogram, (long)(succeededAt - donation.PayStartedAt).TotalMicroseconds);
                    histograms.Add(histogram);
                }
                if (succeededAt >= from && succeededAt <= to)
                {
                    Interlocked.Increment(ref inWindow);
                }
            });
        var merged = Latency.NewHistogram();
        foreach (var histogram in histograms)
        {
            merged.Add(histogram);
        }
        return (merged, sample.Count, inWindow * stride);
    }

    /// <summary>
    /// <c>GET /api/admin/donations/{id}/receipt</c> (the checker reads any gift's receipt as an admin; donors need their
    /// token): when the gift succeeded, or null while it is not (404).
    /// </summary>
    private async Task<DateTimeOffset?> ReadReceiptAsync(Guid donationId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Settings.Target, $"/api/admin/donations/{donationId}/receipt"));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Settings.AdminKey);
        using var response = await _http.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        var receipt = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return receipt.GetProperty("donatedAt").GetDateTimeOffset();
    }

    private CardResult Collect(DateTimeOffset startedAt, Mark first, Mark last, long unresolved, double settleSeconds, WebhookCounts webhooks,
        long redelivered, LongHistogram payToSucceeded, long sampled, long succeededInWindow, CardReconciliation reconciliation, List<string> failures,
        CardStripeReconcile? stripeReconcile)
    {
        var seconds = Math.Max(0.001, (last.Timestamp - first.Timestamp) / (double)Stopwatch.Frequency);
        // After the run, not on the hot path: each loop's own counts and histograms, merged.
        LatencySummary Merged(Func<CardDonor, LongHistogram> pick)
        {
            var merged = Latency.NewHistogram();
            foreach (var donor in _donors)
            {
                merged.Add(pick(donor));
            }
            return Latency.Summarize(merged);
        }
        var paid = _donors.Sum(d => d.Paid);
        var declined = _donors.Sum(d => d.Declined);
        var errorCounts = new SortedDictionary<string, long>(
            Enum.GetValues<ErrorKind>()
                .Select(kind => (Kind: kind, Count: _donors.Sum(d => d.Errors[(int)kind])))
                .Where(e => e.Count > 0)
                .ToDictionary(e => e.Kind.ToString(), e => e.Count), StringComparer.Ordinal);
        if (errorCounts.ContainsKey(nameof(ErrorKind.ReplayMismatch)))
        {
            failures.Add($"{errorCounts[nameof(ErrorKind.ReplayMismatch)]:N0} retried creates did not get their donation and checkout back.");
        }
        if (paid == 0)
        {
            failures.Add("No card donation was paid.");
        }
        var shares = CpuSampler.Between(first.Cpu, last.Cpu);
        var stripeShare = CpuSampler.Between(first.StripeCpu, last.StripeCpu).Server;
        var cpu = new CardCpuShares(shares.Generator, shares.Server, shares.Postgres, stripeShare, Math.Max(0, Math.Round(shares.Other - stripeShare, 3)), shares.Cores);
        double PerSecond(double n) => Math.Round(n / seconds, 1);
        return new CardResult(Settings.Name, "card", Settings.Target.ToString(), Settings.Stripe.ToString(), startedAt, Settings.Workers, Campaigns.Count,
            Settings.Duration.TotalSeconds, Settings.Warmup.TotalSeconds, Settings.Rate, Settings.MaxBacklog, Settings.DeclineShare, Settings.RetryShare, Settings.Chaos, Math.Round(seconds, 3),
            paid + declined, paid, declined, _donors.Sum(d => d.ReplaysChecked), unresolved,
            PerSecond(_donors.Sum(d => d.PaidMeasured)), PerSecond(succeededInWindow), succeededInWindow,
            PerSecond(last.Webhooks.Delivered - first.Webhooks.Delivered), PerSecond(last.Webhooks.Attempts - first.Webhooks.Attempts), PerSecond(_donors.Sum(d => d.RequestsMeasured)),
            last.Webhooks.Pending, settleSeconds, webhooks, redelivered,
            Merged(d => d.Create), Merged(d => d.Pay), Merged(d => d.Replay), Latency.Summarize(payToSucceeded), sampled,
            errorCounts, cpu, reconciliation, failures.Count == 0, failures, stripeReconcile);
    }

    public void Dispose() => _http.Dispose();
}
