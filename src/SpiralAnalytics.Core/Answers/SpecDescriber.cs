using System.Globalization;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Answers;

/// <summary>
/// A spec in plain words, from the catalog's display names, deterministic (no model): "completed story points per
/// assignee, team Aurora, Oct–Dec 2015". Shown as "I read this as: …" above an answer so a wrong reading is visible at a
/// glance. Calendar windows are resolved against <c>as_of</c> into the dates they cover.
/// </summary>
public static class SpecDescriber
{
    public static string Describe(AnalyticsSpec spec, MetricCatalog catalog, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(catalog);
        var parts = new List<string>();
        var metrics = PlainNumbers.List(spec.Metrics.Select(m => MetricWords(m, catalog)).ToList());
        metrics = spec.Analysis switch
        {
            AnalysisForms.Diagnose => $"what drove {metrics} (a diagnosis)",
            AnalysisForms.Anomalies => $"sprints whose {metrics} {(spec.Metrics.Count == 1 ? "stands" : "stand")} out (anomalies)",
            _ => metrics,
        };
        parts.Add(spec.GroupBy.Count == 0 ? metrics : $"{metrics} per {PlainNumbers.List(spec.GroupBy.Select(Dimension).ToList())}");
        parts.AddRange(spec.Filters.Select(Filter));
        parts.Add(Time(spec.Time, asOf));
        if (spec.Compare is not null)
        {
            parts.Add("compared with the period before");
        }

        parts.AddRange(spec.Having.Select(h => Having(h, catalog)));
        if (Ordering(spec, catalog) is { } ordering)
        {
            parts.Add(ordering);
        }

        return string.Join(", ", parts.Where(p => p.Length > 0));
    }

    /// <summary>A dimension's name in words: <c>issue_type</c> → "issue type".</summary>
    public static string Dimension(string name) => name.Replace('_', ' ');

    /// <summary>The time form in words; calendar forms with the dates they cover at <paramref name="asOf"/>.</summary>
    public static string Time(TimeSpec? time, DateTimeOffset asOf)
    {
        asOf = asOf.ToUniversalTime();
        switch (time)
        {
            case null:
                return $"each team's last {SpecLimits.DefaultSprints} closed sprints (the default window)";
            case LastSprintsTime { N: 1 }:
                return "each team's last closed sprint";
            case LastSprintsTime t:
                return $"each team's last {t.N} closed sprints";
            case CurrentSprintTime:
                return "each team's current sprint";
            case PeriodTime t:
            {
                var start = TimeResolver.Shift(TimeResolver.StartOf(t.Unit, asOf), t.Unit, t.Offset);
                var end = TimeResolver.Shift(start, t.Unit, 1);
                var label = t.Offset switch
                {
                    0 => $"this {t.Unit}",
                    -1 => $"last {t.Unit}",
                    < 0 => $"{-t.Offset} {t.Unit}s ago",
                    _ => $"{t.Offset} {t.Unit}s ahead",
                };
                return $"{label} ({Range(start, end)})";
            }

            case RollingTime t:
                return $"the past {(t.N == 1 ? t.Unit : $"{t.N} {t.Unit}s")} (to {Day(asOf)})";
            case BetweenTime t:
                return Range(Date(t.From), Date(t.To).AddDays(1));
            case AllTime:
                return "all time";
            default:
                return time.Type;
        }
    }

    /// <summary>A half-open [from, to) span as people say it: "2015", "Oct–Dec 2015", "March 2016", "7–13 Mar 2016", "3 Jan 2016".</summary>
    public static string Range(DateTimeOffset from, DateTimeOffset to)
    {
        var first = from.UtcDateTime.Date;
        var last = to.UtcDateTime.Date.AddDays(-1);
        if (last < first)
        {
            return Day(from);
        }

        var wholeMonths = first.Day == 1 && last.AddDays(1).Day == 1;
        if (wholeMonths)
        {
            if (first.Month == 1 && last.Month == 12 && first.Year == last.Year)
            {
                return first.Year.ToString(CultureInfo.InvariantCulture);
            }

            if (first.Year == last.Year && first.Month == last.Month)
            {
                return first.ToString("MMMM yyyy", CultureInfo.InvariantCulture);
            }

            return first.Year == last.Year
                ? $"{first.ToString("MMM", CultureInfo.InvariantCulture)}–{last.ToString("MMM yyyy", CultureInfo.InvariantCulture)}"
                : $"{first.ToString("MMM yyyy", CultureInfo.InvariantCulture)}–{last.ToString("MMM yyyy", CultureInfo.InvariantCulture)}";
        }

        if (first == last)
        {
            return Day(first);
        }

        if (first.Year == last.Year && first.Month == last.Month)
        {
            return $"{first.Day.ToString(CultureInfo.InvariantCulture)}–{last.ToString("d MMM yyyy", CultureInfo.InvariantCulture)}";
        }

        return first.Year == last.Year
            ? $"{first.ToString("d MMM", CultureInfo.InvariantCulture)}–{last.ToString("d MMM yyyy", CultureInfo.InvariantCulture)}"
            : $"{Day(first)}–{Day(last)}";
    }

    private static string MetricWords(string reference, MetricCatalog catalog)
    {
        var name = AnalyticsSpec.MetricName(reference);
        var words = PlainNumbers.Name(catalog.Find(name), name);
        return AnalyticsSpec.MetricVersion(reference) is { } version ? $"{words} (version {version})" : words;
    }

    private static string Filter(SpecFilter filter)
    {
        var values = PlainNumbers.List(filter.Values, "or");
        var dimension = Dimension(filter.Dimension);
        return FilterOps.IsNegative(filter.Op) ? $"excluding {dimension} {values}" : $"{dimension} {values}";
    }

    private static string Having(HavingClause having, MetricCatalog catalog)
    {
        var metric = catalog.Find(having.Metric);
        var op = having.Op switch
        {
            "gt" => "above",
            "gte" => "at least",
            "lt" => "below",
            "lte" => "at most",
            _ => "exactly",
        };
        return $"only where {PlainNumbers.Name(metric, having.Metric)} is {op} {PlainNumbers.Value(having.Value, metric?.Unit)}";
    }

    private static string? Ordering(AnalyticsSpec spec, MetricCatalog catalog)
    {
        if (spec.Sort.Count == 0)
        {
            return spec.Limit is { } n ? $"first {n.ToString(CultureInfo.InvariantCulture)} rows" : null;
        }

        var sort = spec.Sort[0];
        var metric = catalog.Find(sort.By);
        var isMetric = spec.MetricNames.Contains(sort.By, StringComparer.Ordinal);
        var by = isMetric ? PlainNumbers.Name(metric, sort.By) : Dimension(sort.By);
        var desc = sort.Dir == SortDirections.Desc;
        if (spec.Limit is { } limit)
        {
            return isMetric
                ? $"{(desc ? "top" : "bottom")} {limit.ToString(CultureInfo.InvariantCulture)} by {by}"
                : $"first {limit.ToString(CultureInfo.InvariantCulture)} by {by}{(desc ? ", descending" : "")}";
        }

        return isMetric ? $"{(desc ? "highest" : "lowest")} {by} first" : $"ordered by {by}{(desc ? ", descending" : "")}";
    }

    private static DateTimeOffset Date(string iso) =>
        new(DateOnly.ParseExact(iso, "yyyy-MM-dd", CultureInfo.InvariantCulture).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc));

    private static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("d MMM yyyy", CultureInfo.InvariantCulture);

    private static string Day(DateTime at) => at.ToString("d MMM yyyy", CultureInfo.InvariantCulture);
}
