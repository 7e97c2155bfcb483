using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Diagnosis;

/// <summary>
/// The SQL of <c>"analysis": "anomalies"</c>: the sprints of the window (default: each team's last 6 closed sprints) whose
/// z-scored metrics (the spec's, or a composite's components) are at |z| ≥ 2 against the team's own baseline, low-sample
/// sprints excluded; one raw row per sprint × metric with its value, baseline and z.
/// </summary>
public static class AnomalyQuery
{
    public static readonly IReadOnlyList<string> Columns =
        ["team_key", "team", "sprint_key", "sprint", "sprint_state", "sprint_close_at", "metric", "value", "baseline", "baseline_n", "z"];

    public static BuiltQuery Build(AnalyticsSpec spec, MetricCatalog catalog, ResolvedTime time)
    {
        var metrics = ZScoreSql.Expand(spec.MetricNames.Select(catalog.Get), catalog);
        var p = new SqlParameters();
        var window = SprintWindowSql.AnyCte("cur", time.Current, time.AsOf, p);
        var teamWhere = string.Concat(AnalysisSql.TeamConditions(spec.Filters, "l.team_name", p).Select(c => $" AND {c}"));
        var targets = $"SELECT l.sprint_key FROM sprint_stats l WHERE l.sprint_key IN (SELECT sprint_key FROM cur_sprints){teamWhere}";
        var scores = ZScoreSql.Ctes("scores", metrics, targets, null, catalog, p);
        var unpivot = ZScoreSql.Unpivot(metrics, "z", p, "        ");
        var threshold = p.Add(AnalysisSql.AnomalyZ, "anomaly_z");
        var sql =
            $"""
            WITH {window},
            {string.Join(",\n", scores)},
            picked AS (
                SELECT l.*
                FROM (
                    SELECT v.team_key, v.team_name, v.sprint_key, v.sprint_name, v.sprint_state, v.sprint_close_at, v.low_sample,
                           x.metric, x.value, x.z, x.baseline, x.baseline_n
                    FROM sprint_stats v
                    JOIN scores z ON z.sprint_key = v.sprint_key
                    CROSS JOIN LATERAL {unpivot}
                    WHERE v.sprint_key IN ({targets})
                ) l
                WHERE NOT l.low_sample AND abs(l.z) >= {threshold}
            )
            SELECT a.team_key, a.team_name AS team, a.sprint_key, a.sprint_name AS sprint, a.sprint_state, a.sprint_close_at, a.metric, a.value::float8,
                   a.baseline::float8, a.baseline_n, a.z::float8
            FROM picked a
            ORDER BY a.sprint_close_at, a.team_name, abs(a.z) DESC, a.metric
            """;
        return new BuiltQuery(sql, p.Values, Columns.Select(c => new QueryColumn(c, "raw")).ToList(), time.Warning is null ? [] : [time.Warning]);
    }
}
