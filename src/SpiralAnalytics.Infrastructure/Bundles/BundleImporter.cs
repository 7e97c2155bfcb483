using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
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
        await StageAsync(session, bundle, progress, ct);
        var staged = bundle.Teams.Count + bundle.Sprints.Count + bundle.Issues.Count + bundle.Memberships.Count + bundle.Transitions.Count +
                     bundle.Blocks.Count + bundle.Comments.Count;
        if (staged >= BulkRows)
        {
            await PlanForBulkAsync(session, ct);
        }

        var teams = await UpsertTableAsync(session, "teams", bundle.Teams.Count, TeamsSql, progress, ct);
        var sprints = await UpsertTableAsync(session, "sprints", bundle.Sprints.Count, SprintsSql, progress, ct);
        var issues = await UpsertTableAsync(session, "issues", bundle.Issues.Count, IssuesSql, progress, ct);
        await ResolveIdsAsync(session, ct);
        return
        [
            teams,
            sprints,
            issues,
            await UpsertTableAsync(session, "sprint_issues", bundle.Memberships.Count, MembershipsSql, progress, ct),
            await UpsertTableAsync(session, "issue_transitions", bundle.Transitions.Count, TransitionsSql, progress, ct),
            await UpsertTableAsync(session, "issue_blocks", bundle.Blocks.Count, BlocksSql, progress, ct),
            await UpsertTableAsync(session, "comments", bundle.Comments.Count, CommentsSql, progress, ct),
        ];
    }

    /// <summary>
    /// After <see cref="UpsertAsync(TenantSession, CsvBundle, IProgress{LoadStep}, CancellationToken)"/> in the same session: makes the
    /// bundle the whole truth about its own sprints and issues by deleting their memberships, transitions, blocks and comments that
    /// the bundle does not hold (for a source that regenerates them, such as the demo generator anchored on another day).
    /// Sprints and issues the bundle does not name are not touched.
    /// </summary>
    public static async Task<IReadOnlyList<TablePrune>> PruneAsync(TenantSession session, CancellationToken ct)
    {
        async Task<TablePrune> Delete(string table, string sql)
        {
            await using var command = session.Command(sql);
            command.CommandTimeout = 0;
            return new TablePrune(table, await command.ExecuteNonQueryAsync(ct));
        }

        return
        [
            await Delete("sprint_issues",
                """
                DELETE FROM sprint_issues t USING stage_sprint_ids sp, stage_sprints ss
                WHERE t.tenant_id = current_tenant_id() AND sp.id = t.sprint_id AND sp.key = ss.key
                  AND NOT EXISTS (SELECT 1 FROM stage_sprint_issues s JOIN stage_issue_ids i ON i.key = s.issue_key
                                  WHERE s.sprint_key = sp.key AND i.id = t.issue_id AND s.added_at IS NOT DISTINCT FROM t.added_at)
                """),
            await Delete("issue_transitions",
                """
                DELETE FROM issue_transitions t USING stage_issue_ids i, stage_issues si
                WHERE t.tenant_id = current_tenant_id() AND i.id = t.issue_id AND i.key = si.key
                  AND NOT EXISTS (SELECT 1 FROM stage_transitions s WHERE s.issue_key = i.key AND s.at = t.at AND s.to_status = t.to_status)
                """),
            await Delete("issue_blocks",
                """
                DELETE FROM issue_blocks t USING stage_issue_ids i, stage_issues si
                WHERE t.tenant_id = current_tenant_id() AND i.id = t.issue_id AND i.key = si.key
                  AND NOT EXISTS (SELECT 1 FROM stage_blocks s WHERE s.issue_key = i.key AND s.blocked_from = t.blocked_from)
                """),
            await Delete("comments",
                """
                DELETE FROM comments t USING stage_issue_ids i, stage_issues si
                WHERE t.tenant_id = current_tenant_id() AND i.id = t.issue_id AND i.key = si.key
                  AND NOT EXISTS (SELECT 1 FROM stage_comments s
                                  WHERE s.issue_key = i.key AND s.created_at = t.created_at AND s.author IS NOT DISTINCT FROM t.author)
                """),
        ];
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

    private static async Task StageAsync(TenantSession session, CsvBundle bundle, IProgress<LoadStep>? progress, CancellationToken ct)
    {
        await using (var create = session.Command(
            """
            DROP TABLE IF EXISTS stage_teams, stage_sprints, stage_issues, stage_sprint_issues, stage_transitions, stage_blocks, stage_comments,
                stage_sprint_ids, stage_issue_ids;
            -- n numbers the rows as COPY'd (1, 2, ...), so a large table can be upserted in parts
            CREATE TEMP TABLE stage_teams (n bigint GENERATED ALWAYS AS IDENTITY, key text, name text) ON COMMIT DROP;
            CREATE TEMP TABLE stage_sprints (n bigint GENERATED ALWAYS AS IDENTITY, key text, team_key text, name text, state text, start_at timestamptz,
                end_at timestamptz, completed_at timestamptz, goal text) ON COMMIT DROP;
            CREATE TEMP TABLE stage_issues (n bigint GENERATED ALWAYS AS IDENTITY, key text, team_key text, type text, priority text, status text, status_category text,
                resolution text, story_points numeric, assignee text, epic_key text, labels text[], created_at timestamptz,
                resolved_at timestamptz) ON COMMIT DROP;
            CREATE TEMP TABLE stage_sprint_issues (n bigint GENERATED ALWAYS AS IDENTITY, sprint_key text, issue_key text, added_at timestamptz, removed_at timestamptz,
                committed boolean, outcome text, points_at_start numeric, points_at_end numeric) ON COMMIT DROP;
            CREATE TEMP TABLE stage_transitions (n bigint GENERATED ALWAYS AS IDENTITY, issue_key text, at timestamptz, from_status text, to_status text,
                from_category text, to_category text) ON COMMIT DROP;
            CREATE TEMP TABLE stage_blocks (n bigint GENERATED ALWAYS AS IDENTITY, issue_key text, blocked_from timestamptz, blocked_to timestamptz) ON COMMIT DROP;
            CREATE TEMP TABLE stage_comments (n bigint GENERATED ALWAYS AS IDENTITY, issue_key text, author text, created_at timestamptz) ON COMMIT DROP;
            """))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        await CopyAsync(session, progress, "stage_teams (key, name)", bundle.Teams, (w, t) => { Text(w, t.Key); Text(w, t.Name); }, ct);
        await CopyAsync(session, progress, "stage_sprints (key, team_key, name, state, start_at, end_at, completed_at, goal)", bundle.Sprints, (w, s) =>
        {
            Text(w, s.Key); Text(w, s.TeamKey); Text(w, s.Name); Text(w, s.State);
            Instant(w, s.StartAt); Instant(w, s.EndAt); Instant(w, s.CompletedAt); Text(w, s.Goal);
        }, ct);
        await CopyAsync(session, progress,
            "stage_issues (key, team_key, type, priority, status, status_category, resolution, story_points, assignee, epic_key, labels, created_at, resolved_at)",
            bundle.Issues, (w, i) =>
            {
                Text(w, i.Key); Text(w, i.TeamKey); Text(w, i.Type); Text(w, i.Priority); Text(w, i.Status); Text(w, i.StatusCategory);
                Text(w, i.Resolution); Number(w, i.StoryPoints); Text(w, i.Assignee); Text(w, i.EpicKey);
                w.Write(i.Labels.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
                Instant(w, i.CreatedAt); Instant(w, i.ResolvedAt);
            }, ct);
        await CopyAsync(session, progress,
            "stage_sprint_issues (sprint_key, issue_key, added_at, removed_at, committed, outcome, points_at_start, points_at_end)",
            bundle.Memberships, (w, m) =>
            {
                Text(w, m.SprintKey); Text(w, m.IssueKey); Instant(w, m.AddedAt); Instant(w, m.RemovedAt);
                if (m.Committed is { } committed) { w.Write(committed, NpgsqlDbType.Boolean); } else { w.WriteNull(); }
                Text(w, m.Outcome); Number(w, m.PointsAtStart); Number(w, m.PointsAtEnd);
            }, ct);
        await CopyAsync(session, progress, "stage_transitions (issue_key, at, from_status, to_status, from_category, to_category)", bundle.Transitions, (w, t) =>
        {
            Text(w, t.IssueKey); Instant(w, t.At); Text(w, t.FromStatus); Text(w, t.ToStatus); Text(w, t.FromCategory); Text(w, t.ToCategory);
        }, ct);
        await CopyAsync(session, progress, "stage_blocks (issue_key, blocked_from, blocked_to)", bundle.Blocks, (w, b) =>
        {
            Text(w, b.IssueKey); Instant(w, b.BlockedFrom); Instant(w, b.BlockedTo);
        }, ct);
        await CopyAsync(session, progress, "stage_comments (issue_key, author, created_at)", bundle.Comments, (w, c) =>
        {
            Text(w, c.IssueKey); Text(w, c.Author); Instant(w, c.CreatedAt);
        }, ct);
    }

    private static async Task CopyAsync<T>(
        TenantSession session, IProgress<LoadStep>? progress, string target, IReadOnlyList<T> rows, Action<NpgsqlBinaryImporter, T> write,
        CancellationToken ct)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var clock = Stopwatch.StartNew();
        await using var importer = await session.Connection.BeginBinaryImportAsync($"COPY {target} FROM STDIN (FORMAT BINARY)", ct);
        foreach (var row in rows)
        {
            await importer.StartRowAsync(ct);
            write(importer, row);
        }

        await importer.CompleteAsync(ct);
        await importer.DisposeAsync();
        var table = target[..target.IndexOf(' ', StringComparison.Ordinal)];
        // A temp table has no statistics until analysed: without them the upsert's joins are planned as nested loops.
        await using (var analyze = session.Command($"ANALYZE {table}"))
        {
            analyze.CommandTimeout = 0;
            await analyze.ExecuteNonQueryAsync(ct);
        }

        progress?.Report(new LoadStep(table, LoadPhase.Copied, rows.Count, clock.Elapsed));
    }

    private static void Text(NpgsqlBinaryImporter w, string? value)
    {
        if (value is null) { w.WriteNull(); } else { w.Write(value, NpgsqlDbType.Text); }
    }

    private static void Number(NpgsqlBinaryImporter w, decimal? value)
    {
        if (value is { } v) { w.Write(v, NpgsqlDbType.Numeric); } else { w.WriteNull(); }
    }

    private static void Instant(NpgsqlBinaryImporter w, DateTimeOffset? value)
    {
        if (value is { } v) { w.Write(v.UtcDateTime, NpgsqlDbType.TimestampTz); } else { w.WriteNull(); }
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
        await using var command = session.Command(
            """
            CREATE TEMP TABLE stage_sprint_ids ON COMMIT DROP AS
            SELECT sp.key, sp.id FROM sprints sp
            WHERE sp.tenant_id = current_tenant_id()
              AND sp.key IN (SELECT key FROM stage_sprints UNION SELECT sprint_key FROM stage_sprint_issues);
            CREATE TEMP TABLE stage_issue_ids ON COMMIT DROP AS
            SELECT i.key, i.id FROM issues i
            WHERE i.tenant_id = current_tenant_id()
              AND i.key IN (SELECT key FROM stage_issues UNION SELECT issue_key FROM stage_sprint_issues
                            UNION SELECT issue_key FROM stage_transitions UNION SELECT issue_key FROM stage_blocks
                            UNION SELECT issue_key FROM stage_comments);
            ANALYZE stage_sprint_ids;
            ANALYZE stage_issue_ids;
            """);
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(ct);
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

    // Each upsert writes only rows that are new or whose values differ, over the staged rows $1 < n <= $2; keys are joined to
    // ids within the tenant (teams directly, sprints and issues through the maps of ResolveIdsAsync). Rows are written in the
    // bundle's order whatever side of a hash join the stage ends up on: a bundle lists rows grouped (memberships by sprint,
    // transitions by issue), so the index inserts stay local; in hash-table order they would land all over the indexes.
    private const string TeamsSql =
        """
        INSERT INTO teams AS t (tenant_id, key, name)
        SELECT current_tenant_id(), s.key, s.name FROM stage_teams s
        WHERE s.n > $1 AND s.n <= $2 ORDER BY s.n
        ON CONFLICT (tenant_id, key) DO UPDATE SET name = excluded.name
        WHERE t.name IS DISTINCT FROM excluded.name
        """;

    private const string SprintsSql =
        """
        INSERT INTO sprints AS t (tenant_id, key, team_id, name, state, start_at, end_at, completed_at, goal)
        SELECT current_tenant_id(), s.key, tm.id, s.name, s.state, s.start_at, s.end_at, s.completed_at, s.goal
        FROM stage_sprints s JOIN teams tm ON tm.tenant_id = current_tenant_id() AND tm.key = s.team_key
        WHERE s.n > $1 AND s.n <= $2 ORDER BY s.n
        ON CONFLICT (tenant_id, key) DO UPDATE SET team_id = excluded.team_id, name = excluded.name, state = excluded.state,
            start_at = excluded.start_at, end_at = excluded.end_at, completed_at = excluded.completed_at, goal = excluded.goal
        WHERE (t.team_id, t.name, t.state, t.start_at, t.end_at, t.completed_at, t.goal)
            IS DISTINCT FROM (excluded.team_id, excluded.name, excluded.state, excluded.start_at, excluded.end_at, excluded.completed_at, excluded.goal)
        """;

    private const string IssuesSql =
        """
        INSERT INTO issues AS t (tenant_id, key, team_id, type, priority, status, status_category, resolution, story_points,
            assignee, epic_key, labels, created_at, resolved_at)
        SELECT current_tenant_id(), s.key, tm.id, s.type, s.priority, s.status, s.status_category, s.resolution, s.story_points,
            s.assignee, s.epic_key, s.labels, s.created_at, s.resolved_at
        FROM stage_issues s LEFT JOIN teams tm ON tm.tenant_id = current_tenant_id() AND tm.key = s.team_key
        WHERE s.n > $1 AND s.n <= $2 ORDER BY s.n
        ON CONFLICT (tenant_id, key) DO UPDATE SET team_id = excluded.team_id, type = excluded.type, priority = excluded.priority,
            status = excluded.status, status_category = excluded.status_category, resolution = excluded.resolution,
            story_points = excluded.story_points, assignee = excluded.assignee, epic_key = excluded.epic_key, labels = excluded.labels,
            created_at = excluded.created_at, resolved_at = excluded.resolved_at
        WHERE (t.team_id, t.type, t.priority, t.status, t.status_category, t.resolution, t.story_points, t.assignee, t.epic_key,
               t.labels, t.created_at, t.resolved_at)
            IS DISTINCT FROM (excluded.team_id, excluded.type, excluded.priority, excluded.status, excluded.status_category,
               excluded.resolution, excluded.story_points, excluded.assignee, excluded.epic_key, excluded.labels, excluded.created_at,
               excluded.resolved_at)
        """;

    private const string MembershipsSql =
        """
        INSERT INTO sprint_issues AS t (tenant_id, sprint_id, issue_id, added_at, removed_at, committed, outcome, points_at_start, points_at_end)
        SELECT current_tenant_id(), sp.id, i.id, s.added_at, s.removed_at, s.committed, s.outcome, s.points_at_start, s.points_at_end
        FROM stage_sprint_issues s JOIN stage_sprint_ids sp ON sp.key = s.sprint_key JOIN stage_issue_ids i ON i.key = s.issue_key
        WHERE s.n > $1 AND s.n <= $2 ORDER BY s.n
        ON CONFLICT (tenant_id, sprint_id, issue_id, added_at) DO UPDATE SET removed_at = excluded.removed_at,
            committed = excluded.committed, outcome = excluded.outcome, points_at_start = excluded.points_at_start,
            points_at_end = excluded.points_at_end
        WHERE (t.removed_at, t.committed, t.outcome, t.points_at_start, t.points_at_end)
            IS DISTINCT FROM (excluded.removed_at, excluded.committed, excluded.outcome, excluded.points_at_start, excluded.points_at_end)
        """;

    private const string TransitionsSql =
        """
        INSERT INTO issue_transitions AS t (tenant_id, issue_id, at, from_status, to_status, from_category, to_category)
        SELECT current_tenant_id(), i.id, s.at, s.from_status, s.to_status, s.from_category, s.to_category
        FROM stage_transitions s JOIN stage_issue_ids i ON i.key = s.issue_key
        WHERE s.n > $1 AND s.n <= $2 ORDER BY s.n
        ON CONFLICT (tenant_id, issue_id, at, to_status) DO UPDATE SET from_status = excluded.from_status,
            from_category = excluded.from_category, to_category = excluded.to_category
        WHERE (t.from_status, t.from_category, t.to_category) IS DISTINCT FROM (excluded.from_status, excluded.from_category, excluded.to_category)
        """;

    private const string BlocksSql =
        """
        INSERT INTO issue_blocks AS t (tenant_id, issue_id, blocked_from, blocked_to)
        SELECT current_tenant_id(), i.id, s.blocked_from, s.blocked_to
        FROM stage_blocks s JOIN stage_issue_ids i ON i.key = s.issue_key
        WHERE s.n > $1 AND s.n <= $2 ORDER BY s.n
        ON CONFLICT (tenant_id, issue_id, blocked_from) DO UPDATE SET blocked_to = excluded.blocked_to
        WHERE t.blocked_to IS DISTINCT FROM excluded.blocked_to
        """;

    private const string CommentsSql =
        """
        INSERT INTO comments (tenant_id, issue_id, author, created_at)
        SELECT current_tenant_id(), i.id, s.author, s.created_at
        FROM stage_comments s JOIN stage_issue_ids i ON i.key = s.issue_key
        WHERE s.n > $1 AND s.n <= $2 ORDER BY s.n
        ON CONFLICT (tenant_id, issue_id, created_at, author) DO NOTHING
        """;
}
