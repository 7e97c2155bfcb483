using FluentValidation;
using FluentValidation.Results;
using SpiralAnalytics.Core.Analytics;
using SpiralAnalytics.Core.Catalog;

namespace SpiralAnalytics.Core.Specs;

/// <summary>
/// Every rule of ANALYTICS-SPEC.md, against the catalog the spec will run with (deprecated metrics are accepted when named;
/// the builder warns) and the tenant's dimension members. Each failure carries a <see cref="SpecError"/>.
/// </summary>
public sealed class SpecValidator : AbstractValidator<AnalyticsSpec>
{
    private readonly MetricCatalog _catalog;
    private readonly DimensionValues _values;

    public SpecValidator(MetricCatalog catalog, DimensionValues? values = null)
    {
        _catalog = catalog;
        _values = values ?? DimensionValues.Unchecked;
        RuleFor(s => s).Custom((spec, ctx) =>
        {
            foreach (var error in Check(spec))
            {
                ctx.AddFailure(new ValidationFailure(error.Path, error.Message, error.Value) { CustomState = error, ErrorCode = error.Rule });
            }
        });
    }

    /// <summary>Every error of the spec (empty = valid), at most <see cref="SpecLimits.MaxErrors"/> listed.</summary>
    public IReadOnlyList<SpecError> Errors(AnalyticsSpec spec) =>
        SpecLimits.Capped(Validate(spec).Errors.Select(f => (SpecError)f.CustomState).ToList());

    private IEnumerable<SpecError> Check(AnalyticsSpec spec)
    {
        // Sizes first: a spec over a cap (whoever built it: JSON, translator, model) gets only those errors, before any
        // list is walked or any name compared with the catalog.
        var caps = Caps(spec).ToList();
        if (caps.Count > 0)
        {
            foreach (var error in caps)
            {
                yield return error;
            }

            yield break;
        }

        var metrics = new List<MetricDefinition>();
        foreach (var error in Metrics(spec, metrics))
        {
            yield return error;
        }

        var allowed = metrics.Count == 0
            ? Dimensions.All.ToList()
            : Dimensions.All.Where(d => metrics.All(m => m.Dimensions.Contains(d))).ToList();
        foreach (var error in GroupBy(spec, metrics, allowed).Concat(Filters(spec, metrics, allowed)).Concat(Time(spec.Time))
                     .Concat(Compare(spec, metrics)).Concat(Having(spec)).Concat(Sort(spec)).Concat(Limit(spec)).Concat(Analysis(spec, metrics, _catalog)))
        {
            yield return error;
        }
    }

