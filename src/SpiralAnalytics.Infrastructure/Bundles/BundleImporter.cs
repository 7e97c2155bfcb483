using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;
using SpiralAnalytics.Core.Bundles;
using SpiralAnalytics.Core.Errors;
using SpiralAnalytics.Infrastructure.Data;
using SpiralAnalytics.Infrastructure.Tenants;

namespace SpiralAnalytics.Infrastructure.Bundles;

/// <summary>What an import did to one table.</summary>
public sealed record TableImport(string Table, int Rows, int Inserted, int Updated)
{
    public int Unchanged => Rows - Inserted - Updated;
}

/// <summary>
/// One step of loading rows: a table COPY'd into staging, part of a large table upserted (<see cref="LoadPhase.Upserting"/>:
/// <see cref="Rows"/> of <see cref="Total"/> done so far), or a staged table upserted; <see cref="Upserted"/> says what the
/// upsert did to the rows done so far.
/// </summary>
public sealed record LoadStep(string Table, LoadPhase Phase, int Rows, TimeSpan Duration, TableImport? Upserted = null, int Total = 0);

public enum LoadPhase
{
    Copied,
    Upserting,
    Upserted,
}

/// <summary>Rows <see cref="BundleImporter.PruneAsync"/> deleted from one table.</summary>
public sealed record TablePrune(string Table, int Deleted);

public sealed record ImportReport(IReadOnlyList<TableImport> Tables, IReadOnlyList<string> Warnings, TimeSpan Duration)
{
    public bool ChangedAnything => Tables.Any(t => t.Inserted + t.Updated > 0);
}

/// <summary>A bundle that was refused; nothing of it was written.</summary>
public sealed class BundleRejectedException(BundleProblems problems)
    : UserErrorException(
        $"the bundle was rejected ({problems.ErrorCount} error{(problems.ErrorCount == 1 ? "" : "s")}); nothing was imported",
        [.. problems.Errors.Select(e => e.ToString()),
         .. problems.ErrorCount > problems.Errors.Count ? [$"... and {problems.ErrorCount - problems.Errors.Count} more"] : Array.Empty<string>()])
{
    public BundleProblems Problems { get; } = problems;
}

/// <summary>
/// Loads a CSV bundle into a tenant, all-or-nothing: the bundle is checked in full first, then COPY'd into
/// staging tables and upserted set-based inside one runtime-role transaction (RLS applies to every row).
/// Rows whose values did not change are not rewritten, so a repeated import changes nothing.
/// </summary>
public sealed class BundleImporter(TenantDirectory tenants, ILogger<BundleImporter> logger)
{
    /// <summary>From this many staged rows on, a load is planned as a bulk load (<see cref="PlanForBulkAsync"/>).</summary>
    public const int BulkRows = 50_000;

    /// <summary>A table with more staged rows than this is upserted in parts of this many rows, each reported as it finishes.</summary>
    public const int ChunkRows = 250_000;

    /// <summary>Checks the bundle folder in full, then loads it in one transaction; <see cref="BundleRejectedException"/> when anything is wrong.</summary>
    public async Task<ImportReport> ImportAsync(string directory, string tenantSlug, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await using var session = await tenants.BeginSessionAsync(tenantSlug, ct);
        var read = CsvBundleReader.Read(directory, await ExistingKeysAsync(session, ct));
        if (!read.Succeeded)
        {
            throw new BundleRejectedException(read.Problems);
        }

        var tables = await UpsertAsync(session, read.Bundle!, ct);
        await Queries.DataFreshness.RecordImportAsync(session, "csv", tables.Sum(t => (long)t.Inserted + t.Updated), ct);
        await session.CommitAsync(ct);
        Log.BundleImported(logger, directory, tenantSlug, clock.ElapsedMilliseconds);
        return new ImportReport(tables, read.Problems.Warnings, clock.Elapsed);
    }

    /// <summary>
    /// Upserts rows that are already checked (keys unique, references resolvable) inside the caller's session,
    /// which commits. Other sources (the Jira connector) load through this same path.
    /// </summary>
    public static Task<IReadOnlyList<TableImport>> UpsertAsync(TenantSession session, CsvBundle bundle, CancellationToken ct) =>
        UpsertAsync(session, bundle, null, ct);

    /// <inheritdoc cref="UpsertAsync(TenantSession, CsvBundle, CancellationToken)"/>
    /// <param name="progress">
    /// Told of each table's COPY into staging, of each part of a large table's upsert (every <see cref="ChunkRows"/> rows) and
    /// of each table's upsert, as they finish.
    /// </param>
    public static async Task<IReadOnlyList<TableImport>> UpsertAsync(
        TenantSession session, CsvBundle bundle, IProgress<LoadStep>? progress, CancellationToken ct)
    {
        await using (var create = session.Command(string.Join(";\n", BundleTables.All.Select(t => t.CreateStageSql))))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        foreach (var table in BundleTables.All)
        {
            await table.CopyAsync(session, bundle, progress, ct);
        }

        if (BundleTables.All.Sum(t => t.Count(bundle)) >= BulkRows)
        {
            await PlanForBulkAsync(session, ct);
        }

        var imports = new List<TableImport>();
        var resolved = false;
        foreach (var table in BundleTables.All)
        {
            // The tables that name sprints and issues join their ids, resolved once after sprints and issues are upserted.
            if (!resolved && table.Columns.Any(c => c.Reference is { TenantScoped: false }))
            {
                await ResolveIdsAsync(session, ct);
                resolved = true;
            }

            imports.Add(await UpsertTableAsync(session, table.Table, table.Count(bundle), table.UpsertSql, progress, ct));
        }

        return imports;
    }

