namespace Fundraising.Web.Http;

/// <summary>
/// The <c>Idempotency-Key</c> header every money-moving POST takes, and the <c>Idempotent-Replayed</c> header
/// an answer carries when an earlier identical request already did the work. Only the header's shape is
/// checked here; whether a reused key is a retry or a misuse is the grain's decision (its request fingerprint).
/// </summary>
public static class Idempotency
{
    public const string KeyHeader = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxKeyLength = 128;

    public static string? Key(HttpContext http, Validation v, bool required)
    {
        var values = http.Request.Headers[KeyHeader];
        var key = values.Count == 1 ? values[0] : null;
        if (values.Count > 1)
        {
            v.Add(KeyHeader, $"Send one '{KeyHeader}' header, not {values.Count}.");
        }
        else if (string.IsNullOrWhiteSpace(key))
        {
            if (required)
            {
                v.Add(KeyHeader, $"The '{KeyHeader}' header is required: a unique value per donation, reused on retries.");
            }
            return null;
        }
        else if (key.Length > MaxKeyLength || key.Any(c => c is < '!' or > '~'))
        {
            v.Add(KeyHeader, $"'{KeyHeader}' must be 1 to {MaxKeyLength} printable ASCII characters.");
        }
        return key;
    }

    public static void MarkReplayed(HttpContext http) => http.Response.Headers[ReplayedHeader] = "true";

    /// <summary>The problem for a key used before with a different request.</summary>
    public static Microsoft.AspNetCore.Mvc.ProblemDetails KeyReused(string what) => Problem.Unprocessable(
        "The Idempotency-Key was already used for a different request.",
        $"A retry must repeat the original request exactly; use a new '{KeyHeader}' for a new {what}.");
}
