namespace Fundraising.Web.Http;

/// <summary>
/// Security headers on every response, pages and API alike: a Content-Security-Policy that allows only this
/// origin's own files (no inline script or style, no eval, no framing), no MIME sniffing, no framing for old
/// browsers, and HSTS on HTTPS requests outside Development (behind a proxy, HTTPS as its X-Forwarded-Proto says).
/// </summary>
public static class SecurityHeaders
{
    /// <summary>
    /// 'self' covers the hub's WebSocket on the same host. Pages keep every script and style in files under
    /// wwwroot; setting an element's style from script (CSSOM) is allowed, a style="" attribute is not.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private const string PolicyItem = "Fundraising.ContentSecurityPolicy";

    /// <summary>
    /// This response's policy instead of <see cref="ContentSecurityPolicy"/>: for the one page that is not ours (the
    /// API's try-it page, see <see cref="ApiDescription"/>), set before the response starts.
    /// </summary>
    public static void UsePolicy(HttpContext http, string policy) => http.Items[PolicyItem] = policy;

    /// <summary>
    /// An endpoint's own policy in place of <see cref="ContentSecurityPolicy"/> (endpoint metadata), for a page built by
    /// someone else that cannot follow ours: the Orleans Dashboard injects style elements and embeds a font as data.
    /// </summary>
    public sealed record ContentSecurityPolicyOf(string Policy);

    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }
        app.Use((http, next) =>
        {
            // On starting, so that the exception handler (which clears the response's headers) cannot drop them.
            http.Response.OnStarting(() =>
            {
                var headers = http.Response.Headers;
                headers.ContentSecurityPolicy = http.Items[PolicyItem] as string
                    ?? http.GetEndpoint()?.Metadata.GetMetadata<ContentSecurityPolicyOf>()?.Policy ?? ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "same-origin";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                return Task.CompletedTask;
            });
            return next(http);
        });
        return app;
    }
}