    /// <summary>
    /// After <see cref="UpsertAsync(TenantSession, CsvBundle, IProgress{LoadStep}, CancellationToken)"/> in the same session: makes the
    /// bundle the whole truth about its own sprints and issues by deleting their memberships, transitions, blocks and comments that
    /// the bundle does not hold (for a source that regenerates them, such as the demo generator anchored on another day).
    /// Sprints and issues the bundle does not name are not touched.
    /// </summary>
    public static async Task<IReadOnlyList<TablePrune>> PruneAsync(TenantSession session, CancellationToken ct)
    {
        var pruned = new List<TablePrune>();
        foreach (var table in BundleTables.All)
        {
            if (table.PruneSql is { } sql)
            {
                await using var command = session.Command(sql);
                command.CommandTimeout = 0;
                pruned.Add(new TablePrune(table.Table, await command.ExecuteNonQueryAsync(ct)));
            }
        }

        return pruned;
    }

    /// <summary>The team, sprint and issue keys the session's tenant already has.</summary>
    public static async Task<ExistingKeys> ExistingKeysAsync(TenantSession session, CancellationToken ct)
    {
        async Task<HashSet<string>> Keys(string table)
        {
            await using var command = session.Command($"SELECT key FROM {table}");
            await using var reader = await command.ExecuteReaderAsync(ct);
            var keys = new HashSet<string>(StringComparer.Ordinal);
            while (await reader.ReadAsync(ct))
            {
                keys.Add(reader.GetString(0));
            }

            return keys;
        }

        return new ExistingKeys(await Keys("teams"), await Keys("sprints"), await Keys("issues"));
    }

    /// <summary>
    /// The tables a bulk load fills are planned on statistics from before it: the runtime role may not ANALYZE them and
    /// autovacuum sees only committed rows, so the hundreds of thousands of issues this transaction has just inserted look like
    /// a handful, and a nested loop over "a handful" runs rows × rows (minutes at 10,000 sprints). A hash join costs about the
    /// same whatever the estimates, so a bulk load hashes every join, with memory for its hash tables. Transaction-local.
    /// </summary>
    private static async Task PlanForBulkAsync(TenantSession session, CancellationToken ct)
    {
        await using var command = session.Command("SET LOCAL enable_nestloop = off; SET LOCAL work_mem = '256MB'");
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Resolves every sprint and issue key the staged rows name to its id, once, into analysed temp tables that the later
    /// upserts and <see cref="PruneAsync"/> join instead of the sprints and issues tables (whose statistics are stale here).
    /// </summary>
    private static async Task ResolveIdsAsync(TenantSession session, CancellationToken ct)
    {
        foreach (var table in BundleTables.Referenced)
        {
            await using var command = session.Command(BundleSql.ResolveIds(table, BundleTables.All));
            command.CommandTimeout = 0;
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>
    /// Runs one table's upsert over its staged rows, in parts of <see cref="ChunkRows"/> rows (by the staging row number) so a
    /// long load can tell how far it is; all parts are in the caller's transaction, so the load stays all-or-nothing.
    /// </summary>
    private static async Task<TableImport> UpsertTableAsync(
        TenantSession session, string table, int rows, string upsert, IProgress<LoadStep>? progress, CancellationToken ct)
    {
        if (rows == 0)
        {
            return new TableImport(table, 0, 0, 0);
        }

        var clock = Stopwatch.StartNew();
        int inserted = 0, updated = 0;
        for (var from = 0; from < rows; from += ChunkRows)
        {
            var to = Math.Min(rows, from + ChunkRows);
            await using var command = session.Command(
                $"WITH up AS ({upsert} RETURNING (xmax = 0) AS inserted) SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up");
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = from });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = to });
            command.CommandTimeout = 0; // a bulk load takes as long as its data needs (400k issues: minutes)
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                await reader.ReadAsync(ct);
                inserted += (int)reader.GetInt64(0);
                updated += (int)reader.GetInt64(1);
            }

            if (to < rows)
            {
                progress?.Report(new LoadStep(table, LoadPhase.Upserting, to, clock.Elapsed, new TableImport(table, to, inserted, updated), rows));
            }
        }

        var result = new TableImport(table, rows, inserted, updated);
        progress?.Report(new LoadStep(table, LoadPhase.Upserted, rows, clock.Elapsed, result, rows));
        return result;
    }
}
