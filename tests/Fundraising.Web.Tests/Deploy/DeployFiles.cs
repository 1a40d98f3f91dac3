using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Fundraising.Web.Tests.Deploy;

/// <summary>
/// The deploy files of the repository (deploy/compose, deploy/kubernetes, deploy/docker) read as plain trees: every
/// YAML document becomes a <see cref="JsonObject"/> whose scalars are strings, with aliases and merge keys (<c>&lt;&lt;</c>)
/// resolved the way compose resolves them.
/// </summary>
public static partial class DeployFiles
{
    public static string Folder(params string[] parts) => Path.Combine([TestEnvironment.RepositoryRoot, "deploy", .. parts]);

    public static IReadOnlyList<string> YamlFilesUnder(string folder) =>
        [.. Directory.EnumerateFiles(folder, "*.*", SearchOption.AllDirectories)
            .Where(path => path.EndsWith(".yaml", StringComparison.Ordinal) || path.EndsWith(".yml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];

    /// <summary>Every document of one YAML file, in order (empty documents left out).</summary>
    public static IReadOnlyList<JsonObject> Documents(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            stream.Load(reader);
        }
        return [.. stream.Documents.Select(document => ToTree(document.RootNode)).OfType<JsonObject>()];
    }

    /// <summary>Every Kubernetes manifest under deploy/kubernetes (the Secret template included), with its file.</summary>
    public static IReadOnlyList<(string File, JsonObject Manifest)> KubernetesManifests() =>
        [.. YamlFilesUnder(Folder("kubernetes")).SelectMany(file => Documents(file).Select(manifest => (Path.GetRelativePath(TestEnvironment.RepositoryRoot, file), manifest)))];

    public static IEnumerable<JsonObject> OfKind(this IEnumerable<(string File, JsonObject Manifest)> manifests, string kind) =>
        manifests.Select(m => m.Manifest).Where(m => (string?)m["kind"] == kind);

    public static string Name(this JsonNode manifest) => (string)manifest["metadata"]!["name"]!;

    public static JsonObject Compose() => Documents(Folder("compose", "compose.yaml")).Single();

    /// <summary>The services of compose.yaml by name.</summary>
    public static IReadOnlyDictionary<string, JsonObject> ComposeServices() =>
        Compose()["services"]!.AsObject().ToDictionary(service => service.Key, service => service.Value!.AsObject());

    /// <summary>The labels a selector's <c>matchLabels</c> (or a Service's plain selector) asks for.</summary>
    public static IReadOnlyDictionary<string, string> Labels(JsonNode? node) =>
        node?.AsObject().ToDictionary(label => label.Key, label => (string)label.Value!) ?? [];

    public static bool Selects(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels) =>
        selector.Count > 0 && selector.All(wanted => labels.TryGetValue(wanted.Key, out var value) && value == wanted.Value);

    /// <summary>Every container of a Deployment's pod template.</summary>
    public static IEnumerable<JsonObject> Containers(JsonNode deployment) =>
        deployment["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Select(container => container!.AsObject());

    /// <summary>The configuration keys the apps bind, as README's "Configuration" table lists them (see <see cref="ConfigurationKeys"/>).</summary>
    public static ConfigurationKeys BoundKeys() => ConfigurationKeys.FromReadme(File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "README.md")));

    private static JsonNode? ToTree(YamlNode node)
    {
        switch (node)
        {
            case YamlScalarNode scalar:
                return scalar.Value is null || (scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && scalar.Value is "" or "~" or "null")
                    ? null
                    : JsonValue.Create(scalar.Value);
            case YamlSequenceNode sequence:
                return new JsonArray([.. sequence.Children.Select(ToTree)]);
            case YamlMappingNode mapping:
                var result = new JsonObject();
                // Merge keys first, so the mapping's own keys override what they bring (YAML 1.1 merge semantics).
                foreach (var (key, value) in mapping.Children.Where(c => ((YamlScalarNode)c.Key).Value == "<<"))
                {
                    var merged = value is YamlSequenceNode several ? several.Children : [value];
                    foreach (var source in merged.Select(ToTree).OfType<JsonObject>())
                    {
                        foreach (var (name, inner) in source)
                        {
                            result[name] = inner?.DeepClone();
                        }
                    }
                }
                foreach (var (key, value) in mapping.Children.Where(c => ((YamlScalarNode)c.Key).Value != "<<"))
                {
                    result[((YamlScalarNode)key).Value!] = ToTree(value);
                }
                return result;
            default:
                throw new InvalidOperationException($"Unexpected YAML node {node.NodeType} at {node.Start}.");
        }
    }
}

/// <summary>
/// The configuration keys the platform's programs bind, read from README's "Configuration" table, where each row's
/// first cell names one key or several (<c>`Donors:Smtp:Host`, `Port`</c>: siblings of the first; <c>`Orleans:Membership:*`</c>:
/// any key under it; <c>{Policy}</c>: any one segment). Environment variables name keys with <c>__</c> for <c>:</c>.
/// </summary>
public sealed partial class ConfigurationKeys
{
    private readonly List<Regex> _patterns;

    private ConfigurationKeys(List<Regex> patterns) => _patterns = patterns;

    public int Count => _patterns.Count;

    public static ConfigurationKeys FromReadme(string readme)
    {
        var section = readme[readme.IndexOf("\n## Configuration", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 5, StringComparison.Ordinal)];
        var patterns = new List<Regex>();
        foreach (var row in section.Split('\n').Where(line => line.StartsWith("| `", StringComparison.Ordinal)))
        {
            var cell = row.Split('|')[1];
            string[]? first = null;
            foreach (Match token in BacktickedKey().Matches(cell))
            {
                var segments = token.Groups[1].Value.Split(':');
                var key = segments.Length > 1 || first is null ? segments : [.. first[..^1], segments[0]];
                first ??= key;
                var pattern = string.Join(":", key.Select(s => s == "*" ? ".+" : s.StartsWith('{') ? "[^:]+" : Regex.Escape(s)));
                patterns.Add(new Regex($"^{pattern}$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant));
            }
        }
        return new ConfigurationKeys(patterns);
    }

    /// <summary>Whether an environment variable (<c>Section__Key</c>) or a key (<c>Section:Key</c>) names a bound key.</summary>
    public bool Binds(string variable) => _patterns.Exists(p => p.IsMatch(variable.Replace("__", ":", StringComparison.Ordinal)));

    [GeneratedRegex(@"`([A-Za-z0-9_{}*:]+)`")]
    private static partial Regex BacktickedKey();
}
