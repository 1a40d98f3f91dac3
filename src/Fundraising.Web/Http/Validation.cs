
namespace Fundraising.Web.Http;

/// <summary>Lengths of the free-text fields people type, the same wherever they appear.</summary>
public static class FieldLimits
{
    public const int MaxNameLength = 64;
    public const int MaxMessageLength = 280;
}

/// <summary>Collects field errors for a <c>ValidationProblem</c> response.</summary>
public sealed class Validation
{
    private readonly Dictionary<string, List<string>> _errors = [];

    public bool IsValid => _errors.Count == 0;

    public Validation Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages))
        {
            _errors[field] = messages = [];
        }
        messages.Add(message);
        return this;
    }

    /// <summary>Requires text of 1 to <paramref name="maxLength"/> characters (Unicode scalar values, so 汉字 count as one).</summary>
    public string? Text(string field, string? value, int maxLength, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                Add(field, $"'{field}' is required.");
            }
            return null;
        }
        if (Length(value) > maxLength)
        {
            Add(field, $"'{field}' must be at most {maxLength} characters.");
        }
        if (value.Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t'))
        {
            Add(field, $"'{field}' must not contain control characters.");
        }
        return value.Trim();
    }

    public long Amount(string field, long? value, long max)
    {
        if (value is null)
        {
            Add(field, $"'{field}' is required, in minor units (fen).");
            return 0;
        }
        if (value <= 0)
        {
            Add(field, $"'{field}' must be greater than zero (minor units, fen).");
        }
        else if (value > max)
        {
            Add(field, $"'{field}' must be at most {max} (minor units, fen).");
        }
        return value.Value;
    }

    public string? Currency(string field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            Add(field, $"'{field}' is required: an ISO 4217 code such as CNY.");
            return null;
        }
        if (!Currencies.IsKnown(value))
        {
            Add(field, $"'{field}' must be an ISO 4217 currency code in upper case, such as CNY; '{Shorten(value)}' is not one.");
        }
        return value;
    }

    public IDictionary<string, string[]> Errors => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

    public static int Length(string value) => value.EnumerateRunes().Count();

    private static string Shorten(string value) => value.Length <= 16 ? value : value[..16] + "…";
}

/// <summary>ISO 4217 currency codes, as the runtime's culture data knows them.</summary>
public static class Currencies
{
    private static readonly HashSet<string> Known = LoadKnown();

    public static bool IsKnown(string code) => code.Length == 3 && code.All(char.IsAsciiLetterUpper) && Known.Contains(code);

    private static HashSet<string> LoadKnown()
    {
        var codes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var culture in System.Globalization.CultureInfo.GetCultures(System.Globalization.CultureTypes.SpecificCultures))
        {
            try
            {
                codes.Add(new System.Globalization.RegionInfo(culture.Name).ISOCurrencySymbol);
            }
            catch (ArgumentException)
            {
                // Cultures without a region have no currency.
            }
        }
        // Culture data is missing in invariant-globalization builds; the platform's own currencies must always validate.
        codes.UnionWith(["CNY", "HKD", "MOP", "TWD", "USD", "EUR", "GBP", "JPY"]);
        codes.RemoveWhere(code => code.Length != 3 || !code.All(char.IsAsciiLetterUpper));
        return codes;
    }
}
