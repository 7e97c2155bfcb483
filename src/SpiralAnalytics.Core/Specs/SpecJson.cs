using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SpiralAnalytics.Core.Specs;

/// <summary>The result of reading spec JSON: the spec, or the structural errors (shape, types, unknown fields).</summary>
public sealed record SpecParseResult(AnalyticsSpec? Spec, IReadOnlyList<SpecError> Errors)
{
    public bool IsValid => Spec is not null && Errors.Count == 0;
}

/// <summary>
/// The canonical JSON form of an <see cref="AnalyticsSpec"/> (ANALYTICS-SPEC.md): keys in the documented order, defaults
/// omitted (empty lists, absent time/compare/limit, period offset 0, sort dir asc), compact. Parsing reports every structural
/// problem as a <see cref="SpecError"/> with its path; semantic rules are <see cref="SpecValidator"/>'s.
/// </summary>
public static class SpecJson
{
    private static readonly string[] RootFields = ["analysis", "metrics", "group_by", "filters", "time", "compare", "having", "sort", "limit"];

    public static string Write(AnalyticsSpec spec, bool indented = false)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            Write(writer, spec);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static JsonNode ToNode(AnalyticsSpec spec) => JsonNode.Parse(Write(spec))!;

    private static void Write(Utf8JsonWriter w, AnalyticsSpec spec)
    {
        w.WriteStartObject();
        if (spec.Analysis is { } analysis)
        {
            w.WriteString("analysis", analysis);
        }

        w.WritePropertyName("metrics");
        WriteStrings(w, spec.Metrics);
        if (spec.GroupBy.Count > 0)
        {
            w.WritePropertyName("group_by");
            WriteStrings(w, spec.GroupBy);
        }

        if (spec.Filters.Count > 0)
        {
            w.WriteStartArray("filters");
            foreach (var filter in spec.Filters)
            {
                w.WriteStartObject();
                w.WriteString("dimension", filter.Dimension);
                w.WriteString("op", filter.Op);
                w.WritePropertyName("values");
                WriteStrings(w, filter.Values);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        if (spec.Time is { } time)
        {
            w.WriteStartObject("time");
            w.WriteString("type", time.Type);
            switch (time)
            {
                case LastSprintsTime t:
                    w.WriteNumber("n", t.N);
                    break;
                case PeriodTime t:
                    w.WriteString("unit", t.Unit);
                    if (t.Offset != 0)
                    {
                        w.WriteNumber("offset", t.Offset);
                    }

                    break;
                case RollingTime t:
                    w.WriteString("unit", t.Unit);
                    w.WriteNumber("n", t.N);
                    break;
                case BetweenTime t:
                    w.WriteString("from", t.From);
                    w.WriteString("to", t.To);
                    break;
            }

            w.WriteEndObject();
        }

        if (spec.Compare is { } compare)
        {
            w.WriteStartObject("compare");
            w.WriteString("type", compare.Type);
            w.WriteEndObject();
        }

        if (spec.Having.Count > 0)
        {
            w.WriteStartArray("having");
            foreach (var having in spec.Having)
            {
                w.WriteStartObject();
                w.WriteString("metric", having.Metric);
                w.WriteString("op", having.Op);
                w.WriteNumber("value", having.Value);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        if (spec.Sort.Count > 0)
        {
            w.WriteStartArray("sort");
            foreach (var sort in spec.Sort)
            {
                w.WriteStartObject();
                w.WriteString("by", sort.By);
                if (sort.Dir != SortDirections.Asc)
                {
                    w.WriteString("dir", sort.Dir);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        if (spec.Limit is { } limit)
        {
            w.WriteNumber("limit", limit);
        }

        w.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter w, IEnumerable<string> values)
    {
        w.WriteStartArray();
        foreach (var value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }

    /// <summary>Reads spec JSON; every structural problem is reported, not just the first.</summary>
    public static SpecParseResult Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            return new SpecParseResult(null, [new SpecError("spec", null, $"not valid JSON: {e.Message}") { Rule = "json" }]);
        }

        using (document)
        {
            var reader = new Reader();
            var spec = reader.Root(document.RootElement);
            return new SpecParseResult(reader.Errors.Count == 0 ? spec : null, reader.Errors);
        }
    }

    private sealed class Reader
    {
        public List<SpecError> Errors { get; } = [];

        private void Error(string path, string? value, string message, IReadOnlyList<string>? allowed = null, string rule = "shape") =>
            Errors.Add(new SpecError(path, value, message, allowed ?? [], []) { Rule = rule });

        public AnalyticsSpec? Root(JsonElement root)
        {
            if (root.ValueKind != JsonValueKind.Object)
            {
                Error("spec", Raw(root), $"must be a JSON object, not {Kind(root)}");
                return null;
            }

            CheckFields(root, "spec", RootFields);
            if (!root.TryGetProperty("metrics", out var metrics))
            {
                Error("metrics", null, "is required: 1 to 5 metric names", rule: "metrics_count");
            }

            var spec = new AnalyticsSpec
            {
                Analysis = root.TryGetProperty("analysis", out var analysis) && analysis.ValueKind != JsonValueKind.Null ? String(analysis, "analysis") : null,
                Metrics = metrics.ValueKind == JsonValueKind.Undefined ? [] : Strings(metrics, "metrics"),
                GroupBy = root.TryGetProperty("group_by", out var groupBy) ? Strings(groupBy, "group_by") : [],
                Filters = root.TryGetProperty("filters", out var filters) ? Objects(filters, "filters", Filter) : [],
                Time = root.TryGetProperty("time", out var time) && time.ValueKind != JsonValueKind.Null ? Time(time, "time") : null,
                Compare = root.TryGetProperty("compare", out var compare) && compare.ValueKind != JsonValueKind.Null ? Compare(compare, "compare") : null,
                Having = root.TryGetProperty("having", out var having) ? Objects(having, "having", Having) : [],
                Sort = root.TryGetProperty("sort", out var sort) ? Objects(sort, "sort", Sort) : [],
                Limit = root.TryGetProperty("limit", out var limit) && limit.ValueKind != JsonValueKind.Null ? Int(limit, "limit") : null,
            };
            return spec;
        }

        private SpecFilter? Filter(JsonElement e, string path)
        {
            CheckFields(e, path, ["dimension", "op", "values"]);
            var dimension = RequiredString(e, path, "dimension");
            var op = RequiredString(e, path, "op");
            IReadOnlyList<string> values = [];
            if (!e.TryGetProperty("values", out var v))
            {
                Error($"{path}.values", null, "is required: a list of dimension values");
            }
            else
            {
                values = Strings(v, $"{path}.values");
            }

            return dimension is null || op is null ? null : new SpecFilter(dimension, op, values);
        }

        private HavingClause? Having(JsonElement e, string path)
        {
            CheckFields(e, path, ["metric", "op", "value"]);
            var metric = RequiredString(e, path, "metric");
            var op = RequiredString(e, path, "op");
            double? value = null;
            if (!e.TryGetProperty("value", out var v))
            {
                Error($"{path}.value", null, "is required: a number");
            }
            else if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var d) || !double.IsFinite(d))
            {
                Error($"{path}.value", Raw(v), $"must be a finite number, not {Kind(v)}");
            }
            else
            {
                value = d;
            }

            return metric is null || op is null || value is null ? null : new HavingClause(metric, op, value.Value);
        }

        private SortClause? Sort(JsonElement e, string path)
        {
            CheckFields(e, path, ["by", "dir"]);
            var by = RequiredString(e, path, "by");
            var dir = e.TryGetProperty("dir", out var d) ? String(d, $"{path}.dir") : SortDirections.Asc;
            return by is null || dir is null ? null : new SortClause(by, dir);
        }

        private CompareSpec? Compare(JsonElement e, string path)
        {
            if (e.ValueKind != JsonValueKind.Object)
            {
                Error(path, Raw(e), $"must be an object like {{\"type\": \"previous_period\"}}, not {Kind(e)}");
                return null;
            }

            CheckFields(e, path, ["type"]);
            var type = RequiredString(e, path, "type");
            return type is null ? null : new CompareSpec(type);
        }

        private TimeSpec? Time(JsonElement e, string path)
        {
            if (e.ValueKind != JsonValueKind.Object)
            {
                Error(path, Raw(e), $"must be an object with a \"type\", not {Kind(e)}");
                return null;
            }

            var type = RequiredString(e, path, "type");
            switch (type)
            {
                case null:
                    return null;
                case "last_sprints":
                    CheckFields(e, path, ["type", "n"]);
                    return RequiredInt(e, path, "n") is { } count ? new LastSprintsTime(count) : null;
                case "current_sprint":
                    CheckFields(e, path, ["type"]);
                    return new CurrentSprintTime();
                case "period":
                {
                    CheckFields(e, path, ["type", "unit", "offset"]);
                    var unit = RequiredString(e, path, "unit");
                    var offset = e.TryGetProperty("offset", out var o) ? Int(o, $"{path}.offset") : 0;
                    return unit is null || offset is null ? null : new PeriodTime(unit, offset.Value);
                }

                case "rolling":
                {
                    CheckFields(e, path, ["type", "unit", "n"]);
                    var unit = RequiredString(e, path, "unit");
                    var n = RequiredInt(e, path, "n");
                    return unit is null || n is null ? null : new RollingTime(unit, n.Value);
                }

                case "between":
                {
                    CheckFields(e, path, ["type", "from", "to"]);
                    var from = RequiredString(e, path, "from");
                    var to = RequiredString(e, path, "to");
                    return from is null || to is null ? null : new BetweenTime(from, to);
                }

                case "all":
                    CheckFields(e, path, ["type"]);
                    return new AllTime();
                default:
                    Errors.Add(new SpecError($"{path}.type", type, $"'{type}' is not a time form; allowed: {string.Join(", ", TimeSpec.Types)}",
                        TimeSpec.Types, Suggest(type, TimeSpec.Types)) { Rule = "time_type" });
                    return null;
            }
        }

        private List<T> Objects<T>(JsonElement e, string path, Func<JsonElement, string, T?> read)
            where T : class
        {
            var list = new List<T>();
            if (e.ValueKind == JsonValueKind.Null)
            {
                return list;
            }

            if (e.ValueKind != JsonValueKind.Array)
            {
                Error(path, Raw(e), $"must be a list, not {Kind(e)}");
                return list;
            }

            var i = 0;
            foreach (var item in e.EnumerateArray())
            {
                var itemPath = $"{path}[{i++}]";
                if (item.ValueKind != JsonValueKind.Object)
                {
                    Error(itemPath, Raw(item), $"must be an object, not {Kind(item)}");
                    continue;
                }

                if (read(item, itemPath) is { } value)
                {
                    list.Add(value);
                }
            }

            return list;
        }

        private List<string> Strings(JsonElement e, string path)
        {
            var list = new List<string>();
            if (e.ValueKind == JsonValueKind.Null)
            {
                return list;
            }

            if (e.ValueKind != JsonValueKind.Array)
            {
                Error(path, Raw(e), $"must be a list of strings, not {Kind(e)}");
                return list;
            }

            var i = 0;
            foreach (var item in e.EnumerateArray())
            {
                if (String(item, $"{path}[{i++}]") is { } s)
                {
                    list.Add(s);
                }
            }

            return list;
        }

        private string? RequiredString(JsonElement e, string path, string field)
        {
            if (!e.TryGetProperty(field, out var v))
            {
                Error($"{path}.{field}", null, "is required");
                return null;
            }

            return String(v, $"{path}.{field}");
        }

        private string? String(JsonElement e, string path)
        {
            if (e.ValueKind == JsonValueKind.String)
            {
                return e.GetString();
            }

            Error(path, Raw(e), $"must be a string, not {Kind(e)}");
            return null;
        }

        private int? RequiredInt(JsonElement e, string path, string field)
        {
            if (!e.TryGetProperty(field, out var v))
            {
                Error($"{path}.{field}", null, "is required: an integer");
                return null;
            }

            return Int(v, $"{path}.{field}");
        }

        private int? Int(JsonElement e, string path)
        {
            if (e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var n))
            {
                return n;
            }

            Error(path, Raw(e), $"must be an integer, not {Kind(e)} {Raw(e)}");
            return null;
        }

        private void CheckFields(JsonElement e, string path, IReadOnlyList<string> allowed)
        {
            foreach (var property in e.EnumerateObject())
            {
                if (!allowed.Contains(property.Name))
                {
                    var at = path == "spec" ? property.Name : $"{path}.{property.Name}";
                    Errors.Add(new SpecError(at, property.Name, $"unknown field '{property.Name}'{DidYouMean(property.Name, allowed)}; allowed: {string.Join(", ", allowed)}",
                        allowed, Suggest(property.Name, allowed)) { Rule = "unknown_field" });
                }
            }
        }
    }

    internal static IReadOnlyList<string> Suggest(string value, IEnumerable<string> candidates) =>
        Catalog.CatalogText.DidYouMean(value, candidates) is { Length: > 0 } s ? [s.Split('\'')[1]] : [];

    internal static string DidYouMean(string value, IEnumerable<string> candidates) => Catalog.CatalogText.DidYouMean(value, candidates);

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string Raw(JsonElement e)
    {
        var raw = e.ValueKind == JsonValueKind.String ? e.GetString() ?? "" : e.GetRawText();
        return raw.Length > 200 ? raw[..200] + "…" : raw;
    }

    /// <summary>Dates in specs: YYYY-MM-DD.</summary>
    public static bool TryParseDate(string text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
}
