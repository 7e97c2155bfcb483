using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using SpiralAnalytics.Core.Analytics;
using SpiralAnalytics.Core.Catalog;

namespace SpiralAnalytics.Core.Specs;

/// <summary>A result column: a dimension, or a metric (with unit and version); compare adds <c>m__previous</c>, <c>m__delta</c>, <c>m__change</c>.</summary>
public sealed record QueryColumn(string Name, string Kind, string? Unit = null, string? Version = null, string? Layer = null)
{
    public const string Dimension = "dimension";
    public const string Metric = "metric";

    /// <summary><c>m__z</c>: a sprint-grain row's z-score against the team's previous 6 closed sprints.</summary>
    public const string ZScore = "zscore";

    /// <summary><c>m__baseline</c>: the mean of those sprints.</summary>
    public const string Baseline = "baseline";

    /// <summary><c>m__anomaly</c>: true at |z| ≥ 2 (low-sample sprints never).</summary>
    public const string Flag = "flag";
}

/// <summary>
/// What the builder produced: SQL text whose only identifiers come from <see cref="AnalyticsModel"/> and the catalog, and whose
/// every value is a positional parameter (<c>$1</c> = <c>Parameters[0]</c>: DateTimeOffset, int, double or string[]).
/// </summary>
public sealed record BuiltQuery(string Sql, IReadOnlyList<object> Parameters, IReadOnlyList<QueryColumn> Columns, IReadOnlyList<string> Warnings)
{
    /// <summary>
    /// For a sprint-grain answer over a calendar, all-time or current-sprint window: the query for the sprints in progress where
    /// the window ends (<see cref="SprintWindowSql.InProgressSql"/>), which the answer names in its warnings.
    /// </summary>
    public SprintProbe? InProgress { get; init; }
}

/// <summary>A second, small read-only statement of an answer: its SQL, its parameters, and whether the window is the current sprint.</summary>
public sealed record SprintProbe(string Sql, IReadOnlyList<object> Parameters, bool CurrentSprint);

/// <summary>
/// Turns a validated spec into one deterministic SQL statement over the tenant views (pure: no database). Shape: a window CTE
/// (the sprints of a sprint window; their per-team spans for measures placed by their own time column), one CTE per
/// (view, time column) group of the spec's measures (per-sprint means and composites get their own), a result CTE that
/// computes the metrics from them (ratio of sums, percentiles over issue values, mean of per-sprint values, weighted z-scores),
/// then having, compare (the same for the previous window, joined on the group keys), order and limit.
/// </summary>
public static partial class QueryBuilder
{
    private const string Indent = "    ";

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex Identifier();

    public static BuiltQuery Build(AnalyticsSpec spec, MetricCatalog catalog, ResolvedTime time)
    {
        var built = spec.Analysis switch
        {
            AnalysisForms.Diagnose => Diagnosis.DiagnosisQuery.Build(spec, catalog, time),
            AnalysisForms.Anomalies => Diagnosis.AnomalyQuery.Build(spec, catalog, time),
            _ => BuildMetrics(spec, catalog, time),
        };

        // Sprint-grain values count closed sprints only: a window that ends inside a sprint says which (a current-sprint answer is
        // that sprint, in progress).
        var sprintGrain = spec.Analysis is not null || spec.MetricNames.Any(n => catalog.Get(n).Grain == MetricGrains.Sprint);
        var p = new SqlParameters();
        return sprintGrain && SprintWindowSql.InProgressSql(time.Current, time.AsOf, spec.Filters, p) is { } probe
            ? built with { InProgress = new SprintProbe(probe, p.Values, time.Current is ActiveSprintWindow) }
            : built;
    }

    /// <summary>
    /// The value of each metric for each sprint of <paramref name="sprints"/> (a CTE with <c>sprint_key, team_key, sprint_start_at,
    /// sprint_close_at</c>), computed from the metrics' catalog definitions by the same plan and group rendering as an answer grouped
    /// by sprint: sprint rows by key, issue and transition rows placed in each sprint's (start, close] of its team. CTEs ending in
    /// <c>{name} (sprint_key, m, …)</c>; the z-scores (<see cref="ZScoreSql"/>) are computed over these values.
    /// </summary>
    internal static IReadOnlyList<string> SprintValueCtes(string name, IReadOnlyList<MetricDefinition> metrics, string sprints, MetricCatalog catalog,
        SqlParameters p)
    {
        foreach (var metric in metrics)
        {
            Ident(metric.Name);
        }

        var plan = Groups(metrics.ToList(), catalog);
        var keys = new List<Key> { new("sprint_key", Dimensions.Sprint, true) };
        var ctes = new List<string>();
        RenderGroups(ctes, $"{name}_", sprints, plan, keys, new AllTimeWindow(), default, default, [], catalog, p, series: sprints);
        ctes.Add(Result(name, $"{name}_", plan, keys, metrics.ToList()));
        return ctes;
    }