    private static IEnumerable<SpecError> Caps(AnalyticsSpec spec)
    {
        static SpecError? Count<T>(IReadOnlyList<T> list, string path, int max, string rule) =>
            list.Count > max
                ? new SpecError(path, list.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    $"holds {list.Count} items; at most {max} are allowed") { Rule = rule }
                : null;

        static SpecError? Text(string? text, string path, int max = SpecLimits.MaxNameLength) =>
            text is not null && SpecText.Problem(text, max) is { } problem ? new SpecError(path, SpecLimits.Quote(text), problem) { Rule = "text" } : null;

        var errors = new List<SpecError?>
        {
            Count(spec.Metrics, "metrics", SpecLimits.MaxMetrics, "metrics_count"),
            Count(spec.GroupBy, "group_by", SpecLimits.MaxGroupBy, "group_by_count"),
            Count(spec.Filters, "filters", SpecLimits.MaxFilters, "filters_count"),
            Count(spec.Having, "having", SpecLimits.MaxHaving, "having_count"),
            Count(spec.Sort, "sort", SpecLimits.MaxSort, "sort_count"),
        };
        if (errors.Any(e => e is not null))
        {
            return errors.OfType<SpecError>();
        }

        errors.AddRange(spec.Metrics.Select((m, i) => Text(m, $"metrics[{i}]")));
        errors.AddRange(spec.GroupBy.Select((d, i) => Text(d, $"group_by[{i}]")));
        for (var i = 0; i < spec.Filters.Count; i++)
        {
            var filter = spec.Filters[i];
            errors.Add(Text(filter.Dimension, $"filters[{i}].dimension"));
            errors.Add(Text(filter.Op, $"filters[{i}].op"));
            errors.Add(Count(filter.Values, $"filters[{i}].values", SpecLimits.MaxFilterValues, "filter_values_count"));
            if (filter.Values.Count <= SpecLimits.MaxFilterValues)
            {
                errors.AddRange(filter.Values.Select((v, j) => Text(v, $"filters[{i}].values[{j}]", SpecLimits.MaxValueLength)));
            }
        }

        for (var i = 0; i < spec.Having.Count; i++)
        {
            errors.Add(Text(spec.Having[i].Metric, $"having[{i}].metric"));
            errors.Add(Text(spec.Having[i].Op, $"having[{i}].op"));
            if (!double.IsFinite(spec.Having[i].Value))
            {
                errors.Add(new SpecError($"having[{i}].value", spec.Having[i].Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "must be a finite number") { Rule = "having_value" });
            }
        }

        for (var i = 0; i < spec.Sort.Count; i++)
        {
            errors.Add(Text(spec.Sort[i].By, $"sort[{i}].by"));
            errors.Add(Text(spec.Sort[i].Dir, $"sort[{i}].dir"));
        }

        switch (spec.Time)
        {
            case PeriodTime t:
                errors.Add(Text(t.Unit, "time.unit"));
                break;
            case RollingTime t:
                errors.Add(Text(t.Unit, "time.unit"));
                break;
            case BetweenTime t:
                errors.Add(Text(t.From, "time.from"));
                errors.Add(Text(t.To, "time.to"));
                break;
        }

        errors.Add(Text(spec.Compare?.Type, "compare.type"));
        errors.Add(Text(spec.Analysis, "analysis"));
        return errors.OfType<SpecError>();
    }

    /// <summary>
    /// An analysis explains sprints: its metrics are sprint-grain (diagnose names the composite whose components it explains),
    /// it filters on team only, and it has no grouping, thresholds, sort or limit of its own.
    /// </summary>
    private static IEnumerable<SpecError> Analysis(AnalyticsSpec spec, List<MetricDefinition> metrics, MetricCatalog catalog)
    {
        if (spec.Analysis is not { } analysis)
        {
            yield break;
        }

        if (!AnalysisForms.All.Contains(analysis))
        {
            yield return Unknown("analysis", analysis, "an analysis", AnalysisForms.All, "analysis_unknown");
            yield break;
        }

        foreach (var (metric, i) in metrics.Select((m, i) => (m, i)))
        {
            if (analysis == AnalysisForms.Diagnose && metric.Type != MetricTypes.Composite)
            {
                yield return new SpecError($"metrics[{i}]", metric.Name,
                    $"diagnose explains a composite score through its components; '{metric.Name}' is not a composite") { Rule = "analysis_metric" };
            }
            else if (metric.Grain != MetricGrains.Sprint)
            {
                yield return new SpecError($"metrics[{i}]", metric.Name,
                    $"{analysis} reads per-sprint values against the team's baseline; '{metric.Name}' is not a sprint-grain metric") { Rule = "analysis_metric" };
            }
            else if ((metric.Type == MetricTypes.Composite ? (metric.Components ?? []).Select(c => c.Metric) : [metric.Name])
                     .FirstOrDefault(n => catalog.Find(n) is not { } m || !ZScoreSql.CanScore(m)) is { } unscored)
            {
                yield return new SpecError($"metrics[{i}]", metric.Name,
                    $"{analysis} compares sprints with the team's baseline through z-scores; '{unscored}' has none",
                    ZScoreSql.Scored(catalog), []) { Rule = "analysis_metric" };
            }
        }

        if (analysis == AnalysisForms.Diagnose && spec.Time is null)
        {
            yield return new SpecError("time", null, "diagnose needs the sprints to explain: e.g. {\"type\": \"last_sprints\", \"n\": 1}") { Rule = "analysis_time" };
        }

        if (spec.Time is AllTime && analysis == AnalysisForms.Diagnose)
        {
            yield return new SpecError("time", "all", "diagnose explains chosen sprints: choose a window (e.g. the last sprint)") { Rule = "analysis_time" };
        }

        for (var i = 0; i < spec.Filters.Count; i++)
        {
            if (!AnalysisForms.FilterDimensions.Contains(spec.Filters[i].Dimension))
            {
                yield return new SpecError($"filters[{i}].dimension", spec.Filters[i].Dimension,
                    $"{analysis} filters by team only", AnalysisForms.FilterDimensions, []) { Rule = "analysis_filter" };
            }
        }

        foreach (var (field, present) in new[] { ("group_by", spec.GroupBy.Count > 0), ("having", spec.Having.Count > 0), ("sort", spec.Sort.Count > 0), ("limit", spec.Limit is not null) })
        {
            if (present)
            {
                yield return new SpecError(field, null, $"{analysis} answers per team and sprint: remove '{field}'") { Rule = "analysis_shape" };
            }
        }

        if (analysis == AnalysisForms.Anomalies && spec.Compare is not null)
        {
            yield return new SpecError("compare", spec.Compare.Type, "anomalies already compare each sprint with the team's own baseline: remove 'compare'") { Rule = "analysis_shape" };
        }
    }

