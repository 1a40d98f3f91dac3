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

/// <summary>Page and page size of a list: 1 and 20 by default, at most <see cref="MaxPageSize"/> a page.</summary>
public static class Paging
{
    public const int MaxPageSize = 100;

    /// <summary>The page asked for; a bad page or size is added to <paramref name="v"/>, naming the field.</summary>
    public static (int Page, int Size) Parse(Validation v, int? page, int? pageSize)
    {
        var (pageNumber, size) = (page ?? 1, pageSize ?? 20);
        if (pageNumber < 1)
        {
            v.Add("page", "'page' starts at 1.");
        }
        if (size is < 1 or > MaxPageSize)
        {
            v.Add("pageSize", $"'pageSize' must be between 1 and {MaxPageSize}.");
        }
        return (pageNumber, size);
    }

    /// <summary>How many rows come before the page, computed in 64 bits so a deep page cannot overflow.</summary>
    public static long Skip(int pageNumber, int size) => ((long)pageNumber - 1) * size;
}
