namespace Fundraising.TestSupport;

/// <summary>
/// For suites that send far more from one address (127.0.0.1) than a person could: the load generator (as
/// run-benchmark.sh does) and the tests that drive hundreds of donations through one front end. Rate limits off.
/// </summary>
public sealed class UnlimitedPlatform : CoHostedPlatform
{
    protected override IReadOnlyDictionary<string, string>? Settings => Platform.WithoutRateLimits;
}

/// <inheritdoc cref="UnlimitedPlatform"/>
public sealed class UnlimitedStripePlatform : StripeCoHostedPlatform
{
    protected override IReadOnlyDictionary<string, string> Settings => Platform.WithoutRateLimits;
}
