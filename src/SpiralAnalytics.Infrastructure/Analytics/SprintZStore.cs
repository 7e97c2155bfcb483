using System.Diagnostics;
using Npgsql;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Catalog;

namespace SpiralAnalytics.Infrastructure.Analytics;

/// <summary>
/// The refresh's step that stores each tenant's per-sprint z-scores of its composites' components (one statement per composite) (migration 0021,
/// <c>mv_sprint_z</c>): in the refresh's transaction, after the analytics tables, for every tenant the refresh touched, the rows
/// are deleted and computed again by the query builder's own statement for each component definition in force
/// (<see cref="ZScoreSql.Stored"/>, run with the tenant set, so it reads the tenant views as an answer does), under that
/// statement's key. Answers read them only for keys the store lists (<see cref="ZScoreSql.StoredCtes"/>), so nothing stored
/// is ever read for another definition, and nothing is older than the data version it was committed with.
/// </summary>
public sealed class SprintZStore(CatalogReader catalogs)
{
    public const string Table = "mv_sprint_z";

    /// <summary>
    /// Recomputes the stored z-scores: all of them for a full refresh (<paramref name="partial"/> null); for a partial one, in
    /// each tenant it touched, those of the sprints whose z the rewritten rows can move (<see cref="RefreshScope.ZTeams"/>,
    /// <see cref="RefreshScope.ZSprints"/>), and all of a tenant whose store does not hold exactly the keys of its catalog in
    /// force (a catalog imported since: its own version of a component is stored at the next refresh of any kind).
    /// </summary>
    public async Task<ViewRefresh> RefreshAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, RefreshScope? partial, CancellationToken ct)
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
            var composites = catalog.All
                .Where(m => m.Type == MetricTypes.Composite && m.IsActive)
                .Select(c => (Composite: c, Components: ZScoreSql.Components(c, catalog)))
                .Select(x => (x.Composite, x.Components, Key: ZScoreSql.Stored(x.Components, catalog)?.Key))
                .Where(x => x.Key is not null)
                .DistinctBy(x => x.Key)
                .ToList();
            var whole = partial is null || !heldKeys.SetEquals(composites.Select(x => x.Key!));
            if (!whole && !partial!.ZTeams.Tenants.Contains(tenant) && !partial.ZSprints.Tenants.Contains(tenant))
            {
                continue;
            }

            if (whole)
            {
                foreach (var table in new[] { Table, "analytics_z_definitions" })
                {
                    await using var delete = new NpgsqlCommand($"DELETE FROM {table} WHERE tenant_id = $1", connection, transaction) { CommandTimeout = 0 };
                    delete.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = tenant });
                    await delete.ExecuteNonQueryAsync(ct);
                }
            }

            if (composites.Count == 0)
            {
                continue;
            }

            await using (var session = new NpgsqlCommand("SELECT set_config('app.tenant_id', $1, true), set_config('jit', 'off', true)", connection, transaction))
            {
                session.Parameters.Add(new NpgsqlParameter { Value = tenant.ToString() });
                await session.ExecuteNonQueryAsync(ct);
            }

            foreach (var (composite, components, key) in composites)
            {
                // a partial refresh: the rows of the sprints of the teams and the sprints it names (and of sprints gone or renamed)
                Func<SqlParameters, string>? targets = whole
                    ? null
                    : p => $"SELECT v.sprint_key FROM sprint_stats v WHERE v.sprint_key IN (SELECT s.key FROM sprints s WHERE s.tenant_id = {p.Add(tenant)} " +
                           $"AND (s.team_id = ANY ({p.Add(partial!.ZTeams.Ids)}) OR s.id = ANY ({p.Add(partial.ZSprints.Ids)})))";
                var z = ZScoreSql.Stored(components, catalog, targets)!;
                if (!whole)
                {
                    await using var delete = new NpgsqlCommand(
                        $"""
                         DELETE FROM {Table} WHERE tenant_id = $1 AND definition = $2
                           AND (sprint_key IN (SELECT s.key FROM sprints s WHERE s.tenant_id = $1 AND (s.team_id = ANY ($3) OR s.id = ANY ($4)))
                                OR sprint_key NOT IN (SELECT s.key FROM sprints s WHERE s.tenant_id = $1))
                         """, connection, transaction) { CommandTimeout = 0 };
                    delete.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = tenant });
                    delete.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key! });
                    delete.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = partial!.ZTeams.Ids });
                    delete.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = partial.ZSprints.Ids });
                    await delete.ExecuteNonQueryAsync(ct);
                }

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
                rows += await insert.ExecuteNonQueryAsync(ct);

                await using var definition = new NpgsqlCommand(
                    """
                    INSERT INTO analytics_z_definitions (tenant_id, definition, metric, version, row_count)
                    VALUES ($1, $2, $3, $4, (SELECT count(*) FROM mv_sprint_z WHERE tenant_id = $1 AND definition = $2))
                    ON CONFLICT (tenant_id, definition) DO UPDATE SET row_count = excluded.row_count
                    """,
                    connection, transaction);
                definition.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = tenant });
                definition.Parameters.Add(new NpgsqlParameter<string> { TypedValue = z.Key });
                definition.Parameters.Add(new NpgsqlParameter<string> { TypedValue = composite.Name });
                definition.Parameters.Add(new NpgsqlParameter<string> { TypedValue = composite.Version });
                await definition.ExecuteNonQueryAsync(ct);
            }

            await using var reset = new NpgsqlCommand("SELECT set_config('app.tenant_id', '', true)", connection, transaction);
            await reset.ExecuteNonQueryAsync(ct);
        }

        return new ViewRefresh(Table, rows, clock.Elapsed) { Full = partial is null };
    }
}
