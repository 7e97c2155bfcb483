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
                if (double.IsFinite(having.Value))
                {
                    w.WriteNumber("value", having.Value);
                }
                else
                {
                    // JSON has no infinity or NaN: the spec is invalid (the validator says so) but still printable for the audit log.
                    w.WriteString("value", having.Value.ToString(CultureInfo.InvariantCulture));
                }
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

    /// <summary>
    /// How spec JSON is read everywhere (here and by the API): no comments or trailing commas, bounded depth. Duplicate keys
    /// are let through the parser so that the reader reports each with its path (<c>duplicate_field</c>), also those that
    /// differ only in case.
    /// </summary>
    public static JsonDocumentOptions DocumentOptions => new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = SpecLimits.MaxJsonDepth,
    };

    /// <summary>Reads spec JSON; every structural problem is reported, not just the first (at most <see cref="SpecLimits.MaxErrors"/>).</summary>
    public static SpecParseResult Parse(string json)
    {
        if (json.Length > SpecLimits.MaxSpecJsonBytes || Encoding.UTF8.GetByteCount(json) > SpecLimits.MaxSpecJsonBytes)
        {
            return new SpecParseResult(null, [new SpecError("spec", null, $"is larger than {SpecLimits.MaxSpecJsonBytes / 1024} KiB") { Rule = "spec_size" }]);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException e)
        {
            return new SpecParseResult(null, [new SpecError("spec", null, $"not valid JSON: {JsonProblem(e)}") { Rule = "json" }]);
        }

        using (document)
        {
            if (InvalidNames(document.RootElement) is { Count: > 0 } invalid)
            {
                return new SpecParseResult(null, invalid);
            }

            var reader = new Reader();
            var spec = reader.Root(document.RootElement);
            return new SpecParseResult(reader.Errors.Count == 0 ? spec : null, SpecLimits.Capped(reader.Errors));
        }
    }

    /// <summary>
    /// Field names that are not valid text (an unpaired surrogate such as <c>"\ud800"</c>): such a name cannot even be
    /// compared with a known one (System.Text.Json throws while unescaping it), so a document holding one is refused
    /// before any field is looked up. Empty when every name is readable.
    /// </summary>
    public static IReadOnlyList<SpecError> InvalidNames(JsonElement element, string path = "spec")
    {
        var errors = new List<SpecError>();
        Walk(element, path);
        return SpecLimits.Capped(errors);

        void Walk(JsonElement e, string at)
        {
            if (errors.Count > SpecLimits.MaxErrors)
            {
                return;
            }

            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in e.EnumerateObject())
                    {
                        string name;
                        try
                        {
                            name = property.Name;
                        }
                        catch (InvalidOperationException)
                        {
                            errors.Add(new SpecError(at, null, "a field name is not valid text: it holds an unpaired surrogate") { Rule = "text" });
                            continue;
                        }

                        Walk(property.Value, at == "spec" ? SpecLimits.Quote(name) : $"{at}.{SpecLimits.Quote(name)}");
                    }

                    break;
                case JsonValueKind.Array:
                    var i = 0;
                    foreach (var item in e.EnumerateArray())
                    {
                        Walk(item, $"{at}[{i++}]");
                    }

                    break;
            }
        }
    }

    /// <summary>A JSON reader's complaint without its type name or internals: the message, and where.</summary>
    public static string JsonProblem(JsonException e)
    {
        var message = e.Message;
        var end = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (end < 0)
        {
            end = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        }

        var text = (end > 0 ? message[..end] : message).TrimEnd('.', ' ');
        return e.LineNumber is { } line && e.BytePositionInLine is { } column
            ? $"{text} (line {(line + 1).ToString(CultureInfo.InvariantCulture)}, byte {(column + 1).ToString(CultureInfo.InvariantCulture)})"
            : text;
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
                Error("metrics", null, $"is required: 1 to {SpecLimits.MaxMetrics} metric names", rule: "metrics_count");
            }

            var spec = new AnalyticsSpec
            {
                Analysis = root.TryGetProperty("analysis", out var analysis) && analysis.ValueKind != JsonValueKind.Null ? String(analysis, "analysis") : null,
                Metrics = metrics.ValueKind == JsonValueKind.Undefined ? [] : Strings(metrics, "metrics", SpecLimits.MaxMetrics, "metrics_count"),
                GroupBy = root.TryGetProperty("group_by", out var groupBy) ? Strings(groupBy, "group_by", SpecLimits.MaxGroupBy, "group_by_count") : [],
                Filters = root.TryGetProperty("filters", out var filters) ? Objects(filters, "filters", Filter, SpecLimits.MaxFilters) : [],
                Time = root.TryGetProperty("time", out var time) && time.ValueKind != JsonValueKind.Null ? Time(time, "time") : null,
                Compare = root.TryGetProperty("compare", out var compare) && compare.ValueKind != JsonValueKind.Null ? Compare(compare, "compare") : null,
                Having = root.TryGetProperty("having", out var having) ? Objects(having, "having", Having, SpecLimits.MaxHaving) : [],
                Sort = root.TryGetProperty("sort", out var sort) ? Objects(sort, "sort", Sort, SpecLimits.MaxSort) : [],
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
                values = Strings(v, $"{path}.values", SpecLimits.MaxFilterValues, "filter_values_count", SpecLimits.MaxValueLength);
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
                Error($"{path}.value", Raw(v), $"must be a finite number, not {Kind(v)} {Raw(v)}", rule: "having_value");
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

        private List<T> Objects<T>(JsonElement e, string path, Func<JsonElement, string, T?> read, int maxCount)
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

            if (!WithinCount(e, path, maxCount, $"{path}_count"))
            {
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

        private List<string> Strings(JsonElement e, string path, int maxCount, string countRule, int maxLength = SpecLimits.MaxNameLength)
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

            if (!WithinCount(e, path, maxCount, countRule))
            {
                return list;
            }

            var i = 0;
            foreach (var item in e.EnumerateArray())
            {
                if (String(item, $"{path}[{i++}]", maxLength) is { } s)
                {
                    list.Add(s);
                }
            }

            return list;
        }

        /// <summary>A list longer than its cap is one error, and none of its items is read.</summary>
        private bool WithinCount(JsonElement list, string path, int maxCount, string rule)
        {
            var count = list.GetArrayLength();
            if (count <= maxCount)
            {
                return true;
            }

            Error(path, count.ToString(CultureInfo.InvariantCulture), $"holds {count} items; at most {maxCount} are allowed", rule: rule);
            return false;
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

        private string? String(JsonElement e, string path, int maxLength = SpecLimits.MaxNameLength)
        {
            if (e.ValueKind != JsonValueKind.String)
            {
                Error(path, Raw(e), $"must be a string, not {Kind(e)}");
                return null;
            }

            string? text;
            try
            {
                text = e.GetString();
            }
            catch (InvalidOperationException)
            {
                Error(path, null, "is not valid text: it holds an unpaired surrogate (\\ud800-\\udfff alone)", rule: "text");
                return null;
            }

            if (SpecText.Problem(text ?? "", maxLength) is { } problem)
            {
                Error(path, SpecLimits.Quote(text ?? ""), problem, rule: "text");
                return null;
            }

            return text;
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
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in e.EnumerateObject())
            {
                string name;
                try
                {
                    name = property.Name;
                }
                catch (InvalidOperationException)
                {
                    Errors.Add(new SpecError(path, null, "a field name is not valid text: it holds an unpaired surrogate") { Rule = "text" });
                    continue;
                }

                var at = path == "spec" ? SpecLimits.Quote(name) : $"{path}.{SpecLimits.Quote(name)}";
                if (!seen.Add(name))
                {
                    Errors.Add(new SpecError(at, SpecLimits.Quote(name), $"field '{SpecLimits.Quote(name)}' appears twice (keys may not repeat, nor differ only in case)") { Rule = "duplicate_field" });
                }
                else if (!allowed.Contains(name))
                {
                    var suggestions = name.Length <= SpecLimits.MaxNameLength ? Suggest(name, allowed) : [];
                    Errors.Add(new SpecError(at, SpecLimits.Quote(name),
                        $"unknown field '{SpecLimits.Quote(name)}'{(suggestions.Count > 0 ? $"; did you mean '{suggestions[0]}'?" : "")}; allowed: {string.Join(", ", allowed)}",
                        allowed, suggestions) { Rule = "unknown_field" });
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
        var raw = e.ValueKind == JsonValueKind.String ? e.GetRawText().Trim('"') : e.GetRawText();
        return SpecLimits.Quote(raw);
    }

    /// <summary>Dates in specs: YYYY-MM-DD.</summary>
    public static bool TryParseDate(string text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
}