    private static BuiltQuery BuildMetrics(AnalyticsSpec spec, MetricCatalog catalog, ResolvedTime time)
    {
        var metrics = spec.MetricNames.Select(catalog.Get).ToList();
        foreach (var name in metrics.Select(m => m.Name))
        {
            Ident(name);
        }

        var p = new SqlParameters();
        var keys = GroupKeys(spec.GroupBy);
        var groups = Groups(metrics, catalog);
        var ctes = new List<string>();
        var compare = spec.Compare is not null && time.Previous is not null;

        RenderWindow(ctes, "cur", time.Current, time.AsOf, groups, p);
        var filters = spec.Filters;
        RenderGroups(ctes, "c", "cur", groups, keys, time.Current, time.AsOf, time.AsOf, filters, catalog, p);
        ctes.Add(Result("cur", "c", groups, keys, metrics));
        if (compare)
        {
            RenderWindow(ctes, "prev", time.Previous!, time.AsOf, groups, p);
            RenderGroups(ctes, "p", "prev", groups, keys, time.Previous!, SnapshotPointOfPrevious(time), time.AsOf, filters, catalog, p);
            ctes.Add(Result("prev", "p", groups, keys, metrics));
        }

        var source = "cur";
        if (SeriesBuckets(spec, keys, metrics, groups, time, p) is { } buckets)
        {
            ctes.AddRange(buckets);
            source = "cur_all";
        }

        var flagged = FlaggedMetrics(spec, keys, metrics, time);
        if (flagged.Count > 0)
        {
            ctes.AddRange(FlagCtes(spec, keys, flagged, catalog, p));
        }

        var sql = new StringBuilder("WITH ");
        sql.Append(string.Join(",\n", ctes)).Append('\n');
        var columns = new List<QueryColumn>();
        var select = new List<string>();
        foreach (var key in keys.Where(k => k.Output))
        {
            select.Add($"r.{key.Name}");
            columns.Add(new QueryColumn(key.Name, QueryColumn.Dimension));
        }

        foreach (var metric in metrics)
        {
            var m = metric.Name;
            select.Add($"r.{m}");
            columns.Add(new QueryColumn(m, QueryColumn.Metric, metric.Unit, metric.Version, metric.Layer));
            if (compare)
            {
                select.Add($"p.{m} AS {m}__previous");
                select.Add($"r.{m} - p.{m} AS {m}__delta");
                select.Add($"(r.{m} - p.{m})::numeric / nullif(abs(p.{m}), 0) AS {m}__change");
                columns.Add(new QueryColumn($"{m}__previous", QueryColumn.Metric, metric.Unit, metric.Version, metric.Layer));
                columns.Add(new QueryColumn($"{m}__delta", QueryColumn.Metric, metric.Unit, metric.Version, metric.Layer));
                columns.Add(new QueryColumn($"{m}__change", QueryColumn.Metric, "ratio", metric.Version, metric.Layer));
            }
        }

        foreach (var metric in flagged)
        {
            var m = metric.Name;
            select.Add($"f.{m}__z");
            select.Add($"f.{m}__baseline");
            select.Add($"coalesce(abs(f.{m}__z) >= {p.Add(Diagnosis.AnalysisSql.AnomalyZ, "anomaly_z")}, false) AS {m}__anomaly");
            columns.Add(new QueryColumn($"{m}__z", QueryColumn.ZScore, "sigma", metric.Version, metric.Layer));
            columns.Add(new QueryColumn($"{m}__baseline", QueryColumn.Baseline, metric.Unit, metric.Version, metric.Layer));
            columns.Add(new QueryColumn($"{m}__anomaly", QueryColumn.Flag, null, metric.Version, metric.Layer));
        }

        sql.Append("SELECT ").Append(string.Join(", ", select)).Append('\n');
        sql.Append($"FROM {source} r");
        if (flagged.Count > 0)
        {
            var on = keys.Any(k => k.Name == "sprint_key") ? "f.sprint_key = r.sprint_key"
                : keys.Any(k => k.Name == Dimensions.Team) ? "f.team IS NOT DISTINCT FROM r.team"
                : "true";
            sql.Append($"\nLEFT JOIN cur_flags f ON {on}");
        }
        if (compare)
        {
            sql.Append(keys.Count == 0
                ? "\nCROSS JOIN prev p"
                : "\nLEFT JOIN prev p ON " + string.Join(" AND ", keys.Select(k => KeyMatch("p", "r", k))));
        }

        if (spec.Having.Count > 0)
        {
            sql.Append("\nWHERE ").Append(string.Join(" AND ",
                spec.Having.Select(h => $"r.{Ident(h.Metric)} {HavingOps.Sql(h.Op)} {p.Add(h.Value)}")));
        }

        var order = new List<string>();
        var ordered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sort in spec.Sort)
        {
            var dir = sort.Dir == SortDirections.Desc ? " DESC" : "";
            if (metrics.Any(m => m.Name == sort.By))
            {
                order.Add($"r.{Ident(sort.By)}{dir} NULLS LAST");
            }
            else if (sort.By == Dimensions.Sprint)
            {
                order.Add($"r.sprint_close_at{dir}");
                order.Add($"r.sprint_key{dir}");
                ordered.Add("sprint_close_at");
                ordered.Add("sprint_key");
            }
            else
            {
                order.Add($"r.{Ident(sort.By)}{dir}");
            }

            ordered.Add(sort.By);
        }

        foreach (var key in keys.OrderBy(k => k.Name == "sprint_close_at" ? 0 : k.Name == "sprint_key" ? 1 : 2))
        {
            if (ordered.Add(key.Name) && key.Name != Dimensions.Sprint)
            {
                order.Add($"r.{key.Name}");
            }
        }

        if (order.Count > 0)
        {
            sql.Append("\nORDER BY ").Append(string.Join(", ", order));
        }

        if (spec.Limit is { } limit)
        {
            sql.Append("\nLIMIT ").Append(p.Add(limit));
        }

        var warnings = new List<string>();
        if (time.Warning is not null)
        {
            warnings.Add(time.Warning);
        }

        foreach (var metric in metrics.Where(m => !m.IsActive))
        {
            warnings.Add($"metric '{metric.Name}' is deprecated; use '{metric.ReplacedBy}' instead" +
                         (metric.DeprecationReason is null ? "" : $" ({metric.DeprecationReason})"));
        }

