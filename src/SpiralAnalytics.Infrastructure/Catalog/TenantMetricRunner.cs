using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Analytics;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Infrastructure.Queries;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Infrastructure.Catalog;

/// <summary>
/// Computes tenant metrics through the same validator, builder and executor as any question (runtime role, tenant set,
/// read-only, statement timeout): a preview of a draft over the tenant's last 8 sprints (or months), and after each
/// refresh the per-sprint (or per-month) values of every active tenant metric into <c>tenant_metric_values</c>. A metric
/// whose computation fails is recorded as failed with the database's error and does not stop the others.
/// </summary>
public sealed class TenantMetricRunner(
    SpiralDataSources data,
    TenantCatalogStore store,
    CatalogReader catalogs,
    TenantDirectory tenants,
    QueryExecutor executor,
    ILogger<TenantMetricRunner> logger,
    TimeProvider? clock = null) : IAfterRefresh
{
    public const int PreviewPeriods = 8;

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>A tenant metric (a draft too) over the tenant's last 8 sprints per team, or the last 8 months.</summary>
    public async Task<QueryResult> PreviewAsync(string tenant, string name, DateTimeOffset? asOf, CancellationToken ct)
    {
        var tenantId = await tenants.ResolveAsync(tenant, ct);
        var metric = await store.GetAsync(tenantId, name, null, ct);
        var spec = PerPeriod(metric, new LastSprintsTime(PreviewPeriods), new RollingTime("month", PreviewPeriods));
        return await RunAsync(tenant, tenantId, metric, spec, asOf, ct);
    }

    /// <summary>Every active tenant metric of every tenant, computed per sprint (or month) over all time.</summary>
    public async Task<string?> AfterRefreshAsync(long dataVersion, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        var tenantsWithMetrics = new List<(Guid Id, string Slug)>();
        await using (var command = data.Owner.CreateCommand(
                         "SELECT DISTINCT t.id, t.slug FROM tenant_metrics m JOIN tenants t ON t.id = m.tenant_id WHERE m.status = 'active' ORDER BY t.slug"))
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                tenantsWithMetrics.Add((reader.GetGuid(0), reader.GetString(1)));
            }
        }

        var (ok, failed) = (0, 0);
        foreach (var (tenantId, slug) in tenantsWithMetrics)
        {
            var (tenantOk, tenantFailed) = await MaterializeAsync(tenantId, slug, dataVersion, ct);
            ok += tenantOk;
            failed += tenantFailed;
        }

        Log.TenantMetricsMaterialized(logger, dataVersion, ok, failed, started.ElapsedMilliseconds);
        return ok + failed == 0 ? null : $"tenant metrics: {ok} computed, {failed} failed";
    }

    /// <summary>One tenant's active metrics; each is computed and written on its own, so one failure stops nothing.</summary>
    public async Task<(int Ok, int Failed)> MaterializeAsync(Guid tenantId, string slug, long dataVersion, CancellationToken ct)
    {
        var (ok, failed) = (0, 0);
        foreach (var metric in (await store.ListAsync(tenantId, ct)).Select(m => m.Definition).Where(m => m.IsActive))
        {
            var clock = Stopwatch.StartNew();
            try
            {
                var spec = PerPeriod(metric, new AllTime(), new AllTime());
                var result = await RunAsync(slug, tenantId, metric, spec, null, ct);
                await WriteAsync(tenantId, metric, result, dataVersion, (int)clock.ElapsedMilliseconds, ct);
                ok++;
            }
            catch (Exception e) when (e is PostgresException or UserErrorException or InvalidOperationException && !ct.IsCancellationRequested)
            {
                var error = e is PostgresException pg ? pg.MessageText : e.Message;
                Log.TenantMetricFailed(logger, tenantId, metric.Name, metric.Version, error);
                await RecordFailureAsync(tenantId, metric, error, dataVersion, (int)clock.ElapsedMilliseconds, ct);
                failed++;
            }
        }

        return (ok, failed);
    }

    /// <summary>Sprint-grain metrics per sprint; every other grain per calendar month.</summary>
    private static AnalyticsSpec PerPeriod(MetricDefinition metric, TimeSpec sprintTime, TimeSpec monthTime) =>
        metric.Grain == MetricGrains.Sprint
            ? new AnalyticsSpec { Metrics = [metric.Name], GroupBy = ["sprint"], Time = sprintTime }
            : new AnalyticsSpec { Metrics = [metric.Name], GroupBy = ["month"], Time = monthTime };

    private async Task<QueryResult> RunAsync(string slug, Guid tenantId, MetricDefinition metric, AnalyticsSpec spec, DateTimeOffset? asOf, CancellationToken ct)
    {
        // The tenant's catalog with this metric in it as active — for this computation only (a draft stays a draft).
        var catalog = CatalogReader.Merge(await catalogs.LoadAsync(tenantId, ct), [metric with { Status = MetricStatuses.Active }]);
        var validated = await executor.ValidateAsync(spec, slug, tenantId, catalog, ct);
        return await executor.ExecuteAsync(executor.Plan(validated, asOf ?? _clock.GetUtcNow()), null, ct);
    }

    private async Task WriteAsync(Guid tenantId, MetricDefinition metric, QueryResult result, long dataVersion, int ms, CancellationToken ct)
    {
        await using var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct);
        await using (var delete = session.Command("DELETE FROM tenant_metric_values WHERE metric_name = $1"))
        {
            delete.Parameters.Add(new NpgsqlParameter { Value = metric.Name });
            await delete.ExecuteNonQueryAsync(ct);
        }

        var bySprint = metric.Grain == MetricGrains.Sprint;
        var periodAt = bySprint ? await SprintClosesAsync(session, ct) : [];
        foreach (var row in result.Rows)
        {
            var key = (string?)(bySprint ? row["sprint_key"] : row["month"]);
            if (key is null)
            {
                continue;
            }

            await using var insert = session.Command(
                """
                INSERT INTO tenant_metric_values (tenant_id, metric_name, version, period_key, period_label, period_at, value, data_version)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                ON CONFLICT (tenant_id, metric_name, period_key) DO UPDATE SET value = excluded.value
                """);
            insert.Parameters.Add(new NpgsqlParameter { Value = tenantId });
            insert.Parameters.Add(new NpgsqlParameter { Value = metric.Name });
            insert.Parameters.Add(new NpgsqlParameter { Value = metric.Version });
            insert.Parameters.Add(new NpgsqlParameter { Value = key });
            insert.Parameters.Add(new NpgsqlParameter { Value = (string?)(bySprint ? row["sprint"] : row["month"]) ?? key });
            insert.Parameters.Add(new NpgsqlParameter
            {
                Value = bySprint
                    ? periodAt.TryGetValue(key, out var at) ? at : DBNull.Value
                    : DateTimeOffset.ParseExact(key + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                NpgsqlDbType = NpgsqlDbType.TimestampTz,
            });
            insert.Parameters.Add(new NpgsqlParameter { Value = row[metric.Name]?.GetValue<double>() is { } v ? v : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Double });
            insert.Parameters.Add(new NpgsqlParameter { Value = dataVersion });
            await insert.ExecuteNonQueryAsync(ct);
        }

        await UpsertRunAsync(session, metric, "ok", null, result.Rows.Count, ms, dataVersion, ct);
        await session.CommitAsync(ct);
    }

    private static async Task<Dictionary<string, object>> SprintClosesAsync(TenantSession session, CancellationToken ct)
    {
        await using var command = session.Command("SELECT sprint_key, sprint_close_at FROM sprint_stats WHERE sprint_close_at IS NOT NULL");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var closes = new Dictionary<string, object>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            closes[reader.GetString(0)] = reader.GetFieldValue<DateTimeOffset>(1);
        }

        return closes;
    }

    private async Task RecordFailureAsync(Guid tenantId, MetricDefinition metric, string error, long dataVersion, int ms, CancellationToken ct)
    {
        await using var session = await TenantSession.BeginAsync(data.Runtime, tenantId, ct);
        await UpsertRunAsync(session, metric, "failed", error, 0, ms, dataVersion, ct);
        await session.CommitAsync(ct);
    }

    private static async Task UpsertRunAsync(TenantSession session, MetricDefinition metric, string status, string? error, int rows, int ms, long dataVersion,
        CancellationToken ct)
    {
        await using var command = session.Command(
            """
            INSERT INTO tenant_metric_runs (tenant_id, metric_name, version, status, error, row_count, duration_ms, data_version, computed_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
            ON CONFLICT (tenant_id, metric_name) DO UPDATE SET version = excluded.version, status = excluded.status, error = excluded.error,
                row_count = excluded.row_count, duration_ms = excluded.duration_ms, data_version = excluded.data_version, computed_at = now()
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = session.TenantId });
        command.Parameters.Add(new NpgsqlParameter { Value = metric.Name });
        command.Parameters.Add(new NpgsqlParameter { Value = metric.Version });
        command.Parameters.Add(new NpgsqlParameter { Value = status });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = rows });
        command.Parameters.Add(new NpgsqlParameter { Value = ms });
        command.Parameters.Add(new NpgsqlParameter { Value = dataVersion });
        await command.ExecuteNonQueryAsync(ct);
    }
}
