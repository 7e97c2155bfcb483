using System.Text;

namespace SpiralAnalytics.Infrastructure.Bundles;

/// <summary>
/// The SQL a bundle load runs, produced from the table descriptors of <see cref="BundleTables"/>. Every identifier comes from a
/// descriptor (constants in code), never from a bundle; values travel by COPY and parameters. Pinned by baselines.
/// </summary>
public static class BundleSql
{
    /// <summary>The staging table: <c>n</c> numbers the rows as COPY'd (1, 2, ...), so a large table can be upserted in parts.</summary>
    public static string CreateStage(IBundleTable table) =>
        $"""
        DROP TABLE IF EXISTS {table.Stage};
        CREATE TEMP TABLE {table.Stage} (n bigint GENERATED ALWAYS AS IDENTITY, {string.Join(", ", table.Columns.Select(c => $"{c.Name} {c.SqlType}"))}) ON COMMIT DROP
        """;

    public static string Copy(IBundleTable table) =>
        $"COPY {table.Stage} ({string.Join(", ", table.Columns.Select(c => c.Name))}) FROM STDIN (FORMAT BINARY)";

    /// <summary>
    /// Inserts the staged rows <c>$1 &lt; n &lt;= $2</c> with references joined to their ids (a required reference by a join, so
    /// an unresolvable row is not written; an optional one by a left join), and on a key conflict updates only the rows whose
    /// values differ. Rows are written in the bundle's order whatever side of a hash join the stage ends up on: a bundle lists
    /// rows grouped (memberships by sprint, transitions by issue), so the index inserts stay local.
    /// </summary>
    public static string Upsert(IBundleTable table)
    {
        var targets = table.Columns.Select(c => c.TargetName).ToList();
        var values = table.Columns.Select(c => c.Reference is { } r ? $"{r.Alias}.id" : $"s.{c.Name}");
        var keys = table.Columns.Where(c => c.IsKey).Select(c => c.TargetName);
        var updated = table.Columns.Where(c => !c.IsKey).Select(c => c.TargetName).ToList();
        var sql = new StringBuilder()
            .Append($"INSERT INTO {table.Table} AS t (tenant_id, {string.Join(", ", targets)})\n")
            .Append($"SELECT current_tenant_id(), {string.Join(", ", values)}\n")
            .Append($"FROM {table.Stage} s");
        foreach (var column in table.Columns.Where(c => c.Reference is not null))
        {
            sql.Append(column.Nullable ? " LEFT JOIN " : " JOIN ").Append(Join(column));
        }

        sql.Append("\nWHERE s.n > $1 AND s.n <= $2 ORDER BY s.n\n")
            .Append($"ON CONFLICT (tenant_id, {string.Join(", ", keys)}) ");
        if (updated.Count == 0)
        {
            return sql.Append("DO NOTHING").ToString();
        }

        sql.Append($"DO UPDATE SET {string.Join(", ", updated.Select(c => $"{c} = excluded.{c}"))}\n");
        return (updated.Count == 1
            ? sql.Append($"WHERE t.{updated[0]} IS DISTINCT FROM excluded.{updated[0]}")
            : sql.Append($"WHERE ({string.Join(", ", updated.Select(c => "t." + c))})\n")
                .Append($"    IS DISTINCT FROM ({string.Join(", ", updated.Select(c => "excluded." + c))})")).ToString();
    }

    /// <summary>
    /// Deletes the table's rows whose owner (a sprint or issue the bundle holds) has them but the bundle does not: a row is kept
    /// when a staged row of the same owner has the same key columns.
    /// </summary>
    public static string Prune(IBundleTable table, StageColumn owner)
    {
        var ownerRef = owner.Reference ?? throw new InvalidOperationException($"{table.Table}.{owner.Name} is not a reference");
        var others = table.Columns.Where(c => c.IsKey && c != owner).ToList();
        var joins = string.Concat(others.Where(c => c.Reference is not null).Select(c => " JOIN " + Join(c)));
        var matches = others.Select(c => c.Reference is { } r
            ? $"{r.Alias}.id = t.{c.TargetName}"
            : c.Nullable ? $"s.{c.Name} IS NOT DISTINCT FROM t.{c.TargetName}" : $"s.{c.Name} = t.{c.TargetName}");
        return $"""
            DELETE FROM {table.Table} t USING {ownerRef.Source} {ownerRef.Alias}, {ownerRef.KeyedStage} owned
            WHERE t.tenant_id = current_tenant_id() AND {ownerRef.Alias}.id = t.{owner.TargetName} AND {ownerRef.Alias}.key = owned.key
              AND NOT EXISTS (SELECT 1 FROM {table.Stage} s{joins}
                              WHERE s.{owner.Name} = {ownerRef.Alias}.key AND {string.Join(" AND ", matches)})
            """;
    }

    /// <summary>
    /// Resolves every key of a referenced table (sprints, issues) that the staged rows name to its id, once, into an analysed
    /// temp table that the later upserts and prunes join instead of the application table (whose statistics are stale in a
    /// bulk load).
    /// </summary>
    public static string ResolveIds(IBundleTable referenced, IReadOnlyList<IBundleTable> all)
    {
        var map = referenced.Resolved ?? throw new InvalidOperationException($"{referenced.Table} is not referenced by key");
        var sources = new List<string> { $"SELECT key FROM {referenced.Stage}" };
        sources.AddRange(all.SelectMany(t => t.Columns.Where(c => c.Reference == map).Select(c => $"SELECT {c.Name} FROM {t.Stage}")));
        return $"""
            DROP TABLE IF EXISTS {map.Source};
            CREATE TEMP TABLE {map.Source} ON COMMIT DROP AS
            SELECT x.key, x.id FROM {referenced.Table} x
            WHERE x.tenant_id = current_tenant_id()
              AND x.key IN ({string.Join(" UNION ", sources)});
            ANALYZE {map.Source}
            """;
    }

    private static string Join(StageColumn column)
    {
        var r = column.Reference!;
        return r.TenantScoped
            ? $"{r.Source} {r.Alias} ON {r.Alias}.tenant_id = current_tenant_id() AND {r.Alias}.key = s.{column.Name}"
            : $"{r.Source} {r.Alias} ON {r.Alias}.key = s.{column.Name}";
    }
}
