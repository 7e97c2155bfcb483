using System.Globalization;
using System.Text.RegularExpressions;

namespace SpiralAnalytics.Core.Specs;

/// <summary>One repair: what it does to the spec, said in a note.</summary>
public sealed record SpecRepair(AnalyticsSpec Spec, string Note);

/// <summary>
/// Each <see cref="SpecValidator"/> rule code (<see cref="SpecError.Rule"/>) mapped to one repair with its note: the part
/// the error names is given up (a metric, grouping, filter, threshold or sort entry; the time window for the default; the
/// comparison; the analysis form's extra fields). The validator stays the only rulebook of what a spec may contain; the
/// offline translator's relaxation applies these, and the LLM repair round says <see cref="Hint"/> with each error.
/// </summary>
public static partial class SpecRepairs
{
    private static readonly Dictionary<string, Func<AnalyticsSpec, SpecError, SpecRepair?>> ByRule = new(StringComparer.Ordinal)
    {
        ["metric_unknown"] = DropMetric,
        ["metric_version"] = (s, e) => Index(e) is { } i ? new SpecRepair(s with { Metrics = s.Metrics.Select((m, k) => k == i ? m.Split('@')[0] : m).ToList() }, $"{s.Metrics[i]}: the current version used") : null,
        ["metric_duplicate"] = (s, _) => new SpecRepair(s with { Metrics = s.Metrics.Distinct(StringComparer.Ordinal).ToList() }, "a metric named twice is used once"),
        ["metrics_count"] = (s, _) => s.Metrics.Count > SpecLimits.MaxMetrics
            ? new SpecRepair(s with { Metrics = s.Metrics.Take(SpecLimits.MaxMetrics).ToList() }, $"only the first {SpecLimits.MaxMetrics} metrics kept")
            : null,
        ["group_by_unknown"] = DropGroup,
        ["group_by_not_allowed"] = DropGroup,
        ["group_by_duplicate"] = (s, _) => new SpecRepair(s with { GroupBy = s.GroupBy.Distinct(StringComparer.Ordinal).ToList() }, "a grouping named twice is used once"),
        ["filter_dimension_unknown"] = DropFilter,
        ["filter_not_allowed"] = DropFilter,
        ["filter_value_unknown"] = DropFilter,
        ["filter_values_count"] = DropFilter,
        ["filter_op"] = DropFilter,
        ["time_n"] = DropTime,
        ["time_offset"] = DropTime,
        ["time_unit"] = DropTime,
        ["time_date"] = DropTime,
        ["time_range"] = DropTime,
        ["compare_type"] = DropCompare,
        ["compare_group"] = DropCompare,
        ["compare_snapshot"] = DropCompare,
        ["compare_window"] = DropCompare,
        ["having_metric"] = DropHaving,
        ["having_op"] = DropHaving,
        ["sort_by"] = DropSort,
        ["sort_dir"] = DropSort,
        ["limit"] = (s, _) => new SpecRepair(s with { Limit = null }, "limit left out"),
        ["analysis_unknown"] = (s, _) => new SpecRepair(s with { Analysis = null }, "analysis left out: an ordinary answer"),
        ["analysis_metric"] = (s, _) => new SpecRepair(s with { Analysis = null }, "analysis left out: its metrics are not sprint metrics"),
        ["analysis_time"] = (s, _) => new SpecRepair(s with { Time = new LastSprintsTime(1) }, "the last sprint is explained"),
        ["analysis_filter"] = DropFilter,
        ["analysis_shape"] = (s, e) => e.Path switch
        {
            "group_by" => new SpecRepair(s with { GroupBy = [] }, "grouping left out: the analysis answers per team and sprint"),
            "having" => new SpecRepair(s with { Having = [] }, "thresholds left out: the analysis answers per team and sprint"),
            "sort" => new SpecRepair(s with { Sort = [] }, "order left out: the analysis answers per team and sprint"),
            "limit" => new SpecRepair(s with { Limit = null }, "limit left out: the analysis answers per team and sprint"),
            "compare" => new SpecRepair(s with { Compare = null }, "comparison left out: anomalies compare with each team's baseline"),
            _ => null,
        },
    };

    /// <summary>The rule codes that have a repair (every code the validator emits; a test checks).</summary>
    public static IReadOnlyCollection<string> Rules => ByRule.Keys;

    /// <summary>The repair of <paramref name="error"/>, or null when giving up its part would leave nothing to answer.</summary>
    public static SpecRepair? Repair(AnalyticsSpec spec, SpecError error) =>
        ByRule.TryGetValue(error.Rule, out var repair) ? repair(spec, error) : null;

