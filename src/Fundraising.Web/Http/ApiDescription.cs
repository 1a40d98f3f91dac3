using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Fundraising.Web.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Fundraising.Web.Http;

/// <summary>
/// The API described: an OpenAPI document built from the endpoints' own metadata (routes, typed results, the problems
/// each group declares) at <c>/openapi/v1.json</c>, public like the API's shape already is to anyone reading the pages'
/// scripts; and Scalar's try-it page at <c>/scalar</c>, for admins only since it sends requests with their session.
/// </summary>
public static partial class ApiDescription
{
    public const string DocumentPath = "/openapi/v1.json";

    public const string TryItPath = "/scalar";

    public static WebApplicationBuilder AddApiDescription(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi("v1", options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Fundraising API (网络募捐平台)",
                    Version = "v1",
                    Description = "Campaigns, donations, matching, village projects, reports and live progress of the giving platform. " +
                                  "Money is an integer of minor units (fen) with an ISO 4217 currency. Every error is an RFC 7807 problem. " +
                                  "Staff endpoints take a session cookie (pages) or `Authorization: Bearer` with an API token.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[StaffAuthentication.BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An account's API token (POST /api/auth/tokens) or, for the first account, Admin:ApiKey.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer(DeclareCrossCuttingProblems);
        });
        return builder;
    }

    /// <summary>
    /// The document, and the try-it page behind <see cref="Access.Operate"/> (admins) with the policy its inline script
    /// needs: that script's own hash, never 'unsafe-inline' for scripts.
    /// </summary>
    public static WebApplication MapApiDescription(this WebApplication app)
    {
        app.MapOpenApi().WithTags("API description").AllowAnonymous();
        // The page only (its scripts and icon are files, served as they are).
        app.UseWhen(http => http.Request.Path.StartsWithSegments(TryItPath) && !Path.HasExtension(http.Request.Path.Value), branch => branch.Use(ScriptHashPolicyAsync));
        app.MapScalarApiReference(TryItPath, options => options
                .WithTitle("Fundraising API · 接口试用")
                .WithOpenApiRoutePattern("/openapi/{documentName}.json")
                .DisableDefaultFonts()
                // Nothing that talks to Scalar's own services (its AI agent, telemetry) or is for developers' machines.
                .DisableAgent()
                .DisableTelemetry()
                .HideDeveloperTools()
                .AddPreferredSecuritySchemes(StaffAuthentication.BearerScheme))
            .RequireAuthorization(Access.Operate);
        return app;
    }

    /// <summary>
    /// Problems every endpoint of a kind can answer, derived from its metadata so that no endpoint can forget them: one
    /// that needs a staff account answers 401 (no account) and 403 (wrong role or scope), one with a rate limit 429.
    /// What depends on the endpoint (400, 404, 409, 422) is declared where it is mapped.
    /// </summary>
    private static Task DeclareCrossCuttingProblems(OpenApiOperation operation, Microsoft.AspNetCore.OpenApi.OpenApiOperationTransformerContext context, CancellationToken _)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var needsAccount = metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
        if (needsAccount)
        {
            Declare(operation, context.Document, "401", "No staff account: sign in, or send an API token.");
            Declare(operation, context.Document, "403", "The account's role or scope does not allow this.");
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(StaffAuthentication.BearerScheme, context.Document)] = [] });
        }
        if (metadata.OfType<EnableRateLimitingAttribute>().Any())
        {
            Declare(operation, context.Document, "429", "Too many requests from this address: wait as Retry-After says.");
        }
        // A body that is not JSON of the request's shape is a 400 problem before the endpoint runs (ApiConventions).
        if (operation.RequestBody is not null)
        {
            Declare(operation, context.Document, "400", "The request is not valid: the problem names what is wrong.");
        }
        return Task.CompletedTask;
    }

    /// <summary>Declares that these endpoints can answer each of <paramref name="statuses"/> with a problem (RFC 7807).</summary>
    public static TBuilder ProducesProblems<TBuilder>(this TBuilder builder, params int[] statuses) where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statuses)
        {
            builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), ["application/problem+json"]));
        }
        return builder;
    }

    private static void Declare(OpenApiOperation operation, OpenApiDocument? document, string status, string description)
    {
        operation.Responses ??= [];
        if (!operation.Responses.ContainsKey(status))
        {
            operation.Responses[status] = new OpenApiResponse
            {
                Description = description,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference("ProblemDetails", document) },
                },
            };
        }
    }

    /// <summary>
    /// Scalar's page starts itself with an inline module script. Rather than allow every inline script there, the page is
    /// buffered and its inline scripts' SHA-256 hashes are put in its policy; styles it injects at run time need
    /// 'unsafe-inline' for styles on this path alone.
    /// </summary>
    private static async Task ScriptHashPolicyAsync(HttpContext http, RequestDelegate next)
    {
        var original = http.Response.Body;
        using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        try
        {
            await next(http);
        }
        finally
        {
            http.Response.Body = original;
        }
        if (http.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true)
        {
            var html = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
            var hashes = InlineScript().Matches(html)
                .Select(match => $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(match.Groups["body"].Value)))}'");
            SecurityHeaders.UsePolicy(http,
                $"default-src 'self'; script-src 'self' {string.Join(' ', hashes)}; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
                "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
        }
        buffer.Position = 0;
        await buffer.CopyToAsync(original, http.RequestAborted);
    }

    [GeneratedRegex(@"<script(?![^>]*\bsrc=)[^>]*>(?<body>.*?)</script>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();
}
