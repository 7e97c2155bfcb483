using SpiralAnalytics.Core.Analytics;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Diagnosis;

/// <summary>
/// SQL pieces the analysis forms and the anomaly flags share, so each fact has one definition: the team filter, the
/// unpivot of z-scored sprint metrics into (metric, value, z) rows, and the baseline (the mean of the team's previous 6
/// closed, non-low-sample sprints, the window the view's z-scores use).
/// </summary>
public static class AnalysisSql
{
    /// <summary>How many previous closed sprints form a team's baseline (METRICS.md: z-scores against the previous 6).</summary>
    public const int BaselineSprints = 6;

    /// <summary>Sprints the trend is fitted over, ending with the sprint explained.</summary>
    public const int TrendSprints = 8;

    /// <summary>|z| at or above which a sprint metric is flagged as an anomaly.</summary>
    public const double AnomalyZ = 2.0;

    /// <summary>A closed, non-low-sample sprint (of the row aliased <paramref name="alias"/>): what baselines are made of.</summary>
    public static string Eligible(string alias) => $"{alias}.sprint_state = 'closed' AND NOT {alias}.low_sample";

    /// <summary>The z-scored metrics a spec's metrics stand for: a composite stands for its components.</summary>
    public static IReadOnlyList<MetricDefinition> ZScoredMetrics(IEnumerable<MetricDefinition> metrics, MetricCatalog catalog)
    {
        var result = new List<MetricDefinition>();
        foreach (var metric in metrics)
        {
            var names = metric.Type == MetricTypes.Composite ? (metric.Components ?? []).Select(c => c.Metric) : [metric.Name];
            foreach (var name in names)
            {
                if (!AnalyticsModel.ZScoredMetrics.Contains(name))
                {
                    throw new InvalidOperationException($"'{name}' has no z-score column in {AnalyticsModel.SprintStats.Name}");
                }

                if (result.All(m => m.Name != name))
                {
                    result.Add(catalog.Get(name));
                }
            }
        }

        return result;
    }

    /// <summary>The team filters of a spec as conditions on <paramref name="column"/> (values are parameters).</summary>
    public static IEnumerable<string> TeamConditions(IReadOnlyList<SpecFilter> filters, string column, SqlParameters p)
    {
        for (var i = 0; i < filters.Count; i++)
        {
            var filter = filters[i];
            if (filter.Dimension != Dimensions.Team)
            {
                throw new InvalidOperationException($"an analysis filters by team only, not by '{filter.Dimension}'");
            }

            var values = p.Add(filter.Values.ToArray(), $"filter:{i}");
            yield return FilterOps.IsNegative(filter.Op) ? $"({column} IS NULL OR {column} <> ALL({values}))" : $"{column} = ANY({values})";
        }
    }

    /// <summary>
    /// <c>(VALUES ($n, v.metric, v.z_metric), …) x(metric, value, z)</c> over a <c>sprint_stats</c> row aliased <paramref name="alias"/>:
    /// metric names travel as parameters, columns come from <see cref="AnalyticsModel.ZScoredMetrics"/> only.
    /// </summary>
    public static string Unpivot(IReadOnlyList<MetricDefinition> metrics, string alias, SqlParameters p, string indent) =>
        "(VALUES\n" + string.Join(",\n", metrics.Select(m =>
        {
            var column = QueryBuilder.Ident(m.Name);
            return $"{indent}    ({p.Add(m.Name, $"metric:{m.Name}")}::text, {alias}.{column}::numeric, {alias}.z_{column}::numeric)";
        })) + $"\n{indent}) x(metric, value, z)";

    /// <summary>
    /// A CTE <paramref name="name"/> with the baseline of each sprint in <paramref name="sprintsNeeded"/> (a subquery of sprint
    /// keys): the mean and count of each metric over the team's previous <see cref="BaselineSprints"/> closed, non-low-sample
    /// sprints — the window the view's z-scores use. One LATERAL per sprint reads those sprints newest first (an index range
    /// on the close time, stopping after 6 of the team). Wide (<c>sprint_key, {m}__mean, {m}__n</c> per metric) or, with
    /// <paramref name="longForm"/>, one row per sprint × metric (<c>sprint_key, metric, value__mean, value__n</c>; metric names
    /// as parameters).
    /// </summary>
    public static string BaselineCte(string name, IReadOnlyList<MetricDefinition> metrics, string sprintsNeeded, bool longForm, SqlParameters p)
    {
        var columns = metrics.Select(m => QueryBuilder.Ident(m.Name)).ToList();
        var aggregates = string.Join(",\n               ", columns.Select(c => $"avg(y.{c}) AS {c}__mean, count(y.{c})::int AS {c}__n"));
        var eligible = Eligible("b");
        string select;
        var unpivot = "";
        if (longForm)
        {
            select = "v.sprint_key, x.metric, x.mean AS value__mean, x.n AS value__n";
            unpivot = "\n    CROSS JOIN LATERAL (VALUES\n" + string.Join(",\n", metrics.Select((m, i) =>
                $"        ({p.Add(m.Name, $"metric:{m.Name}")}::text, bl.{columns[i]}__mean, bl.{columns[i]}__n)")) + "\n    ) x(metric, mean, n)";
        }
        else
        {
            select = "v.sprint_key, " + string.Join(", ", columns.Select(c => $"bl.{c}__mean, bl.{c}__n"));
        }

        return
            $"""
            {name} AS (
                SELECT {select}
                FROM sprint_stats v
                LEFT JOIN LATERAL (
                    SELECT {aggregates}
                    FROM (
                        SELECT {string.Join(", ", columns.Select(c => $"b.{c}"))}
                        FROM sprint_stats b
                        WHERE b.team_key = v.team_key AND {eligible}
                          AND b.sprint_close_at <= v.sprint_close_at AND (b.sprint_close_at, b.sprint_key) < (v.sprint_close_at, v.sprint_key)
                        ORDER BY b.sprint_close_at DESC, b.sprint_key DESC
                        LIMIT {BaselineSprints}
                    ) y
                ) bl ON true{unpivot}
                WHERE v.sprint_key IN ({sprintsNeeded})
            )
            """;
    }
}
