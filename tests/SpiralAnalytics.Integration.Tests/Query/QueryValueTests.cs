using System.Globalization;
using System.Text.Json.Nodes;
using Npgsql;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Integration.Tests.Fixtures;

namespace SpiralAnalytics.Integration.Tests.Query;

/// <summary>
/// Specs executed on the seeded tenant against independent, straightforward SQL over the base tables (run as owner):
/// sprint × issue rows from sprint_issues with the given outcomes and commitment, issues with their final move to done.
/// </summary>
public sealed class QueryValueTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>$1 tenant, $2 as_of. f: sprint × issue; ranked: closed sprints newest first per team; iss: issues.</summary>
    private const string Base =
        """
        WITH f AS (
            SELECT t.name AS team, s.key AS sprint_key, s.name AS sprint, s.state, s.start_at, coalesce(s.completed_at, s.end_at) AS close_at,
                   i.assignee, i.type AS issue_type, i.priority, i.epic_key, si.outcome, si.committed, si.added_at,
                   coalesce(si.points_at_start, i.story_points, 0) AS p0, coalesce(si.points_at_end, i.story_points, 0) AS p1
            FROM sprint_issues si
            JOIN sprints s ON s.tenant_id = si.tenant_id AND s.id = si.sprint_id
            JOIN teams t ON t.tenant_id = s.tenant_id AND t.id = s.team_id
            JOIN issues i ON i.tenant_id = si.tenant_id AND i.id = si.issue_id
            WHERE si.tenant_id = $1
        ), ranked AS (
            SELECT s.key AS sprint_key, t.name AS team, s.start_at, coalesce(s.completed_at, s.end_at) AS close_at,
                   row_number() OVER (PARTITION BY s.team_id ORDER BY coalesce(s.completed_at, s.end_at) DESC, s.key DESC) AS rn
            FROM sprints s JOIN teams t ON t.tenant_id = s.tenant_id AND t.id = s.team_id
            WHERE s.tenant_id = $1 AND s.state = 'closed' AND coalesce(s.completed_at, s.end_at) <= $2
        ), iss AS (
            SELECT t.name AS team, i.id, i.type AS issue_type, i.priority, i.assignee, i.epic_key, i.created_at,
                   CASE WHEN i.status_category = 'done' THEN (SELECT max(x.at) FROM issue_transitions x
                        WHERE x.tenant_id = i.tenant_id AND x.issue_id = i.id AND x.to_category = 'done') END AS resolved_at
            FROM issues i JOIN teams t ON t.tenant_id = i.tenant_id AND t.id = i.team_id
            WHERE i.tenant_id = $1
        )
        """;

    private const string Completed = "CASE WHEN outcome = 'completed' THEN p1 ELSE 0 END";
    private const string CommittedP0 = "CASE WHEN committed THEN p0 ELSE 0 END";
    private const string Spilled = "CASE WHEN committed AND outcome = 'not_completed' THEN p0 ELSE 0 END";
    private const string SayDo = "CASE WHEN committed AND outcome = 'completed' THEN p0 ELSE 0 END";
    private const string Last = "sprint_key IN (SELECT sprint_key FROM ranked WHERE rn <= {0})";
    /// <summary>A sprint-grain metric counts closed sprints only (closed by as_of), in every window but the current sprint.</summary>
    private const string Closed = "state = 'closed' AND close_at <= $2";
    private const string Resolved = "(extract(epoch FROM resolved_at - created_at) / 86400)";

    public static TheoryData<string, string, string, string> Cases => new()
    {
        { "velocity by team, last 3", """{"metrics":["velocity"],"group_by":["team"],"time":{"type":"last_sprints","n":3}}""", "team",
          $"SELECT team, avg(v) FROM (SELECT team, sprint_key, sum({Completed}) AS v FROM f WHERE {L(3)} GROUP BY 1, 2) x GROUP BY 1" },
        { "completed_issues by team and sprint, all", """{"metrics":["completed_issues"],"group_by":["team","sprint"],"time":{"type":"all"}}""", "team,sprint_key",
          $"SELECT team, sprint_key, count(*) FILTER (WHERE outcome = 'completed') FROM f WHERE {Closed} GROUP BY 1, 2" },
        { "planned_sp by team, default window", """{"metrics":["planned_sp"],"group_by":["team"]}""", "team",
          $"SELECT team, sum({CommittedP0}) FROM f WHERE {L(6)} GROUP BY 1" },
        { "completed_sp, last 2", """{"metrics":["completed_sp"],"time":{"type":"last_sprints","n":2}}""", "",
          $"SELECT coalesce(sum({Completed}), 0) FROM f WHERE {L(2)}" },
        { "added_sp by team, last 4", """{"metrics":["added_sp"],"group_by":["team"],"time":{"type":"last_sprints","n":4}}""", "team",
          $"SELECT team, sum(CASE WHEN NOT committed AND added_at > start_at AND added_at <= close_at THEN p1 ELSE 0 END) FROM f WHERE {L(4)} GROUP BY 1" },
        { "removed_sp by assignee, last 3", """{"metrics":["removed_sp"],"group_by":["assignee"],"time":{"type":"last_sprints","n":3}}""", "assignee",
          $"SELECT assignee, sum(CASE WHEN outcome = 'removed' THEN p1 ELSE 0 END) FROM f WHERE {L(3)} GROUP BY 1" },
        { "spillover_ratio by team, last 3", """{"metrics":["spillover_ratio"],"group_by":["team"],"time":{"type":"last_sprints","n":3}}""", "team",
          $"SELECT team, sum({Spilled}) / nullif(sum({CommittedP0}), 0) FROM f WHERE {L(3)} GROUP BY 1" },
        { "say_do_ratio by team, last 5", """{"metrics":["say_do_ratio"],"group_by":["team"],"time":{"type":"last_sprints","n":5}}""", "team",
          $"SELECT team, sum({SayDo}) / nullif(sum({CommittedP0}), 0) FROM f WHERE {L(5)} GROUP BY 1" },
        { "completion_rate by issue type, last 3", """{"metrics":["completion_rate"],"group_by":["issue_type"],"time":{"type":"last_sprints","n":3}}""", "issue_type",
          $"SELECT issue_type, sum({Completed}) / nullif(sum(CASE WHEN outcome IN ('completed', 'not_completed') THEN p1 ELSE 0 END), 0) FROM f WHERE {L(3)} GROUP BY 1" },
        { "spillover_ratio sliced by assignee, last 6", """{"metrics":["spillover_ratio"],"group_by":["assignee"],"time":{"type":"last_sprints","n":6}}""", "assignee",
          $"SELECT assignee, sum({Spilled}) / nullif(sum({CommittedP0}), 0) FROM f WHERE {L(6)} GROUP BY 1" },
        { "say_do_ratio by priority for two teams, last 4", """{"metrics":["say_do_ratio"],"group_by":["priority"],"filters":[{"dimension":"team","op":"in","values":["Atlas","phoenix"]}],"time":{"type":"last_sprints","n":4}}""", "priority",
          $"SELECT priority, sum({SayDo}) / nullif(sum({CommittedP0}), 0) FROM f WHERE {L(4)} AND team IN ('Atlas', 'Phoenix') GROUP BY 1" },
        { "velocity by assignee, last 6", """{"metrics":["velocity"],"group_by":["assignee"],"time":{"type":"last_sprints","n":6}}""", "assignee",
          $"SELECT assignee, avg(v) FROM (SELECT assignee, sprint_key, sum({Completed}) AS v FROM f WHERE {L(6)} GROUP BY 1, 2) x GROUP BY 1" },
        { "completed_issues by month, all", """{"metrics":["completed_issues"],"group_by":["month"],"time":{"type":"all"}}""", "month",
          $"SELECT to_char(close_at AT TIME ZONE 'UTC', 'YYYY-MM'), count(*) FILTER (WHERE outcome = 'completed') FROM f WHERE {Closed} GROUP BY 1" },
        { "completed_sp by quarter, all", """{"metrics":["completed_sp"],"group_by":["quarter"],"time":{"type":"all"}}""", "quarter",
          $"SELECT to_char(close_at AT TIME ZONE 'UTC', 'YYYY-\"Q\"Q'), sum({Completed}) FROM f WHERE {Closed} GROUP BY 1" },
        { "velocity of the current sprint by team", """{"metrics":["velocity"],"group_by":["team"],"time":{"type":"current_sprint"}}""", "team",
          $"SELECT team, sum({Completed}) FROM f WHERE start_at <= $2 AND (close_at > $2 OR state = 'active') GROUP BY 1" },
        { "completed_issues by sprint for 'atlas' (any case)", """{"metrics":["completed_issues"],"group_by":["sprint"],"filters":[{"dimension":"team","op":"eq","values":["atlas"]}],"time":{"type":"last_sprints","n":4}}""", "sprint_key",
          $"SELECT sprint_key, count(*) FILTER (WHERE outcome = 'completed') FROM f WHERE {L(4)} AND team = 'Atlas' GROUP BY 1" },
        { "planned_sp by team between dates", """{"metrics":["planned_sp"],"group_by":["team"],"time":{"type":"between","from":"2024-02-01","to":"2024-03-31"}}""", "team",
          $"SELECT team, sum({CommittedP0}) FROM f WHERE close_at >= '2024-02-01T00:00Z' AND close_at < '2024-04-01T00:00Z' GROUP BY 1" },
        { "bug_count by team, last month", """{"metrics":["bug_count"],"group_by":["team"],"time":{"type":"period","unit":"month","offset":-1}}""", "team",
          "SELECT team, count(*) FILTER (WHERE lower(issue_type) = 'bug') FROM iss WHERE created_at >= '2024-03-01T00:00Z' AND created_at < '2024-04-01T00:00Z' GROUP BY 1" },
        { "issues_created by priority, rolling 30 days", """{"metrics":["issues_created"],"group_by":["priority"],"time":{"type":"rolling","unit":"day","n":30}}""", "priority",
          "SELECT priority, count(*) FROM iss WHERE created_at >= $2 - interval '30 days' AND created_at < $2 GROUP BY 1" },
        { "issues_closed by team, last quarter", """{"metrics":["issues_closed"],"group_by":["team"],"time":{"type":"period","unit":"quarter","offset":-1}}""", "team",
          "SELECT team, count(*) FROM iss WHERE resolved_at >= '2024-01-01T00:00Z' AND resolved_at < '2024-04-01T00:00Z' GROUP BY 1" },
        { "issues_closed by assignee between dates", """{"metrics":["issues_closed"],"group_by":["assignee"],"time":{"type":"between","from":"2024-02-10","to":"2024-03-20"}}""", "assignee",
          "SELECT assignee, count(*) FROM iss WHERE resolved_at >= '2024-02-10T00:00Z' AND resolved_at < '2024-03-21T00:00Z' GROUP BY 1" },
        { "lead_time_p50 by team, all", """{"metrics":["lead_time_p50"],"group_by":["team"],"time":{"type":"all"}}""", "team",
          $"SELECT team, percentile_cont(0.5) WITHIN GROUP (ORDER BY {Resolved}) FROM iss GROUP BY 1" },
        { "lead_time_p90, last quarter", """{"metrics":["lead_time_p90"],"time":{"type":"period","unit":"quarter","offset":-1}}""", "",
          $"SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY {Resolved}) FROM iss WHERE resolved_at >= '2024-01-01T00:00Z' AND resolved_at < '2024-04-01T00:00Z'" },
        { "lead_time_avg by issue type, rolling 2 months", """{"metrics":["lead_time_avg"],"group_by":["issue_type"],"time":{"type":"rolling","unit":"month","n":2}}""", "issue_type",
          $"SELECT issue_type, avg({Resolved}) FROM iss WHERE resolved_at >= $2 - interval '2 months' AND resolved_at < $2 GROUP BY 1" },
        { "reopened_count by team, all", """{"metrics":["reopened_count"],"group_by":["team"],"time":{"type":"all"}}""", "team",
          "SELECT team, count(DISTINCT id) FILTER (WHERE EXISTS (SELECT 1 FROM issue_transitions x WHERE x.tenant_id = $1 AND x.issue_id = iss.id AND x.from_category = 'done' AND x.to_category <> 'done')) FROM iss GROUP BY 1" },
        { "reopened_count, rolling 6 weeks", """{"metrics":["reopened_count"],"time":{"type":"rolling","unit":"week","n":6}}""", "",
          "SELECT count(DISTINCT x.issue_id) FROM issue_transitions x WHERE x.tenant_id = $1 AND x.from_category = 'done' AND x.to_category <> 'done' AND x.at >= $2 - interval '42 days' AND x.at < $2" },
        { "throughput_ratio by team, last quarter", """{"metrics":["throughput_ratio"],"group_by":["team"],"time":{"type":"period","unit":"quarter","offset":-1}}""", "team",
          "SELECT team, count(*) FILTER (WHERE resolved_at >= '2024-01-01T00:00Z' AND resolved_at < '2024-04-01T00:00Z')::numeric / nullif(count(*) FILTER (WHERE created_at >= '2024-01-01T00:00Z' AND created_at < '2024-04-01T00:00Z'), 0) FROM iss GROUP BY 1" },
        { "completed_issues by team except bugs, last 3", """{"metrics":["completed_issues"],"group_by":["team"],"filters":[{"dimension":"issue_type","op":"not_in","values":["bug"]}],"time":{"type":"last_sprints","n":3}}""", "team",
          $"SELECT team, count(*) FILTER (WHERE outcome = 'completed') FROM f WHERE {L(3)} AND issue_type <> 'Bug' GROUP BY 1" },
        { "spillover_ratio by team above 0.1, last 6", """{"metrics":["spillover_ratio"],"group_by":["team"],"time":{"type":"last_sprints","n":6},"having":[{"metric":"spillover_ratio","op":"gt","value":0.1}]}""", "team",
          $"SELECT * FROM (SELECT team, sum({Spilled}) / nullif(sum({CommittedP0}), 0) AS r FROM f WHERE {L(6)} GROUP BY 1) x WHERE r > 0.1" },
        { "issues_created by team over the last 3 sprints' spans", """{"metrics":["issues_created"],"group_by":["team"],"time":{"type":"last_sprints","n":3}}""", "team",
          "SELECT i.team, count(*) FROM iss i JOIN (SELECT team, min(start_at) AS a, max(close_at) AS b FROM ranked WHERE rn <= 3 GROUP BY 1) w ON w.team = i.team WHERE i.created_at > w.a AND i.created_at <= w.b GROUP BY 1" },
        { "bug_share by team, last 6", """{"metrics":["bug_share"],"group_by":["team"],"time":{"type":"last_sprints","n":6}}""", "team",
          $"SELECT team, count(*) FILTER (WHERE outcome = 'completed' AND lower(issue_type) = 'bug')::numeric / nullif(count(*) FILTER (WHERE outcome = 'completed'), 0) FROM f WHERE {L(6)} GROUP BY 1" },
        { "spillover_ratio by team and sprint is null for a zero commitment", """{"metrics":["spillover_ratio"],"group_by":["team","sprint"],"time":{"type":"all"}}""", "team,sprint_key",
          $"SELECT team, sprint_key, sum({Spilled}) / nullif(sum({CommittedP0}), 0) FROM f WHERE {Closed} GROUP BY 1, 2" },
        { "completed_sp by epic, last 2", """{"metrics":["completed_sp"],"group_by":["epic"],"time":{"type":"last_sprints","n":2}}""", "epic",
          $"SELECT epic_key, sum({Completed}) FROM f WHERE {L(2)} GROUP BY 1" },
        { "completed_issues by week, rolling 8 weeks", """{"metrics":["completed_issues"],"group_by":["week"],"time":{"type":"rolling","unit":"week","n":8}}""", "week",
          // every week of the window is listed; a week in which no sprint closed is null (a series without holes)
          "SELECT to_char(w.week, 'YYYY-MM-DD'), c.n FROM generate_series(date_trunc('week', ($2 - interval '56 days') AT TIME ZONE 'UTC'), " +
          "$2 AT TIME ZONE 'UTC' - interval '1 microsecond', interval '7 days') w(week) LEFT JOIN (" +
          "SELECT date_trunc('week', close_at AT TIME ZONE 'UTC') AS week, count(*) FILTER (WHERE outcome = 'completed') AS n FROM f " +
          "WHERE close_at >= $2 - interval '56 days' AND close_at < $2 GROUP BY 1) c ON c.week = w.week" },
    };

    private static string L(int n) => string.Format(CultureInfo.InvariantCulture, Last, n);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Spec_equals_independent_sql_over_the_base_tables(string name, string spec, string keys, string sql)
    {
        var seeded = await QueryFixture.SeededAsync(server);
        using var host = QueryFixture.Host(seeded.Db);
        var result = await QueryFixture.Executor(host).ExecuteAsync(spec, seeded.Slug, QueryFixture.AsOf, null, Ct);
        var keyColumns = keys.Length == 0 ? [] : keys.Split(',');
        var metric = result.Columns.First(c => c.Kind == "metric").Name;
        var actual = result.Rows.ToDictionary(r => Key(keyColumns.Select(k => r[k]?.GetValue<string>())), r => Number(r[metric]));
        var expected = await IndependentAsync(seeded, sql, keyColumns.Length);
        Assert.True(expected.Count > 0, $"{name}: the independent SQL found nothing to compare");
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, value) in expected)
        {
            var got = actual[key];
            if (value is null)
            {
                Assert.True(got is null, $"{name} [{key}]: expected null, got {got}");
            }
            else
            {
                Assert.True(got is not null && Math.Abs(got.Value - value.Value) <= 1e-9, $"{name} [{key}]: expected {value}, got {got}");
            }
        }
    }

    [Fact]
    public async Task Zero_committed_points_give_null_ratios_not_errors()
    {
        var seeded = await QueryFixture.SeededAsync(server);
        using var host = QueryFixture.Host(seeded.Db);
        var result = await QueryFixture.Executor(host).ExecuteAsync(
            """{"metrics":["spillover_ratio","say_do_ratio"],"group_by":["sprint"],"filters":[{"dimension":"team","op":"eq","values":["ORI"]}],"time":{"type":"all"}}""",
            seeded.Slug, QueryFixture.AsOf, null, Ct);
        var first = result.Rows.Single(r => r["sprint_key"]!.GetValue<string>() == "ORI-S1");
        Assert.Null(first["spillover_ratio"]);
        Assert.Null(first["say_do_ratio"]);
        Assert.Equal(8, result.Rows.Count); // sprint 9 is in progress: no outcome yet
    }

    [Fact]
    public async Task Top_two_teams_by_completed_points_are_sorted_and_limited()
    {
        var seeded = await QueryFixture.SeededAsync(server);
        using var host = QueryFixture.Host(seeded.Db);
        var result = await QueryFixture.Executor(host).ExecuteAsync(
            """{"metrics":["completed_sp"],"group_by":["team"],"time":{"type":"last_sprints","n":6},"sort":[{"by":"completed_sp","dir":"desc"}],"limit":2}""",
            seeded.Slug, QueryFixture.AsOf, null, Ct);
        var expected = await IndependentAsync(seeded, $"SELECT team, sum({Completed}) FROM f WHERE {L(6)} GROUP BY 1", 1);
        Assert.Equal(expected.OrderByDescending(e => e.Value).Take(2).Select(e => e.Key), result.Rows.Select(r => r["team"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Compare_gives_the_previous_window_delta_and_relative_change()
    {
        var seeded = await QueryFixture.SeededAsync(server);
        using var host = QueryFixture.Host(seeded.Db);
        var result = await QueryFixture.Executor(host).ExecuteAsync(
            """{"metrics":["completed_issues"],"group_by":["team"],"time":{"type":"last_sprints","n":2},"compare":{"type":"previous_period"}}""",
            seeded.Slug, QueryFixture.AsOf, null, Ct);
        var now = await IndependentAsync(seeded, $"SELECT team, count(*) FILTER (WHERE outcome = 'completed') FROM f WHERE {L(2)} GROUP BY 1", 1);
        var before = await IndependentAsync(seeded,
            "SELECT team, count(*) FILTER (WHERE outcome = 'completed') FROM f WHERE sprint_key IN (SELECT sprint_key FROM ranked WHERE rn BETWEEN 3 AND 4) GROUP BY 1", 1);
        Assert.Equal(["team", "completed_issues", "completed_issues__previous", "completed_issues__delta", "completed_issues__change"], result.Columns.Select(c => c.Name));
        foreach (var row in result.Rows)
        {
            var team = row["team"]!.GetValue<string>();
            Assert.Equal(now[team], Number(row["completed_issues"]));
            Assert.Equal(before[team], Number(row["completed_issues__previous"]));
            Assert.Equal(now[team] - before[team], Number(row["completed_issues__delta"]));
            Assert.Equal(((now[team] - before[team]) / before[team])!.Value, Number(row["completed_issues__change"])!.Value, 1e-9);
        }
    }

    private static string Key(IEnumerable<string?> parts) => string.Join("|", parts.Select(p => p ?? "∅"));

    private static double? Number(JsonNode? node) => node?.GetValue<double>();

    private static async Task<Dictionary<string, double?>> IndependentAsync(QueryFixture.Seeded seeded, string select, int keys)
    {
        await using var connection = new NpgsqlConnection(seeded.Db.OwnerConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(Base + select, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = seeded.TenantId });
        command.Parameters.Add(new NpgsqlParameter { Value = QueryFixture.AsOf });
        var result = new Dictionary<string, double?>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            var key = Key(Enumerable.Range(0, keys).Select(i => reader.IsDBNull(i) ? null : reader.GetString(i)));
            result[key] = reader.IsDBNull(keys) ? null : Convert.ToDouble(reader.GetValue(keys), CultureInfo.InvariantCulture);
        }

        return result;
    }
}
