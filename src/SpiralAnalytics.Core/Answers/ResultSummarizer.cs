using System.Text.Json.Nodes;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Answers;

/// <summary>
/// One plain sentence that leads an answer, made from the numbers by templates (no model): a single value ("Velocity:
/// 42 points, +3.5 points (+9%) on the period before."), a ranking ("Nova had the most reopened issues: 9; Atlas the
/// fewest: 2."), a trend over sprints or calendar units, a comparison's biggest change, or an empty result. The shape
/// decides the template: the spec's grouping, sort, limit and compare, and the result's columns and rows.
/// </summary>
public static class ResultSummarizer
{
    private static readonly HashSet<string> TimeDimensions = new(StringComparer.Ordinal) { "sprint", "week", "month", "quarter" };

    /// <summary>Units counted in whole things, whose superlative is "most"/"fewest" rather than "highest"/"lowest" (unless the metric is a mean).</summary>
    private static readonly HashSet<string> CountUnits = new(StringComparer.Ordinal) { "issues", "points", "comments" };

    /// <returns>Null for an analysis (<c>diagnose</c>, <c>anomalies</c>): its answer explains itself, not a table of values.</returns>
    public static string? Summarize(AnalyticsSpec spec, IReadOnlyList<QueryColumn> columns, IReadOnlyList<JsonObject> rows, MetricCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(catalog);
        if (spec.Analysis is not null)
        {
            return null;
        }

        var metrics = columns.Where(c => c.Kind == QueryColumn.Metric && !c.Name.Contains("__", StringComparison.Ordinal))
            .Select(c => new Measure(c.Name, PlainNumbers.Name(catalog.Find(c.Name), c.Name), c.Unit ?? catalog.Find(c.Name)?.Unit,
                catalog.Find(c.Name)?.Statistic is MetricStatistics.Mean or MetricStatistics.MeanPerSprint))
            .ToList();
        var dimensions = columns.Where(c => c.Kind == QueryColumn.Dimension).Select(c => c.Name).ToList();
        if (metrics.Count == 0)
        {
            return $"{rows.Count} row{(rows.Count == 1 ? "" : "s")}.";
        }

        var sortMetric = spec.Sort.FirstOrDefault(s => metrics.Any(m => m.Name == s.By));
        var primary = sortMetric is null ? metrics[0] : metrics.First(m => m.Name == sortMetric.By);
        if (rows.Count == 0)
        {
            return Empty(spec, primary, dimensions);
        }

        if (dimensions.Count == 0)
        {
            return Single(metrics, rows[0]);
        }

        if (dimensions.Count == 1 && TimeDimensions.Contains(dimensions[0]) && sortMetric is null)
        {
            return Trend(primary, dimensions[0], rows) + Biggest(spec, primary, dimensions, rows);
        }

        return Ranking(spec, primary, sortMetric, dimensions, rows) + Biggest(spec, primary, dimensions, rows);
    }

    /// <param name="IsAverage">A mean (velocity is points per sprint): "highest velocity", not "most velocity".</param>
    private sealed record Measure(string Name, string Words, string? Unit, bool IsAverage = false);

    private static string Empty(AnalyticsSpec spec, Measure primary, IReadOnlyList<string> dimensions)
    {
        if (spec.Having.Count > 0)
        {
            var things = dimensions.Count == 1 ? Plural(SpecDescriber.Dimension(dimensions[0])) : "rows";
            return $"No {things} passed the threshold, so there is nothing to show.";
        }

        if (spec.Filters.Count > 0)
        {
            return $"No data for {primary.Words} with these filters in this window.";
        }

        return $"No data for {primary.Words} in this window.";
    }

    private static string Single(IReadOnlyList<Measure> metrics, JsonObject row)
    {
        var parts = metrics.Select((m, i) =>
        {
            var text = $"{(i == 0 ? PlainNumbers.Capitalized(m.Words) : m.Words)}: {PlainNumbers.Value(Number(row, m.Name), m.Unit)}";
            return text + Change(row, m);
        });
        return string.Join("; ", parts) + ".";
    }

    /// <summary>", +3.5 points (+9%) on the period before (39 points)" when the row has compare columns.</summary>
    private static string Change(JsonObject row, Measure m)
    {
        if (!row.ContainsKey(m.Name + "__previous"))
        {
            return "";
        }

        var previous = Number(row, m.Name + "__previous");
        var delta = Number(row, m.Name + "__delta");
        if (previous is null || delta is null)
        {
            return ", no value in the period before to compare with";
        }

        var change = Number(row, m.Name + "__change");
        var relative = change is { } c && m.Unit != "ratio" ? $" ({PlainNumbers.Change(c)})" : "";
        return delta == 0
            ? $", unchanged on the period before ({PlainNumbers.Value(previous, m.Unit)})"
            : $", {PlainNumbers.Delta(delta.Value, m.Unit)}{relative} on the period before ({PlainNumbers.Value(previous, m.Unit)})";
    }

    private static string Trend(Measure primary, string dimension, IReadOnlyList<JsonObject> rows)
    {
        var words = SpecDescriber.Dimension(dimension);
        var valued = rows.Where(r => Number(r, primary.Name) is not null).ToList();
        if (valued.Count == 0)
        {
            return $"{PlainNumbers.Capitalized(primary.Words)} has no value in any of the {rows.Count} {Plural(words)}.";
        }

        if (rows.Count == 1)
        {
            return $"{PlainNumbers.Capitalized(primary.Words)} in {Label(rows[0], dimension)}: {PlainNumbers.Value(Number(rows[0], primary.Name), primary.Unit)}.";
        }

        var first = valued[0];
        var last = valued[^1];
        var peak = valued.OrderByDescending(r => Number(r, primary.Name)).First();
        var text = $"{PlainNumbers.Capitalized(primary.Words)} went from {PlainNumbers.Value(Number(first, primary.Name), primary.Unit)} ({Label(first, dimension)}) " +
                   $"to {PlainNumbers.Value(Number(last, primary.Name), primary.Unit)} ({Label(last, dimension)}) over {rows.Count} {Plural(words)}";
        if (!ReferenceEquals(peak, first) && !ReferenceEquals(peak, last))
        {
            text += $", peaking at {PlainNumbers.Value(Number(peak, primary.Name), primary.Unit)} ({Label(peak, dimension)})";
        }

        return text + ".";
    }

