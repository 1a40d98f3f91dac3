using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Fundraising.FakeStripe.Api;

/// <summary>Stripe's JSON responses: objects, lists and the error envelope.</summary>
internal static class StripeJson
{
    /// <summary>UTF-8 as Stripe sends it: names in any script and apostrophes stay readable.</summary>
    public static JsonSerializerOptions Options { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IResult Ok(JsonNode body) =>
        Results.Text(body.ToJsonString(StripeJson.Options), "application/json", statusCode: StatusCodes.Status200OK);

    public static JsonObject ErrorBody(string type, string message, string? code = null, string? param = null) => new()
    {
        ["error"] = new JsonObject
        {
            ["type"] = type,
            ["code"] = code,
            ["message"] = message,
            ["param"] = param,
        },
    };

    public static IResult Error(int status, string type, string message, string? code = null, string? param = null) =>
        Results.Text(ErrorBody(type, message, code, param).ToJsonString(StripeJson.Options), "application/json", statusCode: status);

    /// <summary>A list object (<c>{"object":"list","data":[...],"has_more":...,"url":...}</c>).</summary>
    public static JsonObject List(string url, IEnumerable<JsonNode> data, bool hasMore) => new()
    {
        ["object"] = "list",
        ["data"] = new JsonArray(data.ToArray()),
        ["has_more"] = hasMore,
        ["url"] = url,
    };

    public static JsonObject Metadata(IReadOnlyDictionary<string, string> metadata)
    {
        var json = new JsonObject();
        foreach (var (key, value) in metadata)
        {
            json[key] = value;
        }
        return json;
    }

    public static long Unix(DateTimeOffset time) => time.ToUnixTimeSeconds();
}
