using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;

namespace Fundraising.FakeStripe.Api;

/// <summary>
/// Stripe's form encoding (<c>line_items[0][price_data][unit_amount]=500</c>, <c>types[]=a</c>) read into a tree,
/// for request bodies and query strings alike.
/// </summary>
internal sealed class StripeParams
{
    private readonly Node root = new();

    private StripeParams(IReadOnlyList<KeyValuePair<string, string>> pairs)
    {
        Pairs = pairs;
        foreach (var (key, value) in pairs)
        {
            var node = root;
            foreach (var segment in Segments(key))
            {
                // "types[]" appends; an explicit index or name addresses a child.
                var name = segment.Length == 0 ? node.Children.Count.ToString(CultureInfo.InvariantCulture) : segment;
                if (!node.Children.TryGetValue(name, out var child))
                {
                    child = new Node();
                    node.Children[name] = child;
                }
                node = child;
            }
            node.Value = value;
        }
    }

    public static StripeParams Empty { get; } = new([]);

    /// <summary>The decoded pairs in the order they came, for fingerprinting idempotent requests.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Pairs { get; }

    public static StripeParams Parse(string encoded)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var (key, values) in QueryHelpers.ParseQuery(encoded))
        {
            foreach (var value in values)
            {
                pairs.Add(new(key, value ?? ""));
            }
        }
        return new StripeParams(pairs);
    }

    public bool Has(string path) => Find(path) is not null;

    public string? String(string path) => Find(path)?.Value is { Length: > 0 } value ? value : null;

    /// <summary>An integer parameter; <see cref="StripeApiException"/> when present but not an integer.</summary>
    public long? Long(string path)
    {
        var text = String(path);
        if (text is null)
        {
            return null;
        }
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw StripeApiException.InvalidParam(path, $"Invalid integer: {text}");
    }

    /// <summary>A boolean parameter; <see cref="StripeApiException"/> when present but not <c>true</c> or <c>false</c>.</summary>
    public bool? Bool(string path) => String(path) switch
    {
        null => null,
        "true" => true,
        "false" => false,
        var other => throw StripeApiException.InvalidParam(path, $"Invalid boolean: {other}"),
    };

    /// <summary>The <c>limit</c> of a list request: 1 to 100, 10 when absent.</summary>
    public int Limit()
    {
        var limit = Long("limit") ?? 10;
        return limit is >= 1 and <= 100
            ? (int)limit
            : throw StripeApiException.InvalidParam("limit", "This value must be greater than or equal to 1 and less than or equal to 100.");
    }

    /// <summary>A hash such as <c>metadata[...]</c>; empty values unset keys, as in Stripe.</summary>
    public Dictionary<string, string> Map(string path)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Find(path) is { } node)
        {
            foreach (var (key, child) in node.Children)
            {
                if (child.Value is { Length: > 0 } value)
                {
                    map[key] = value;
                }
            }
        }
        return map;
    }

    /// <summary>The elements of an array parameter (<c>items[0]</c>, <c>items[1]</c> or <c>items[]</c>) in index order.</summary>
    public IReadOnlyList<string> Indexes(string path)
    {
        if (Find(path) is not { } node)
        {
            return [];
        }
        return node.Children.Keys
            .Select(key => (key, index: int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : int.MaxValue))
            .OrderBy(entry => entry.index)
            .Select(entry => $"{path}[{entry.key}]")
            .ToList();
    }

    /// <summary>The scalar values of an array parameter such as <c>types[]</c> or <c>expand[0]</c>.</summary>
    public IReadOnlyList<string> Strings(string path) =>
        Indexes(path).Select(String).OfType<string>().ToList();

    private Node? Find(string path)
    {
        var node = root;
        foreach (var segment in Segments(path))
        {
            if (!node.Children.TryGetValue(segment, out node))
            {
                return null;
            }
        }
        return node;
    }

    private static IEnumerable<string> Segments(string key)
    {
        var open = key.IndexOf('[', StringComparison.Ordinal);
        if (open < 0)
        {
            yield return key;
            yield break;
        }
        yield return key[..open];
        while (open >= 0 && open < key.Length)
        {
            var close = key.IndexOf(']', open);
            if (close < 0)
            {
                yield return key[(open + 1)..];
                yield break;
            }
            yield return key[(open + 1)..close];
            open = key.IndexOf('[', close);
        }
    }

    private sealed class Node
    {
        public string? Value { get; set; }

        public Dictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);
    }
}
