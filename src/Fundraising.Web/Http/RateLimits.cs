using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Fundraising.Web.Http;

/// <summary>One limit: at most <see cref="PermitLimit"/> requests per <see cref="Window"/> from one client address.</summary>
public sealed class RateLimit : IValidatableObject
{
    [Range(1, 1_000_000)]
    public int PermitLimit { get; set; }

    public TimeSpan Window { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Window <= TimeSpan.Zero || Window > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult("A rate limit's Window must be more than zero and at most an hour.", [nameof(Window)]);
        }
    }

    internal FixedWindowRateLimiterOptions ToLimiterOptions() => new()
    {
        PermitLimit = PermitLimit,
        Window = Window,
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}

/// <summary>
/// Limits per client address, bound from <c>RateLimits</c>. The defaults are generous for a person (or a family
/// behind one router) and far below what card testing, key guessing or receipt scraping needs.
/// <c>RateLimits:Enabled=false</c> turns them all off, for the load tools that send from one address.
/// </summary>
public sealed class RateLimitOptions : IValidatableObject
{
    public bool Enabled { get; set; } = true;

    public RateLimit Donations { get; set; } = new() { PermitLimit = 30, Window = TimeSpan.FromMinutes(1) };

    public RateLimit MonthlyGifts { get; set; } = new() { PermitLimit = 10, Window = TimeSpan.FromMinutes(1) };

    public RateLimit SignIn { get; set; } = new() { PermitLimit = 20, Window = TimeSpan.FromMinutes(1) };

    public RateLimit Receipts { get; set; } = new() { PermitLimit = 30, Window = TimeSpan.FromMinutes(1) };

    public RateLimit HubConnections { get; set; } = new() { PermitLimit = 60, Window = TimeSpan.FromMinutes(1) };

    public RateLimit Watches { get; set; } = new() { PermitLimit = 60, Window = TimeSpan.FromMinutes(1) };

    // Each request sends a mail (or an SMS, later): few per address. Confirms allow several donors behind one router.
    public RateLimit DonorVerifications { get; set; } = new() { PermitLimit = 5, Window = TimeSpan.FromMinutes(10) };

    public RateLimit DonorConfirms { get; set; } = new() { PermitLimit = 20, Window = TimeSpan.FromMinutes(10) };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, limit) in All())
        {
            var results = new List<ValidationResult>();
            Validator.TryValidateObject(limit, new ValidationContext(limit), results, validateAllProperties: true);
            foreach (var result in results)
            {
                yield return new ValidationResult($"RateLimits:{name}: {result.ErrorMessage}", [name]);
            }
        }
    }

    internal IEnumerable<(string Name, RateLimit Limit)> All() =>
    [
        (RateLimits.Donations, Donations), (RateLimits.MonthlyGifts, MonthlyGifts), (RateLimits.SignIn, SignIn),
        (RateLimits.Receipts, Receipts), (RateLimits.HubConnections, HubConnections), (RateLimits.Watches, Watches),
        (RateLimits.DonorVerifications, DonorVerifications), (RateLimits.DonorConfirms, DonorConfirms),
    ];
}

/// <summary>
/// Named rate-limit policies, attached per endpoint group with <c>RequireRateLimiting(RateLimits.Donations)</c>,
/// partitioned by client address (<see cref="ClientAddress"/>). A refused request gets a 429 problem with
/// <c>Retry-After</c>. Hub method calls are not HTTP requests: <see cref="HubCallLimiter"/> limits Watch.
/// </summary>
public static class RateLimits
{
    public const string Donations = nameof(Donations);
    public const string MonthlyGifts = nameof(MonthlyGifts);
    public const string SignIn = nameof(SignIn);
    public const string Receipts = nameof(Receipts);
    public const string HubConnections = nameof(HubConnections);
    public const string Watches = nameof(Watches);
    public const string DonorVerifications = nameof(DonorVerifications);
    public const string DonorConfirms = nameof(DonorConfirms);

    public static WebApplicationBuilder AddRateLimits(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration("RateLimits").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<HubCallLimiter>();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = RejectAsync;
            foreach (var name in new[] { Donations, MonthlyGifts, SignIn, Receipts, HubConnections, DonorVerifications, DonorConfirms })
            {
                limiter.AddPolicy(name, http => Partition(http, name));
            }
        });
        return builder;
    }

    private static RateLimitPartition<string> Partition(HttpContext http, string policy)
    {
        var options = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        if (!options.Enabled)
        {
            return RateLimitPartition.GetNoLimiter("");
        }
        var limit = options.All().Single(l => l.Name == policy).Limit;
        return RateLimitPartition.GetFixedWindowLimiter(ClientAddress.Of(http), _ => limit.ToLimiterOptions());
    }

    private static async ValueTask RejectAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Title = "Too many requests.",
                Detail = $"Too many requests of this kind from your address; retry after {seconds} seconds.",
                Status = StatusCodes.Status429TooManyRequests,
            },
        });
    }
}

/// <summary>
/// Limits hub method calls (Watch) per client address, as <see cref="RateLimits"/> does for HTTP requests:
/// one connection per call would otherwise be an unlimited stream of grain lookups.
/// </summary>
public sealed class HubCallLimiter(IOptions<RateLimitOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _watches = PartitionedRateLimiter.Create<string, string>(address =>
        options.Value.Enabled
            ? RateLimitPartition.GetFixedWindowLimiter(address, _ => options.Value.Watches.ToLimiterOptions())
            : RateLimitPartition.GetNoLimiter(""));

    /// <summary>True when <paramref name="address"/> may call Watch now; otherwise how long to wait.</summary>
    public bool TryWatch(string address, out TimeSpan retryAfter)
    {
        using var lease = _watches.AttemptAcquire(address);
        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        return lease.IsAcquired;
    }

    public void Dispose() => _watches.Dispose();
}
