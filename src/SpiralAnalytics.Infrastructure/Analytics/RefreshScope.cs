using Npgsql;

namespace SpiralAnalytics.Infrastructure.Analytics;

/// <summary>The keys of one view kind a partial refresh rewrites; <see cref="All"/> = that view is rebuilt in full.</summary>
public sealed record ScopeKeys(Guid[] Tenants, long[] Ids, bool All = false)
{
    public static readonly ScopeKeys Everything = new([], [], All: true);

    public bool IsEmpty => !All && Ids.Length == 0;
}

/// <summary>
/// What a partial refresh rewrites, derived from what changed (analytics_changes, written by the triggers of migration 0019)
/// and from what reads the refresh's instant:
/// <list type="bullet">
/// <item>issue rows: issues whose own rows changed ('i'); an issue without a team of its own takes its last sprint's, so also
/// such issues whose memberships changed ('m') or whose team's sprint sequence moved ('q'); and issues whose rows read the
/// instant (blocked or in progress at the last refresh, still or until later).</item>
/// <item>sprint rows: sprints whose row or memberships changed ('s'); every sprint of a team whose sequence moved ('q': the
/// previous sprint, carried over); every sprint of a changed issue or of an issue whose memberships changed (its last sprint,
/// carried over, the sprint's low_sample); sprints not closed at the last refresh (their rows read the instant).</item>
/// <item>team rows (daily WIP, the issue sums per month): the teams of the changed issues, before and after (team 0: an issue
/// without a team, whose month sums are kept under 0; no WIP row has it); every team on a new UTC day.</item>
/// <item>placed-sprint rows (the issue sums per sprint, 0021: a sprint holds its team's issues and events in its (start, close]):
/// the sprint rows' sprints (a sprint's key, team or dates changed, it was added or deleted) and every sprint of those teams.</item>
/// </list>
/// A changed team row ('t'), no earlier refresh that recorded its instant, or more than a fifth (and 10,000) of the issues or
/// sprints to rewrite makes it a full refresh. Everything runs in the refresher's transaction, which consumes the changes.
/// </summary>
public sealed record RefreshScope(string? FullBecause, ScopeKeys Issues, ScopeKeys Sprints, ScopeKeys Teams, ScopeKeys PlacedSprints)
{
    // A bulk load (a first import, a re-seed) rewrites most rows: past both bounds a full rebuild is the cheaper way.
    private const double FullFraction = 0.2;
    private const int FullMinimum = 10_000;

    public ScopeKeys For(ViewKey key) => key switch
    {
        ViewKey.Issue => Issues,
        ViewKey.Sprint => Sprints,
        ViewKey.PlacedSprint => PlacedSprints,
        _ => Teams,
    };

    private const string TakeChangesSql = """
        CREATE TEMP TABLE refresh_changes (tenant_id uuid, kind char, id bigint) ON COMMIT DROP;
        WITH taken AS (DELETE FROM analytics_changes RETURNING tenant_id, kind, id)
        INSERT INTO refresh_changes SELECT * FROM taken;
        """;

    /// <summary>Statements separated by <c>;</c> at a line's end; the previous refresh's instant is <c>$1</c>.</summary>
    private const string ScopeSql = """
        CREATE TEMP TABLE refresh_changed_issues ON COMMIT DROP AS
        SELECT tenant_id, id AS issue_id FROM refresh_changes WHERE kind = 'i'
        UNION
        SELECT c.tenant_id, c.id FROM refresh_changes c JOIN issues i ON i.tenant_id = c.tenant_id AND i.id = c.id
        WHERE c.kind = 'm' AND i.team_id IS NULL
        UNION
        SELECT si.tenant_id, si.issue_id
        FROM refresh_changes c
        JOIN sprints s ON s.tenant_id = c.tenant_id AND s.team_id = c.id
        JOIN sprint_issues si ON si.tenant_id = s.tenant_id AND si.sprint_id = s.id
        JOIN issues i ON i.tenant_id = si.tenant_id AND i.id = si.issue_id
        WHERE c.kind = 'q' AND i.team_id IS NULL;

        CREATE TEMP TABLE refresh_issues ON COMMIT DROP AS
        SELECT tenant_id, issue_id FROM refresh_changed_issues
        UNION SELECT tenant_id, issue_id FROM mv_merged_blocks WHERE blocked_to > $1
        UNION SELECT tenant_id, issue_id FROM mv_issue_idle_segments WHERE idle_to IS NULL;

        CREATE TEMP TABLE refresh_sprints ON COMMIT DROP AS
        SELECT tenant_id, id AS sprint_id FROM refresh_changes WHERE kind = 's'
        UNION
        SELECT s.tenant_id, s.id FROM refresh_changes c JOIN sprints s ON s.tenant_id = c.tenant_id AND s.team_id = c.id WHERE c.kind = 'q'
        UNION
        SELECT si.tenant_id, si.sprint_id
        FROM (SELECT tenant_id, issue_id FROM refresh_changed_issues UNION SELECT tenant_id, id FROM refresh_changes WHERE kind = 'm') x
        JOIN sprint_issues si ON si.tenant_id = x.tenant_id AND si.issue_id = x.issue_id
        UNION
        SELECT s.tenant_id, s.id FROM sprints s
        WHERE coalesce(s.completed_at, s.end_at) IS NULL OR coalesce(s.completed_at, s.end_at) > $1;

        CREATE TEMP TABLE refresh_teams ON COMMIT DROP AS
        SELECT b.tenant_id, coalesce(b.team_id, 0) AS team_id
        FROM refresh_changed_issues c JOIN analytics_issue_base b ON b.tenant_id = c.tenant_id AND b.issue_id = c.issue_id
        UNION
        SELECT f.tenant_id, coalesce(t.id, 0)
        FROM refresh_changed_issues c
        JOIN mv_issue_flow f ON f.tenant_id = c.tenant_id AND f.issue_id = c.issue_id
        LEFT JOIN teams t ON t.tenant_id = f.tenant_id AND t.key = f.team_key;

        CREATE TEMP TABLE refresh_placed_sprints ON COMMIT DROP AS
        SELECT tenant_id, sprint_id FROM refresh_sprints
        UNION
        SELECT s.tenant_id, s.id FROM refresh_teams t JOIN sprints s ON s.tenant_id = t.tenant_id AND s.team_id = t.team_id;
        """;

