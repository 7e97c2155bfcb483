using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SpiralAnalytics.Core.Catalog;

/// <summary>A metric read from its file, with the line of every field so later checks can point at it.</summary>
public sealed record LoadedMetric(MetricDefinition Definition, string File, SourceLines Lines);

/// <summary>Field path → 1-based line, for one metric file.</summary>
public sealed class SourceLines(int mappingLine, IReadOnlyDictionary<string, int> lines)
{
    public static SourceLines None { get; } = new(1, new Dictionary<string, int>());

    /// <summary>The line of <paramref name="field"/>, else of its nearest enclosing field, else the mapping's first line.</summary>
    public int LineOf(string? field)
    {
        while (!string.IsNullOrEmpty(field))
        {
            if (lines.TryGetValue(field, out var line))
            {
                return line;
            }

            var cut = Math.Max(field.LastIndexOf('.'), field.LastIndexOf('['));
            field = cut > 0 ? field[..cut] : null;
        }

        return mappingLine;
    }
}

/// <summary>
/// Reads one metric YAML file (YamlDotNet's representation model, so every node has its line). Syntax errors, unknown
/// or duplicate fields, values of the wrong shape and missing required fields are reported with file and line; what
/// the values mean is checked later by <see cref="MetricDefinitionValidator"/> and <see cref="CatalogConsistency"/>.
/// </summary>
public static class CatalogYamlReader
{
    /// <summary>Fields every metric file must have (type-specific ones are checked by the validator).</summary>
    public static readonly IReadOnlyList<string> RequiredFields =
        ["name", "display_name", "category", "description", "type", "unit", "direction", "grain", "time_column", "dimensions", "synonyms", "version", "status"];

    public static readonly IReadOnlyList<string> KnownFields =
    [
        "name", "display_name", "category", "description", "type", "measure", "statistic", "p", "numerator", "denominator",
        "components", "aggregate", "where", "numerator_of", "denominator_of", "sql", "output", "rollup",
        "unit", "direction", "grain", "time_column", "dimensions", "synonyms", "depends_on", "share_of", "narrows", "version", "status",
        "replaced_by", "deprecation_reason",
    ];

    private static readonly IReadOnlyList<string> TermFields = ["aggregate", "measure", "p", "where"];

    private static readonly IReadOnlyList<string> RelationFields = ["metric", "where"];

    private static readonly IReadOnlyList<string> ComponentFields = ["metric", "weight", "direction"];

    public static (LoadedMetric? Metric, IReadOnlyList<CatalogProblem> Problems) Read(string file, string text)
    {
        var problems = new List<CatalogProblem>();
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            var message = e.InnerException is { } inner && inner.Message.Length > 0 ? inner.Message : e.Message;
            problems.Add(new CatalogProblem(file, (int)e.Start.Line, null, $"invalid YAML: {Clean(message)}"));
            return (null, problems);
        }

        if (stream.Documents.Count == 0)
        {
            problems.Add(new CatalogProblem(file, 1, null, "the file is empty; expected one metric definition (a mapping of fields)"));
            return (null, problems);
        }

        if (stream.Documents.Count > 1)
        {
            problems.Add(new CatalogProblem(file, Line(stream.Documents[1].RootNode), null, "one metric per file: found a second YAML document"));
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            problems.Add(new CatalogProblem(file, Line(stream.Documents[0].RootNode), null, "expected a mapping of fields (name: …, type: …), not a list or a single value"));
            return (null, problems);
        }