    private IEnumerable<SpecError> Metrics(AnalyticsSpec spec, List<MetricDefinition> found)
    {
        if (spec.Metrics.Count is 0 or > SpecLimits.MaxMetrics)
        {
            yield return new SpecError("metrics", spec.Metrics.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"must name 1 to {SpecLimits.MaxMetrics} metrics, not {spec.Metrics.Count}") { Rule = "metrics_count" };
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Metrics.Count; i++)
        {
            var reference = spec.Metrics[i];
            var name = AnalyticsSpec.MetricName(reference);
            var version = AnalyticsSpec.MetricVersion(reference);
            var metric = _catalog.Find(name);
            if (metric is null)
            {
                var suggestions = SuggestMetrics(name);
                yield return new SpecError($"metrics[{i}]", reference,
                    $"'{Show(reference)}' is not an active metric" + (suggestions.Count > 0 ? $"; did you mean '{suggestions[0]}'?" : ""),
                    _catalog.Active.Select(m => m.Name).ToList(), suggestions) { Rule = "metric_unknown" };
                continue;
            }

            if (version is not null && !SemanticVersion.TryParse(version, out _))
            {
                yield return new SpecError($"metrics[{i}]", reference,
                    $"'{Show(version)}' is not a version: pin one as {name}@MAJOR.MINOR.PATCH (current: {metric.Version})",
                    [metric.Version], [$"{name}@{metric.Version}"]) { Rule = "metric_version" };
                continue;
            }

            if (!seen.Add(name))
            {
                yield return new SpecError($"metrics[{i}]", reference, $"'{name}' is named more than once") { Rule = "metric_duplicate" };
                continue;
            }

            found.Add(metric);
        }
    }

    private List<string> SuggestMetrics(string name)
    {
        var suggestions = new List<string>();
        if (_catalog.FindByPhrase(name) is { IsActive: true } byPhrase)
        {
            suggestions.Add(byPhrase.Name);
        }

        var active = _catalog.Active.Select(m => m.Name).ToList();
        suggestions.AddRange(SpecJson.Suggest(name, active));
        var normalized = CatalogText.Normalize(name);
        var bySynonym = _catalog.Active
            .SelectMany(m => m.Synonyms.Select(s => (Metric: m.Name, Distance: CatalogText.EditDistance(normalized, CatalogText.Normalize(s)), Length: s.Length)))
            .Where(x => x.Distance <= Math.Max(2, x.Length / 4))
            .OrderBy(x => x.Distance).ThenBy(x => x.Metric, StringComparer.Ordinal)
            .Select(x => x.Metric);
        suggestions.AddRange(bySynonym);
        return suggestions.Distinct(StringComparer.Ordinal).Take(3).ToList();
    }

