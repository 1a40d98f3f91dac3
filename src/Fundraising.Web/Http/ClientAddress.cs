using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Fundraising.Web.Http;

/// <summary>
/// The client's address, for rate limits: the connection's remote address, or the one a configured reverse
/// proxy (<c>ForwardedHeaders:KnownProxies</c>, comma-separated addresses) put in <c>X-Forwarded-For</c>.
/// <c>X-Forwarded-For</c> from anyone else is ignored, loopback included, so a client cannot choose its own address.
/// </summary>
public static class ClientAddress
{
    public static string Of(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    public static WebApplicationBuilder AddClientAddress(this WebApplicationBuilder builder)
    {
        // Parsed here, so that a wrong address stops the host at start rather than at its first request.
        var proxies = (builder.Configuration["ForwardedHeaders:KnownProxies"] ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(proxy => IPAddress.TryParse(proxy, out var address)
                ? address
                : throw new InvalidOperationException($"ForwardedHeaders:KnownProxies: '{proxy}' is not an IP address."))
            .ToList();
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // The framework trusts loopback by default; trust exactly the proxies we were told about.
            options.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // the obsolete list is still consulted, and holds 127.0.0.0/8 by default
            options.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
            options.KnownProxies.Clear();
            proxies.ForEach(options.KnownProxies.Add);
            // One proxy in front of us: only its own entry (the last) is believed.
            options.ForwardLimit = 1;
        });
        return builder;
    }

    public static WebApplication UseClientAddress(this WebApplication app)
    {
        // With no known proxy at all the middleware would believe X-Forwarded-For from anyone: without one, it stays out.
        if (app.Services.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value.KnownProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }
        return app;
    }
}