        var reader = new Reader(file, root, problems);
        var metric = reader.Read();
        return (metric, problems);
    }

    private static int Line(YamlNode node) => (int)node.Start.Line;

    private static string Clean(string message) => message.TrimEnd('.');

    private sealed class Reader(string file, YamlMappingNode root, List<CatalogProblem> problems)
    {
        private readonly Dictionary<string, YamlNode> _fields = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

        public LoadedMetric? Read()
        {
            foreach (var (keyNode, value) in root.Children)
            {
                if (keyNode is not YamlScalarNode { Value: { } key })
                {
                    Problem(Line(keyNode), null, "field names must be plain words");
                    continue;
                }

                if (!KnownFields.Contains(key))
                {
                    Problem(Line(keyNode), key, $"unknown field{Suggest(key, KnownFields)} (fields: {string.Join(", ", KnownFields)})");
                    continue;
                }

                _fields[key] = value;
                _lines[key] = Line(keyNode);
            }

            var missing = RequiredFields.Where(f => !_fields.ContainsKey(f) || IsNull(_fields[f])).ToList();
            foreach (var field in missing)
            {
                Problem(Line(root), field, "missing required field");
            }

            var name = String("name");
            var definition = new
            {
                Name = name,
                DisplayName = String("display_name"),
                Category = String("category"),
                Description = String("description") is { } d ? CollapseSpaces(d) : null,
                Type = String("type"),
                Measure = String("measure"),
                Statistic = String("statistic"),
                P = Number("p"),
                Numerator = OptionalList("numerator"),
                Denominator = String("denominator"),
                Components = Components(),
                Aggregate = String("aggregate"),
                Where = _fields.TryGetValue("where", out var whereNode) ? Where(whereNode, "where") : null,
                NumeratorOf = Term("numerator_of"),
                DenominatorOf = Term("denominator_of"),
                Sql = _fields.TryGetValue("sql", out var sqlNode) ? RawScalar(sqlNode, "sql") : null,
                Output = OptionalList("output"),
                Rollup = String("rollup"),
                Unit = String("unit"),
                Direction = String("direction"),
                Grain = String("grain"),
                TimeColumn = String("time_column"),
                Dimensions = OptionalList("dimensions"),
                Synonyms = OptionalList("synonyms"),
                DependsOn = OptionalList("depends_on") ?? [],
                ShareOf = Relation("share_of"),
                Narrows = Relation("narrows"),
                Version = String("version"),
                Status = String("status"),
                ReplacedBy = String("replaced_by"),
                DeprecationReason = String("deprecation_reason") is { } r ? CollapseSpaces(r) : null,
            };

            if (missing.Count > 0 || problems.Count > 0)
            {
                return null;
            }

            return new LoadedMetric(
                new MetricDefinition
                {
                    Name = definition.Name!,
                    DisplayName = definition.DisplayName!,
                    Category = definition.Category!,
                    Description = definition.Description!,
                    Type = definition.Type!,
                    Measure = definition.Measure,
                    Statistic = definition.Statistic,
                    P = definition.P,
                    Numerator = definition.Numerator,
                    Denominator = definition.Denominator,
                    Components = definition.Components,
                    Aggregate = definition.Aggregate,
                    Where = definition.Where,
                    NumeratorOf = definition.NumeratorOf,
                    DenominatorOf = definition.DenominatorOf,
                    Sql = definition.Sql,
                    Output = definition.Output,
                    Rollup = definition.Rollup,
                    Unit = definition.Unit!,
                    Direction = definition.Direction!,
                    Grain = definition.Grain!,
                    TimeColumn = definition.TimeColumn!,
                    Dimensions = definition.Dimensions!,
                    Synonyms = definition.Synonyms!,
                    DependsOn = definition.DependsOn,
                    ShareOf = definition.ShareOf,
                    Narrows = definition.Narrows,
                    Version = definition.Version!,
                    Status = definition.Status!,
                    ReplacedBy = definition.ReplacedBy,
                    DeprecationReason = definition.DeprecationReason,
                }.Canonical(),
                file,
                new SourceLines(Line(root), _lines));
        }

        /// <summary>A block of text kept as written (SQL): trailing whitespace trimmed, lines kept so positions can be shown.</summary>
        private string? RawScalar(YamlNode node, string path)
        {
            if (node is YamlScalarNode scalar && !IsNull(scalar))
            {
                // Where the text's first line is in the file: the line after the key for a block (sql: |).
                _lines[path + ".text"] = Line(node) + (scalar.Style is ScalarStyle.Literal or ScalarStyle.Folded ? 1 : 0);
                return scalar.Value!.TrimEnd();
            }

            return Scalar(node, path);
        }

        /// <summary>A row filter: a mapping of dimension → one value or a list of values.</summary>
        private IReadOnlyDictionary<string, IReadOnlyList<string>>? Where(YamlNode node, string path)
        {
            if (IsNull(node))
            {
                return null;
            }

            if (node is not YamlMappingNode mapping)
            {
                Problem(Line(node), path, "expected a mapping of dimension: [values], e.g. { issue_type: [Bug], priority: [Highest] }");
                return null;
            }

            var where = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            foreach (var (keyNode, value) in mapping.Children)
            {
                var key = (keyNode as YamlScalarNode)?.Value ?? "";
                var itemPath = $"{path}.{key}";
                _lines[itemPath] = Line(keyNode);
                var values = new List<string>();
                if (value is YamlSequenceNode sequence)
                {
                    for (var i = 0; i < sequence.Children.Count; i++)
                    {
                        _lines[$"{itemPath}[{i}]"] = Line(sequence.Children[i]);
                        if (Scalar(sequence.Children[i], $"{itemPath}[{i}]") is { Length: > 0 } item)
                        {
                            values.Add(item);
                        }
                    }
                }
                else if (Scalar(value, itemPath) is { Length: > 0 } single)
                {
                    values.Add(single);
                }

                if (!where.TryAdd(key, values))
                {
                    Problem(Line(keyNode), itemPath, $"'{key}' is listed twice");
                }
            }

            return where;
        }

        /// <summary>
        /// The fields of a nested mapping (<paramref name="field"/>.<c>key</c>): an unknown one is reported with a suggestion,
        /// a missing <paramref name="required"/> one as missing; each found field's line is kept.
        /// </summary>
        private Dictionary<string, YamlNode> Fields(YamlMappingNode mapping, string field, IReadOnlyList<string> known, IReadOnlyList<string> required)
        {
            var values = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            foreach (var (keyNode, value) in mapping.Children)
            {
                var key = (keyNode as YamlScalarNode)?.Value ?? "";
                if (!known.Contains(key))
                {
                    Problem(Line(keyNode), $"{field}.{key}", $"unknown field{Suggest(key, known)} (fields: {string.Join(", ", known)})");
                    continue;
                }

                values[key] = value;
                _lines[$"{field}.{key}"] = Line(keyNode);
            }

            foreach (var missing in required.Where(f => !values.ContainsKey(f)))
            {
                Problem(Line(mapping), $"{field}.{missing}", "missing required field");
            }

            return values;
        }

        /// <summary>One aggregate of a tenant ratio: { aggregate, measure, p?, where? }.</summary>
        private AggregateTerm? Term(string field)
        {
            if (!_fields.TryGetValue(field, out var node) || IsNull(node))
            {
                return null;
            }

            if (node is not YamlMappingNode mapping)
            {
                Problem(Line(node), field, "expected { aggregate: FUNCTION, measure: MEASURE, where: { dimension: [values] } }");
                return null;
            }

            var values = Fields(mapping, field, TermFields, ["aggregate", "measure"]);

            var aggregate = values.TryGetValue("aggregate", out var a) ? Scalar(a, $"{field}.aggregate") : null;
            var measure = values.TryGetValue("measure", out var m) ? Scalar(m, $"{field}.measure") : null;
            var p = values.TryGetValue("p", out var pn) ? Number(pn, $"{field}.p") : null;
            var where = values.TryGetValue("where", out var w) ? Where(w, $"{field}.where") : null;
            return aggregate is null || measure is null ? null : new AggregateTerm { Aggregate = aggregate, Measure = measure, P = p, Where = where };
        }

        /// <summary>A relation to another metric: its name (<c>share_of: planned_sp</c>) or { metric, where }.</summary>
        private MetricRelation? Relation(string field)
        {
            if (!_fields.TryGetValue(field, out var node) || IsNull(node))
            {
                return null;
            }

            if (node is YamlScalarNode)
            {
                return Scalar(node, field) is { Length: > 0 } name ? new MetricRelation { Metric = name } : null;
            }

            if (node is not YamlMappingNode mapping)
            {
                Problem(Line(node), field, "expected a metric name, or { metric: NAME, where: { dimension: [values] } }");
                return null;
            }

            var values = Fields(mapping, field, RelationFields, ["metric"]);
            if (!values.TryGetValue("metric", out var m))
            {
                return null;
            }

            var where = values.TryGetValue("where", out var w) ? Where(w, $"{field}.where") : null;
            return Scalar(m, $"{field}.metric") is { Length: > 0 } metric ? new MetricRelation { Metric = metric, Where = where } : null;
        }

        private string? String(string field) => _fields.TryGetValue(field, out var node) ? Scalar(node, field) : null;

        private string? Scalar(YamlNode node, string path)
        {
            switch (node)
            {
                case YamlScalarNode scalar when IsNull(scalar):
                    return null;
                case YamlScalarNode scalar:
                    return scalar.Value!.Trim();
                default:
                    Problem(Line(node), path, "expected a single value, found a " + (node is YamlSequenceNode ? "list" : "mapping"));
                    return null;
            }
        }

        private double? Number(string field) => _fields.TryGetValue(field, out var node) ? Number(node, field) : null;

        private double? Number(YamlNode node, string path)
        {
            var text = Scalar(node, path);
            if (text is null)
            {
                return null;
            }

            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
            {
                return value;
            }

            Problem(Line(node), path, $"expected a number, found '{text}'");
            return null;
        }

        private IReadOnlyList<string>? OptionalList(string field)
        {
            if (!_fields.TryGetValue(field, out var node) || IsNull(node))
            {
                return null;
            }

            if (node is not YamlSequenceNode sequence)
            {
                Problem(Line(node), field, "expected a list ([a, b] or one '- item' per line)");
                return null;
            }

            var items = new List<string>();
            for (var i = 0; i < sequence.Children.Count; i++)
            {
                var path = $"{field}[{i}]";
                _lines[path] = Line(sequence.Children[i]);
                if (Scalar(sequence.Children[i], path) is { Length: > 0 } item)
                {
                    items.Add(item);
                }
                else if (sequence.Children[i] is YamlScalarNode)
                {
                    Problem(Line(sequence.Children[i]), path, "empty list item");
                }
            }

            return items;
        }

        private IReadOnlyList<CompositeComponent>? Components()
        {
            if (!_fields.TryGetValue("components", out var node) || IsNull(node))
            {
                return null;
            }

            if (node is not YamlSequenceNode sequence)
            {
                Problem(Line(node), "components", "expected a list of {metric, weight, direction}");
                return null;
            }

            var components = new List<CompositeComponent>();
            for (var i = 0; i < sequence.Children.Count; i++)
            {
                var path = $"components[{i}]";
                var item = sequence.Children[i];
                _lines[path] = Line(item);
                if (item is not YamlMappingNode mapping)
                {
                    Problem(Line(item), path, "expected {metric: NAME, weight: W, direction: +1 or -1}");
                    continue;
                }

                var values = Fields(mapping, path, ComponentFields, ComponentFields);

                var metric = values.TryGetValue("metric", out var m) ? Scalar(m, $"{path}.metric") : null;
                var weight = values.TryGetValue("weight", out var w) ? Number(w, $"{path}.weight") : null;
                var direction = values.TryGetValue("direction", out var d) ? Number(d, $"{path}.direction") : null;
                if (direction is { } sign && sign != Math.Round(sign))
                {
                    Problem(Line(d!), $"{path}.direction", $"expected +1 or -1, found {sign.ToString(CultureInfo.InvariantCulture)}");
                    direction = null;
                }

                if (metric is not null && weight is not null && direction is not null)
                {
                    components.Add(new CompositeComponent(metric, weight.Value, (int)direction.Value));
                }
            }

            return components;
        }

        private void Problem(int line, string? field, string message) => problems.Add(new CatalogProblem(file, line, field, message));
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    private static string CollapseSpaces(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    internal static string Suggest(string value, IEnumerable<string> candidates) => $" '{value}'{CatalogText.DidYouMean(value, candidates)}";
}
