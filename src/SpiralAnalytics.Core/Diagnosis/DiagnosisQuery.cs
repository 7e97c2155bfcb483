using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Diagnosis;

/// <summary>
/// The SQL of <c>"analysis": "diagnose"</c> (pure, deterministic, parameterized; identifiers only from the analytics model and
/// the catalog). One row per chosen sprint × component of the composite, with the component's value, baseline, z-score and
/// contribution (catalog weights), the other teams' median and how many are worse, the trend fit over the last 8 sprints,
/// and, repeated on each row of a team, the parts of the change in completed points (<see cref="PointsDecomposition"/>).
/// <see cref="DiagnosisComposer"/> turns the rows into the report.
/// </summary>
public static class DiagnosisQuery
{
    /// <summary>The columns of the raw rows, in order.</summary>
    public static readonly IReadOnlyList<string> Columns =
    [
        "team_key", "team", "sprint_key", "sprint", "sprint_state", "sprint_close_at", "low_sample", "problem_score",
        "component", "weight", "direction", "value", "baseline", "baseline_n", "z", "contribution",
        "peer_median", "peer_n", "peers_worse", "trend_slope", "trend_n", "trend_mean",
        .. PointsDecomposition.Columns,
    ];

    public static BuiltQuery Build(AnalyticsSpec spec, MetricCatalog catalog, ResolvedTime time)
    {
        var composite = catalog.Get(AnalyticsSpec.MetricName(spec.Metrics[0]));
        var components = composite.Components ?? throw new InvalidOperationException($"'{composite.Name}' has no components");
        var metrics = ZScoreSql.Expand([composite], catalog);
        var p = new SqlParameters();
        var ctes = new List<string> { SprintWindowSql.AnyCte("cur", time.Current, time.AsOf, p) };
        var hasPrevious = time.Previous is not null;
        if (hasPrevious)
        {
            ctes.Add(SprintWindowSql.AnyCte("prev", time.Previous!, time.AsOf, p));
        }

        var rows = components.Select((c, i) =>
        {
            var metric = p.Add(c.Metric, $"metric:{c.Metric}");
            var (weight, direction) = CompositeSql.Parameters(composite, c, p);
            return $"({metric}::text, {weight}::numeric, {direction}::int, {i + 1})";
        });
        ctes.Add($"comp(metric, weight, direction, ord) AS (\n    VALUES {string.Join(",\n           ", rows)}\n)");
        var teamConditions = AnalysisSql.TeamConditions(spec.Filters, "l.team_name", p).ToList();
        var targets = "SELECT l.sprint_key FROM sprint_stats l WHERE l.sprint_key IN (SELECT sprint_key FROM cur_sprints)" +
                      string.Concat(teamConditions.Select(c => $" AND {c}"));
        // Values are also needed for each chosen sprint's trend (its team's previous sprints) and its peers (each other team's
        // latest closed sprint by then); z-scores only for the chosen sprints.
        var extra =
            $"""
            SELECT y.sprint_key FROM sprint_stats t
                       CROSS JOIN LATERAL (
                           SELECT b.sprint_key FROM sprint_stats b
                           WHERE b.team_key = t.team_key AND {ZScoreSql.Eligible("b")}
                             AND b.sprint_close_at <= t.sprint_close_at AND (b.sprint_close_at, b.sprint_key) < (t.sprint_close_at, t.sprint_key)
                           ORDER BY b.sprint_close_at DESC, b.sprint_key DESC
                           LIMIT {AnalysisSql.TrendSprints}
                       ) y
                       WHERE t.sprint_key IN ({targets})
                       UNION
                       SELECT y.sprint_key FROM sprint_stats t
                       CROSS JOIN LATERAL (
                           SELECT DISTINCT ON (o.team_key) o.sprint_key FROM sprint_stats o
                           WHERE o.team_key <> t.team_key AND o.sprint_state = 'closed' AND o.sprint_close_at <= t.sprint_close_at
                           ORDER BY o.team_key, o.sprint_close_at DESC, o.sprint_key DESC
                       ) y
                       WHERE t.sprint_key IN ({targets})
            """;
        ctes.AddRange(ZScoreSql.Ctes("scores", metrics, targets, extra, catalog, p));
        ctes.Add(
            $"""
            long AS MATERIALIZED (
                SELECT v.team_key, v.team_name, v.sprint_key, v.sprint_name, v.sprint_state, v.sprint_close_at, v.low_sample,
                       x.metric, x.value, x.z, x.baseline, x.baseline_n
                FROM sprint_stats v
                JOIN scores z ON z.sprint_key = v.sprint_key
                CROSS JOIN LATERAL {ZScoreSql.Unpivot(metrics, "z", p, "    ")}
            )
            """);
        var teamWhere = string.Concat(teamConditions.Select(c => $"\n      AND {c}"));
        ctes.Add(
            $"""
            chosen AS (
                SELECT l.*, c.weight, c.direction, c.ord,
                       {CompositeSql.Part("c.weight", "c.direction", "l.z")}
                       / nullif(sum({CompositeSql.WeightIfPresent("c.weight", "l.z")}) OVER (PARTITION BY l.sprint_key), 0) AS contribution
                FROM long l
                JOIN comp c ON c.metric = l.metric
                WHERE l.sprint_key IN (SELECT sprint_key FROM cur_sprints){teamWhere}
            )
            """);
        ctes.AddRange(PointsDecomposition.Ctes(hasPrevious, AnalysisSql.TeamConditions(spec.Filters, "f.team_name", p).ToList()));
        var sql =
            $"""
            WITH {string.Join(",\n", ctes)}
            SELECT s.team_key, s.team_name AS team, s.sprint_key, s.sprint_name AS sprint, s.sprint_state, s.sprint_close_at, s.low_sample,
                   (sum(s.contribution) OVER (PARTITION BY s.sprint_key))::float8 AS problem_score,
                   s.metric AS component, s.weight::float8, s.direction, s.value::float8, s.baseline::float8, s.baseline_n, s.z::float8,
                   s.contribution::float8, o.median::float8 AS peer_median, o.n AS peer_n, o.worse AS peers_worse, t.slope::float8 AS trend_slope,
                   t.n AS trend_n, t.mean::float8 AS trend_mean,
                   {string.Join(", ", PointsDecomposition.Columns.Select(c => $"d.{c}::float8"))}
            FROM chosen s
            LEFT JOIN LATERAL (
                SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY y.value)::numeric AS median, count(y.value)::int AS n,
                       count(*) FILTER (WHERE y.value * s.direction > s.value * s.direction)::int AS worse
                FROM (
                    SELECT DISTINCT ON (l.team_key) l.value
                    FROM long l
                    WHERE l.metric = s.metric AND l.team_key <> s.team_key AND l.sprint_state = 'closed' AND l.sprint_close_at <= s.sprint_close_at
                    ORDER BY l.team_key, l.sprint_close_at DESC, l.sprint_key DESC
                ) y
            ) o ON true
            LEFT JOIN LATERAL (
                SELECT regr_slope(y.value, y.k) AS slope, count(y.value)::int AS n, avg(y.value) AS mean
                FROM (
                    SELECT r.value, row_number() OVER (ORDER BY r.sprint_close_at, r.sprint_key) AS k
                    FROM (
                        SELECT l.value, l.sprint_close_at, l.sprint_key
                        FROM long l
                        WHERE l.team_key = s.team_key AND l.metric = s.metric
                          AND (l.sprint_key = s.sprint_key OR ({ZScoreSql.Eligible("l")} AND (l.sprint_close_at, l.sprint_key) < (s.sprint_close_at, s.sprint_key)))
                        ORDER BY l.sprint_close_at DESC, l.sprint_key DESC
                        LIMIT {AnalysisSql.TrendSprints}
                    ) r
                ) y
            ) t ON true
            LEFT JOIN change d ON d.team_key = s.team_key
            ORDER BY s.team_name, s.sprint_close_at, s.sprint_key, s.ord
            """;
        var columns = Columns.Select(c => new QueryColumn(c, "raw")).ToList();
        return new BuiltQuery(sql, p.Values, columns, time.Warning is null ? [] : [time.Warning]);
    }
}