    private static string Ranking(AnalyticsSpec spec, Measure primary, SortClause? sort, IReadOnlyList<string> dimensions, IReadOnlyList<JsonObject> rows)
    {
        var valued = rows.Where(r => Number(r, primary.Name) is not null).ToList();
        var things = dimensions.Count == 1 ? Plural(SpecDescriber.Dimension(dimensions[0])) : "rows";
        if (valued.Count == 0)
        {
            return $"{PlainNumbers.Capitalized(primary.Words)} has no value for any of the {rows.Count} {things}.";
        }

        if (rows.Count == 1)
        {
            // a top 1 ("which team … the most") names the winner; a lone group otherwise just states its value
            return sort is null
                ? $"{PlainNumbers.Capitalized(primary.Words)} for {Who(rows[0], dimensions)}: {Value(rows[0], primary)}{Change(rows[0], primary)}."
                : $"{Who(rows[0], dimensions)} had the {Superlative(primary, sort.Dir == SortDirections.Desc)} {primary.Words}: {Value(rows[0], primary)}{Change(rows[0], primary)}.";
        }

        // The result's own order when the spec sorts by this metric (ties and limit as the query decided), else by value.
        var descending = sort is null || sort.Dir == SortDirections.Desc;
        var ordered = sort is not null
            ? valued
            : valued.OrderByDescending(r => Number(r, primary.Name)).ToList();
        var leader = ordered[0];
        var trailer = ordered[^1];
        var text = $"{Who(leader, dimensions)} had the {Superlative(primary, descending)} {primary.Words}: {Value(leader, primary)}";
        if (Ties(ordered, primary) is > 1 and var ties)
        {
            text += $" (tied with {ties - 1} other{(ties == 2 ? "" : "s")})";
        }

        if (!ReferenceEquals(leader, trailer) && Number(leader, primary.Name) != Number(trailer, primary.Name) && spec.Limit is null)
        {
            text += $"; {Who(trailer, dimensions)} the {Superlative(primary, !descending)}: {Value(trailer, primary)}";
        }

        return text + (spec.Limit is { } limit && rows.Count >= limit
            ? $" (top {rows.Count} shown)."
            : $" (of {rows.Count} {things}).");
    }

    /// <summary>" Biggest change: Phoenix, +12 percentage points (18% → 30%)." for a grouped comparison.</summary>
    private static string Biggest(AnalyticsSpec spec, Measure primary, IReadOnlyList<string> dimensions, IReadOnlyList<JsonObject> rows)
    {
        if (spec.Compare is null || rows.Count < 2)
        {
            return "";
        }

        var moved = rows.Where(r => Number(r, primary.Name + "__delta") is not null)
            .OrderByDescending(r => Math.Abs(Number(r, primary.Name + "__delta")!.Value)).FirstOrDefault();
        if (moved is null)
        {
            return " Nothing to compare with in the period before.";
        }

        var delta = Number(moved, primary.Name + "__delta")!.Value;
        return delta == 0
            ? " No change on the period before."
            : $" Biggest change on the period before: {Who(moved, dimensions)}, {PlainNumbers.Delta(delta, primary.Unit)} " +
              $"({PlainNumbers.Value(Number(moved, primary.Name + "__previous"), primary.Unit)} → {PlainNumbers.Value(Number(moved, primary.Name), primary.Unit)}).";
    }

    /// <summary>A ranked value: the bare number when the metric's name already says what is counted ("reopened issues: 9").</summary>
    private static string Value(JsonObject row, Measure m)
    {
        var value = Number(row, m.Name);
        return value is { } v && m.Unit is { } unit && CountUnits.Contains(unit) && m.Words.EndsWith(unit, StringComparison.Ordinal)
            ? PlainNumbers.Number(v, Math.Abs(v) >= 10 ? 1 : 2)
            : PlainNumbers.Value(value, m.Unit);
    }

    private static int Ties(IReadOnlyList<JsonObject> ordered, Measure primary)
    {
        var top = Number(ordered[0], primary.Name);
        return ordered.TakeWhile(r => Number(r, primary.Name) == top).Count();
    }

    private static string Superlative(Measure m, bool highest) => CountUnits.Contains(m.Unit ?? "") && !m.IsAverage
        ? highest ? "most" : "fewest"
        : highest ? "highest" : "lowest";

    private static string Who(JsonObject row, IReadOnlyList<string> dimensions) => dimensions.Count == 1
        ? Label(row, dimensions[0])
        : string.Join(", ", dimensions.Select(d => $"{SpecDescriber.Dimension(d)} {Label(row, d)}"));

    private static string Label(JsonObject row, string dimension) =>
        row[dimension] is JsonValue v && v.ToString() is { Length: > 0 } text ? text : "(none)";

    private static string Plural(string words) => words.EndsWith('y') ? words[..^1] + "ies" : words + "s";

    private static double? Number(JsonObject row, string column) =>
        row[column] is JsonValue v && v.TryGetValue<double>(out var d) && double.IsFinite(d) ? d : null;
}
