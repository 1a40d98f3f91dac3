using System.Text.Json.Serialization;

namespace Fundraising.Load.Cards;

/// <summary>
/// The fake Stripe's chaos switches for webhook deliveries, as <c>POST /_fake/chaos</c> takes them. A dropped event
/// (<see cref="DropRate"/>) is never delivered: only the platform's Stripe reconciliation job settles it, so a run with
/// drops calls that job after the webhooks have drained.
/// </summary>
public sealed record CardChaos(double DuplicateRate = 0.2, int ReorderWindowMs = 200, int DelayMs = 0, int Seed = 42, double DropRate = 0)
{
    [JsonIgnore]
    public bool Drops => DropRate > 0;
}

/// <summary>One card run: the platform with Stripe enabled, the fake Stripe it talks to, and how hard to drive them.</summary>
public sealed record CardSettings
{
    /// <summary>Label in reports (<c>card</c> in the benchmark).</summary>
    public required string Name { get; init; }

    /// <summary>The platform, started with <c>Payments:Stripe:Enabled=true</c> and its <c>ApiBase</c> on the fake.</summary>
    public required Uri Target { get; init; }

    public required string AdminKey { get; init; }

    /// <summary>The fake Stripe (src/Fundraising.FakeStripe) the platform uses; its webhooks go to the platform.</summary>
    public required Uri Stripe { get; init; }

    /// <summary>The fake's secret key, for reading its event list (<c>GET /v1/events</c>), Stripe's own record of what was paid.</summary>
    public required string StripeKey { get; init; }

    public int Workers { get; init; } = 64;

    /// <summary>Campaigns to give to, uniformly (1: one hot campaign).</summary>
    public int Campaigns { get; init; } = 1;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Donations a second across all donors; null runs flat out.</summary>
    public double? Rate { get; init; }

    /// <summary>
    /// Backpressure: donors start no new gift while more than this many webhook events wait at the fake Stripe, so payments
    /// cannot outrun the webhooks and pay → succeeded measures the platform rather than a queue that grows all run. Null: no limit.
    /// </summary>
    public int? MaxBacklog { get; init; }

    /// <summary>Share of donors whose card is declined: they leave, their donation stays pending and must count nowhere.</summary>
    public double DeclineShare { get; init; } = 0.1;

    /// <summary>Share of donations whose create is sent again with the same key and must get the same donation and checkout back.</summary>
    public double RetryShare { get; init; } = 0.1;

    public CardChaos Chaos { get; init; } = new();

    /// <summary>How long to wait, after the last payment, for every webhook to be delivered.</summary>
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// With drops on: how long the platform's reconciliation job (<c>POST /api/admin/payments/stripe/reconcile</c>) may be
    /// run again and again, after the webhooks drained, until a run reports nothing left to settle.
    /// </summary>
    public TimeSpan ReconcileTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>At most this many paid donations have their receipt read to time pay → succeeded (an even sample beyond it).</summary>
    public int LatencySample { get; init; } = 20_000;

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public int MaxAttempts { get; init; } = 6;

    public int? ServerPid { get; init; }

    public int? PostgresPid { get; init; }

    public int? StripePid { get; init; }

    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(2);
}