    /// <summary>What the repair of a rule does, in words (for the LLM repair round).</summary>
    public static string Hint(SpecError error) => error.Rule switch
    {
        var r when r.StartsWith("metric", StringComparison.Ordinal) => "use an active catalog metric name from the list",
        var r when r.StartsWith("group_by", StringComparison.Ordinal) => "group only by dimensions every metric allows, or not at all",
        var r when r.StartsWith("filter", StringComparison.Ordinal) => "filter only on allowed dimensions with values from the tenant's list, or leave the filter out",
        var r when r.StartsWith("time", StringComparison.Ordinal) => "use one of the documented time forms, or leave time out",
        var r when r.StartsWith("compare", StringComparison.Ordinal) => "leave compare out",
        var r when r.StartsWith("having", StringComparison.Ordinal) => "threshold only a metric of the spec, or leave it out",
        var r when r.StartsWith("sort", StringComparison.Ordinal) => "sort by a metric or grouped dimension of the spec, or leave sort out",
        var r when r.StartsWith("analysis", StringComparison.Ordinal) => "an analysis takes sprint_problematic_score (or sprint metrics), team filters and a window only",
        _ => "change or remove the field named",
    };

    /// <summary>Applies the first error's repair until the spec validates (at most <paramref name="rounds"/>); null if one has none.</summary>
    public static (AnalyticsSpec Spec, List<string> Notes)? RepairAll(AnalyticsSpec spec, SpecValidator validator, int rounds = 12)
    {
        var notes = new List<string>();
        for (var i = 0; i < rounds; i++)
        {
            var errors = validator.Errors(spec);
            if (errors.Count == 0)
            {
                return (spec, notes);
            }

            if (Repair(spec, errors[0]) is not { } repair)
            {
                return null;
            }

            spec = repair.Spec;
            notes.Add(repair.Note);
        }

        return validator.Errors(spec).Count == 0 ? (spec, notes) : null;
    }

    private static int? Index(SpecError error) =>
        PathIndex().Match(error.Path) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    private static SpecRepair? DropMetric(AnalyticsSpec s, SpecError e)
    {
        if (Index(e) is not { } i || i >= s.Metrics.Count || s.Metrics.Count < 2)
        {
            return null;
        }

        var name = s.Metrics[i];
        return new SpecRepair(s with
        {
            Metrics = s.Metrics.Where((_, k) => k != i).ToList(),
            Having = s.Having.Where(h => h.Metric != name).ToList(),
            Sort = s.Sort.Where(o => o.By != name).ToList(),
        }, $"metric {name} left out");
    }

    private static SpecRepair? DropGroup(AnalyticsSpec s, SpecError e) =>
        Index(e) is { } i && i < s.GroupBy.Count
            ? new SpecRepair(s with { GroupBy = s.GroupBy.Where((_, k) => k != i).ToList(), Sort = s.Sort.Where(o => o.By != s.GroupBy[i]).ToList() }, $"not grouped by {s.GroupBy[i].Replace('_', ' ')}")
            : new SpecRepair(s with { GroupBy = [] }, "grouping left out");

    private static SpecRepair? DropFilter(AnalyticsSpec s, SpecError e) =>
        Index(e) is { } i && i < s.Filters.Count
            ? new SpecRepair(s with { Filters = s.Filters.Where((_, k) => k != i).ToList() }, $"filter on {s.Filters[i].Dimension.Replace('_', ' ')} left out")
            : new SpecRepair(s with { Filters = [] }, "filters left out");

    private static SpecRepair DropTime(AnalyticsSpec s, SpecError e) =>
        new(s with { Time = s.Analysis == AnalysisForms.Diagnose ? new LastSprintsTime(1) : null, Compare = null }, "time window left out: the default applies");

    private static SpecRepair DropCompare(AnalyticsSpec s, SpecError e) => new(s with { Compare = null }, "comparison left out");

    private static SpecRepair DropHaving(AnalyticsSpec s, SpecError e) =>
        Index(e) is { } i && i < s.Having.Count
            ? new SpecRepair(s with { Having = s.Having.Where((_, k) => k != i).ToList() }, "a threshold left out")
            : new SpecRepair(s with { Having = [] }, "thresholds left out");

    private static SpecRepair DropSort(AnalyticsSpec s, SpecError e) =>
        Index(e) is { } i && i < s.Sort.Count
            ? new SpecRepair(s with { Sort = s.Sort.Where((_, k) => k != i).ToList(), Limit = s.Sort.Count == 1 ? null : s.Limit }, "an order left out")
            : new SpecRepair(s with { Sort = [], Limit = null }, "order left out");

    [GeneratedRegex(@"\[(\d+)\]", RegexOptions.CultureInvariant)]
    private static partial Regex PathIndex();
}
