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

/// <summary>One step of loading rows: a table COPY'd into staging, or a staged table upserted (with what it did).</summary>
public sealed record LoadStep(string Table, LoadPhase Phase, int Rows, TimeSpan Duration, TableImport? Upserted = null);

public enum LoadPhase
{
    Copied,
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
    /// <param name="progress">Told of each table's COPY into staging and of each table's upsert, as they finish.</param>
    public static async Task<IReadOnlyList<TableImport>> UpsertAsync(
        TenantSession session, CsvBundle bundle, IProgress<LoadStep>? progress, CancellationToken ct)
    {
        await StageAsync(session, bundle, progress, ct);
        return
        [
            await UpsertTableAsync(session, "teams", bundle.Teams.Count, TeamsSql, progress, ct),
            await UpsertTableAsync(session, "sprints", bundle.Sprints.Count, SprintsSql, progress, ct),
            await UpsertTableAsync(session, "issues", bundle.Issues.Count, IssuesSql, progress, ct),
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
                DELETE FROM sprint_issues t USING sprints sp, stage_sprints ss
                WHERE t.tenant_id = current_tenant_id() AND sp.tenant_id = t.tenant_id AND sp.id = t.sprint_id AND sp.key = ss.key
                  AND NOT EXISTS (SELECT 1 FROM stage_sprint_issues s JOIN issues i ON i.tenant_id = current_tenant_id() AND i.key = s.issue_key
                                  WHERE s.sprint_key = sp.key AND i.id = t.issue_id AND s.added_at IS NOT DISTINCT FROM t.added_at)
                """),
            await Delete("issue_transitions",
                """
                DELETE FROM issue_transitions t USING issues i, stage_issues si
                WHERE t.tenant_id = current_tenant_id() AND i.tenant_id = t.tenant_id AND i.id = t.issue_id AND i.key = si.key
                  AND NOT EXISTS (SELECT 1 FROM stage_transitions s WHERE s.issue_key = i.key AND s.at = t.at AND s.to_status = t.to_status)
                """),
            await Delete("issue_blocks",
                """
                DELETE FROM issue_blocks t USING issues i, stage_issues si
                WHERE t.tenant_id = current_tenant_id() AND i.tenant_id = t.tenant_id AND i.id = t.issue_id AND i.key = si.key
                  AND NOT EXISTS (SELECT 1 FROM stage_blocks s WHERE s.issue_key = i.key AND s.blocked_from = t.blocked_from)
                """),
            await Delete("comments",
                """
                DELETE FROM comments t USING issues i, stage_issues si
                WHERE t.tenant_id = current_tenant_id() AND i.tenant_id = t.tenant_id AND i.id = t.issue_id AND i.key = si.key
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
            DROP TABLE IF EXISTS stage_teams, stage_sprints, stage_issues, stage_sprint_issues, stage_transitions, stage_blocks, stage_comments;
            CREATE TEMP TABLE stage_teams (key text, name text) ON COMMIT DROP;
            CREATE TEMP TABLE stage_sprints (key text, team_key text, name text, state text, start_at timestamptz,
                end_at timestamptz, completed_at timestamptz, goal text) ON COMMIT DROP;
            CREATE TEMP TABLE stage_issues (key text, team_key text, type text, priority text, status text, status_category text,
                resolution text, story_points numeric, assignee text, epic_key text, labels text[], created_at timestamptz,
                resolved_at timestamptz) ON COMMIT DROP;
            CREATE TEMP TABLE stage_sprint_issues (sprint_key text, issue_key text, added_at timestamptz, removed_at timestamptz,
                committed boolean, outcome text, points_at_start numeric, points_at_end numeric) ON COMMIT DROP;
            CREATE TEMP TABLE stage_transitions (issue_key text, at timestamptz, from_status text, to_status text,
                from_category text, to_category text) ON COMMIT DROP;
            CREATE TEMP TABLE stage_blocks (issue_key text, blocked_from timestamptz, blocked_to timestamptz) ON COMMIT DROP;
            CREATE TEMP TABLE stage_comments (issue_key text, author text, created_at timestamptz) ON COMMIT DROP;
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

    private static async Task<TableImport> UpsertTableAsync(
        TenantSession session, string table, int rows, string upsert, IProgress<LoadStep>? progress, CancellationToken ct)
    {
        if (rows == 0)
        {
            return new TableImport(table, 0, 0, 0);
        }

        var clock = Stopwatch.StartNew();
        await using var command = session.Command(
            $"WITH up AS ({upsert} RETURNING (xmax = 0) AS inserted) SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up");
        command.CommandTimeout = 0; // a bulk load takes as long as its data needs (400k issues: minutes)
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var result = new TableImport(table, rows, (int)reader.GetInt64(0), (int)reader.GetInt64(1));
        progress?.Report(new LoadStep(table, LoadPhase.Upserted, rows, clock.Elapsed, result));
        return result;
    }

    // Each upsert writes only rows that are new or whose values differ, and joins keys to ids within the tenant.
    private const string TeamsSql =
        """
        INSERT INTO teams AS t (tenant_id, key, name)
        SELECT current_tenant_id(), s.key, s.name FROM stage_teams s
        ON CONFLICT (tenant_id, key) DO UPDATE SET name = excluded.name
        WHERE t.name IS DISTINCT FROM excluded.name
        """;

    private const string SprintsSql =
        """
        INSERT INTO sprints AS t (tenant_id, key, team_id, name, state, start_at, end_at, completed_at, goal)
        SELECT current_tenant_id(), s.key, tm.id, s.name, s.state, s.start_at, s.end_at, s.completed_at, s.goal
        FROM stage_sprints s JOIN teams tm ON tm.tenant_id = current_tenant_id() AND tm.key = s.team_key
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
        FROM stage_sprint_issues s
        JOIN sprints sp ON sp.tenant_id = current_tenant_id() AND sp.key = s.sprint_key
        JOIN issues i ON i.tenant_id = current_tenant_id() AND i.key = s.issue_key
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
        FROM stage_transitions s JOIN issues i ON i.tenant_id = current_tenant_id() AND i.key = s.issue_key
        ON CONFLICT (tenant_id, issue_id, at, to_status) DO UPDATE SET from_status = excluded.from_status,
            from_category = excluded.from_category, to_category = excluded.to_category
        WHERE (t.from_status, t.from_category, t.to_category) IS DISTINCT FROM (excluded.from_status, excluded.from_category, excluded.to_category)
        """;

    private const string BlocksSql =
        """
        INSERT INTO issue_blocks AS t (tenant_id, issue_id, blocked_from, blocked_to)
        SELECT current_tenant_id(), i.id, s.blocked_from, s.blocked_to
        FROM stage_blocks s JOIN issues i ON i.tenant_id = current_tenant_id() AND i.key = s.issue_key
        ON CONFLICT (tenant_id, issue_id, blocked_from) DO UPDATE SET blocked_to = excluded.blocked_to
        WHERE t.blocked_to IS DISTINCT FROM excluded.blocked_to
        """;

    private const string CommentsSql =
        """
        INSERT INTO comments (tenant_id, issue_id, author, created_at)
        SELECT current_tenant_id(), i.id, s.author, s.created_at
        FROM stage_comments s JOIN issues i ON i.tenant_id = current_tenant_id() AND i.key = s.issue_key
        ON CONFLICT (tenant_id, issue_id, created_at, author) DO NOTHING
        """;
}