    private const string KeysSql = """
        SELECT 'i', coalesce(array_agg(DISTINCT tenant_id), '{}'), coalesce(array_agg(issue_id), '{}'), (SELECT count(*) FROM issues) FROM refresh_issues
        UNION ALL
        SELECT 's', coalesce(array_agg(DISTINCT tenant_id), '{}'), coalesce(array_agg(sprint_id), '{}'), (SELECT count(*) FROM sprints) FROM refresh_sprints
        UNION ALL
        SELECT 't', coalesce(array_agg(DISTINCT tenant_id), '{}'), coalesce(array_agg(team_id), '{}'), (SELECT count(*) FROM teams) FROM refresh_teams
        UNION ALL
        SELECT 'p', coalesce(array_agg(DISTINCT tenant_id), '{}'), coalesce(array_agg(sprint_id), '{}'), (SELECT count(*) FROM sprints) FROM refresh_placed_sprints
        """;

    /// <summary>
    /// Takes the recorded changes (deleting them: the transaction's commit consumes them, its rollback keeps them) and derives the
    /// keys to rewrite; <paramref name="full"/> (or a reason found here) makes it a full refresh.
    /// </summary>
    public static async Task<RefreshScope> TakeAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, bool full, DateTimeOffset? previousAsOf, DateTimeOffset asOf,
        CancellationToken ct)
    {
        await using (var take = new NpgsqlCommand(TakeChangesSql, connection, transaction) { CommandTimeout = 0 })
        {
            await take.ExecuteNonQueryAsync(ct);
        }

        string? fullBecause = full ? "asked for" : previousAsOf is null ? "no earlier refresh recorded its instant" : null;
        if (fullBecause is null)
        {
            await using var teams = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM refresh_changes WHERE kind = 't')", connection, transaction);
            if ((bool)(await teams.ExecuteScalarAsync(ct))!)
            {
                fullBecause = "a team changed";
            }
        }

        if (fullBecause is not null)
        {
            return new RefreshScope(fullBecause, ScopeKeys.Everything, ScopeKeys.Everything, ScopeKeys.Everything, ScopeKeys.Everything);
        }

        await using (var scope = new NpgsqlBatch(connection, transaction) { Timeout = 0 })
        {
            foreach (var statement in ScopeSql.Split(";\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var command = new NpgsqlBatchCommand(statement);
                if (statement.Contains("$1", StringComparison.Ordinal))
                {
                    command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = previousAsOf!.Value });
                }

                scope.BatchCommands.Add(command);
            }

            await scope.ExecuteNonQueryAsync(ct);
        }

        var keys = new Dictionary<string, ScopeKeys>(StringComparer.Ordinal);
        await using (var read = new NpgsqlCommand(KeysSql, connection, transaction) { CommandTimeout = 0 })
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var ids = reader.GetFieldValue<long[]>(2);
                var total = reader.GetInt64(3);
                // teams are few: a team's days of WIP (and its sprints' placed issue sums) are rewritten whatever the share
                if (reader.GetString(0) is not ("t" or "p") && ids.Length > FullMinimum && ids.Length > FullFraction * total)
                {
                    fullBecause ??= $"{ids.Length} of {total} {(reader.GetString(0) == "i" ? "issues" : "sprints")} to rewrite";
                }

                keys[reader.GetString(0)] = new ScopeKeys(reader.GetFieldValue<Guid[]>(1), ids);
            }
        }

        if (fullBecause is not null)
        {
            return new RefreshScope(fullBecause, ScopeKeys.Everything, ScopeKeys.Everything, ScopeKeys.Everything, ScopeKeys.Everything);
        }

        // Days are UTC (0002): on a new day every team has one more day of WIP.
        var teamKeys = asOf.UtcDateTime.Date != previousAsOf!.Value.UtcDateTime.Date ? ScopeKeys.Everything : keys["t"];
        return new RefreshScope(null, keys["i"], keys["s"], teamKeys, keys["p"]);
    }
}
