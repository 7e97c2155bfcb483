using Microsoft.EntityFrameworkCore;
using SpiralAnalytics.Infrastructure.Data;

namespace SpiralAnalytics.Infrastructure.Catalog;

/// <summary>The last computation of a tenant metric: ok or failed (with the database's error).</summary>
public sealed record TenantMetricRun(string Version, string Status, string? Error, int Rows, int DurationMs, long DataVersion, DateTimeOffset ComputedAt);

/// <summary>One materialized value: a sprint (or month) and the metric's value there.</summary>
public sealed record TenantMetricPoint(string Period, string Label, DateTimeOffset? At, double? Value);

/// <summary>Reads the materialized values of a tenant's metrics (runtime role, RLS): the latest points per metric and its last run.</summary>
public sealed class TenantMetricValues(SpiralDataSources data)
{
    /// <summary>How many of the latest values per metric a list shows (the sparkline).</summary>
    public const int Latest = 12;

    public async Task<IReadOnlyDictionary<string, (TenantMetricRun? Run, IReadOnlyList<TenantMetricPoint> Points)>> ReadAsync(Guid tenantId, CancellationToken ct)
    {
        await using var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct);
        Dictionary<string, TenantMetricRun> runs;
        Dictionary<string, List<TenantMetricPoint>> points;
        await using (var context = SpiralDb.For(session))
        {
            runs = await context.TenantMetricRuns.ToDictionaryAsync(r => r.MetricName,
                r => new TenantMetricRun(r.Version, r.Status, r.Error, r.RowCount, r.DurationMs, r.DataVersion, r.ComputedAt), StringComparer.Ordinal, ct);
            // The newest values per metric: a window function, which LINQ does not express; its rows map by column name.
            var latest = await context.Database.SqlQuery<LatestValue>(
                $"""
                SELECT metric_name AS "MetricName", period_key AS "PeriodKey", period_label AS "PeriodLabel", period_at AS "PeriodAt", value AS "Value"
                FROM (
                    SELECT *, row_number() OVER (PARTITION BY metric_name ORDER BY period_at DESC NULLS LAST, period_key DESC) AS recency
                    FROM tenant_metric_values
                ) v
                WHERE recency <= {Latest}
                ORDER BY metric_name, period_at NULLS FIRST, period_key
                """).ToListAsync(ct);
            points = latest.GroupBy(v => v.MetricName, StringComparer.Ordinal).ToDictionary(g => g.Key,
                g => g.Select(v => new TenantMetricPoint(v.PeriodKey, v.PeriodLabel, v.PeriodAt, v.Value)).ToList(), StringComparer.Ordinal);
        }

        await session.CommitAsync(ct);
        return runs.Keys.Union(points.Keys).ToDictionary(n => n,
            n => (runs.GetValueOrDefault(n), (IReadOnlyList<TenantMetricPoint>)(points.GetValueOrDefault(n) ?? [])), StringComparer.Ordinal);
    }
}

/// <summary>One row of the latest-values query (columns aliased to these names).</summary>
internal sealed record LatestValue(string MetricName, string PeriodKey, string PeriodLabel, DateTimeOffset? PeriodAt, double? Value);
