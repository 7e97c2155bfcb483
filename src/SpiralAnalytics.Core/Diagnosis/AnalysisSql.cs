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
    /// A LATERAL subquery giving <c>mean</c> and <c>n</c> of <paramref name="valueColumn"/> over the previous
    /// <see cref="BaselineSprints"/> eligible sprints of the team of <paramref name="outer"/> (rows of <paramref name="source"/>,
    /// which has team_key, sprint_key, sprint_close_at, sprint_state, low_sample; <paramref name="extra"/> narrows it, e.g. to a metric).
    /// </summary>
    public static string BaselineLateral(string source, string valueColumn, string outer, string? extra, string indent) =>
        $"""
        LATERAL (
        {indent}    SELECT avg(y.value) AS mean, count(y.value)::int AS n
        {indent}    FROM (
        {indent}        SELECT b.{valueColumn} AS value
        {indent}        FROM {source} b
        {indent}        WHERE b.team_key = {outer}.team_key AND {Eligible("b")}{(extra is null ? "" : $" AND {extra}")}
        {indent}          AND (b.sprint_close_at, b.sprint_key) < ({outer}.sprint_close_at, {outer}.sprint_key)
        {indent}        ORDER BY b.sprint_close_at DESC, b.sprint_key DESC
        {indent}        LIMIT {BaselineSprints}
        {indent}    ) y
        {indent})
        """;
}
