using System.Globalization;
using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using Npgsql;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Query;

/// <summary>
/// Windows that contain an active sprint (the seeded tenant's sprint 9 of every team is active at <see cref="QueryFixture.AsOf"/>):
/// every sprint-grain metric counts closed sprints only, in every window form, against independent SQL over the base tables
/// (sprint_issues with the given outcomes, issue_blocks) — and the answer says which sprint its window ends inside.
/// </summary>
public sealed partial class ClosedSprintWindowTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// $1 tenant, $2 as_of, $3/$4 the window [from, to). f: sprint × issue (with the team's previous sprint, block hours inside the
    /// sprint); ps: per closed sprint in the window, every quantity the metrics need.
    /// </summary>
    private const string Base =
        """
        WITH sp AS (
            SELECT s.id, s.key, s.team_id, s.state, s.start_at, coalesce(s.completed_at, s.end_at) AS close_at,
                   lag(s.id) OVER (PARTITION BY s.team_id ORDER BY coalesce(s.completed_at, s.end_at), s.id) AS previous_id
            FROM sprints s WHERE s.tenant_id = $1
        ), f AS (
            SELECT t.name AS team, sp.id AS sprint_id, sp.key AS sprint_key, sp.previous_id, sp.state, sp.start_at, sp.close_at,
                   i.id AS issue_id, i.type AS issue_type, si.outcome, si.committed, si.added_at,
                   coalesce(si.points_at_start, i.story_points) IS NULL AS unestimated,
                   coalesce(si.points_at_start, i.story_points, 0) AS p0, coalesce(si.points_at_end, i.story_points, 0) AS p1,
                   coalesce((SELECT sum(extract(epoch FROM least(b.blocked_to, sp.close_at) - greatest(b.blocked_from, sp.start_at))) / 3600
                             FROM issue_blocks b WHERE b.tenant_id = $1 AND b.issue_id = i.id
                               AND b.blocked_from < sp.close_at AND b.blocked_to > sp.start_at), 0) AS blocked_hours
            FROM sprint_issues si
            JOIN sp ON sp.id = si.sprint_id
            JOIN teams t ON t.tenant_id = si.tenant_id AND t.id = sp.team_id
            JOIN issues i ON i.tenant_id = si.tenant_id AND i.id = si.issue_id
            WHERE si.tenant_id = $1
        ), g AS (
            SELECT f.*, f.committed AND EXISTS (SELECT 1 FROM f x WHERE x.issue_id = f.issue_id AND x.sprint_id = f.previous_id
                                                 AND x.outcome = 'not_completed') AS carried
            FROM f
        ), ps AS (
            SELECT team, sprint_key,
                   sum(CASE WHEN outcome = 'completed' THEN p1 ELSE 0 END) AS completed_points,
                   count(*) FILTER (WHERE outcome = 'completed') AS completed_count,
                   count(*) FILTER (WHERE outcome = 'completed' AND lower(issue_type) = 'bug') AS completed_bugs,
                   sum(CASE WHEN committed THEN p0 ELSE 0 END) AS committed_points,
                   count(*) FILTER (WHERE committed) AS committed_count,
                   count(*) FILTER (WHERE committed AND unestimated) AS committed_unestimated,
                   sum(CASE WHEN committed AND outcome = 'completed' THEN p0 ELSE 0 END) AS say_do_points,
                   sum(CASE WHEN committed AND outcome = 'not_completed' THEN p0 ELSE 0 END) AS spilled_points,
                   sum(CASE WHEN outcome IN ('completed', 'not_completed') THEN p1 ELSE 0 END) AS final_scope_points,
                   sum(CASE WHEN NOT committed AND added_at > start_at AND added_at <= close_at THEN p1 ELSE 0 END) AS added_points,
                   sum(CASE WHEN outcome = 'removed' THEN p1 ELSE 0 END) AS removed_points,
                   sum(CASE WHEN committed AND outcome <> 'removed' THEN abs(p1 - p0) ELSE 0 END) AS reestimated_points,
                   sum(CASE WHEN outcome = 'completed' AND NOT committed THEN p1 ELSE 0 END) AS unplanned_points,
                   sum(CASE WHEN carried THEN p0 ELSE 0 END) AS carried_points,
                   sum(blocked_hours) AS blocked_hours,
                   count(*) FILTER (WHERE blocked_hours > 0) AS blocked_count,
                   count(*) AS scope_count
            FROM g
            WHERE state = 'closed' AND close_at <= $2 AND close_at >= $3 AND close_at < $4
            GROUP BY 1, 2
        )
        SELECT team,
        """;

    /// <summary>Each sprint-grain metric of the shipped catalog as plain SQL over <c>ps</c> (grouped by team).</summary>
    private static readonly Dictionary<string, string> Expected = new(StringComparer.Ordinal)
    {
        ["velocity"] = "avg(completed_points)",
        ["completed_sp"] = "sum(completed_points)",
        ["completed_issues"] = "sum(completed_count)",
        ["planned_sp"] = "sum(committed_points)",
        ["added_sp"] = "sum(added_points)",
        ["removed_sp"] = "sum(removed_points)",
        ["say_do_ratio"] = "sum(say_do_points) / nullif(sum(committed_points), 0)",
        ["spillover_ratio"] = "sum(spilled_points) / nullif(sum(committed_points), 0)",
        ["completion_rate"] = "sum(completed_points) / nullif(sum(final_scope_points), 0)",
        ["carryover_ratio"] = "sum(carried_points) / nullif(sum(committed_points), 0)",
        ["scope_creep_ratio"] = "sum(added_points) / nullif(sum(committed_points), 0)",
        ["scope_churn_ratio"] = "sum(added_points + removed_points + reestimated_points) / nullif(sum(committed_points), 0)",
        ["accuracy_abs"] = "sum(abs(committed_points - completed_points)) / nullif(sum(committed_points), 0)",
        ["unplanned_work_share"] = "sum(unplanned_points) / nullif(sum(completed_points), 0)",
        ["bug_share"] = "sum(completed_bugs)::numeric / nullif(sum(completed_count), 0)",
        ["unestimated_ratio"] = "sum(committed_unestimated)::numeric / nullif(sum(committed_count), 0)",
        ["blocked_hours"] = "sum(blocked_hours)",
        ["blocked_issue_ratio"] = "sum(blocked_count)::numeric / nullif(sum(scope_count), 0)",
    };

    /// <summary>Windows that contain the active sprint's start (and, but for <c>all</c>, its planned end 2024-05-06).</summary>
    public static TheoryData<string, string> Cases()
    {
        var windows = new[]
        {
            """{"type":"all"}""",
            """{"type":"period","unit":"quarter","offset":0}""",
            """{"type":"period","unit":"year","offset":0}""",
            """{"type":"between","from":"2024-04-01","to":"2024-05-31"}""",
        };
        var data = new TheoryData<string, string>();
        foreach (var metric in Expected.Keys.Append(ProblemScore))
        {
            foreach (var window in windows)
            {
                data.Add(metric, window);
            }
        }

        return data;
    }

    private const string ProblemScore = "sprint_problematic_score";

    [Fact]
    public void Every_sprint_grain_metric_of_the_catalog_is_covered()
    {
        var sprintGrain = Directory.GetFiles(Path.Combine(RepoPaths.Root, "catalog"), "*.yaml")
            .Where(f => File.ReadAllLines(f).Any(l => l.Trim() == "grain: sprint"))
            .Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal);
        Assert.Equal(sprintGrain, Expected.Keys.Append(ProblemScore).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_window_containing_the_active_sprint_counts_closed_sprints_only(string metric, string window)
    {
        var seeded = await QueryFixture.SeededAsync(server);
        using var host = QueryFixture.Host(seeded.Db);
        var result = await QueryFixture.Executor(host).ExecuteAsync(
            $$"""{"metrics":["{{metric}}"],"group_by":["team"],"time":{{window}}}""", seeded.Slug, QueryFixture.AsOf, null, Ct);
        var (from, to) = Bounds(window);
        var expected = metric == ProblemScore
            ? await ProblemScoresAsync(seeded, from, to)
            : await ReadAsync(seeded, Base + Expected[metric] + "\nFROM ps GROUP BY 1", from, to);
        Assert.True(expected.Count > 0, $"{metric} {window}: no closed sprint in the window");
        var actual = result.Rows.ToDictionary(r => r["team"]!.GetValue<string>(), r => r[metric]?.GetValue<double>());
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (team, value) in expected)
        {
            Assert.True(value is null ? actual[team] is null : actual[team] is { } got && Math.Abs(got - value.Value) <= 1e-9,
                $"{metric} {window} [{team}]: expected {value}, got {actual[team]}");
        }

        // The window ends inside every team's active sprint: the answer names them.
        var active = await ActiveSprintsAsync(seeded);
        var warning = Assert.Single(result.Warnings, w => w.StartsWith("the window ends inside a sprint in progress", StringComparison.Ordinal));
        Assert.All(active, a => Assert.Contains(a, warning, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_current_sprint_is_labelled_in_progress_and_last_sprints_has_no_such_warning()
    {
        var seeded = await QueryFixture.SeededAsync(server);
        using var host = QueryFixture.Host(seeded.Db);
        var executor = QueryFixture.Executor(host);
        var active = await ActiveSprintsAsync(seeded);
        Assert.Equal(3, active.Count);

        var current = await executor.ExecuteAsync("""{"metrics":["velocity"],"group_by":["team"],"time":{"type":"current_sprint"}}""",
            seeded.Slug, QueryFixture.AsOf, null, Ct);
        var label = Assert.Single(current.Warnings, w => w.StartsWith("in progress:", StringComparison.Ordinal));
        Assert.All(active, a => Assert.Contains(a, label, StringComparison.Ordinal));

        var last = await executor.ExecuteAsync("""{"metrics":["velocity"],"group_by":["team"],"time":{"type":"last_sprints","n":3}}""",
            seeded.Slug, QueryFixture.AsOf, null, Ct);
        Assert.DoesNotContain(last.Warnings, w => w.Contains("in progress", StringComparison.Ordinal) || w.Contains("ends inside", StringComparison.Ordinal));

        // An issue-grain metric is placed by its own time column: no sprint warning.
        var issues = await executor.ExecuteAsync("""{"metrics":["issues_created"],"time":{"type":"all"}}""", seeded.Slug, QueryFixture.AsOf, null, Ct);
        Assert.DoesNotContain(issues.Warnings, w => w.Contains("ends inside", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_past_window_that_ends_inside_a_sprint_says_it_closed_after_the_window()
    {
        var seeded = await QueryFixture.SeededAsync(server);
        using var host = QueryFixture.Host(seeded.Db);
        // 2024-01-20 is inside every team's second sprint (2024-01-15 .. 2024-01-29), closed by as_of.
        var result = await QueryFixture.Executor(host).ExecuteAsync(
            """{"metrics":["completed_sp"],"filters":[{"dimension":"team","op":"eq","values":["Atlas"]}],"time":{"type":"between","from":"2024-01-01","to":"2024-01-20"}}""",
            seeded.Slug, QueryFixture.AsOf, null, Ct);
        var end = new DateTimeOffset(2024, 1, 21, 0, 0, 0, TimeSpan.Zero);
        var inside = await ReadNamesAsync(seeded,
            "SELECT t.name || ' ' || s.name FROM sprints s JOIN teams t ON t.tenant_id = s.tenant_id AND t.id = s.team_id " +
            "WHERE s.tenant_id = $1 AND t.name = 'Atlas' AND s.start_at < $2 AND coalesce(s.completed_at, s.end_at) > $2", end);
        var warning = Assert.Single(result.Warnings, w => w.StartsWith("the window ends inside a sprint that closed after it", StringComparison.Ordinal));
        Assert.Equal("Atlas Sprint 2", Assert.Single(inside));
        Assert.Contains("Atlas Sprint 2", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("Phoenix", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sprint_series_over_all_time_lists_closed_sprints_only()
    {
        var seeded = await QueryFixture.SeededAsync(server);
        using var host = QueryFixture.Host(seeded.Db);
        var result = await QueryFixture.Executor(host).ExecuteAsync(
            """{"metrics":["velocity"],"group_by":["team","sprint"],"time":{"type":"all"}}""", seeded.Slug, QueryFixture.AsOf, null, Ct);
        var closed = await ReadNamesAsync(seeded,
            "SELECT key FROM sprints WHERE tenant_id = $1 AND state = 'closed' AND coalesce(completed_at, end_at) <= $2", QueryFixture.AsOf);
        Assert.Equal(closed.Order(StringComparer.Ordinal), result.Rows.Select(r => r["sprint_key"]!.GetValue<string>()).Order(StringComparer.Ordinal));
    }

    /// <summary>The window's [from, to) as the resolver should read it at as_of 2024-04-25 (all time: unbounded).</summary>
    private static (DateTimeOffset From, DateTimeOffset To) Bounds(string window)
    {
        DateTimeOffset D(int y, int m, int d) => new(y, m, d, 0, 0, 0, TimeSpan.Zero);
        return window switch
        {
            _ when window.Contains("\"all\"", StringComparison.Ordinal) => (D(1900, 1, 1), D(3000, 1, 1)),
            _ when window.Contains("quarter", StringComparison.Ordinal) => (D(2024, 4, 1), D(2024, 7, 1)),
            _ when window.Contains("year", StringComparison.Ordinal) => (D(2024, 1, 1), D(2025, 1, 1)),
            _ => (D(2024, 4, 1), D(2024, 6, 1)),
        };
    }

    /// <summary>
    /// The problem score per team: the mean over the window's closed sprints (closed by as_of) of the independent per-sprint score
    /// (<see cref="SprintOracle"/>: the catalog file's weights and directions over z-scores worked out in the test).
    /// </summary>
    private static async Task<Dictionary<string, double?>> ProblemScoresAsync(QueryFixture.Seeded seeded, DateTimeOffset from, DateTimeOffset to)
    {
        var components = SprintOracle.ProblemScoreComponents();
        Assert.NotEmpty(components);
        var oracle = await SprintOracle.ReadAsync(seeded.Db.OwnerConnectionString, seeded.TenantId, Ct);
        return oracle.Sprints.Values
            .Where(s => s.State == "closed" && s.CloseAt <= QueryFixture.AsOf.UtcDateTime && s.CloseAt >= from.UtcDateTime && s.CloseAt < to.UtcDateTime)
            .GroupBy(s => s.TeamName)
            .ToDictionary(g => g.Key, g => g.Select(s => oracle.Score(s.Key, components)).OfType<double>().ToList() is { Count: > 0 } scores
                ? scores.Average() : (double?)null, StringComparer.Ordinal);
    }

    private static Task<List<string>> ActiveSprintsAsync(QueryFixture.Seeded seeded) => ReadNamesAsync(seeded,
        "SELECT t.name || ' ' || s.name FROM sprints s JOIN teams t ON t.tenant_id = s.tenant_id AND t.id = s.team_id " +
        "WHERE s.tenant_id = $1 AND s.start_at <= $2 AND s.state = 'active'", QueryFixture.AsOf);

    private static async Task<List<string>> ReadNamesAsync(QueryFixture.Seeded seeded, string sql, DateTimeOffset at)
    {
        await using var connection = new NpgsqlConnection(seeded.Db.OwnerConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = seeded.TenantId });
        command.Parameters.Add(new NpgsqlParameter { Value = at });
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private static async Task<Dictionary<string, double?>> ReadAsync(QueryFixture.Seeded seeded, string sql, DateTimeOffset from, DateTimeOffset to)
    {
        await using var connection = new NpgsqlConnection(seeded.Db.OwnerConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = seeded.TenantId });
        command.Parameters.Add(new NpgsqlParameter { Value = QueryFixture.AsOf });
        command.Parameters.Add(new NpgsqlParameter { Value = from });
        command.Parameters.Add(new NpgsqlParameter { Value = to });
        var result = new Dictionary<string, double?>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            result[reader.GetString(0)] = reader.IsDBNull(1) ? null : Convert.ToDouble(reader.GetValue(1), CultureInfo.InvariantCulture);
        }

        return result;
    }
}
