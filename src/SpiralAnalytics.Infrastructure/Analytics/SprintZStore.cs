using System.Diagnostics;
using Npgsql;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Catalog;
using SpiralAnalytics.Infrastructure.Data;

namespace SpiralAnalytics.Infrastructure.Analytics;

/// <summary>
/// Each tenant's stored per-sprint z-scores of its composites' components (one statement per composite) (migration 0021,
/// <c>mv_sprint_z</c>). In the refresh's transaction the rows of every tenant it touched are deleted (<see cref="ForgetAsync"/>),
/// so nothing stored is older than the data it commits; right after the commit, still under the refresh's lock, they are
/// computed again (<see cref="AfterRefreshAsync"/>) by the query builder's own statement for each component definition in
/// force (<see cref="ZScoreSql.Stored"/>, run with the tenant set, so it reads the tenant views as an answer does), under that
/// statement's key. Answers read them only for keys the store lists (<see cref="ZScoreSql.StoredCtes"/>) and compute them
/// meanwhile, so nothing stored is ever read for another definition or another data version, and the refresh itself does
/// not wait for them.
/// </summary>
public sealed class SprintZStore(CatalogReader catalogs, SpiralDataSources data) : IAfterRefresh
{
    public const string Table = "mv_sprint_z";

    /// <summary>Deletes the stored z-scores of the tenants the refresh rewrote (<paramref name="touched"/>; null: every tenant), in its transaction.</summary>
    public async Task ForgetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid[]? touched, CancellationToken ct)
    {
        foreach (var table in new[] { Table, "analytics_z_definitions" })
        {
            await using var delete = new NpgsqlCommand($"DELETE FROM {table} WHERE $1::uuid[] IS NULL OR tenant_id = ANY($1)", connection, transaction) { CommandTimeout = 0 };
            delete.Parameters.Add(new NpgsqlParameter<Guid[]?> { TypedValue = touched, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Uuid });
            await delete.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>After a refresh committed: stores every tenant whose store does not hold exactly the keys of its catalog in force.</summary>
    public async Task<string?> AfterRefreshAsync(long dataVersion, CancellationToken ct)
    {
        await using var connection = await data.Owner.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var stored = await RefreshAsync(connection, transaction, [], ct);
        await transaction.CommitAsync(ct);
        return stored.Rows == 0 ? null : $"stored z-scores of the composites' components: {stored.Rows} rows in {stored.Duration.TotalSeconds:0.00} s";
    }

    /// <summary>
    /// Recomputes the stored z-scores of the tenants whose analytics rows the refresh rewrote (<paramref name="touched"/>; null:
    /// every tenant), and of any other tenant whose store does not hold exactly the keys of its catalog in force (a catalog
    /// imported since: its own version of a component is stored at the next refresh of any kind).
    /// </summary>
    public async Task<ViewRefresh> RefreshAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid[]? touched, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var held = new Dictionary<Guid, HashSet<string>>();
        await using (var read = new NpgsqlCommand(
                         "SELECT t.id, d.definition FROM tenants t LEFT JOIN analytics_z_definitions d ON d.tenant_id = t.id ORDER BY t.id", connection, transaction))
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var keys = held.TryGetValue(reader.GetGuid(0), out var k) ? k : held[reader.GetGuid(0)] = new HashSet<string>(StringComparer.Ordinal);
                if (!reader.IsDBNull(1))
                {
                    keys.Add(reader.GetString(1));
                }
            }
        }

        long rows = 0;
        foreach (var (tenant, heldKeys) in held)
        {
            var catalog = await catalogs.LoadAsync(tenant, ct);
            var stored = catalog.All
                .Where(m => m.Type == MetricTypes.Composite && m.IsActive)
                .Select(c => (Composite: c, Z: ZScoreSql.Stored(ZScoreSql.Components(c, catalog), catalog)))
                .Where(x => x.Z is not null)
                .DistinctBy(x => x.Z!.Key)
                .ToList();
            if (touched is not null && !touched.Contains(tenant) && heldKeys.SetEquals(stored.Select(x => x.Z!.Key)))
            {
                continue;
            }

            await ForgetAsync(connection, transaction, [tenant], ct);

            if (stored.Count == 0)
            {
                continue;
            }

            await using (var session = new NpgsqlCommand("SELECT set_config('app.tenant_id', $1, true), set_config('jit', 'off', true)", connection, transaction))
            {
                session.Parameters.Add(new NpgsqlParameter { Value = tenant.ToString() });
                await session.ExecuteNonQueryAsync(ct);
            }

            foreach (var (composite, z) in stored.Select(x => (x.Composite, x.Z!)))
            {
                var tenantParameter = $"${z.Parameters.Count + 1}";
                var keyParameter = $"${z.Parameters.Count + 2}";
                await using var insert = new NpgsqlCommand(
                    $"INSERT INTO {Table} (tenant_id, definition, sprint_key, metric, value, baseline, n, z)\n" +
                    $"SELECT {tenantParameter}, {keyParameter}, x.sprint_key, x.metric, x.value, x.baseline, x.n, x.z FROM (\n{z.Sql}\n) x",
                    connection, transaction) { CommandTimeout = 0 };
                foreach (var value in z.Parameters)
                {
                    insert.Parameters.Add(new NpgsqlParameter { Value = value });
                }

                insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = tenant });
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = z.Key });
                var inserted = await insert.ExecuteNonQueryAsync(ct);
                rows += inserted;

                await using var definition = new NpgsqlCommand(
                    "INSERT INTO analytics_z_definitions (tenant_id, definition, metric, version, row_count) VALUES ($1, $2, $3, $4, $5)",
                    connection, transaction);
                definition.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = tenant });
                definition.Parameters.Add(new NpgsqlParameter<string> { TypedValue = z.Key });
                definition.Parameters.Add(new NpgsqlParameter<string> { TypedValue = composite.Name });
                definition.Parameters.Add(new NpgsqlParameter<string> { TypedValue = composite.Version });
                definition.Parameters.Add(new NpgsqlParameter<int> { TypedValue = inserted });
                await definition.ExecuteNonQueryAsync(ct);
            }

            await using var reset = new NpgsqlCommand("SELECT set_config('app.tenant_id', '', true)", connection, transaction);
            await reset.ExecuteNonQueryAsync(ct);
        }

        return new ViewRefresh(Table, rows, clock.Elapsed);
    }
}
