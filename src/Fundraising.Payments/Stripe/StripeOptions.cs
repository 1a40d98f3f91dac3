namespace Fundraising.Payments.Stripe;

/// <summary>Bound from <c>Payments:Stripe</c>. Secrets come from configuration only (environment or a secret store).</summary>
public sealed class StripeOptions
{
    public bool Enabled { get; set; }

    /// <summary>The secret API key (sk_live_… or sk_test_…).</summary>
    public string SecretKey { get; set; } = "";

    /// <summary>Webhook signing secrets, comma-separated: during a rotation both the old and the new one verify.</summary>
    public string WebhookSecrets { get; set; } = "";

    /// <summary>Stripe's API address; the local fake Stripe's for development and tests.</summary>
    public string ApiBase { get; set; } = "https://api.stripe.com";

    /// <summary>
    /// This platform's public address, for the checkout page's return links. Required in Production; elsewhere it
    /// defaults to <see cref="LocalBaseUrl"/>, the local run's address.
    /// </summary>
    public string PublicBaseUrl { get; set; } = "";

    public const string LocalBaseUrl = "http://127.0.0.1:5080";

    /// <summary>
    /// Whether the keys are live ones: a paid object whose <c>livemode</c> differs (a test payment reaching a live
    /// platform, or the other way round) is held, not counted.
    /// </summary>
    public bool LiveMode { get; set; }

    /// <summary>How long one call to Stripe may take before the donor is told to retry.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    public IReadOnlyList<string> Secrets => [.. WebhookSecrets.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}

/// <summary>A payment provider could not be reached or refused for reasons of its own; nothing was acknowledged.</summary>
public sealed class PaymentProviderUnavailableException(string message, Exception inner) : Exception(message, inner);
