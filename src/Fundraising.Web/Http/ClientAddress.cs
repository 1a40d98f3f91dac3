using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Fundraising.Web.Http;

/// <summary>
/// The client's address, for rate limits: the connection's remote address, or the one a trusted reverse proxy put in
/// <c>X-Forwarded-For</c>. Trusted are the addresses in <c>ForwardedHeaders:KnownProxies</c> (a fixed nginx) and every
/// address in the networks of <c>ForwardedHeaders:KnownNetworks</c> (CIDR, for an ingress controller whose pods change
/// address), each comma-separated or as a list. <c>X-Forwarded-For</c> from anyone else is ignored, loopback included,
/// so a client cannot choose its own address.
/// </summary>
public static class ClientAddress
{
    public static string Of(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    public static WebApplicationBuilder AddClientAddress(this WebApplicationBuilder builder)
    {
        // Parsed here, so that a wrong address or network stops the host at start rather than at its first request.
        var section = builder.Configuration.GetSection("ForwardedHeaders");
        var proxies = KnownProxies(section);
        var networks = KnownNetworks(section);
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // The framework trusts loopback by default; trust exactly the proxies and networks we were told about.
            options.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // the obsolete list is still consulted, and holds 127.0.0.0/8 by default
            options.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
            options.KnownProxies.Clear();
            proxies.ForEach(options.KnownProxies.Add);
            networks.ForEach(options.KnownIPNetworks.Add);
            // One proxy in front of us: only its own entry (the last) is believed.
            options.ForwardLimit = 1;
        });
        return builder;
    }

    /// <summary><c>ForwardedHeaders:KnownProxies</c>: single addresses; anything else stops the host with the key and the value.</summary>
    public static List<IPAddress> KnownProxies(IConfigurationSection forwardedHeaders) =>
        [.. Entries(forwardedHeaders.GetSection("KnownProxies")).Select(proxy => IPAddress.TryParse(proxy, out var address)
            ? address
            : throw new InvalidOperationException($"ForwardedHeaders:KnownProxies: '{proxy}' is not an IP address."))];

    /// <summary>
    /// <c>ForwardedHeaders:KnownNetworks</c>: networks in CIDR notation (<c>10.0.0.0/8</c>, <c>fd00::/8</c>) with no bits
    /// set past the prefix, so that what is written is what is trusted; anything else stops the host with the key and the value.
    /// </summary>
    public static List<System.Net.IPNetwork> KnownNetworks(IConfigurationSection forwardedHeaders) =>
        [.. Entries(forwardedHeaders.GetSection("KnownNetworks")).Select(network =>
            // The parser masks host bits away (10.0.0.1/8 is read as 10.0.0.0/8): a network written so is refused, not guessed.
            System.Net.IPNetwork.TryParse(network, out var parsed) && IPAddress.TryParse(network.Split('/')[0], out var written) && parsed.BaseAddress.Equals(written)
            ? parsed
            : throw new InvalidOperationException(
                $"ForwardedHeaders:KnownNetworks: '{network}' is not a network in CIDR notation (an address, '/', a prefix length, no host bits set: e.g. 10.0.0.0/8)."))];

    /// <summary>A setting's entries, comma-separated in one value (an environment variable) or as a list (<c>Key:0</c>, <c>Key:1</c>).</summary>
    private static IEnumerable<string> Entries(IConfigurationSection setting) =>
        new[] { setting.Value }.Concat(setting.GetChildren().Select(child => child.Value))
            .SelectMany(value => (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    public static WebApplication UseClientAddress(this WebApplication app)
    {
        // With nothing trusted at all the middleware would believe X-Forwarded-For from anyone: without it, it stays out.
        var options = app.Services.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value;
        if (options.KnownProxies.Count > 0 || options.KnownIPNetworks.Count > 0)
        {
            app.UseForwardedHeaders();
        }
        return app;
    }
}
