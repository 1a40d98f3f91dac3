using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Fundraising.Web.Tests.Accounts;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;

namespace Fundraising.Web.Tests.Api;

/// <summary>The OpenAPI document covers every route the app maps, with its problems; the try-it page is for admins.</summary>
public sealed partial class ApiDescriptionTests(CoHostedPlatform platform) : IClassFixture<CoHostedPlatform>
{
    private async Task<JsonElement> DocumentAsync() => await platform.Web.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

    private async Task<JsonElement> OperationAsync(string path, string method) =>
        (await DocumentAsync()).GetProperty("paths").GetProperty(path).GetProperty(method);

    private static IEnumerable<string> StatusesOf(JsonElement operation) => operation.GetProperty("responses").EnumerateObject().Select(r => r.Name);

    [Fact]
    public async Task EveryMappedRouteIsInTheDocumentWithItsMethod()
    {
        var endpoints = platform.Web.Services!.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<HttpMethodMetadata>() is not null)
            // The SignalR hubs are WebSockets, not operations a document can describe.
            .Where(e => e.Metadata.GetMetadata<HubMetadata>() is null)
            .ToList();
        var left = endpoints.Where(e => e.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>()?.ExcludeFromDescription == true).ToList();
        // Only the development outbox, the document itself, its try-it page and the Orleans Dashboard's own pages and calls
        // (a UI for admins, like the try-it page) may be left out; an API endpoint never is.
        Assert.All(left, e => Assert.Matches("^/(_dev|scalar|openapi|orleans-dashboard)(/|$)", e.RoutePattern.RawText ?? ""));

        var paths = (await DocumentAsync()).GetProperty("paths");
        var documented = paths.EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(method => $"{method.Name.ToUpperInvariant()} {Normalize(path.Name)}"))
            .ToHashSet();
        var mapped = endpoints.Except(left)
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(method => $"{method} {Normalize(e.RoutePattern.RawText!)}"))
            .ToHashSet();
        Assert.True(mapped.Count > 70, $"only {mapped.Count} routes found");
        var missing = mapped.Except(documented).Order().ToList();
        Assert.True(missing.Count == 0, "Not in the document: " + string.Join(", ", missing));
    }

    /// <summary>A route as the document writes it: parameters without constraints, no trailing slash.</summary>
    private static string Normalize(string route)
    {
        var path = RouteParameter().Replace(route, match => "{" + match.Groups["name"].Value + "}");
        return path.Length > 1 ? path.TrimEnd('/') : path;
    }

    [GeneratedRegex(@"\{\**(?<name>[A-Za-z0-9_]+)[^}]*\}")]
    private static partial Regex RouteParameter();

    [Fact]
    public async Task ADonorsGiftDeclaresItsProblems()
    {
        var post = await OperationAsync("/api/campaigns/{campaignId}/donations", "post");
        Assert.Superset(new HashSet<string> { "201", "400", "401", "404", "409", "422", "429" }, StatusesOf(post).ToHashSet());
        Assert.True(post.GetProperty("responses").GetProperty("404").GetProperty("content").TryGetProperty("application/problem+json", out _));
        Assert.Contains("Donations", post.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        // Anyone may give: no staff account is asked for.
        Assert.DoesNotContain("403", StatusesOf(post));
    }

    [Fact]
    public async Task StaffEndpointsDeclareTheAccountProblemsAndPublicOnesDoNot()
    {
        var refund = await OperationAsync("/api/donations/{donationId}/refunds", "post");
        Assert.Superset(new HashSet<string> { "400", "401", "403", "404", "409" }, StatusesOf(refund).ToHashSet());
        Assert.True(refund.TryGetProperty("security", out _));

        var accounts = await OperationAsync("/api/admin/accounts", "post");
        Assert.Superset(new HashSet<string> { "401", "403", "409" }, StatusesOf(accounts).ToHashSet());

        var list = await OperationAsync("/api/campaigns", "get");
        Assert.DoesNotContain("401", StatusesOf(list));
        Assert.DoesNotContain("403", StatusesOf(list));
    }

    [Fact]
    public async Task EveryOperationHasATagAndASummary()
    {
        var paths = (await DocumentAsync()).GetProperty("paths");
        var operations = paths.EnumerateObject().SelectMany(path => path.Value.EnumerateObject().Select(method => (Name: $"{method.Name} {path.Name}", Operation: method.Value))).ToList();
        Assert.All(operations, o => Assert.True(o.Operation.TryGetProperty("tags", out var tags) && tags.GetArrayLength() > 0, $"{o.Name} has no tag"));
        var withoutSummary = operations.Where(o => !o.Operation.TryGetProperty("summary", out var s) || string.IsNullOrWhiteSpace(s.GetString())).Select(o => o.Name).ToList();
        Assert.True(withoutSummary.Count == 0, "Without a summary: " + string.Join(", ", withoutSummary));
    }

    [Fact]
    public async Task TheTryItPageIsForAdminsOnly()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await platform.Web.Client.GetAsync("/scalar")).StatusCode);
        var viewer = await StaffClients.CreateAsync(platform.Web, "viewer");
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.Bearer.GetAsync("/scalar")).StatusCode);
        var association = await StaffClients.CreateAsync(platform.Web, "association");
        Assert.Equal(HttpStatusCode.Forbidden, (await association.Cookie.GetAsync("/scalar")).StatusCode);

        var admin = await StaffClients.CreateAsync(platform.Web, "admin");
        using var page = await admin.Cookie.GetAsync("/scalar");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        // Its inline start-up script is allowed by its hash, not by allowing every inline script.
        var csp = Assert.Single(page.Headers.GetValues("Content-Security-Policy"));
        var scripts = csp.Split(';').Select(d => d.Trim()).Single(d => d.StartsWith("script-src "));
        Assert.Contains("'sha256-", scripts);
        Assert.DoesNotContain("unsafe", scripts);
        Assert.Contains("frame-ancestors 'none'", csp);
    }

    [Fact]
    public async Task TheDocumentIsPublicAndCarriesTheSecurityHeaders()
    {
        using var document = await platform.Web.Client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        Assert.Contains("default-src 'self'", Assert.Single(document.Headers.GetValues("Content-Security-Policy")));
    }
}