    private static IEnumerable<SpecError> GroupBy(AnalyticsSpec spec, List<MetricDefinition> metrics, List<string> allowed)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.GroupBy.Count; i++)
        {
            var dimension = spec.GroupBy[i];
            var path = $"group_by[{i}]";
            if (!Dimensions.All.Contains(dimension))
            {
                yield return Unknown(path, dimension, "a dimension", Dimensions.All, "group_by_unknown");
            }
            else if (metrics.FirstOrDefault(m => !m.Dimensions.Contains(dimension)) is { } metric)
            {
                yield return new SpecError(path, dimension,
                    $"'{dimension}' is not available for metric '{metric.Name}'; allowed: {string.Join(", ", allowed)}", allowed, []) { Rule = "group_by_not_allowed" };
            }
            else if (!seen.Add(dimension))
            {
                yield return new SpecError(path, dimension, $"'{dimension}' is grouped by more than once") { Rule = "group_by_duplicate" };
            }
        }
    }

    private IEnumerable<SpecError> Filters(AnalyticsSpec spec, List<MetricDefinition> metrics, List<string> allowed)
    {
        var filterable = allowed.Except(Dimensions.Calendar).ToList();
        for (var i = 0; i < spec.Filters.Count; i++)
        {
            var filter = spec.Filters[i];
            var path = $"filters[{i}]";
            if (!Dimensions.All.Contains(filter.Dimension))
            {
                yield return Unknown($"{path}.dimension", filter.Dimension, "a dimension", Dimensions.All, "filter_dimension_unknown");
                continue;
            }

            if (Dimensions.Calendar.Contains(filter.Dimension))
            {
                yield return new SpecError($"{path}.dimension", filter.Dimension,
                    $"'{filter.Dimension}' cannot be filtered: restrict the time with \"time\" instead; filterable: {string.Join(", ", filterable)}",
                    filterable, []) { Rule = "filter_not_allowed" };
                continue;
            }

            if (metrics.FirstOrDefault(m => !m.Dimensions.Contains(filter.Dimension)) is { } metric)
            {
                yield return new SpecError($"{path}.dimension", filter.Dimension,
                    $"'{filter.Dimension}' is not available for metric '{metric.Name}'; filterable: {string.Join(", ", filterable)}",
                    filterable, []) { Rule = "filter_not_allowed" };
                continue;
            }

            if (!FilterOps.All.Contains(filter.Op))
            {
                yield return Unknown($"{path}.op", filter.Op, "a filter op", FilterOps.All, "filter_op");
                continue;
            }

            if (filter.Values.Count == 0)
            {
                yield return new SpecError($"{path}.values", "[]", "must hold at least one value") { Rule = "filter_values_count" };
                continue;
            }

            if (filter.Op is FilterOps.Eq or FilterOps.Neq && filter.Values.Count != 1)
            {
                yield return new SpecError($"{path}.values", filter.Values.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    $"'{filter.Op}' takes exactly one value, not {filter.Values.Count}; use '{(filter.Op == FilterOps.Eq ? FilterOps.In : FilterOps.NotIn)}' for several",
                    [], [filter.Op == FilterOps.Eq ? FilterOps.In : FilterOps.NotIn]) { Rule = "filter_values_count" };
                continue;
            }

            if (!_values.Knows(filter.Dimension))
            {
                continue;
            }

            for (var j = 0; j < filter.Values.Count; j++)
            {
                var value = filter.Values[j];
                if (_values.Resolve(filter.Dimension, value) is null)
                {
                    var members = _values.Members(filter.Dimension);
                    var names = members.Select(m => m.Value).ToList();
                    var suggestions = members
                        .SelectMany(m => m.Aliases.Prepend(m.Value).Select(a => (m.Value, Distance: CatalogText.EditDistance(value.ToLowerInvariant(), a.ToLowerInvariant()), a.Length)))
                        .Where(x => x.Distance <= Math.Max(2, x.Length / 3))
                        .OrderBy(x => x.Distance).ThenBy(x => x.Value, StringComparer.Ordinal)
                        .Select(x => x.Value).Distinct(StringComparer.Ordinal).Take(3).ToList();
                    var known = names.Count <= 12 ? $"; known: {string.Join(", ", names)}" : $" ({names.Count} known)";
                    yield return new SpecError($"{path}.values[{j}]", value,
                        $"'{Show(value)}' is not a known {filter.Dimension.Replace('_', ' ')}" +
                        (suggestions.Count > 0 ? $"; did you mean '{suggestions[0]}'?" : known),
                        names.Count <= 100 ? names : [], suggestions) { Rule = "filter_value_unknown" };
                }
            }
        }
    }

    private static IEnumerable<SpecError> Time(TimeSpec? time)
    {
        switch (time)
        {
            case LastSprintsTime { N: < 1 or > SpecLimits.MaxSprints } t:
                yield return Range("time.n", t.N, 1, SpecLimits.MaxSprints, "time_n");
                break;
            case PeriodTime t:
                if (!PeriodTime.Units.Contains(t.Unit))
                {
                    yield return Unknown("time.unit", t.Unit, "a period unit", PeriodTime.Units, "time_unit");
                }

                if (t.Offset is > 0 or < -SpecLimits.MaxPeriodsBack)
                {
                    yield return Range("time.offset", t.Offset, -SpecLimits.MaxPeriodsBack, 0, "time_offset");
                }

                break;
            case RollingTime t:
                if (!RollingTime.Units.Contains(t.Unit))
                {
                    yield return Unknown("time.unit", t.Unit, "a rolling unit", RollingTime.Units, "time_unit");
                }

                if (t.N is < 1 or > SpecLimits.MaxRolling)
                {
                    yield return Range("time.n", t.N, 1, SpecLimits.MaxRolling, "time_n");
                }

                break;
            case BetweenTime t:
                var fromOk = SpecJson.TryParseDate(t.From, out var from);
                var toOk = SpecJson.TryParseDate(t.To, out var to);
                if (!fromOk)
                {
                    yield return new SpecError("time.from", t.From, $"'{Show(t.From)}' is not a date: use YYYY-MM-DD") { Rule = "time_date" };
                }
                else if (OutsideCalendar(from) is { } fromProblem)
                {
                    fromOk = false;
                    yield return new SpecError("time.from", t.From, fromProblem) { Rule = "time_date" };
                }

                if (!toOk)
                {
                    yield return new SpecError("time.to", t.To, $"'{Show(t.To)}' is not a date: use YYYY-MM-DD") { Rule = "time_date" };
                }
                else if (OutsideCalendar(to) is { } toProblem)
                {
                    toOk = false;
                    yield return new SpecError("time.to", t.To, toProblem) { Rule = "time_date" };
                }

                if (fromOk && toOk && from > to)
                {
                    yield return new SpecError("time.to", t.To, $"'{t.To}' is before from '{t.From}' (both dates are inclusive)") { Rule = "time_range" };
                }

                break;
        }
    }

    private static IEnumerable<SpecError> Compare(AnalyticsSpec spec, List<MetricDefinition> metrics)
    {
        if (spec.Compare is not { } compare)
        {
            yield break;
        }

        if (compare.Type != CompareSpec.PreviousPeriod)
        {
            yield return Unknown("compare.type", compare.Type, "a comparison", [CompareSpec.PreviousPeriod], "compare_type");
            yield break;
        }

        if (spec.Time is AllTime)
        {
            yield return new SpecError("compare", CompareSpec.PreviousPeriod, "there is no previous period for time 'all'; choose a window") { Rule = "compare_window" };
        }

        if (spec.GroupBy.FirstOrDefault(d => d == Dimensions.Sprint || Dimensions.Calendar.Contains(d)) is { } windowed)
        {
            yield return new SpecError("compare", CompareSpec.PreviousPeriod,
                $"cannot compare when grouping by '{windowed}': its values differ between the two windows; group by team, assignee, issue_type, priority or epic") { Rule = "compare_group" };
        }

        var snapshot = metrics.FirstOrDefault(m => m.Measures.Any(x => AnalyticsModel.FindMeasure(x)?.TimeKind == TimeKind.Snapshot));
        if (snapshot is not null && spec.Time is not (PeriodTime or RollingTime or BetweenTime))
        {
            yield return new SpecError("compare", CompareSpec.PreviousPeriod,
                $"'{snapshot.Name}' is read at a point in time: compare it over a calendar window (period, rolling or between)") { Rule = "compare_snapshot" };
        }
    }

    private static IEnumerable<SpecError> Having(AnalyticsSpec spec)
    {
        var names = spec.MetricNames.ToList();
        for (var i = 0; i < spec.Having.Count; i++)
        {
            var having = spec.Having[i];
            if (!names.Contains(having.Metric))
            {
                yield return Unknown($"having[{i}].metric", having.Metric, "a metric of this spec", names, "having_metric");
            }

            if (!HavingOps.All.Contains(having.Op))
            {
                yield return Unknown($"having[{i}].op", having.Op, "a comparison op", HavingOps.All, "having_op");
            }
        }
    }

    private static IEnumerable<SpecError> Sort(AnalyticsSpec spec)
    {
        var sortable = spec.MetricNames.Concat(spec.GroupBy).ToList();
        for (var i = 0; i < spec.Sort.Count; i++)
        {
            var sort = spec.Sort[i];
            if (!sortable.Contains(sort.By))
            {
                yield return Unknown($"sort[{i}].by", sort.By, "a metric or grouped dimension of this spec", sortable, "sort_by");
            }

            if (!SortDirections.All.Contains(sort.Dir))
            {
                yield return Unknown($"sort[{i}].dir", sort.Dir, "a direction", SortDirections.All, "sort_dir");
            }
        }
    }

    private static IEnumerable<SpecError> Limit(AnalyticsSpec spec)
    {
        if (spec.Limit is { } limit and (< 1 or > SpecLimits.MaxLimit))
        {
            yield return Range("limit", limit, 1, SpecLimits.MaxLimit, "limit");
        }
    }

    private static SpecError Unknown(string path, string value, string what, IReadOnlyList<string> allowed, string rule)
    {
        var suggestions = SpecJson.Suggest(value, allowed);
        return new SpecError(path, value,
            $"'{Show(value)}' is not {what}" + (suggestions.Count > 0 ? $"; did you mean '{suggestions[0]}'?" : "") +
            $" (allowed: {(allowed.Count == 0 ? "none" : string.Join(", ", allowed))})",
            allowed, suggestions) { Rule = rule };
    }

    private static SpecError Range(string path, int value, int min, int max, string rule)
    {
        var text = value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new SpecError(path, text, $"{text} is out of range: allowed {min} to {max}") { Rule = rule };
    }

    private static string? OutsideCalendar(DateOnly date) =>
        date < SpecLimits.MinDate || date > SpecLimits.MaxDate
            ? $"'{date:yyyy-MM-dd}' is outside the dates a window may use ({SpecLimits.MinDate:yyyy-MM-dd} to {SpecLimits.MaxDate:yyyy-MM-dd})"
            : null;

    /// <summary>Values echo back in messages, shortened so a hostile string cannot flood a log line.</summary>
    private static string Show(string value) => SpecLimits.Quote(value);
}
