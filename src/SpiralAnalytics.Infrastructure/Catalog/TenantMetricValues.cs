using Npgsql;
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
        var runs = new Dictionary<string, TenantMetricRun>(StringComparer.Ordinal);
        await using (var command = session.Command(
                         "SELECT metric_name, version, status, error, row_count, duration_ms, data_version, computed_at FROM tenant_metric_runs"))
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                runs[reader.GetString(0)] = new TenantMetricRun(reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.GetInt32(4), reader.GetInt32(5), reader.GetInt64(6), reader.GetFieldValue<DateTimeOffset>(7));
            }
        }

        var points = new Dictionary<string, List<TenantMetricPoint>>(StringComparer.Ordinal);
        await using (var command = session.Command(
                         """
                         SELECT metric_name, period_key, period_label, period_at, value
                         FROM (
                             SELECT *, row_number() OVER (PARTITION BY metric_name ORDER BY period_at DESC NULLS LAST, period_key DESC) AS recency
                             FROM tenant_metric_values
                         ) v
                         WHERE recency <= $1
                         ORDER BY metric_name, period_at NULLS FIRST, period_key
                         """))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = Latest });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var name = reader.GetString(0);
                if (!points.TryGetValue(name, out var list))
                {
                    points[name] = list = [];
                }

                list.Add(new TenantMetricPoint(reader.GetString(1), reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetDouble(4)));
            }
        }

        await session.CommitAsync(ct);
        return runs.Keys.Union(points.Keys).ToDictionary(n => n,
            n => (runs.GetValueOrDefault(n), (IReadOnlyList<TenantMetricPoint>)(points.GetValueOrDefault(n) ?? [])), StringComparer.Ordinal);
    }
}
