using SpiralAnalytics.Core.Analytics;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Diagnosis;

/// <summary>
/// SQL pieces the analysis forms share, so each fact has one definition: the team filter, the trend length and the anomaly
/// threshold. The z-scores and baselines themselves are <see cref="ZScoreSql"/>'s.
/// </summary>
public static class AnalysisSql
{
    /// <summary>Sprints the trend is fitted over, ending with the sprint explained.</summary>
    public const int TrendSprints = 8;

    /// <summary>|z| at or above which a sprint metric is flagged as an anomaly.</summary>
    public const double AnomalyZ = 2.0;

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
}