        return new BuiltQuery(sql.ToString(), p.Values, columns, warnings);
    }

    // ---- anomaly flags ------------------------------------------------------------------------------------------

    /// <summary>
    /// The z-scored metrics whose rows are sprint-grain: grouped by sprint (and at most team), or one sprint per team (the last
    /// sprint or the current one) grouped by team or narrowed to one team — with no filter that slices a sprint (assignee, type…).
    /// </summary>
    private static List<MetricDefinition> FlaggedMetrics(AnalyticsSpec spec, List<Key> keys, List<MetricDefinition> metrics, ResolvedTime time)
    {
        if (spec.Filters.Any(f => f.Dimension is not (Dimensions.Team or Dimensions.Sprint))
            || spec.GroupBy.Any(g => g is not (Dimensions.Team or Dimensions.Sprint)))
        {
            return [];
        }

        var bySprint = keys.Any(k => k.Name == "sprint_key");
        var oneSprintPerTeam = time.Current is SprintRankWindow { Skip: 0, Take: 1 } or ActiveSprintWindow;
        var oneTeam = spec.GroupBy.Contains(Dimensions.Team)
                      || spec.Filters.Any(f => f.Dimension == Dimensions.Team && !FilterOps.IsNegative(f.Op) && f.Values.Count == 1);
        if (!bySprint && !(oneSprintPerTeam && oneTeam))
        {
            return [];
        }

        // z-scores are computed from each metric's own definition (ZScoreSql), so a tenant's own version is flagged against itself.
        return metrics.Where(m => m.Grain == MetricGrains.Sprint && ZScoreSql.CanScore(m)).ToList();
    }

    /// <summary>
    /// <c>cur_z</c> (<see cref="ZScoreSql"/>) for the sprints of the answer, and <c>cur_flags</c>: per such sprint (not low-sample),
    /// each flagged metric's z and baseline.
    /// </summary>
    private static IEnumerable<string> FlagCtes(AnalyticsSpec spec, List<Key> keys, List<MetricDefinition> flagged, MetricCatalog catalog, SqlParameters p)
    {
        string targets;
        if (keys.Any(k => k.Name == "sprint_key"))
        {
            targets = "SELECT sprint_key FROM cur";
        }
        else
        {
            var where = new List<string> { "t.sprint_key IN (SELECT sprint_key FROM cur_sprints)" };
            for (var i = 0; i < spec.Filters.Count; i++)
            {
                var filter = spec.Filters[i];
                var column = AnalyticsModel.SprintStats.DimensionColumns[filter.Dimension];
                var values = p.Add(filter.Values.ToArray(), $"filter:{i}");
                where.Add(FilterOps.IsNegative(filter.Op) ? $"(t.{column} IS NULL OR t.{column} <> ALL({values}))" : $"t.{column} = ANY({values})");
            }

            targets = $"SELECT t.sprint_key FROM sprint_stats t WHERE {string.Join(" AND ", where)}";
        }

        foreach (var cte in ZScoreSql.Ctes("cur_z", flagged, targets, null, catalog, p))
        {
            yield return cte;
        }

        var select = new List<string> { "v.sprint_key", "v.team_name AS team" };
        foreach (var metric in flagged)
        {
            var m = Ident(metric.Name);
            select.Add($"z.{m}__z::float8 AS {m}__z");
            select.Add($"z.{m}__baseline::float8 AS {m}__baseline");
        }

        yield return $"cur_flags AS (\n    SELECT {string.Join(", ", select)}\n    FROM sprint_stats v\n    JOIN cur_z z ON z.sprint_key = v.sprint_key" +
                     $"\n    WHERE NOT v.low_sample\n      AND v.sprint_key IN ({targets})\n)";
    }

    // ---- series without holes -------------------------------------------------------------------------------------

    private static readonly Dictionary<string, (string Interval, string Format, string Parse)> CalendarBuckets = new(StringComparer.Ordinal)
    {
        [Dimensions.Week] = ("7 days", "YYYY-MM-DD", "to_date({0}, 'YYYY-MM-DD')"),
        [Dimensions.Month] = ("1 month", "YYYY-MM", "to_date({0} || '-01', 'YYYY-MM-DD')"),
        [Dimensions.Quarter] = ("3 months", "YYYY-\"Q\"Q", "make_date(left({0}, 4)::int, (right({0}, 1)::int - 1) * 3 + 1, 1)"),
    };

    /// <summary>
    /// A trend (grouped by sprint, week, month or quarter, and at most team) lists every bucket of the window: <c>cur_buckets</c>
    /// (generate_series over the calendar window up to as_of, or between the first and last bucket with data for sprint and
    /// all-time windows; the window's sprints for sprint grouping) with the buckets that have data, <c>cur_keys</c> (× each
    /// team that has data), and <c>cur_all</c>: the result left-joined onto them, so a bucket without data is null.
    /// </summary>
    private static List<string>? SeriesBuckets(AnalyticsSpec spec, List<Key> keys, List<MetricDefinition> metrics, Plan plan, ResolvedTime time, SqlParameters p)
    {
        var output = keys.Where(k => k.Output).Select(k => k.Dimension).Distinct().ToList();
        var bucket = output.Where(d => d is Dimensions.Sprint || CalendarBuckets.ContainsKey(d)).ToList();
        if (bucket.Count != 1 || output.Any(d => d != bucket[0] && d != Dimensions.Team))
        {
            return null;
        }

        var unit = bucket[0];
        var team = output.Contains(Dimensions.Team);
        var ctes = new List<string>();
        var keyNames = keys.Select(k => k.Name).ToList();
        string bucketsSql;
        if (unit == Dimensions.Sprint)
        {
            var where = new List<string>();
            switch (time.Current)
            {
                case SprintRankWindow or ActiveSprintWindow when plan.Groups.Any(g => g.TimeKind == TimeKind.Window):
                    where.Add("v.sprint_key IN (SELECT sprint_key FROM cur_sprints)");
                    break;
                case CalendarWindow calendar:
                    where.Add($"v.sprint_close_at >= {p.Add(calendar.From, "cur_from")} AND v.sprint_close_at < {p.Add(calendar.To, "cur_to")}");
                    where.Add(SprintWindowSql.ClosedBy("v.", p.Add(time.AsOf, "as_of")));
                    break;
                case AllTimeWindow:
                    where.Add(SprintWindowSql.ClosedBy("v.", p.Add(time.AsOf, "as_of")));
                    break;
                default:
                    return null;
            }

            for (var i = 0; i < spec.Filters.Count; i++)
            {
                var filter = spec.Filters[i];
                if (!AnalyticsModel.SprintStats.DimensionColumns.TryGetValue(filter.Dimension, out var column))
                {
                    continue; // a filter that slices sprints (issue type, assignee…) never removes a sprint from the series
                }

                var values = p.Add(filter.Values.ToArray(), $"filter:{i}");
                where.Add(FilterOps.IsNegative(filter.Op) ? $"(v.{column} IS NULL OR v.{column} <> ALL({values}))" : $"v.{column} = ANY({values})");
            }

            var columns = keyNames.Select(k => k switch
            {
                Dimensions.Sprint => "v.sprint_name AS sprint",
                Dimensions.Team => "v.team_name AS team",
                _ => $"v.{k}",
            });
            bucketsSql =
                $"    SELECT {string.Join(", ", columns)}\n    FROM sprint_stats v" +
                (where.Count == 0 ? "" : $"\n    WHERE {string.Join("\n      AND ", where)}") +
                $"\n    UNION\n    SELECT {string.Join(", ", keyNames)} FROM cur";
            ctes.Add($"cur_keys AS (\n{bucketsSql}\n)");
        }
        else
        {
            var (interval, format, parse) = CalendarBuckets[unit];
            string bounds;
            if (time.Current is CalendarWindow calendar)
            {
                var to = calendar.To < time.AsOf ? calendar.To : time.AsOf;
                bounds = $"SELECT date_trunc('{unit}', {p.Add(calendar.From, "cur_from")} AT TIME ZONE 'UTC') AS lo, " +
                         $"{p.Add(to, "cur_bucket_to")} AT TIME ZONE 'UTC' - interval '1 microsecond' AS hi";
            }
            else
            {
                bounds = $"SELECT {string.Format(CultureInfo.InvariantCulture, parse, $"min({unit})")}::timestamp AS lo, " +
                         $"{string.Format(CultureInfo.InvariantCulture, parse, $"max({unit})")}::timestamp AS hi FROM cur";
            }

            ctes.Add(
                $"cur_buckets AS (\n    SELECT to_char(b.t, '{format}') AS {unit}\n" +
                $"    FROM ({bounds}) w\n    CROSS JOIN LATERAL generate_series(w.lo, w.hi, interval '{interval}') b(t)\n" +
                $"    UNION\n    SELECT {unit} FROM cur\n)");
            ctes.Add(team
                ? $"cur_keys AS (\n    SELECT t.team, b.{unit} FROM cur_buckets b CROSS JOIN (SELECT DISTINCT team FROM cur) t\n    UNION\n    SELECT team, {unit} FROM cur\n)"
                : $"cur_keys AS (\n    SELECT {unit} FROM cur_buckets\n)");
        }

        var on = unit == Dimensions.Sprint
            ? "c.sprint_key = k.sprint_key"
            : string.Join(" AND ", keyNames.Select(k => $"c.{k} IS NOT DISTINCT FROM k.{k}"));
        ctes.Add($"cur_all AS (\n    SELECT {string.Join(", ", keyNames.Select(k => $"k.{k}").Concat(metrics.Select(m => $"c.{m.Name}")))}\n" +
                 $"    FROM cur_keys k\n    LEFT JOIN cur c ON {on}\n)");
        return ctes;
    }

    // ---- group keys ----------------------------------------------------------------------------------------------

    /// <summary>
    /// Two rows' values of a key match. A sprint key is never null, so it is compared with <c>=</c>, which PostgreSQL can
    /// hash or merge; other keys (an assignee, an epic) may be null and null must match null, with <c>IS NOT DISTINCT FROM</c>,
    /// which it can only nest-loop (10,000 per-sprint values joined that way took over 30 s).
    /// </summary>
    private static string KeyMatch(string left, string right, Key key) =>
        key.Name == "sprint_key" ? $"{left}.{key.Name} = {right}.{key.Name}" : $"{left}.{key.Name} IS NOT DISTINCT FROM {right}.{key.Name}";

    /// <summary>A group key column: its name in every CTE and in the result; <c>sprint_close_at</c> orders sprints but is not output.</summary>
    private sealed record Key(string Name, string Dimension, bool Output);

    private static List<Key> GroupKeys(IReadOnlyList<string> groupBy)
    {
        var keys = new List<Key>();
        foreach (var dimension in groupBy)
        {
            if (!Dimensions.All.Contains(dimension))
            {
                throw new ArgumentException($"'{dimension}' is not a dimension", nameof(groupBy));
            }

            keys.Add(new Key(dimension, dimension, true));
            if (dimension == Dimensions.Sprint)
            {
                keys.Add(new Key("sprint_key", dimension, true));
                keys.Add(new Key("sprint_close_at", dimension, false));
            }
        }

        return keys;
    }

    private static string KeyExpression(Key key, AnalyticsView view, string timeColumn)
    {
        switch (key.Name)
        {
            case "sprint_key":
            case "sprint_close_at":
                return $"v.{key.Name}";
            case Dimensions.Week:
                return $"to_char(date_trunc('week', v.{timeColumn}, 'UTC') AT TIME ZONE 'UTC', 'YYYY-MM-DD')";
            case Dimensions.Month:
                return $"to_char(date_trunc('month', v.{timeColumn}, 'UTC') AT TIME ZONE 'UTC', 'YYYY-MM')";
            case Dimensions.Quarter:
                return $"to_char(date_trunc('quarter', v.{timeColumn}, 'UTC') AT TIME ZONE 'UTC', 'YYYY-\"Q\"Q')";
            default:
                return view.DimensionColumns.TryGetValue(key.Dimension, out var column)
                    ? $"v.{column}"
                    : throw new InvalidOperationException($"view {view.Name} has no column for dimension '{key.Dimension}'");
        }
    }

    // ---- measure groups ------------------------------------------------------------------------------------------

    private enum GroupKind
    {
        Plain,
        PerSprint,
        Composite,
        Sql,
    }

    /// <summary>
    /// One aggregate of a group: its alias, and how it is computed from view <c>v</c>. A tenant metric's term (kind
    /// <c>term</c>) carries its function and row filter.
    /// </summary>
    private sealed record Aggregate(string Alias, Measure Measure, string Kind, double P = 0, string? Function = null,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? Where = null);

    private sealed class Group(AnalyticsView view, string timeColumn, TimeKind timeKind, int minAge, GroupKind kind, MetricDefinition? composite)
    {
        public AnalyticsView View { get; } = view;

        public string TimeColumn { get; } = timeColumn;

        public TimeKind TimeKind { get; } = timeKind;

        public int MinAge { get; } = minAge;

        public GroupKind Kind { get; } = kind;

        public MetricDefinition? Composite { get; } = composite;

        /// <summary>A composite's component metrics (the catalog's versions), whose z-scores it weighs.</summary>
        public IReadOnlyList<MetricDefinition> Components { get; init; } = [];

        public List<Aggregate> Aggregates { get; } = [];

        public int Index { get; set; }

        public Measure Measure0 => Aggregates[0].Measure;

        public bool Matches(Measure measure, GroupKind kind) =>
            Kind == kind && kind != GroupKind.Composite && View == measure.View && TimeColumn == measure.TimeColumn
            && TimeKind == measure.TimeKind && MinAge == measure.SnapshotMinAgeDays;

        public string AddAggregate(Measure measure, string kind, double p = 0)
        {
            var alias = kind switch
            {
                "per_sprint" => $"{measure.Name}_per_sprint",
                "percentile" => $"{measure.Name}_p{Math.Round(p * 100).ToString(CultureInfo.InvariantCulture)}",
                "mean" => $"{measure.Name}_mean",
                _ => measure.Name,
            };
            if (Aggregates.All(a => a.Alias != alias))
            {
                Aggregates.Add(new Aggregate(Ident(alias), measure, kind, p));
            }

            return alias;
        }

        /// <summary>A tenant metric's own aggregate (function, row filter); its alias is named after the metric, so it is never shared.</summary>
        public string AddTerm(string alias, Measure measure, string function, double? p, IReadOnlyDictionary<string, IReadOnlyList<string>>? where)
        {
            Aggregates.Add(new Aggregate(Ident(alias), measure, "term", p ?? 0, function, where));
            return alias;
        }
    }

    /// <summary>A metric's expression over its groups' aliases, built after the groups are numbered.</summary>
    private sealed record MetricPlan(MetricDefinition Metric, Func<string, string> Expression, IReadOnlyList<Group> Groups);

    private sealed record Plan(List<Group> Groups, List<MetricPlan> Metrics);

    private static Plan Groups(List<MetricDefinition> metrics, MetricCatalog catalog)
    {
        var groups = new List<Group>();
        var plans = new List<MetricPlan>();

        Group GroupFor(Measure measure, GroupKind kind)
        {
            var group = groups.FirstOrDefault(g => g.Matches(measure, kind));
            if (group is null)
            {
                group = new Group(measure.View, measure.TimeColumn, measure.TimeKind, measure.SnapshotMinAgeDays, kind, null);
                groups.Add(group);
            }

            return group;
        }

        foreach (var metric in metrics)
        {
            switch (metric.Type)
            {
                case MetricTypes.Composite:
                {
                    var group = new Group(AnalyticsModel.SprintStats, "sprint_close_at", TimeKind.Window, 0, GroupKind.Composite, metric)
                    {
                        Components = ZScoreSql.Expand([metric], catalog),
                    };
                    groups.Add(group);
                    plans.Add(new MetricPlan(metric, c => $"{c}{group.Index}.{metric.Name}", [group]));
                    break;
                }

                case MetricTypes.Derived when metric.Statistic == MetricStatistics.MeanPerSprint:
                {
                    var measure = MeasureOf(metric.Measure);
                    var group = GroupFor(measure, GroupKind.PerSprint);
                    var alias = group.AddAggregate(measure, "per_sprint");
                    plans.Add(new MetricPlan(metric, c => $"{c}{group.Index}.{alias}", [group]));
                    break;
                }

                case MetricTypes.Percentile:
                {
                    var measure = MeasureOf(metric.Measure);
                    var group = GroupFor(measure, GroupKind.Plain);
                    var alias = group.AddAggregate(measure, "percentile", metric.P ?? throw new InvalidOperationException($"{metric.Name} has no p"));
                    plans.Add(new MetricPlan(metric, c => $"{c}{group.Index}.{alias}", [group]));
                    break;
                }

                case MetricTypes.Simple:
                {
                    var measure = MeasureOf(metric.Measure);
                    var group = GroupFor(measure, GroupKind.Plain);
                    if (metric.Statistic == MetricStatistics.Mean || measure.Aggregation == Aggregation.Values)
                    {
                        var alias = group.AddAggregate(measure, "mean");
                        plans.Add(new MetricPlan(metric, c => $"{c}{group.Index}.{alias}", [group]));
                    }
                    else
                    {
                        var alias = group.AddAggregate(measure, "plain");
                        plans.Add(new MetricPlan(metric,
                            measure.Aggregation == Aggregation.Avg ? c => $"{c}{group.Index}.{alias}" : c => $"coalesce({c}{group.Index}.{alias}, 0)",
                            [group]));
                    }

                    break;
                }

                case MetricTypes.Ratio:
                {
                    var numerator = (metric.Numerator ?? []).Select(n =>
                    {
                        var measure = MeasureOf(n);
                        var group = GroupFor(measure, GroupKind.Plain);
                        return (Group: group, Alias: group.AddAggregate(measure, "plain"));
                    }).ToList();
                    var denominatorMeasure = MeasureOf(metric.Denominator);
                    var denominatorGroup = GroupFor(denominatorMeasure, GroupKind.Plain);
                    var denominator = denominatorGroup.AddAggregate(denominatorMeasure, "plain");
                    plans.Add(new MetricPlan(metric, c =>
                    {
                        var terms = numerator.Select(x => $"coalesce({c}{x.Group.Index}.{x.Alias}, 0)").ToList();
                        var top = terms.Count == 1 ? terms[0] : $"({string.Join(" + ", terms)})";
                        return $"{top}::numeric / nullif({c}{denominatorGroup.Index}.{denominator}, 0)";
                    }, numerator.Select(x => x.Group).Append(denominatorGroup).Distinct().ToList()));
                    break;
                }

                case MetricTypes.Aggregate:
                {
                    var measure = MeasureOf(metric.Measure);
                    var group = GroupFor(measure, GroupKind.Plain);
                    var alias = group.AddTerm($"{metric.Name}__value", measure, metric.Aggregate!, metric.P, metric.Where);
                    plans.Add(new MetricPlan(metric, c => TermValue($"{c}{group.Index}.{alias}", metric.Aggregate!), [group]));
                    break;
                }

                case MetricTypes.AggregateRatio:
                {
                    var terms = new[] { (Term: metric.NumeratorOf!, Suffix: "num"), (Term: metric.DenominatorOf!, Suffix: "den") }.Select(t =>
                    {
                        var measure = MeasureOf(t.Term.Measure);
                        var group = GroupFor(measure, GroupKind.Plain);
                        return (Group: group, Alias: group.AddTerm($"{metric.Name}__{t.Suffix}", measure, t.Term.Aggregate, t.Term.P, t.Term.Where), t.Term);
                    }).ToList();
                    plans.Add(new MetricPlan(metric,
                        c => $"{TermValue($"{c}{terms[0].Group.Index}.{terms[0].Alias}", terms[0].Term.Aggregate)}::numeric / nullif({c}{terms[1].Group.Index}.{terms[1].Alias}, 0)",
                        terms.Select(t => t.Group).Distinct().ToList()));
                    break;
                }

                case MetricTypes.Sql:
                {
                    var group = new Group(AnalyticsModel.SprintStats, "sprint_close_at", TimeKind.Window, 0, GroupKind.Sql, metric);
                    groups.Add(group);
                    plans.Add(new MetricPlan(metric, c => $"{c}{group.Index}.{metric.Name}", [group]));
                    break;
                }

                default:
                    throw new InvalidOperationException($"metric '{metric.Name}' has type '{metric.Type}' that the builder cannot compute");
            }
        }

        for (var i = 0; i < groups.Count; i++)
        {
            groups[i].Index = i + 1;
        }

        return new Plan(groups, plans);
    }

    /// <summary>A count or sum over no rows is 0; an average, extreme or percentile over no rows has no value (null).</summary>
    private static string TermValue(string column, string function) =>
        function is AggregateFunctions.Count or AggregateFunctions.Sum ? $"coalesce({column}, 0)" : column;

    private static bool HasIssueKey(AnalyticsView view) => view.RollupTimeColumn is null && view != AnalyticsModel.TeamDailyWip;

    /// <summary>A tenant term: its function over the measure's column, restricted by its row filter (values compared case-insensitively, as parameters).</summary>
    private static string TermSql(Aggregate a, AnalyticsView view, SqlParameters p)
    {
        var column = $"v.{a.Measure.Column}";
        var conditions = new List<string>();
        foreach (var (dimension, values) in a.Where ?? new Dictionary<string, IReadOnlyList<string>>())
        {
            var lowered = p.Add(values.Select(v => v.ToLowerInvariant()).ToArray());
            if (dimension == RowFilters.Label)
            {
                conditions.Add($"v.{AnalyticsModel.IssueKeyColumn} IN (SELECT l.issue_key FROM issue_labels l WHERE lower(l.label) = ANY({lowered}))");
            }
            else
            {
                var dimensionColumn = view.DimensionColumns.TryGetValue(dimension, out var c)
                    ? c
                    : throw new InvalidOperationException($"view {view.Name} has no column for row filter '{dimension}'");
                conditions.Add($"lower(v.{Ident(dimensionColumn)}) = ANY({lowered})");
            }
        }

        if (a.Function == AggregateFunctions.Count)
        {
            conditions.Insert(0, $"{column} <> 0");
        }

        var filter = conditions.Count == 0 ? "" : $" FILTER (WHERE {string.Join(" AND ", conditions)})";
        return a.Function switch
        {
            AggregateFunctions.Count when HasIssueKey(view) => $"count(DISTINCT v.{AnalyticsModel.IssueKeyColumn}){filter} AS {a.Alias}",
            AggregateFunctions.Count => $"count(*){filter} AS {a.Alias}",
            AggregateFunctions.Sum => $"sum({column}){filter} AS {a.Alias}",
            AggregateFunctions.Avg => $"avg({column}){filter} AS {a.Alias}",
            AggregateFunctions.Min => $"min({column}){filter} AS {a.Alias}",
            AggregateFunctions.Max => $"max({column}){filter} AS {a.Alias}",
            AggregateFunctions.Percentile =>
                $"percentile_cont({p.Add(a.P, $"p:{a.P.ToString(CultureInfo.InvariantCulture)}")}) WITHIN GROUP (ORDER BY {column}){filter} AS {a.Alias}",
            _ => throw new InvalidOperationException($"'{a.Function}' is not an aggregate function"),
        };
    }

    private static Measure MeasureOf(string? name) =>
        (name is null ? null : AnalyticsModel.FindMeasure(name)) ?? throw new InvalidOperationException($"measure '{name}' is not in the analytics model");

    // ---- rendering -----------------------------------------------------------------------------------------------

    private static bool IsSprintView(AnalyticsView view) => view == AnalyticsModel.SprintIssueFacts || view == AnalyticsModel.SprintStats;

    private static void RenderWindow(List<string> ctes, string prefix, ResolvedWindow window, DateTimeOffset asOf, Plan plan, SqlParameters p)
    {
        if (window is not (SprintRankWindow or ActiveSprintWindow))
        {
            return;
        }

        var windowed = plan.Groups.Where(g => g.TimeKind == TimeKind.Window).ToList();
        if (windowed.Count == 0)
        {
            return;
        }

        ctes.Add(SprintWindowSql.SprintCte(prefix, window, asOf, p)!);

        if (windowed.Any(g => !IsSprintView(g.View)))
        {
            ctes.Add(
                $"""
                {prefix}_spans AS (
                    SELECT team_key, min(sprint_start_at) AS span_from, max(sprint_close_at) AS span_to
                    FROM {prefix}_sprints
                    GROUP BY team_key
                )
                """);
        }
    }

    private static DateTimeOffset SnapshotPointOfPrevious(ResolvedTime time) =>
        time.Current is CalendarWindow current ? Min(current.From, time.AsOf) : time.AsOf;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static void RenderGroups(List<string> ctes, string letter, string prefix, Plan plan, List<Key> keys, ResolvedWindow window,
        DateTimeOffset snapshotAt, DateTimeOffset asOf, IReadOnlyList<SpecFilter> filters, MetricCatalog catalog, SqlParameters p,
        string? series = null)
    {
        foreach (var group in plan.Groups)
        {
            var view = SourceView(group, keys, filters, window, series is not null);
            var keyColumns = keys.Select(k => $"{KeyExpression(k, view, group.TimeColumn)} AS {k.Name}").ToList();
            var from = $"{view.Name} v";
            // A rollup's lists of issue values, unnested for percentiles (and the means beside them): column u.{measure column}.
            // LEFT: a row with no value still makes its group, as its issues do over the rolled-up view.
            var unnested = view.HoldsValues && group.Aggregates.Any(a => a.Kind == "percentile")
                ? group.Aggregates.Select(a => a.Measure.Column).Distinct().ToList()
                : null;
            var unnestJoin = unnested is null
                ? ""
                : $"\n    LEFT JOIN LATERAL unnest({string.Join(", ", unnested.Select(c => $"v.{c}_values"))}) AS u({string.Join(", ", unnested)}) ON true";
            from += unnestJoin;

            var where = new List<string>();
            string? perSprintRows = null;
            if (series is not null)
            {
                // One value per sprint of the series: sprint rows by key, other rows placed in each sprint (start, close] of the team.
                // A LATERAL per sprint, so each is an index range (team, time) or (sprint key), never a scan of the whole view
                // (OFFSET 0 keeps PostgreSQL from flattening it into one hash or merge join over every row of the view).
                if (group.TimeKind == TimeKind.Snapshot || group.Kind == GroupKind.Composite)
                {
                    throw new InvalidOperationException($"a {view.Name} group has no per-sprint value");
                }

                // (a per-sprint rollup holds each sprint's rows already placed: one row by sprint key)
                var sprintView = IsSprintView(view) || view.TimeGrain == AnalyticsView.Sprint;
                var timeColumn = group.TimeColumn;
                string RowsOf(string alias) => sprintView
                    ? $"{alias}.sprint_key = w.sprint_key"
                    : $"{alias}.team_key = w.team_key AND {alias}.{timeColumn} > w.sprint_start_at AND {alias}.{timeColumn} <= w.sprint_close_at";
                from = $"{series} w\n    JOIN LATERAL (SELECT * FROM {view.Name} f WHERE {RowsOf("f")} OFFSET 0) v ON true";
                perSprintRows = RowsOf("v");
                keyColumns = ["w.sprint_key AS sprint_key"];
            }
            else if (group.TimeKind == TimeKind.Snapshot)
            {
                var point = window is CalendarWindow calendar ? Min(calendar.To, snapshotAt) : snapshotAt;
                var at = p.Add(point, $"snapshot:{prefix}");
                var started = group.MinAge == 0 ? at : p.Add(point.AddDays(-group.MinAge), $"snapshot_started:{prefix}:{group.MinAge}");
                where.Add($"v.{group.TimeColumn} <= {started} AND (v.{Ident(group.Measure0.SnapshotToColumn!)} IS NULL OR v.{group.Measure0.SnapshotToColumn} > {at})");
            }
            else
            {
                switch (window)
                {
                    case SprintRankWindow or ActiveSprintWindow when IsSprintView(view):
                        where.Add($"v.sprint_key IN (SELECT sprint_key FROM {prefix}_sprints)");
                        break;
                    case SprintRankWindow or ActiveSprintWindow:
                        from += $"\n    JOIN {prefix}_spans w ON w.team_key = v.team_key";
                        where.Add($"v.{group.TimeColumn} > w.span_from AND v.{group.TimeColumn} <= w.span_to");
                        break;
                    case CalendarWindow calendar:
                        where.Add($"v.{group.TimeColumn} >= {p.Add(calendar.From, $"{prefix}_from")} AND v.{group.TimeColumn} < {p.Add(calendar.To, $"{prefix}_to")}");
                        break;
                }

                // A sprint's outcome exists once it closed: calendar and all-time windows count closed sprints only.
                if (window is CalendarWindow or AllTimeWindow && IsSprintView(view))
                {
                    where.Add(SprintWindowSql.ClosedBy("v.", p.Add(asOf, "as_of")));
                }
            }

            for (var i = 0; i < filters.Count; i++)
            {
                var filter = filters[i];
                var column = view.DimensionColumns.TryGetValue(filter.Dimension, out var c)
                    ? c
                    : throw new InvalidOperationException($"view {view.Name} has no column for dimension '{filter.Dimension}'");
                var values = p.Add(filter.Values.ToArray(), $"filter:{i}");
                where.Add(FilterOps.IsNegative(filter.Op) ? $"(v.{column} IS NULL OR v.{column} <> ALL({values}))" : $"v.{column} = ANY({values})");
            }

            string WhereSql(string indent) => where.Count == 0 ? "" : $"\n{indent}WHERE {string.Join($"\n{indent}  AND ", where)}";
            var whereSql = WhereSql(Indent);
            var name = $"{letter}{group.Index}";
            string body;
            switch (group.Kind)
            {
                case GroupKind.PerSprint:
                {
                    var sprintGrouped = keys.Any(k => k.Name == "sprint_key");
                    var inner = keyColumns.Concat(sprintGrouped ? [] : ["v.sprint_key AS per_sprint"])
                        .Concat(group.Aggregates.Select(a => $"sum(v.{a.Measure.Column}) AS {a.Measure.Name}")).ToList();
                    var outer = keys.Select(k => $"x.{k.Name}").Concat(group.Aggregates.Select(a => $"avg(x.{a.Measure.Name}) AS {a.Alias}")).ToList();
                    var innerCount = keys.Count + (sprintGrouped ? 0 : 1);
                    body =
                        $"    SELECT {string.Join(", ", outer)}\n" +
                        $"    FROM (\n" +
                        $"        SELECT {string.Join(", ", inner)}\n" +
                        $"        FROM {from.Replace("\n    ", "\n        ", StringComparison.Ordinal)}{WhereSql(Indent + Indent)}\n" +
                        $"        GROUP BY {Ordinals(innerCount)}\n" +
                        $"    ) x" +
                        (keys.Count > 0 ? $"\n    GROUP BY {Ordinals(keys.Count)}" : "");
                    break;
                }

                case GroupKind.Composite:
                {
                    // The components' z-scores for the sprints this group reads, from their catalog definitions (ZScoreSql).
                    var composite = group.Composite!;
                    var z = $"{name}_z";
                    ctes.AddRange(ZScoreSql.StoredCtes(z, group.Components, $"SELECT v.sprint_key FROM {from}{WhereSql(Indent + Indent)}", catalog, p));
                    var terms = new List<string>();
                    var weights = new List<string>();
                    foreach (var component in composite.Components!)
                    {
                        var zColumn = $"z.{Ident(component.Metric)}__z";
                        var (weight, direction) = CompositeSql.Parameters(composite, component, p);
                        terms.Add($"coalesce({CompositeSql.Part(weight, direction, zColumn)}, 0)");
                        weights.Add(CompositeSql.WeightIfPresent(weight, zColumn));
                    }

                    var columns = keyColumns.Append(
                        $"avg(\n        ({string.Join("\n         + ", terms)})\n        / nullif({string.Join("\n                 + ", weights)}, 0)) AS {composite.Name}");
                    body = $"    SELECT {string.Join(", ", columns)}\n    FROM {from}\n    JOIN {z} z ON z.sprint_key = v.sprint_key{whereSql}" +
                           (keys.Count > 0 ? $"\n    GROUP BY {Ordinals(keys.Count)}" : "");
                    break;
                }

                case GroupKind.Sql:
                {
                    var metric = group.Composite!;
                    var rollup = metric.Rollup is { } r && SqlMetricOutput.Rollups.Contains(r) ? r : throw new InvalidOperationException($"{metric.Name} has no rollup");
                    var columns = keyColumns.Append($"{rollup}(m.{SqlMetricOutput.Value}) AS {Ident(metric.Name)}");
                    // The admin's SELECT (checked by PostgreSQL at save: tenant views only, pure functions, declared columns), joined to its sprints.
                    var body0 = $"    SELECT {string.Join(", ", columns)}\n    FROM {from}\n    JOIN (\n{metric.Sql!.TrimEnd().TrimEnd(';')}\n    ) m ON m.{SqlMetricOutput.SprintKey} = v.sprint_key{whereSql}";
                    body = body0 + (keys.Count > 0 ? $"\n    GROUP BY {Ordinals(keys.Count)}" : "");
                    break;
                }

                default:
                {
                    var aggregates = group.Aggregates.Select(a => a.Kind switch
                    {
                        "term" => TermSql(a, view, p),
                        "percentile" => $"percentile_cont({p.Add(a.P, $"p:{a.P.ToString(CultureInfo.InvariantCulture)}")}) WITHIN GROUP (ORDER BY {(unnested is null ? "v" : "u")}.{a.Measure.Column}) AS {a.Alias}",
                        "mean" when unnested is not null => $"avg(u.{a.Measure.Column}) AS {a.Alias}",
                        // over a rollup that holds the values: their sum and number, as avg() divides them
                        "mean" when view.HoldsValues => $"sum(v.{a.Measure.Column}_sum) / nullif(sum(v.{a.Measure.Column}_count), 0)::numeric AS {a.Alias}",
                        "mean" => $"avg(v.{a.Measure.Column}) AS {a.Alias}",
                        _ => a.Measure.Aggregation switch
                        {
                            Aggregation.Sum => $"sum(v.{a.Measure.Column}) AS {a.Alias}",
                            Aggregation.Avg => $"avg(v.{a.Measure.Column}) AS {a.Alias}",
                            // per sprint, the sprint is the window: the rollup holds the number of distinct issues (a count, as count(DISTINCT))
                            Aggregation.CountDistinctIssues when view.TimeGrain == AnalyticsView.Sprint => $"sum(v.{a.Measure.Column})::bigint AS {a.Alias}",
                            Aggregation.CountDistinctIssues when view.PreviousColumn is { } previous =>
                                $"coalesce(sum(v.{view.CountColumn}) FILTER (WHERE v.{a.Measure.Column} = 1 AND {FirstInWindow(previous, keys, group.TimeColumn, window, prefix, p)}), 0) AS {a.Alias}",
                            Aggregation.CountDistinctIssues => $"count(DISTINCT v.{AnalyticsModel.IssueKeyColumn}) FILTER (WHERE v.{a.Measure.Column} = 1) AS {a.Alias}",
                            _ => throw new InvalidOperationException($"measure '{a.Measure.Name}' of issue values needs a statistic"),
                        },
                    });
                    if (perSprintRows is not null)
                    {
                        // Per sprint of a series: the aggregates inside each sprint's LATERAL (tens of rows each), not a sort of every
                        // row of every sprint by sprint key before aggregating (0.23 → 0.14 s for the cycle time p50 of 10,000 sprints);
                        // a sprint without rows has no value, as with a join.
                        body = $"    SELECT w.sprint_key AS sprint_key, {string.Join(", ", group.Aggregates.Select(a => $"a.{a.Alias}"))}\n" +
                               $"    FROM {series} w\n    CROSS JOIN LATERAL (\n        SELECT count(*) AS {RowCount}, {string.Join(", ", aggregates)}\n" +
                               $"        FROM {view.Name} v{unnestJoin.Replace("\n    ", "\n        ", StringComparison.Ordinal)}\n        WHERE {perSprintRows}\n    ) a\n    WHERE a.{RowCount} > 0";
                        break;
                    }

                    body = $"    SELECT {string.Join(", ", keyColumns.Concat(aggregates))}\n    FROM {from}{whereSql}" +
                           (keys.Count > 0 ? $"\n    GROUP BY {Ordinals(keys.Count)}" : "");
                    break;
                }
            }

            ctes.Add($"{name} AS (\n{body}\n)");
        }
    }

    /// <summary>
    /// The view a group reads: the rollup of its view for its time column (<see cref="AnalyticsView.RollupFor"/>) when that gives
    /// the identical result — every aggregate one the rollup carries (<see cref="Measure.InRollup"/>): a plain sum (a sum of sums
    /// is the sum, and a per-sprint mean sums each sprint first), a distinct-issue count (<see cref="FirstInWindow"/>) or the mean
    /// or a percentile of an issue value (its sum / its number, its lists unnested: <see cref="AnalyticsView.HoldsValues"/>; a
    /// percentile only beside other issue values, as the unnested rows repeat a row's sums) — and every group key and filter on a
    /// dimension the rollup has (its stored ones and the calendar buckets of the time column it shares), so no key or filter needs
    /// a row the rollup has summed away (an assignee, an issue type…); for a rollup of months (<see cref="AnalyticsView.TimeGrain"/>)
    /// also a plain group over all time or over a calendar window from a month start to a month start (each issue's time is in
    /// the window exactly when its month is), never a sprint window or a sprint's values. Otherwise the group's own view.
    /// For each sprint's values (<paramref name="series"/>: z-scores, the problem score) a per-sprint rollup
    /// (<see cref="AnalyticsView.Sprint"/>, migration 0021) comes first: one row per sprint holding what its team's rows in its
    /// (start, close] sum to, read when every aggregate of a plain group is one it carries.
    /// </summary>
    private static AnalyticsView SourceView(Group group, IEnumerable<Key> keys, IEnumerable<SpecFilter> filters, ResolvedWindow window,
        bool series) =>
        series && group.View.RollupFor(group.TimeColumn, perSprint: true) is { } perSprint && group.Kind == GroupKind.Plain && Answers(perSprint, group)
            ? perSprint
            : group.View.RollupFor(group.TimeColumn) is { } rollup
              && group.Kind is GroupKind.Plain or GroupKind.PerSprint
              && Answers(rollup, group)
              && keys.All(k => rollup.Dimensions.Contains(k.Dimension))
              && filters.All(f => rollup.DimensionColumns.ContainsKey(f.Dimension))
              && (rollup.TimeGrain is null || (group.Kind == GroupKind.Plain && !series && MonthAligned(window)))
                ? rollup
                : group.View;

    /// <summary>
    /// Every aggregate of the group is one the rollup carries (<see cref="AnalyticsView.Carries"/>) in a form it keeps: a sum, a
    /// per-sprint sum or a distinct-issue count of a counted measure, the mean or a percentile of an issue value — and not a
    /// percentile beside sums (the unnested values would repeat a row's sums).
    /// </summary>
    private static bool Answers(AnalyticsView rollup, Group group) =>
        group.TimeKind == TimeKind.Window
        && group.Aggregates.All(a => rollup.Carries(a.Measure) && (a.Measure.Aggregation == Aggregation.Values ? a.Kind is "mean" or "percentile" : a.Kind is "plain" or "per_sprint"))
        && !(group.Aggregates.Any(a => a.Kind == "percentile") && group.Aggregates.Any(a => a.Measure.Aggregation != Aggregation.Values));

    /// <summary>
    /// Over a rollup with a <see cref="AnalyticsView.PreviousColumn"/>: the rows that count their issues in the group — those whose
    /// issue's previous row of the kind is before the first month of the window (a calendar window's start) and of the row's
    /// calendar bucket (a month or quarter key), i.e. the issue's first row there; over all time without buckets, its first row.
    /// </summary>
    private static string FirstInWindow(string previous, IEnumerable<Key> keys, string timeColumn, ResolvedWindow window, string prefix, SqlParameters p)
    {
        var starts = new List<string>();
        if (window is CalendarWindow calendar)
        {
            starts.Add(p.Add(calendar.From, $"{prefix}_from"));
        }

        foreach (var unit in keys.Select(k => k.Dimension).Where(d => Dimensions.Calendar.Contains(d)).Distinct())
        {
            starts.Add($"date_trunc('{Ident(unit)}', v.{timeColumn}, 'UTC')");
        }

        return starts.Count switch
        {
            0 => $"v.{previous} IS NULL",
            1 => $"(v.{previous} IS NULL OR v.{previous} < {starts[0]})",
            _ => $"(v.{previous} IS NULL OR v.{previous} < greatest({string.Join(", ", starts)}))",
        };
    }

    /// <summary>All time, or a calendar window whose bounds are both the first instant of a UTC month.</summary>
    private static bool MonthAligned(ResolvedWindow window)
    {
        static bool MonthStart(DateTimeOffset t) => t.UtcDateTime == new DateTime(t.UtcDateTime.Year, t.UtcDateTime.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        return window is AllTimeWindow || (window is CalendarWindow calendar && MonthStart(calendar.From) && MonthStart(calendar.To));
    }

    /// <summary>The row count of a sprint's LATERAL aggregate: a sprint with no rows has no value.</summary>
    private const string RowCount = "n__rows";

    private static string Result(string name, string letter, Plan plan, List<Key> keys, List<MetricDefinition> metrics)
    {
        var groups = plan.Groups;
        var first = $"{letter}1";
        var keySelect = groups.Count == 1 || keys.Count == 0
            ? keys.Select(k => $"{first}.{k.Name}")
            : keys.Select(k => $"k.{k.Name}");
        var metricSelect = plan.Metrics.Select(m => $"{m.Expression(letter)} AS {m.Metric.Name}");
        string from;
        if (groups.Count == 1)
        {
            from = first;
        }
        else if (keys.Count == 0)
        {
            from = string.Join(" CROSS JOIN ", groups.Select(g => $"{letter}{g.Index}"));
        }
        else
        {
            var keyList = string.Join(", ", keys.Select(k => k.Name));
            from = $"(\n        {string.Join("\n        UNION ", groups.Select(g => $"SELECT {keyList} FROM {letter}{g.Index}"))}\n    ) k" +
                   string.Concat(groups.Select(g =>
                       $"\n    LEFT JOIN {letter}{g.Index} ON " + string.Join(" AND ", keys.Select(k => KeyMatch($"{letter}{g.Index}", "k", k)))));
        }

        _ = metrics;
        return $"{name} AS (\n    SELECT {string.Join(", ", keySelect.Concat(metricSelect))}\n    FROM {from}\n)";
    }

    private static string Ordinals(int count) => string.Join(", ", Enumerable.Range(1, count).Select(i => i.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Every identifier that reaches SQL text passes here: catalog names and model constants are lower snake_case.</summary>
    internal static string Ident(string name) =>
        Identifier().IsMatch(name) ? name : throw new InvalidOperationException($"'{name}' is not a safe SQL identifier");
}
