namespace Fundraising.FakeStripe.Hosting;

/// <summary>Configuration of the fake Stripe, bound from the <c>FakeStripe</c> section.</summary>
public sealed class FakeStripeOptions
{
    public const string SectionName = "FakeStripe";

    /// <summary>The API version Stripe.net 53.1.0 pins; events carry it so <c>EventUtility.ConstructEvent</c> accepts them.</summary>
    public const string DefaultApiVersion = "2026-10-28.endive";

    /// <summary>The secret key clients must send as <c>Authorization: Bearer sk_test_...</c>.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>Base URL of the hosted checkout page; empty means the scheme and host of the API request.</summary>
    public string PublicBaseUrl { get; set; } = "";

    /// <summary>Seed of the random source behind the chaos switches, so a chaos run can be replayed.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>The <c>api_version</c> written into events.</summary>
    public string ApiVersion { get; set; } = DefaultApiVersion;

    public WebhookOptions Webhooks { get; set; } = new();

    /// <summary>Stored idempotent responses kept before the oldest are forgotten (Stripe keeps them 24 hours).</summary>
    public int MaxIdempotencyEntries { get; set; } = 200_000;

    /// <summary>How long an <c>apiFault</c> of <c>timeout</c> holds a request before giving up with a 500.</summary>
    public int FaultTimeoutSeconds { get; set; } = 300;

    internal IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!ApiKey.StartsWith("sk_test_", StringComparison.Ordinal))
        {
            errors.Add("FakeStripe:ApiKey must be a test secret key (sk_test_...).");
        }
        if (PublicBaseUrl.Length > 0 && !Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out _))
        {
            errors.Add("FakeStripe:PublicBaseUrl must be an absolute URL or empty.");
        }
        if (Webhooks.Url.Length > 0 && !Uri.TryCreate(Webhooks.Url, UriKind.Absolute, out _))
        {
            errors.Add("FakeStripe:Webhooks:Url must be an absolute URL or empty.");
        }
        if (Webhooks.Url.Length > 0 && Webhooks.Secrets.Count == 0)
        {
            errors.Add("FakeStripe:Webhooks:Secret is required when FakeStripe:Webhooks:Url is set.");
        }
        if (Webhooks.Secrets.Any(s => !s.StartsWith("whsec_", StringComparison.Ordinal)))
        {
            errors.Add("FakeStripe:Webhooks:Secret must be whsec_... (several separated by commas during rotation).");
        }
        if (Webhooks.MaxAttempts < 1 || Webhooks.MaxConcurrency < 1 || Webhooks.RetryBaseDelayMs < 0 || Webhooks.TimeoutSeconds < 1)
        {
            errors.Add("FakeStripe:Webhooks: MaxAttempts, MaxConcurrency and TimeoutSeconds must be positive, RetryBaseDelayMs not negative.");
        }
        if (MaxIdempotencyEntries < 1 || FaultTimeoutSeconds < 1)
        {
            errors.Add("FakeStripe:MaxIdempotencyEntries and FakeStripe:FaultTimeoutSeconds must be positive.");
        }
        return errors;
    }
}

/// <summary>Where and how events are delivered.</summary>
public sealed class WebhookOptions
{
    /// <summary>The endpoint events are POSTed to; empty means no endpoint (events are only listed).</summary>
    public string Url { get; set; } = "";

    /// <summary>Signing secret <c>whsec_...</c>; a comma-separated list signs with each, as Stripe does while a secret is rolled.</summary>
    public string Secret { get; set; } = "";

    /// <summary>Delivery attempts per event before it is left undelivered.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>First retry delay; each further retry doubles it.</summary>
    public int RetryBaseDelayMs { get; set; } = 500;

    /// <summary>Deliveries in flight at once.</summary>
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>How long one delivery waits for the endpoint's answer.</summary>
    public int TimeoutSeconds { get; set; } = 10;

    internal IReadOnlyList<string> Secrets =>
        Secret.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
