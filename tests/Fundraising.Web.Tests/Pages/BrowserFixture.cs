using Microsoft.Playwright;

namespace Fundraising.Web.Tests.Pages;

/// <summary>
/// One Playwright driver and one headless Chromium (Debian's, never a download) per test class;
/// each test opens its own <see cref="IBrowserContext"/>, so cookies and storage never leak between tests.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>How long a page may take to show what a test waits for (two busy cores, a real server).</summary>
    public const float ExpectTimeoutMs = 10_000;

    public static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    public IPlaywright Playwright { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Screenshots land next to the test assembly, under <c>screenshots/</c>.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        Assertions.SetDefaultExpectTimeout(ExpectTimeoutMs);
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await LaunchAsync(Playwright);
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright, IEnumerable<KeyValuePair<string, string>>? environment = null) =>
        playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = TestEnvironment.ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
            Env = environment,
        });

    /// <summary>A fresh context for one test: Chinese locale, a desktop viewport, the front end as base address.</summary>
    /// <summary>
    /// A new context whose pages report every Content-Security-Policy violation (<see cref="CspViolations"/>):
    /// the browser's own console message, and a <c>securitypolicyviolation</c> listener's.
    /// </summary>
    public async Task<IBrowserContext> NewContextAsync(WebFrontEnd web, ViewportSize? viewport = null)
    {
        var context = await Browser.NewContextAsync(new()
        {
            BaseURL = web.BaseAddress.ToString(),
            Locale = "zh-CN",
            TimezoneId = "Asia/Shanghai",
            ViewportSize = viewport ?? new ViewportSize { Width = 1280, Height = 900 },
        });
        await context.AddInitScriptAsync("""
            document.addEventListener('securitypolicyviolation', e =>
              console.error(`Content Security Policy violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} in ${e.sourceFile}:${e.lineNumber}`));
            """);
        context.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                _cspViolations.Enqueue($"{message.Location}: {message.Text}");
            }
        };
        return context;
    }

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _cspViolations = new();

    /// <summary>Every CSP violation any page of this fixture's contexts reported so far.</summary>
    public IReadOnlyCollection<string> CspViolations => _cspViolations;

    public async Task DisposeAsync()
    {
        // Every page test runs under the CSP: a violation on any page fails its class, even where no test looked.
        if (!_cspViolations.IsEmpty)
        {
            throw new InvalidOperationException("Pages broke the Content-Security-Policy:\n" + string.Join("\n", _cspViolations));
        }
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        Playwright?.Dispose();
    }
}
