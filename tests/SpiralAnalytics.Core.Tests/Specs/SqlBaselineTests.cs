using System.Globalization;

namespace SpiralAnalytics.Core.Tests.Specs;

/// <summary>
/// The exact SQL of representative specs (as_of 2024-06-15T12:00:00Z), so any change in the builder shows here as a readable
/// diff. After a conscious change: SPIRAL_DUMP_BASELINES=/tmp/b.txt dotnet test --filter SqlBaselineTests, then update.
/// </summary>
public sealed class SqlBaselineTests
{
    [Theory]
    [MemberData(nameof(Names))]
    public void Sql_text_equals_the_baseline(string name)
    {
        var (_, spec, sql, parameters) = Cases.Single(c => c.Name == name);
        var built = SpecTestData.Build(spec);
        Assert.Equal(sql, built.Sql);
        Assert.Equal(parameters, Describe(built.Parameters));
    }

    [Fact]
    public void There_are_at_least_25_baselines_covering_every_time_form()
    {
        Assert.True(Cases.Count >= 25);
        foreach (var form in new[] { "last_sprints", "current_sprint", "period", "rolling", "between", "all" })
        {
            Assert.Contains(Cases, c => c.Spec.Contains($"\"type\":\"{form}\"", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Dump_baselines_when_asked()
    {
        if (Environment.GetEnvironmentVariable("SPIRAL_DUMP_BASELINES") is not { Length: > 0 } path)
        {
            return;
        }

        var lines = new List<string>();
        foreach (var (name, spec, _, _) in Cases)
        {
            var built = SpecTestData.Build(spec);
            lines.Add("=== " + name);
            lines.Add(spec);
            lines.Add(built.Sql);
            lines.Add("--- " + Describe(built.Parameters));
        }

        File.WriteAllLines(path, lines);
    }

    public static TheoryData<string> Names => new(Cases.Select(c => c.Name));

    private static string Describe(IReadOnlyList<object> parameters) => string.Join(" | ", parameters.Select(p => p switch
    {
        string[] a => "[" + string.Join(",", a) + "]",
        DateTimeOffset d => d.UtcDateTime.ToString("o", CultureInfo.InvariantCulture),
        _ => Convert.ToString(p, CultureInfo.InvariantCulture),
    }));

    private static readonly IReadOnlyList<(string Name, string Spec, string Sql, string Parameters)> Cases =
    [
        (
            "Velocity_by_team_over_the_last_three_sprints",
            """{"metrics":["velocity"],"group_by":["team"],"time":{"type":"last_sprints","n":3}}""",
            """
            WITH cur_sprints AS (
                SELECT s.sprint_key, s.team_key, s.sprint_start_at, s.sprint_close_at
                FROM (
                    SELECT sprint_key, team_key, sprint_start_at, sprint_close_at,
                           row_number() OVER (PARTITION BY team_key ORDER BY sprint_close_at DESC, sprint_key DESC) AS recency
                    FROM sprint_stats
                    WHERE sprint_state = 'closed' AND sprint_close_at <= $1
                ) s
                WHERE s.recency BETWEEN $2 AND $3
            ),
            c1 AS (
                SELECT x.team, avg(x.completed_points) AS completed_points_per_sprint
                FROM (
                    SELECT v.team_name AS team, v.sprint_key AS per_sprint, sum(v.completed_points) AS completed_points
                    FROM sprint_stats v
                    WHERE v.sprint_key IN (SELECT sprint_key FROM cur_sprints)
                    GROUP BY 1, 2
                ) x
                GROUP BY 1
            ),
            cur AS (
                SELECT c1.team, c1.completed_points_per_sprint AS velocity
                FROM c1
            )
            SELECT r.team, r.velocity
            FROM cur r
            ORDER BY r.team
            """,
            "2024-06-15T12:00:00.0000000Z | 1 | 3"),
        (
            "Spillover_without_time_uses_the_default_window",
            """{"metrics":["spillover_ratio"]}""",
            """
            WITH cur_sprints AS (
                SELECT s.sprint_key, s.team_key, s.sprint_start_at, s.sprint_close_at
                FROM (
                    SELECT sprint_key, team_key, sprint_start_at, sprint_close_at,
                           row_number() OVER (PARTITION BY team_key ORDER BY sprint_close_at DESC, sprint_key DESC) AS recency
                    FROM sprint_stats
                    WHERE sprint_state = 'closed' AND sprint_close_at <= $1
                ) s
                WHERE s.recency BETWEEN $2 AND $3
            ),
            c1 AS (
                SELECT sum(v.spilled_points) AS spilled_points, sum(v.committed_points) AS committed_points
                FROM sprint_stats v
                WHERE v.sprint_key IN (SELECT sprint_key FROM cur_sprints)
            ),
            cur AS (
                SELECT coalesce(c1.spilled_points, 0)::numeric / nullif(c1.committed_points, 0) AS spillover_ratio
                FROM c1
            )
            SELECT r.spillover_ratio
            FROM cur r
            """,
            "2024-06-15T12:00:00.0000000Z | 1 | 6"),
        (
            "Spillover_by_team_compared_with_threshold_and_top_five",
            """{"metrics":["spillover_ratio"],"group_by":["team"],"filters":[{"dimension":"team","op":"in","values":["Phoenix","Atlas"]}],"time":{"type":"last_sprints","n":3},"compare":{"type":"previous_period"},"having":[{"metric":"spillover_ratio","op":"gt","value":0.3}],"sort":[{"by":"spillover_ratio","dir":"desc"}],"limit":5}""",
            """
            WITH cur_sprints AS (
                SELECT s.sprint_key, s.team_key, s.sprint_start_at, s.sprint_close_at
                FROM (
                    SELECT sprint_key, team_key, sprint_start_at, sprint_close_at,
                           row_number() OVER (PARTITION BY team_key ORDER BY sprint_close_at DESC, sprint_key DESC) AS recency
                    FROM sprint_stats
                    WHERE sprint_state = 'closed' AND sprint_close_at <= $1
                ) s
                WHERE s.recency BETWEEN $2 AND $3
            ),
            c1 AS (
                SELECT v.team_name AS team, sum(v.spilled_points) AS spilled_points, sum(v.committed_points) AS committed_points
                FROM sprint_stats v
                WHERE v.sprint_key IN (SELECT sprint_key FROM cur_sprints)
                  AND v.team_name = ANY($4)
                GROUP BY 1
            ),
            cur AS (
                SELECT c1.team, coalesce(c1.spilled_points, 0)::numeric / nullif(c1.committed_points, 0) AS spillover_ratio
                FROM c1
            ),
            prev_sprints AS (
                SELECT s.sprint_key, s.team_key, s.sprint_start_at, s.sprint_close_at
                FROM (
                    SELECT sprint_key, team_key, sprint_start_at, sprint_close_at,
                           row_number() OVER (PARTITION BY team_key ORDER BY sprint_close_at DESC, sprint_key DESC) AS recency
                    FROM sprint_stats
                    WHERE sprint_state = 'closed' AND sprint_close_at <= $1
                ) s
                WHERE s.recency BETWEEN $5 AND $6
            ),
            p1 AS (
                SELECT v.team_name AS team, sum(v.spilled_points) AS spilled_points, sum(v.committed_points) AS committed_points
                FROM sprint_stats v
                WHERE v.sprint_key IN (SELECT sprint_key FROM prev_sprints)
                  AND v.team_name = ANY($4)
                GROUP BY 1
            ),
            prev AS (
                SELECT p1.team, coalesce(p1.spilled_points, 0)::numeric / nullif(p1.committed_points, 0) AS spillover_ratio
                FROM p1
            )
            SELECT r.team, r.spillover_ratio, p.spillover_ratio AS spillover_ratio__previous, r.spillover_ratio - p.spillover_ratio AS spillover_ratio__delta, (r.spillover_ratio - p.spillover_ratio)::numeric / nullif(abs(p.spillover_ratio), 0) AS spillover_ratio__change
            FROM cur r
            LEFT JOIN prev p ON p.team IS NOT DISTINCT FROM r.team
            WHERE r.spillover_ratio > $7
            ORDER BY r.spillover_ratio DESC NULLS LAST, r.team
            LIMIT $8
            """,
            "2024-06-15T12:00:00.0000000Z | 1 | 3 | [Phoenix,Atlas] | 4 | 6 | 0.3 | 5"),
        (
            "Completed_points_of_the_current_sprint_by_team",
            """{"metrics":["completed_sp"],"group_by":["team"],"time":{"type":"current_sprint"}}""",
            """
            WITH cur_sprints AS (
                SELECT sprint_key, team_key, sprint_start_at, sprint_close_at
                FROM sprint_stats
                WHERE sprint_start_at <= $1 AND (sprint_close_at > $1 OR sprint_state = 'active')
            ),
            c1 AS (
                SELECT v.team_name AS team, sum(v.completed_points) AS completed_points
                FROM sprint_stats v
                WHERE v.sprint_key IN (SELECT sprint_key FROM cur_sprints)
                GROUP BY 1
            ),
            cur AS (
                SELECT c1.team, coalesce(c1.completed_points, 0) AS completed_sp
                FROM c1
            ),
            cur_z_order AS (
                SELECT s.sprint_key, s.team_key, s.sprint_state = 'closed' AND NOT s.low_sample AS eligible,
                       count(*) FILTER (WHERE s.sprint_state = 'closed' AND NOT s.low_sample) OVER (PARTITION BY s.team_key ORDER BY s.sprint_close_at, s.sprint_key
                                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS eligible_before
                FROM sprint_stats s
                WHERE s.sprint_close_at IS NOT NULL
            ),
            cur_z_base AS (
                SELECT t.sprint_key AS target_key, b.sprint_key AS base_key
                FROM cur_z_order t
                CROSS JOIN generate_series(1, 6) k(n)
                JOIN cur_z_order b ON b.team_key = t.team_key AND b.eligible_before = t.eligible_before - k.n AND b.eligible
                WHERE t.sprint_key IN (SELECT t.sprint_key FROM sprint_stats t WHERE t.sprint_key IN (SELECT sprint_key FROM cur_sprints))
            ),
            cur_z_sprints AS (
                SELECT sprint_key, team_key, sprint_start_at, sprint_close_at
                FROM sprint_stats
                WHERE sprint_key IN (SELECT t.sprint_key FROM sprint_stats t WHERE t.sprint_key IN (SELECT sprint_key FROM cur_sprints))
                   OR sprint_key IN (SELECT base_key FROM cur_z_base)
            ),
            cur_z_values_1 AS (
                SELECT w.sprint_key AS sprint_key, a.completed_points
                FROM cur_z_sprints w
                CROSS JOIN LATERAL (
                    SELECT count(*) AS n__rows, sum(v.completed_points) AS completed_points
                    FROM sprint_stats v
                    WHERE v.sprint_key = w.sprint_key
                ) a
                WHERE a.n__rows > 0
            ),
            cur_z_values AS (
                SELECT cur_z_values_1.sprint_key, coalesce(cur_z_values_1.completed_points, 0) AS completed_sp
                FROM cur_z_values_1
            ),
            cur_z AS (
                SELECT s.sprint_key,
                       x.completed_sp,
                       z.completed_sp__mean AS completed_sp__baseline,
                       z.completed_sp__n,
                       CASE WHEN x.completed_sp IS NULL OR z.completed_sp__mean IS NULL OR z.completed_sp__n < 4 THEN NULL ELSE greatest(-3, least(3, (x.completed_sp - z.completed_sp__mean) / greatest(coalesce(z.completed_sp__sd, 0), 0.1 * abs(z.completed_sp__mean), 1))) END AS completed_sp__z
                FROM cur_z_sprints s
                LEFT JOIN cur_z_values x ON x.sprint_key = s.sprint_key
                LEFT JOIN (
                    SELECT b.target_key,
                           avg(y.completed_sp) AS completed_sp__mean, stddev_samp(y.completed_sp) AS completed_sp__sd, count(y.completed_sp)::int AS completed_sp__n
                    FROM cur_z_base b
                    JOIN cur_z_values y ON y.sprint_key = b.base_key
                    GROUP BY b.target_key
                ) z ON z.target_key = s.sprint_key
            ),
            cur_flags AS (
                SELECT v.sprint_key, v.team_name AS team, z.completed_sp__z::float8 AS completed_sp__z, z.completed_sp__baseline::float8 AS completed_sp__baseline
                FROM sprint_stats v
                JOIN cur_z z ON z.sprint_key = v.sprint_key
                WHERE NOT v.low_sample
                  AND v.sprint_key IN (SELECT t.sprint_key FROM sprint_stats t WHERE t.sprint_key IN (SELECT sprint_key FROM cur_sprints))
            )
            SELECT r.team, r.completed_sp, f.completed_sp__z, f.completed_sp__baseline, coalesce(abs(f.completed_sp__z) >= $2, false) AS completed_sp__anomaly
            FROM cur r
            LEFT JOIN cur_flags f ON f.team IS NOT DISTINCT FROM r.team
            ORDER BY r.team
            """,
            "2024-06-15T12:00:00.0000000Z | 2"),
        (
            "Issues_created_last_month_by_team",
            """{"metrics":["issues_created"],"group_by":["team"],"time":{"type":"period","unit":"month","offset":-1}}""",
            """
            WITH c1 AS (
                SELECT v.team_name AS team, sum(v.created_count) AS issues_created
                FROM issue_flow_created_months v
                WHERE v.created_at >= $1 AND v.created_at < $2
                GROUP BY 1
            ),
            cur AS (
                SELECT c1.team, coalesce(c1.issues_created, 0) AS issues_created
                FROM c1
            )
            SELECT r.team, r.issues_created
            FROM cur r
            ORDER BY r.team
            """,
            "2024-05-01T00:00:00.0000000Z | 2024-06-01T00:00:00.0000000Z"),
        (
            "Bugs_created_this_week",
            """{"metrics":["bug_count"],"time":{"type":"period","unit":"week"}}""",
            """
            WITH c1 AS (
                SELECT sum(v.bug_count) AS bugs_created
                FROM issue_flow v
                WHERE v.created_at >= $1 AND v.created_at < $2
            ),
            cur AS (
                SELECT coalesce(c1.bugs_created, 0) AS bug_count
                FROM c1
            )
            SELECT r.bug_count
            FROM cur r
            """,
            "2024-06-10T00:00:00.0000000Z | 2024-06-17T00:00:00.0000000Z"),
        (
            "Issues_closed_this_quarter_by_assignee",
            """{"metrics":["issues_closed"],"group_by":["assignee"],"time":{"type":"period","unit":"quarter"}}""",
            """
            WITH c1 AS (
                SELECT v.assignee AS assignee, sum(v.resolved_count) AS issues_resolved
                FROM issue_flow v
                WHERE v.resolved_at >= $1 AND v.resolved_at < $2
                GROUP BY 1
            ),
            cur AS (
                SELECT c1.assignee, coalesce(c1.issues_resolved, 0) AS issues_closed
                FROM c1
            )
            SELECT r.assignee, r.issues_closed
            FROM cur r
            ORDER BY r.assignee
            """,
            "2024-04-01T00:00:00.0000000Z | 2024-07-01T00:00:00.0000000Z"),
        (
            "Median_lead_time_last_year",
            """{"metrics":["lead_time_p50"],"time":{"type":"period","unit":"year","offset":-1}}""",
            """
            WITH c1 AS (
                SELECT percentile_cont($3) WITHIN GROUP (ORDER BY u.lead_time_days) AS lead_time_days_p50
                FROM issue_flow_resolved_months v
                LEFT JOIN LATERAL unnest(v.lead_time_days_values) AS u(lead_time_days) ON true
                WHERE v.resolved_at >= $1 AND v.resolved_at < $2
            ),
            cur AS (
                SELECT c1.lead_time_days_p50 AS lead_time_p50
                FROM c1
            )
            SELECT r.lead_time_p50
            FROM cur r
            """,
            "2023-01-01T00:00:00.0000000Z | 2024-01-01T00:00:00.0000000Z | 0.5"),
        (
            "Cycle_time_p90_over_the_last_30_days_by_team",
            """{"metrics":["cycle_time_p90"],"group_by":["team"],"time":{"type":"rolling","unit":"day","n":30}}""",
            """
            WITH c1 AS (
                SELECT v.team_name AS team, percentile_cont($3) WITHIN GROUP (ORDER BY v.cycle_time_days) AS cycle_time_days_p90
                FROM issue_flow v
                WHERE v.resolved_at >= $1 AND v.resolved_at < $2
                GROUP BY 1
            ),
            cur AS (
                SELECT c1.team, c1.cycle_time_days_p90 AS cycle_time_p90
                FROM c1
            )
            SELECT r.team, r.cycle_time_p90
            FROM cur r
            ORDER BY r.team
            """,
            "2024-05-16T12:00:00.0000000Z | 2024-06-15T12:00:00.0000000Z | 0.9"),
        (
            "Reopened_issues_over_the_last_4_weeks",
            """{"metrics":["reopened_count"],"time":{"type":"rolling","unit":"week","n":4}}""",
            """
            WITH c1 AS (
                SELECT count(DISTINCT v.issue_key) FILTER (WHERE v.is_reopen = 1) AS reopened_issues
                FROM issue_events v
                WHERE v.at >= $1 AND v.at < $2
            ),
            cur AS (
                SELECT coalesce(c1.reopened_issues, 0) AS reopened_count
                FROM c1
            )
            SELECT r.reopened_count
            FROM cur r
            """,
            "2024-05-18T12:00:00.0000000Z | 2024-06-15T12:00:00.0000000Z"),
        (
            "Throughput_ratio_over_3_months_by_team_reads_two_time_columns",
            """{"metrics":["throughput_ratio"],"group_by":["team"],"time":{"type":"rolling","unit":"month","n":3}}""",
            """
            WITH c1 AS (
                SELECT v.team_name AS team, sum(v.resolved_count) AS issues_resolved
                FROM issue_flow v
                WHERE v.resolved_at >= $1 AND v.resolved_at < $2
                GROUP BY 1
            ),
            c2 AS (
                SELECT v.team_name AS team, sum(v.created_count) AS issues_created
                FROM issue_flow v
                WHERE v.created_at >= $1 AND v.created_at < $2
                GROUP BY 1
            ),
            cur AS (
                SELECT k.team, coalesce(c1.issues_resolved, 0)::numeric / nullif(c2.issues_created, 0) AS throughput_ratio
                FROM (
                    SELECT team FROM c1
                    UNION SELECT team FROM c2
                ) k
                LEFT JOIN c1 ON c1.team IS NOT DISTINCT FROM k.team
                LEFT JOIN c2 ON c2.team IS NOT DISTINCT FROM k.team
            )
            SELECT r.team, r.throughput_ratio
            FROM cur r
            ORDER BY r.team
            """,
            "2024-03-15T12:00:00.0000000Z | 2024-06-15T12:00:00.0000000Z"),
        (
            "Comments_per_issue_between_two_dates",
            """{"metrics":["comments_per_issue"],"time":{"type":"between","from":"2024-01-01","to":"2024-03-31"}}""",
            """
            WITH c1 AS (
                SELECT sum(v.resolved_comment_count) AS resolved_issue_comments, sum(v.resolved_count) AS issues_resolved
                FROM issue_flow_resolved_months v
                WHERE v.resolved_at >= $1 AND v.resolved_at < $2
            ),
            cur AS (
                SELECT coalesce(c1.resolved_issue_comments, 0)::numeric / nullif(c1.issues_resolved, 0) AS comments_per_issue
                FROM c1
            )
            SELECT r.comments_per_issue
            FROM cur r
            """,
            "2024-01-01T00:00:00.0000000Z | 2024-04-01T00:00:00.0000000Z"),
        (
            "Velocity_and_completed_issues_by_team_and_sprint_over_all_time",
            """{"metrics":["velocity","completed_issues"],"group_by":["team","sprint"],"time":{"type":"all"}}""",
            """
            WITH c1 AS (
                SELECT x.team, x.sprint, x.sprint_key, x.sprint_close_at, avg(x.completed_points) AS completed_points_per_sprint
                FROM (
                    SELECT v.team_name AS team, v.sprint_name AS sprint, v.sprint_key AS sprint_key, v.sprint_close_at AS sprint_close_at, sum(v.completed_points) AS completed_points
                    FROM sprint_stats v
                    WHERE v.sprint_state = 'closed' AND v.sprint_close_at <= $1
                    GROUP BY 1, 2, 3, 4
                ) x
                GROUP BY 1, 2, 3, 4
            ),
            c2 AS (
                SELECT v.team_name AS team, v.sprint_name AS sprint, v.sprint_key AS sprint_key, v.sprint_close_at AS sprint_close_at, sum(v.completed_count) AS completed_issues
                FROM sprint_stats v
                WHERE v.sprint_state = 'closed' AND v.sprint_close_at <= $1
                GROUP BY 1, 2, 3, 4
            ),
            cur AS (
                SELECT k.team, k.sprint, k.sprint_key, k.sprint_close_at, c1.completed_points_per_sprint AS velocity, coalesce(c2.completed_issues, 0) AS completed_issues
                FROM (
                    SELECT team, sprint, sprint_key, sprint_close_at FROM c1
                    UNION SELECT team, sprint, sprint_key, sprint_close_at FROM c2
                ) k
                LEFT JOIN c1 ON c1.team IS NOT DISTINCT FROM k.team AND c1.sprint IS NOT DISTINCT FROM k.sprint AND c1.sprint_key = k.sprint_key AND c1.sprint_close_at IS NOT DISTINCT FROM k.sprint_close_at
                LEFT JOIN c2 ON c2.team IS NOT DISTINCT FROM k.team AND c2.sprint IS NOT DISTINCT FROM k.sprint AND c2.sprint_key = k.sprint_key AND c2.sprint_close_at IS NOT DISTINCT FROM k.sprint_close_at
            ),
            cur_keys AS (
                SELECT v.team_name AS team, v.sprint_name AS sprint, v.sprint_key, v.sprint_close_at
                FROM sprint_stats v
                WHERE v.sprint_state = 'closed' AND v.sprint_close_at <= $1
                UNION
                SELECT team, sprint, sprint_key, sprint_close_at FROM cur
            ),
            cur_all AS (
                SELECT k.team, k.sprint, k.sprint_key, k.sprint_close_at, c.velocity, c.completed_issues
                FROM cur_keys k
                LEFT JOIN cur c ON c.sprint_key = k.sprint_key
            ),
            cur_z_order AS (
                SELECT s.sprint_key, s.team_key, s.sprint_state = 'closed' AND NOT s.low_sample AS eligible,
                       count(*) FILTER (WHERE s.sprint_state = 'closed' AND NOT s.low_sample) OVER (PARTITION BY s.team_key ORDER BY s.sprint_close_at, s.sprint_key
                                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS eligible_before
                FROM sprint_stats s
                WHERE s.sprint_close_at IS NOT NULL
            ),
            cur_z_base AS (
                SELECT t.sprint_key AS target_key, b.sprint_key AS base_key
                FROM cur_z_order t
                CROSS JOIN generate_series(1, 6) k(n)
                JOIN cur_z_order b ON b.team_key = t.team_key AND b.eligible_before = t.eligible_before - k.n AND b.eligible
                WHERE t.sprint_key IN (SELECT sprint_key FROM cur)
            ),
            cur_z_sprints AS (
                SELECT sprint_key, team_key, sprint_start_at, sprint_close_at
                FROM sprint_stats
                WHERE sprint_key IN (SELECT sprint_key FROM cur)
                   OR sprint_key IN (SELECT base_key FROM cur_z_base)
            ),
            cur_z_values_1 AS (
                SELECT x.sprint_key, avg(x.completed_points) AS completed_points_per_sprint
                FROM (
                    SELECT w.sprint_key AS sprint_key, sum(v.completed_points) AS completed_points
                    FROM cur_z_sprints w
                    JOIN LATERAL (SELECT * FROM sprint_stats f WHERE f.sprint_key = w.sprint_key OFFSET 0) v ON true
                    GROUP BY 1
                ) x
                GROUP BY 1
            ),
            cur_z_values_2 AS (
                SELECT w.sprint_key AS sprint_key, a.completed_issues
                FROM cur_z_sprints w
                CROSS JOIN LATERAL (
                    SELECT count(*) AS n__rows, sum(v.completed_count) AS completed_issues
                    FROM sprint_stats v
                    WHERE v.sprint_key = w.sprint_key
                ) a
                WHERE a.n__rows > 0
            ),
            cur_z_values AS (
                SELECT k.sprint_key, cur_z_values_1.completed_points_per_sprint AS velocity, coalesce(cur_z_values_2.completed_issues, 0) AS completed_issues
                FROM (
                    SELECT sprint_key FROM cur_z_values_1
                    UNION SELECT sprint_key FROM cur_z_values_2
                ) k
                LEFT JOIN cur_z_values_1 ON cur_z_values_1.sprint_key = k.sprint_key
                LEFT JOIN cur_z_values_2 ON cur_z_values_2.sprint_key = k.sprint_key
            ),
            cur_z AS (
                SELECT s.sprint_key,
                       x.velocity,
                       z.velocity__mean AS velocity__baseline,
                       z.velocity__n,
                       CASE WHEN x.velocity IS NULL OR z.velocity__mean IS NULL OR z.velocity__n < 4 THEN NULL ELSE greatest(-3, least(3, (x.velocity - z.velocity__mean) / greatest(coalesce(z.velocity__sd, 0), 0.1 * abs(z.velocity__mean), 1))) END AS velocity__z,
                       x.completed_issues,
                       z.completed_issues__mean AS completed_issues__baseline,
                       z.completed_issues__n,
                       CASE WHEN x.completed_issues IS NULL OR z.completed_issues__mean IS NULL OR z.completed_issues__n < 4 THEN NULL ELSE greatest(-3, least(3, (x.completed_issues - z.completed_issues__mean) / greatest(coalesce(z.completed_issues__sd, 0), 0.1 * abs(z.completed_issues__mean), 1))) END AS completed_issues__z
                FROM cur_z_sprints s
                LEFT JOIN cur_z_values x ON x.sprint_key = s.sprint_key
                LEFT JOIN (
                    SELECT b.target_key,
                           avg(y.velocity) AS velocity__mean, stddev_samp(y.velocity) AS velocity__sd, count(y.velocity)::int AS velocity__n,
                           avg(y.completed_issues) AS completed_issues__mean, stddev_samp(y.completed_issues) AS completed_issues__sd, count(y.completed_issues)::int AS completed_issues__n
                    FROM cur_z_base b
                    JOIN cur_z_values y ON y.sprint_key = b.base_key
                    GROUP BY b.target_key
                ) z ON z.target_key = s.sprint_key
            ),
            cur_flags AS (
                SELECT v.sprint_key, v.team_name AS team, z.velocity__z::float8 AS velocity__z, z.velocity__baseline::float8 AS velocity__baseline, z.completed_issues__z::float8 AS completed_issues__z, z.completed_issues__baseline::float8 AS completed_issues__baseline
                FROM sprint_stats v
                JOIN cur_z z ON z.sprint_key = v.sprint_key
                WHERE NOT v.low_sample
                  AND v.sprint_key IN (SELECT sprint_key FROM cur)
            )
            SELECT r.team, r.sprint, r.sprint_key, r.velocity, r.completed_issues, f.velocity__z, f.velocity__baseline, coalesce(abs(f.velocity__z) >= $2, false) AS velocity__anomaly, f.completed_issues__z, f.completed_issues__baseline, coalesce(abs(f.completed_issues__z) >= $2, false) AS completed_issues__anomaly
            FROM cur_all r
            LEFT JOIN cur_flags f ON f.sprint_key = r.sprint_key
            ORDER BY r.sprint_close_at, r.sprint_key, r.team
            """,
            "2024-06-15T12:00:00.0000000Z | 2"),
        (
            "Completed_issues_by_sprint_for_one_team",
            """{"metrics":["completed_issues"],"group_by":["sprint"],"filters":[{"dimension":"team","op":"eq","values":["Atlas"]}],"time":{"type":"last_sprints","n":6}}""",
            """
            WITH cur_sprints AS (
                SELECT s.sprint_key, s.team_key, s.sprint_start_at, s.sprint_close_at
                FROM (
                    SELECT sprint_key, team_key, sprint_start_at, sprint_close_at,
                           row_number() OVER (PARTITION BY team_key ORDER BY sprint_close_at DESC, sprint_key DESC) AS recency
                    FROM sprint_stats
                    WHERE sprint_state = 'closed' AND sprint_close_at <= $1
                ) s
                WHERE s.recency BETWEEN $2 AND $3
            ),
            c1 AS (
                SELECT v.sprint_name AS sprint, v.sprint_key AS sprint_key, v.sprint_close_at AS sprint_close_at, sum(v.completed_count) AS completed_issues
                FROM sprint_stats v
                WHERE v.sprint_key IN (SELECT sprint_key FROM cur_sprints)
                  AND v.team_name = ANY($4)
                GROUP BY 1, 2, 3
            ),
            cur AS (
                SELECT c1.sprint, c1.sprint_key, c1.sprint_close_at, coalesce(c1.completed_issues, 0) AS completed_issues
                FROM c1
            ),
            cur_keys AS (
                SELECT v.sprint_name AS sprint, v.sprint_key, v.sprint_close_at
                FROM sprint_stats v
                WHERE v.sprint_key IN (SELECT sprint_key FROM cur_sprints)
                  AND v.team_name = ANY($4)
                UNION
                SELECT sprint, sprint_key, sprint_close_at FROM cur
            ),
            cur_all AS (
                SELECT k.sprint, k.sprint_key, k.sprint_close_at, c.completed_issues
                FROM cur_keys k
                LEFT JOIN cur c ON c.sprint_key = k.sprint_key
            ),
            cur_z_order AS (
                SELECT s.sprint_key, s.team_key, s.sprint_state = 'closed' AND NOT s.low_sample AS eligible,
                       count(*) FILTER (WHERE s.sprint_state = 'closed' AND NOT s.low_sample) OVER (PARTITION BY s.team_key ORDER BY s.sprint_close_at, s.sprint_key
                                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS eligible_before
                FROM sprint_stats s
                WHERE s.sprint_close_at IS NOT NULL
            ),
            cur_z_base AS (
                SELECT t.sprint_key AS target_key, b.sprint_key AS base_key
                FROM cur_z_order t
                CROSS JOIN generate_series(1, 6) k(n)
                JOIN cur_z_order b ON b.team_key = t.team_key AND b.eligible_before = t.eligible_before - k.n AND b.eligible
                WHERE t.sprint_key IN (SELECT sprint_key FROM cur)
            ),
            cur_z_sprints AS (
                SELECT sprint_key, team_key, sprint_start_at, sprint_close_at
                FROM sprint_stats
                WHERE sprint_key IN (SELECT sprint_key FROM cur)
                   OR sprint_key IN (SELECT base_key FROM cur_z_base)
            ),
            cur_z_values_1 AS (
                SELECT w.sprint_key AS sprint_key, a.completed_issues
                FROM cur_z_sprints w
                CROSS JOIN LATERAL (
                    SELECT count(*) AS n__rows, sum(v.completed_count) AS completed_issues
                    FROM sprint_stats v
                    WHERE v.sprint_key = w.sprint_key
                ) a
                WHERE a.n__rows > 0
            ),
            cur_z_values AS (
                SELECT cur_z_values_1.sprint_key, coalesce(cur_z_values_1.completed_issues, 0) AS completed_issues
                FROM cur_z_values_1
            ),
            cur_z AS (
                SELECT s.sprint_key,
                       x.completed_issues,
                       z.completed_issues__mean AS completed_issues__baseline,
                       z.completed_issues__n,
                       CASE WHEN x.completed_issues IS NULL OR z.completed_issues__mean IS NULL OR z.completed_issues__n < 4 THEN NULL ELSE greatest(-3, least(3, (x.completed_issues - z.completed_issues__mean) / greatest(coalesce(z.completed_issues__sd, 0), 0.1 * abs(z.completed_issues__mean), 1))) END AS completed_issues__z
                FROM cur_z_sprints s
                LEFT JOIN cur_z_values x ON x.sprint_key = s.sprint_key
                LEFT JOIN (
                    SELECT b.target_key,
                           avg(y.completed_issues) AS completed_issues__mean, stddev_samp(y.completed_issues) AS completed_issues__sd, count(y.completed_issues)::int AS completed_issues__n
                    FROM cur_z_base b
                    JOIN cur_z_values y ON y.sprint_key = b.base_key
                    GROUP BY b.target_key
                ) z ON z.target_key = s.sprint_key
            ),
            cur_flags AS (
                SELECT v.sprint_key, v.team_name AS team, z.completed_issues__z::float8 AS completed_issues__z, z.completed_issues__baseline::float8 AS completed_issues__baseline
                FROM sprint_stats v
                JOIN cur_z z ON z.sprint_key = v.sprint_key
                WHERE NOT v.low_sample
                  AND v.sprint_key IN (SELECT sprint_key FROM cur)
            )
            SELECT r.sprint, r.sprint_key, r.completed_issues, f.completed_issues__z, f.completed_issues__baseline, coalesce(abs(f.completed_issues__z) >= $5, false) AS completed_issues__anomaly
            FROM cur_all r
            LEFT JOIN cur_flags f ON f.sprint_key = r.sprint_key
            ORDER BY r.sprint_close_at, r.sprint_key
            """,
            "2024-06-15T12:00:00.0000000Z | 1 | 6 | [Atlas] | 2"),
        (
            "Say_do_ratio_sliced_by_assignee_is_a_ratio_of_sums",
            """{"metrics":["say_do_ratio"],"group_by":["assignee"],"time":{"type":"last_sprints","n":3}}""",
            """
            WITH cur_sprints AS (
                SELECT s.sprint_key, s.team_key, s.sprint_start_at, s.sprint_close_at
                FROM (
                    SELECT sprint_key, team_key, sprint_start_at, sprint_close_at,
                           row_number() OVER (PARTITION BY team_key ORDER BY sprint_close_at DESC, sprint_key DESC) AS recency
                    FROM sprint_stats
                    WHERE sprint_state = 'closed' AND sprint_close_at <= $1
                ) s
                WHERE s.recency BETWEEN $2 AND $3
            ),
            c1 AS (
                SELECT v.assignee AS assignee, sum(v.committed_completed_points) AS committed_completed_points, sum(v.committed_points) AS committed_points
                FROM sprint_issue_facts v
                WHERE v.sprint_key IN (SELECT sprint_key FROM cur_sprints)
                GROUP BY 1
            ),
            cur AS (
                SELECT c1.assignee, coalesce(c1.committed_completed_points, 0)::numeric / nullif(c1.committed_points, 0) AS say_do_ratio
                FROM c1
            )
            SELECT r.assignee, r.say_do_ratio
            FROM cur r
            ORDER BY r.assignee
            """,
            "2024-06-15T12:00:00.0000000Z | 1 | 3"),
        (
            "Sprint_problem_score_top_three_teams",
            """{"metrics":["sprint_problematic_score"],"group_by":["team"],"time":{"type":"last_sprints","n":6},"sort":[{"by":"sprint_problematic_score","dir":"desc"}],"limit":3}""",
            """
            WITH cur_sprints AS (
                SELECT s.sprint_key, s.team_key, s.sprint_start_at, s.sprint_close_at
                FROM (
                    SELECT sprint_key, team_key, sprint_start_at, sprint_close_at,
                           row_number() OVER (PARTITION BY team_key ORDER BY sprint_close_at DESC, sprint_key DESC) AS recency
                    FROM sprint_stats
                    WHERE sprint_state = 'closed' AND sprint_close_at <= $1
                ) s
                WHERE s.recency BETWEEN $2 AND $3
            ),
            c1_z_computed_order AS (
                SELECT s.sprint_key, s.team_key, s.sprint_state = 'closed' AND NOT s.low_sample AS eligible,
                       count(*) FILTER (WHERE s.sprint_state = 'closed' AND NOT s.low_sample) OVER (PARTITION BY s.team_key ORDER BY s.sprint_close_at, s.sprint_key
                                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS eligible_before
                FROM sprint_stats s
                WHERE s.sprint_close_at IS NOT NULL
            ),
            c1_z_computed_base AS (
                SELECT t.sprint_key AS target_key, b.sprint_key AS base_key
                FROM c1_z_computed_order t
                CROSS JOIN generate_series(1, 6) k(n)
                JOIN c1_z_computed_order b ON b.team_key = t.team_key AND b.eligible_before = t.eligible_before - k.n AND b.eligible
                WHERE t.sprint_key IN (SELECT v.sprint_key FROM sprint_stats v
                    WHERE v.sprint_key IN (SELECT sprint_key FROM cur_sprints))
            ),
            c1_z_computed_sprints AS (
                SELECT sprint_key, team_key, sprint_start_at, sprint_close_at
                FROM sprint_stats
                WHERE sprint_key IN (SELECT v.sprint_key FROM sprint_stats v
                    WHERE v.sprint_key IN (SELECT sprint_key FROM cur_sprints))
                   OR sprint_key IN (SELECT base_key FROM c1_z_computed_base)
            ),
            c1_z_computed_values_1 AS (
                SELECT w.sprint_key AS sprint_key, a.spilled_points, a.committed_points, a.committed_completed_points, a.added_points, a.removed_points, a.reestimated_points, a.blocked_hours
                FROM c1_z_computed_sprints w
                CROSS JOIN LATERAL (
                    SELECT count(*) AS n__rows, sum(v.spilled_points) AS spilled_points, sum(v.committed_points) AS committed_points, sum(v.committed_completed_points) AS committed_completed_points, sum(v.added_points) AS added_points, sum(v.removed_points) AS removed_points, sum(v.reestimated_points) AS reestimated_points, sum(v.blocked_hours) AS blocked_hours
                    FROM sprint_stats v
                    WHERE v.sprint_key = w.sprint_key
                ) a
                WHERE a.n__rows > 0
            ),
            c1_z_computed_values_2 AS (
                SELECT w.sprint_key AS sprint_key, a.reopened_issues, a.done_arrival_issues
                FROM c1_z_computed_sprints w
                CROSS JOIN LATERAL (
                    SELECT count(*) AS n__rows, sum(v.is_reopen)::bigint AS reopened_issues, sum(v.is_done_arrival)::bigint AS done_arrival_issues
                    FROM issue_events_sprints v
                    WHERE v.sprint_key = w.sprint_key
                ) a
                WHERE a.n__rows > 0
            ),
            c1_z_computed_values_3 AS (
                SELECT w.sprint_key AS sprint_key, a.cycle_time_days_p50
                FROM c1_z_computed_sprints w
                CROSS JOIN LATERAL (
                    SELECT count(*) AS n__rows, percentile_cont($4) WITHIN GROUP (ORDER BY u.cycle_time_days) AS cycle_time_days_p50
                    FROM issue_flow_resolved_sprints v
                    LEFT JOIN LATERAL unnest(v.cycle_time_days_values) AS u(cycle_time_days) ON true
                    WHERE v.sprint_key = w.sprint_key
                ) a
                WHERE a.n__rows > 0
            ),
            c1_z_computed_values AS (
                SELECT k.sprint_key, coalesce(c1_z_computed_values_1.spilled_points, 0)::numeric / nullif(c1_z_computed_values_1.committed_points, 0) AS spillover_ratio, coalesce(c1_z_computed_values_1.committed_completed_points, 0)::numeric / nullif(c1_z_computed_values_1.committed_points, 0) AS say_do_ratio, (coalesce(c1_z_computed_values_1.added_points, 0) + coalesce(c1_z_computed_values_1.removed_points, 0) + coalesce(c1_z_computed_values_1.reestimated_points, 0))::numeric / nullif(c1_z_computed_values_1.committed_points, 0) AS scope_churn_ratio, coalesce(c1_z_computed_values_1.blocked_hours, 0) AS blocked_hours, coalesce(c1_z_computed_values_2.reopened_issues, 0)::numeric / nullif(c1_z_computed_values_2.done_arrival_issues, 0) AS reopen_rate, c1_z_computed_values_3.cycle_time_days_p50 AS cycle_time_p50
                FROM (
                    SELECT sprint_key FROM c1_z_computed_values_1
                    UNION SELECT sprint_key FROM c1_z_computed_values_2
                    UNION SELECT sprint_key FROM c1_z_computed_values_3
                ) k
                LEFT JOIN c1_z_computed_values_1 ON c1_z_computed_values_1.sprint_key = k.sprint_key
                LEFT JOIN c1_z_computed_values_2 ON c1_z_computed_values_2.sprint_key = k.sprint_key
                LEFT JOIN c1_z_computed_values_3 ON c1_z_computed_values_3.sprint_key = k.sprint_key
            ),
            c1_z_computed AS (
                SELECT s.sprint_key,
                       x.spillover_ratio,
                       z.spillover_ratio__mean AS spillover_ratio__baseline,
                       z.spillover_ratio__n,
                       CASE WHEN x.spillover_ratio IS NULL OR z.spillover_ratio__mean IS NULL OR z.spillover_ratio__n < 4 THEN NULL ELSE greatest(-3, least(3, (x.spillover_ratio - z.spillover_ratio__mean) / greatest(coalesce(z.spillover_ratio__sd, 0), 0.1 * abs(z.spillover_ratio__mean), 0.05))) END AS spillover_ratio__z,
                       x.say_do_ratio,
                       z.say_do_ratio__mean AS say_do_ratio__baseline,
                       z.say_do_ratio__n,
                       CASE WHEN x.say_do_ratio IS NULL OR z.say_do_ratio__mean IS NULL OR z.say_do_ratio__n < 4 THEN NULL ELSE greatest(-3, least(3, (x.say_do_ratio - z.say_do_ratio__mean) / greatest(coalesce(z.say_do_ratio__sd, 0), 0.1 * abs(z.say_do_ratio__mean), 0.05))) END AS say_do_ratio__z,
                       x.scope_churn_ratio,
                       z.scope_churn_ratio__mean AS scope_churn_ratio__baseline,
                       z.scope_churn_ratio__n,
                       CASE WHEN x.scope_churn_ratio IS NULL OR z.scope_churn_ratio__mean IS NULL OR z.scope_churn_ratio__n < 4 THEN NULL ELSE greatest(-3, least(3, (x.scope_churn_ratio - z.scope_churn_ratio__mean) / greatest(coalesce(z.scope_churn_ratio__sd, 0), 0.1 * abs(z.scope_churn_ratio__mean), 0.05))) END AS scope_churn_ratio__z,
                       x.blocked_hours,
                       z.blocked_hours__mean AS blocked_hours__baseline,
                       z.blocked_hours__n,
                       CASE WHEN ln(1 + greatest(x.blocked_hours::float8, 0)) IS NULL OR z.blocked_hours__smean IS NULL OR z.blocked_hours__n < 4 THEN NULL ELSE greatest(-3, least(3, (ln(1 + greatest(x.blocked_hours::float8, 0)) - z.blocked_hours__smean) / greatest(coalesce(z.blocked_hours__sd, 0), 0.1 * abs(z.blocked_hours__smean), 0.1))) END AS blocked_hours__z,
                       x.reopen_rate,
                       z.reopen_rate__mean AS reopen_rate__baseline,
                       z.reopen_rate__n,
                       CASE WHEN x.reopen_rate IS NULL OR z.reopen_rate__mean IS NULL OR z.reopen_rate__n < 4 THEN NULL ELSE greatest(-3, least(3, (x.reopen_rate - z.reopen_rate__mean) / greatest(coalesce(z.reopen_rate__sd, 0), 0.1 * abs(z.reopen_rate__mean), 0.05))) END AS reopen_rate__z,
                       x.cycle_time_p50,
                       z.cycle_time_p50__mean AS cycle_time_p50__baseline,
                       z.cycle_time_p50__n,
                       CASE WHEN ln(1 + greatest(x.cycle_time_p50::float8, 0)) IS NULL OR z.cycle_time_p50__smean IS NULL OR z.cycle_time_p50__n < 4 THEN NULL ELSE greatest(-3, least(3, (ln(1 + greatest(x.cycle_time_p50::float8, 0)) - z.cycle_time_p50__smean) / greatest(coalesce(z.cycle_time_p50__sd, 0), 0.1 * abs(z.cycle_time_p50__smean), 0.1))) END AS cycle_time_p50__z
                FROM c1_z_computed_sprints s
                LEFT JOIN c1_z_computed_values x ON x.sprint_key = s.sprint_key
                LEFT JOIN (
                    SELECT b.target_key,
                           avg(y.spillover_ratio) AS spillover_ratio__mean, stddev_samp(y.spillover_ratio) AS spillover_ratio__sd, count(y.spillover_ratio)::int AS spillover_ratio__n,
                           avg(y.say_do_ratio) AS say_do_ratio__mean, stddev_samp(y.say_do_ratio) AS say_do_ratio__sd, count(y.say_do_ratio)::int AS say_do_ratio__n,
                           avg(y.scope_churn_ratio) AS scope_churn_ratio__mean, stddev_samp(y.scope_churn_ratio) AS scope_churn_ratio__sd, count(y.scope_churn_ratio)::int AS scope_churn_ratio__n,
                           avg(y.blocked_hours) AS blocked_hours__mean, avg(ln(1 + greatest(y.blocked_hours::float8, 0)) ORDER BY b.base_key) AS blocked_hours__smean, stddev_samp(ln(1 + greatest(y.blocked_hours::float8, 0)) ORDER BY b.base_key) AS blocked_hours__sd, count(y.blocked_hours)::int AS blocked_hours__n,
                           avg(y.reopen_rate) AS reopen_rate__mean, stddev_samp(y.reopen_rate) AS reopen_rate__sd, count(y.reopen_rate)::int AS reopen_rate__n,
                           avg(y.cycle_time_p50) AS cycle_time_p50__mean, avg(ln(1 + greatest(y.cycle_time_p50::float8, 0)) ORDER BY b.base_key) AS cycle_time_p50__smean, stddev_samp(ln(1 + greatest(y.cycle_time_p50::float8, 0)) ORDER BY b.base_key) AS cycle_time_p50__sd, count(y.cycle_time_p50)::int AS cycle_time_p50__n
                    FROM c1_z_computed_base b
                    JOIN c1_z_computed_values y ON y.sprint_key = b.base_key
                    GROUP BY b.target_key
                ) z ON z.target_key = s.sprint_key
            ),
            c1_z_stored AS (
                SELECT count(*) = 1 AS complete FROM sprint_z_definitions WHERE definition = $5
            ),
            c1_z AS (
                SELECT t.sprint_key, max(t.z) FILTER (WHERE t.metric = $6) AS spillover_ratio__z, max(t.z) FILTER (WHERE t.metric = $7) AS say_do_ratio__z, max(t.z) FILTER (WHERE t.metric = $8) AS scope_churn_ratio__z, max(t.z) FILTER (WHERE t.metric = $9) AS blocked_hours__z, max(t.z) FILTER (WHERE t.metric = $10) AS reopen_rate__z, max(t.z) FILTER (WHERE t.metric = $11) AS cycle_time_p50__z
                FROM sprint_z t
                WHERE t.definition = $5 AND t.sprint_key IN (SELECT v.sprint_key FROM sprint_stats v
                    WHERE v.sprint_key IN (SELECT sprint_key FROM cur_sprints)) AND (SELECT complete FROM c1_z_stored)
                GROUP BY t.sprint_key
                UNION ALL
                SELECT sprint_key, spillover_ratio__z::float8, say_do_ratio__z::float8, scope_churn_ratio__z::float8, blocked_hours__z::float8, reopen_rate__z::float8, cycle_time_p50__z::float8
                FROM c1_z_computed
                WHERE NOT (SELECT complete FROM c1_z_stored)
            ),
            c1 AS (
                SELECT v.team_name AS team, avg(
                    (coalesce($12 * greatest(-3, least(3, $13 * z.spillover_ratio__z)), 0)
                     + coalesce($14 * greatest(-3, least(3, $15 * z.say_do_ratio__z)), 0)
                     + coalesce($16 * greatest(-3, least(3, $17 * z.scope_churn_ratio__z)), 0)
                     + coalesce($18 * greatest(-3, least(3, $19 * z.blocked_hours__z)), 0)
                     + coalesce($20 * greatest(-3, least(3, $21 * z.reopen_rate__z)), 0)
                     + coalesce($22 * greatest(-3, least(3, $23 * z.cycle_time_p50__z)), 0))
                    / nullif(CASE WHEN z.spillover_ratio__z IS NULL THEN 0 ELSE $12 END
                             + CASE WHEN z.say_do_ratio__z IS NULL THEN 0 ELSE $14 END
                             + CASE WHEN z.scope_churn_ratio__z IS NULL THEN 0 ELSE $16 END
                             + CASE WHEN z.blocked_hours__z IS NULL THEN 0 ELSE $18 END
                             + CASE WHEN z.reopen_rate__z IS NULL THEN 0 ELSE $20 END
                             + CASE WHEN z.cycle_time_p50__z IS NULL THEN 0 ELSE $22 END, 0)) AS sprint_problematic_score
                FROM sprint_stats v
                JOIN c1_z z ON z.sprint_key = v.sprint_key
                WHERE v.sprint_key IN (SELECT sprint_key FROM cur_sprints)
                GROUP BY 1
            ),
            cur AS (
                SELECT c1.team, c1.sprint_problematic_score AS sprint_problematic_score
                FROM c1
            )
            SELECT r.team, r.sprint_problematic_score
            FROM cur r
            ORDER BY r.sprint_problematic_score DESC NULLS LAST, r.team
            LIMIT $24
            """,
            "2024-06-15T12:00:00.0000000Z | 1 | 6 | 0.5 | 0e3b4c474ff9db80950f7fbafeb97eac170a7723f9b493add0c77e8593fee4f1 | spillover_ratio | say_do_ratio | scope_churn_ratio | blocked_hours | reopen_rate | cycle_time_p50 | 0.25 | 1 | 0.2 | -1 | 0.2 | 1 | 0.15 | 1 | 0.1 | 1 | 0.1 | 1 | 3"),
        (
            "Sprint_and_issue_grain_metrics_together_over_sprint_spans",
            """{"metrics":["velocity","say_do_ratio","lead_time_p50","bug_count"],"group_by":["team"],"time":{"type":"last_sprints","n":4}}""",
            """
            WITH cur_sprints AS (
                SELECT s.sprint_key, s.team_key, s.sprint_start_at, s.sprint_close_at
                FROM (
                    SELECT sprint_key, team_key, sprint_start_at, sprint_close_at,
                           row_number() OVER (PARTITION BY team_key ORDER BY sprint_close_at DESC, sprint_key DESC) AS recency
                    FROM sprint_stats
                    WHERE sprint_state = 'closed' AND sprint_close_at <= $1
                ) s
                WHERE s.recency BETWEEN $2 AND $3
            ),
            cur_spans AS (
                SELECT team_key, min(sprint_start_at) AS span_from, max(sprint_close_at) AS span_to
                FROM cur_sprints
                GROUP BY team_key
            ),
            c1 AS (
                SELECT x.team, avg(x.completed_points) AS completed_points_per_sprint
                FROM (
                    SELECT v.team_name AS team, v.sprint_key AS per_sprint, sum(v.completed_points) AS completed_points
                    FROM sprint_stats v
                    WHERE v.sprint_key IN (SELECT sprint_key FROM cur_sprints)
                    GROUP BY 1, 2
                ) x
                GROUP BY 1
            ),
            c2 AS (
                SELECT v.team_name AS team, sum(v.committed_completed_points) AS committed_completed_points, sum(v.committed_points) AS committed_points
                FROM sprint_stats v
                WHERE v.sprint_key IN (SELECT sprint_key FROM cur_sprints)
                GROUP BY 1
            ),
            c3 AS (
                SELECT v.team_name AS team, percentile_cont($4) WITHIN GROUP (ORDER BY v.lead_time_days) AS lead_time_days_p50
                FROM issue_flow v
                JOIN cur_spans w ON w.team_key = v.team_key
                WHERE v.resolved_at > w.span_from AND v.resolved_at <= w.span_to
                GROUP BY 1
            ),
            c4 AS (
                SELECT v.team_name AS team, sum(v.bug_count) AS bugs_created
                FROM issue_flow v
                JOIN cur_spans w ON w.team_key = v.team_key
                WHERE v.created_at > w.span_from AND v.created_at <= w.span_to
                GROUP BY 1
            ),
            cur AS (
                SELECT k.team, c1.completed_points_per_sprint AS velocity, coalesce(c2.committed_completed_points, 0)::numeric / nullif(c2.committed_points, 0) AS say_do_ratio, c3.lead_time_days_p50 AS lead_time_p50, coalesce(c4.bugs_created, 0) AS bug_count
                FROM (
                    SELECT team FROM c1
                    UNION SELECT team FROM c2
                    UNION SELECT team FROM c3
                    UNION SELECT team FROM c4
                ) k
                LEFT JOIN c1 ON c1.team IS NOT DISTINCT FROM k.team
                LEFT JOIN c2 ON c2.team IS NOT DISTINCT FROM k.team
                LEFT JOIN c3 ON c3.team IS NOT DISTINCT FROM k.team
                LEFT JOIN c4 ON c4.team IS NOT DISTINCT FROM k.team
            )
            SELECT r.team, r.velocity, r.say_do_ratio, r.lead_time_p50, r.bug_count
            FROM cur r
            ORDER BY r.team
            """,
            "2024-06-15T12:00:00.0000000Z | 1 | 4 | 0.5"),
        (
            "Wip_by_team_over_two_weeks",
            """{"metrics":["wip"],"group_by":["team"],"time":{"type":"rolling","unit":"week","n":2}}""",
            """
            WITH c1 AS (
                SELECT v.team_name AS team, avg(v.wip_count) AS daily_wip
                FROM team_daily_wip v
                WHERE v.day >= $1 AND v.day < $2
                GROUP BY 1
            ),
            cur AS (
                SELECT c1.team, c1.daily_wip AS wip
                FROM c1
            )
            SELECT r.team, r.wip
            FROM cur r
            ORDER BY r.team
            """,
            "2024-06-01T12:00:00.0000000Z | 2024-06-15T12:00:00.0000000Z"),
        (
            "Stuck_issues_by_team_are_read_at_as_of",
            """{"metrics":["stuck_count"],"group_by":["team"]}""",
            """
            WITH c1 AS (
                SELECT v.team_name AS team, count(DISTINCT v.issue_key) FILTER (WHERE v.is_stuck_candidate = 1) AS stuck_issues
                FROM issue_idle_segments v
                WHERE v.idle_from <= $2 AND (v.idle_to IS NULL OR v.idle_to > $1)
                GROUP BY 1
            ),
            cur AS (
                SELECT c1.team, coalesce(c1.stuck_issues, 0) AS stuck_count
                FROM c1
            )
            SELECT r.team, r.stuck_count
            FROM cur r
            ORDER BY r.team
            """,
            "2024-06-15T12:00:00.0000000Z | 2024-06-10T12:00:00.0000000Z"),
        (
            "Snapshots_compared_with_last_month",
            """{"metrics":["wip_no_assignee","stuck_count"],"time":{"type":"period","unit":"month"},"compare":{"type":"previous_period"}}""",
            """
            WITH c1 AS (
                SELECT count(DISTINCT v.issue_key) FILTER (WHERE v.is_unassigned = 1) AS unassigned_wip_issues
                FROM issue_idle_segments v
                WHERE v.idle_from <= $1 AND (v.idle_to IS NULL OR v.idle_to > $1)
            ),
            c2 AS (
                SELECT count(DISTINCT v.issue_key) FILTER (WHERE v.is_stuck_candidate = 1) AS stuck_issues
                FROM issue_idle_segments v
                WHERE v.idle_from <= $2 AND (v.idle_to IS NULL OR v.idle_to > $1)
            ),
            cur AS (
                SELECT coalesce(c1.unassigned_wip_issues, 0) AS wip_no_assignee, coalesce(c2.stuck_issues, 0) AS stuck_count
                FROM c1 CROSS JOIN c2
            ),
            p1 AS (
                SELECT count(DISTINCT v.issue_key) FILTER (WHERE v.is_unassigned = 1) AS unassigned_wip_issues
                FROM issue_idle_segments v
                WHERE v.idle_from <= $3 AND (v.idle_to IS NULL OR v.idle_to > $3)
            ),
            p2 AS (
                SELECT count(DISTINCT v.issue_key) FILTER (WHERE v.is_stuck_candidate = 1) AS stuck_issues
                FROM issue_idle_segments v
                WHERE v.idle_from <= $4 AND (v.idle_to IS NULL OR v.idle_to > $3)
            ),
            prev AS (
                SELECT coalesce(p1.unassigned_wip_issues, 0) AS wip_no_assignee, coalesce(p2.stuck_issues, 0) AS stuck_count
                FROM p1 CROSS JOIN p2
            )
            SELECT r.wip_no_assignee, p.wip_no_assignee AS wip_no_assignee__previous, r.wip_no_assignee - p.wip_no_assignee AS wip_no_assignee__delta, (r.wip_no_assignee - p.wip_no_assignee)::numeric / nullif(abs(p.wip_no_assignee), 0) AS wip_no_assignee__change, r.stuck_count, p.stuck_count AS stuck_count__previous, r.stuck_count - p.stuck_count AS stuck_count__delta, (r.stuck_count - p.stuck_count)::numeric / nullif(abs(p.stuck_count), 0) AS stuck_count__change
            FROM cur r
            CROSS JOIN prev p
            """,
            "2024-06-15T12:00:00.0000000Z | 2024-06-10T12:00:00.0000000Z | 2024-06-01T00:00:00.0000000Z | 2024-05-27T00:00:00.0000000Z"),
        (
            "Committed_points_by_month_between_dates",
            """{"metrics":["planned_sp"],"group_by":["month"],"time":{"type":"between","from":"2024-01-01","to":"2024-06-30"}}""",
            """
            WITH c1 AS (
                SELECT to_char(date_trunc('month', v.sprint_close_at, 'UTC') AT TIME ZONE 'UTC', 'YYYY-MM') AS month, sum(v.committed_points) AS committed_points
                FROM sprint_stats v
                WHERE v.sprint_close_at >= $1 AND v.sprint_close_at < $2
                  AND v.sprint_state = 'closed' AND v.sprint_close_at <= $3
                GROUP BY 1
            ),
            cur AS (
                SELECT c1.month, coalesce(c1.committed_points, 0) AS planned_sp
                FROM c1
            ),
            cur_buckets AS (
                SELECT to_char(b.t, 'YYYY-MM') AS month
                FROM (SELECT date_trunc('month', $1 AT TIME ZONE 'UTC') AS lo, $4 AT TIME ZONE 'UTC' - interval '1 microsecond' AS hi) w
                CROSS JOIN LATERAL generate_series(w.lo, w.hi, interval '1 month') b(t)
                UNION
                SELECT month FROM cur
            ),
            cur_keys AS (
                SELECT month FROM cur_buckets
            ),
            cur_all AS (
                SELECT k.month, c.planned_sp
                FROM cur_keys k
                LEFT JOIN cur c ON c.month IS NOT DISTINCT FROM k.month
            )
            SELECT r.month, r.planned_sp
            FROM cur_all r
            ORDER BY r.month
            """,
            "2024-01-01T00:00:00.0000000Z | 2024-07-01T00:00:00.0000000Z | 2024-06-15T12:00:00.0000000Z | 2024-06-15T12:00:00.0000000Z"),
        (
            "Completion_rate_by_quarter_over_all_time",
            """{"metrics":["completion_rate"],"group_by":["quarter"],"time":{"type":"all"}}""",
            """
            WITH c1 AS (
                SELECT to_char(date_trunc('quarter', v.sprint_close_at, 'UTC') AT TIME ZONE 'UTC', 'YYYY-"Q"Q') AS quarter, sum(v.completed_points) AS completed_points, sum(v.final_scope_points) AS final_scope_points
                FROM sprint_stats v
                WHERE v.sprint_state = 'closed' AND v.sprint_close_at <= $1
                GROUP BY 1
            ),
            cur AS (
                SELECT c1.quarter, coalesce(c1.completed_points, 0)::numeric / nullif(c1.final_scope_points, 0) AS completion_rate
                FROM c1
            ),
            cur_buckets AS (
                SELECT to_char(b.t, 'YYYY-"Q"Q') AS quarter
                FROM (SELECT make_date(left(min(quarter), 4)::int, (right(min(quarter), 1)::int - 1) * 3 + 1, 1)::timestamp AS lo, make_date(left(max(quarter), 4)::int, (right(max(quarter), 1)::int - 1) * 3 + 1, 1)::timestamp AS hi FROM cur) w
                CROSS JOIN LATERAL generate_series(w.lo, w.hi, interval '3 months') b(t)
                UNION
                SELECT quarter FROM cur
            ),
            cur_keys AS (
                SELECT quarter FROM cur_buckets
            ),
            cur_all AS (
                SELECT k.quarter, c.completion_rate
                FROM cur_keys k
                LEFT JOIN cur c ON c.quarter IS NOT DISTINCT FROM k.quarter
            )
            SELECT r.quarter, r.completion_rate
            FROM cur_all r
            ORDER BY r.quarter
            """,
            "2024-06-15T12:00:00.0000000Z"),
        (
            "Blocked_hours_by_issue_type_excluding_priorities",
            """{"metrics":["blocked_hours"],"group_by":["issue_type"],"filters":[{"dimension":"priority","op":"not_in","values":["Low","Lowest"]}],"time":{"type":"last_sprints","n":2}}""",
            """
            WITH cur_sprints AS (
                SELECT s.sprint_key, s.team_key, s.sprint_start_at, s.sprint_close_at
                FROM (
                    SELECT sprint_key, team_key, sprint_start_at, sprint_close_at,
                           row_number() OVER (PARTITION BY team_key ORDER BY sprint_close_at DESC, sprint_key DESC) AS recency
                    FROM sprint_stats
                    WHERE sprint_state = 'closed' AND sprint_close_at <= $1
                ) s
                WHERE s.recency BETWEEN $2 AND $3
            ),
            c1 AS (
                SELECT v.issue_type AS issue_type, sum(v.blocked_hours) AS blocked_hours
                FROM sprint_issue_facts v
                WHERE v.sprint_key IN (SELECT sprint_key FROM cur_sprints)
                  AND (v.priority IS NULL OR v.priority <> ALL($4))
                GROUP BY 1
            ),
            cur AS (
                SELECT c1.issue_type, coalesce(c1.blocked_hours, 0) AS blocked_hours
                FROM c1
            )
            SELECT r.issue_type, r.blocked_hours
            FROM cur r
            ORDER BY r.issue_type
            """,
            "2024-06-15T12:00:00.0000000Z | 1 | 2 | [Low,Lowest]"),
        (
            "Scope_churn_for_two_teams_compared",
            """{"metrics":["scope_churn_ratio"],"group_by":["team"],"filters":[{"dimension":"team","op":"in","values":["Atlas","Phoenix"]}],"time":{"type":"last_sprints","n":2},"compare":{"type":"previous_period"}}""",
            """
            WITH cur_sprints AS (
                SELECT s.sprint_key, s.team_key, s.sprint_start_at, s.sprint_close_at
                FROM (
                    SELECT sprint_key, team_key, sprint_start_at, sprint_close_at,
                           row_number() OVER (PARTITION BY team_key ORDER BY sprint_close_at DESC, sprint_key DESC) AS recency
                    FROM sprint_stats
                    WHERE sprint_state = 'closed' AND sprint_close_at <= $1
                ) s
                WHERE s.recency BETWEEN $2 AND $3
            ),
            c1 AS (
                SELECT v.team_name AS team, sum(v.added_points) AS added_points, sum(v.removed_points) AS removed_points, sum(v.reestimated_points) AS reestimated_points, sum(v.committed_points) AS committed_points
                FROM sprint_stats v
                WHERE v.sprint_key IN (SELECT sprint_key FROM cur_sprints)
                  AND v.team_name = ANY($4)
                GROUP BY 1
            ),
            cur AS (
                SELECT c1.team, (coalesce(c1.added_points, 0) + coalesce(c1.removed_points, 0) + coalesce(c1.reestimated_points, 0))::numeric / nullif(c1.committed_points, 0) AS scope_churn_ratio
                FROM c1
            ),
            prev_sprints AS (
                SELECT s.sprint_key, s.team_key, s.sprint_start_at, s.sprint_close_at
                FROM (
                    SELECT sprint_key, team_key, sprint_start_at, sprint_close_at,
                           row_number() OVER (PARTITION BY team_key ORDER BY sprint_close_at DESC, sprint_key DESC) AS recency
                    FROM sprint_stats
                    WHERE sprint_state = 'closed' AND sprint_close_at <= $1
                ) s
                WHERE s.recency BETWEEN $5 AND $6
            ),
            p1 AS (
                SELECT v.team_name AS team, sum(v.added_points) AS added_points, sum(v.removed_points) AS removed_points, sum(v.reestimated_points) AS reestimated_points, sum(v.committed_points) AS committed_points
                FROM sprint_stats v
                WHERE v.sprint_key IN (SELECT sprint_key FROM prev_sprints)
                  AND v.team_name = ANY($4)
                GROUP BY 1
            ),
            prev AS (
                SELECT p1.team, (coalesce(p1.added_points, 0) + coalesce(p1.removed_points, 0) + coalesce(p1.reestimated_points, 0))::numeric / nullif(p1.committed_points, 0) AS scope_churn_ratio
                FROM p1
            )
            SELECT r.team, r.scope_churn_ratio, p.scope_churn_ratio AS scope_churn_ratio__previous, r.scope_churn_ratio - p.scope_churn_ratio AS scope_churn_ratio__delta, (r.scope_churn_ratio - p.scope_churn_ratio)::numeric / nullif(abs(p.scope_churn_ratio), 0) AS scope_churn_ratio__change
            FROM cur r
            LEFT JOIN prev p ON p.team IS NOT DISTINCT FROM r.team
            ORDER BY r.team
            """,
            "2024-06-15T12:00:00.0000000Z | 1 | 2 | [Atlas,Phoenix] | 3 | 4"),
        (
            "Mean_lead_time_by_priority_except_one_assignee",
            """{"metrics":["lead_time_avg"],"group_by":["priority"],"filters":[{"dimension":"assignee","op":"neq","values":["Ann"]}],"time":{"type":"period","unit":"month"}}""",
            """
            WITH c1 AS (
                SELECT v.priority AS priority, avg(v.lead_time_days) AS lead_time_days_mean
                FROM issue_flow v
                WHERE v.resolved_at >= $1 AND v.resolved_at < $2
                  AND (v.assignee IS NULL OR v.assignee <> ALL($3))
                GROUP BY 1
            ),
            cur AS (
                SELECT c1.priority, c1.lead_time_days_mean AS lead_time_avg
                FROM c1
            )
            SELECT r.priority, r.lead_time_avg
            FROM cur r
            ORDER BY r.priority
            """,
            "2024-06-01T00:00:00.0000000Z | 2024-07-01T00:00:00.0000000Z | [Ann]"),
        (
            "Escaped_defects_by_epic_last_quarter",
            """{"metrics":["escaped_defects"],"group_by":["epic"],"time":{"type":"period","unit":"quarter","offset":-1}}""",
            """
            WITH c1 AS (
                SELECT v.epic_key AS epic, sum(v.escaped_bug_count) AS escaped_bugs_created
                FROM issue_flow v
                WHERE v.created_at >= $1 AND v.created_at < $2
                GROUP BY 1
            ),
            cur AS (
                SELECT c1.epic, coalesce(c1.escaped_bugs_created, 0) AS escaped_defects
                FROM c1
            )
            SELECT r.epic, r.escaped_defects
            FROM cur r
            ORDER BY r.epic
            """,
            "2024-01-01T00:00:00.0000000Z | 2024-04-01T00:00:00.0000000Z"),
        (
            "Planning_accuracy_by_team_and_sprint_newest_first",
            """{"metrics":["accuracy_abs"],"group_by":["team","sprint"],"time":{"type":"last_sprints","n":5},"sort":[{"by":"sprint","dir":"desc"}]}""",
            """
            WITH cur_sprints AS (
                SELECT s.sprint_key, s.team_key, s.sprint_start_at, s.sprint_close_at
                FROM (
                    SELECT sprint_key, team_key, sprint_start_at, sprint_close_at,
                           row_number() OVER (PARTITION BY team_key ORDER BY sprint_close_at DESC, sprint_key DESC) AS recency
                    FROM sprint_stats
                    WHERE sprint_state = 'closed' AND sprint_close_at <= $1
                ) s
                WHERE s.recency BETWEEN $2 AND $3
            ),
            c1 AS (
                SELECT v.team_name AS team, v.sprint_name AS sprint, v.sprint_key AS sprint_key, v.sprint_close_at AS sprint_close_at, sum(v.planning_error_points) AS planning_error_points, sum(v.committed_points) AS sprint_committed_points
                FROM sprint_stats v
                WHERE v.sprint_key IN (SELECT sprint_key FROM cur_sprints)
                GROUP BY 1, 2, 3, 4
            ),
            cur AS (
                SELECT c1.team, c1.sprint, c1.sprint_key, c1.sprint_close_at, coalesce(c1.planning_error_points, 0)::numeric / nullif(c1.sprint_committed_points, 0) AS accuracy_abs
                FROM c1
            ),
            cur_keys AS (
                SELECT v.team_name AS team, v.sprint_name AS sprint, v.sprint_key, v.sprint_close_at
                FROM sprint_stats v
                WHERE v.sprint_key IN (SELECT sprint_key FROM cur_sprints)
                UNION
                SELECT team, sprint, sprint_key, sprint_close_at FROM cur
            ),
            cur_all AS (
                SELECT k.team, k.sprint, k.sprint_key, k.sprint_close_at, c.accuracy_abs
                FROM cur_keys k
                LEFT JOIN cur c ON c.sprint_key = k.sprint_key
            ),
            cur_z_order AS (
                SELECT s.sprint_key, s.team_key, s.sprint_state = 'closed' AND NOT s.low_sample AS eligible,
                       count(*) FILTER (WHERE s.sprint_state = 'closed' AND NOT s.low_sample) OVER (PARTITION BY s.team_key ORDER BY s.sprint_close_at, s.sprint_key
                                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS eligible_before
                FROM sprint_stats s
                WHERE s.sprint_close_at IS NOT NULL
            ),
            cur_z_base AS (
                SELECT t.sprint_key AS target_key, b.sprint_key AS base_key
                FROM cur_z_order t
                CROSS JOIN generate_series(1, 6) k(n)
                JOIN cur_z_order b ON b.team_key = t.team_key AND b.eligible_before = t.eligible_before - k.n AND b.eligible
                WHERE t.sprint_key IN (SELECT sprint_key FROM cur)
            ),
            cur_z_sprints AS (
                SELECT sprint_key, team_key, sprint_start_at, sprint_close_at
                FROM sprint_stats
                WHERE sprint_key IN (SELECT sprint_key FROM cur)
                   OR sprint_key IN (SELECT base_key FROM cur_z_base)
            ),
            cur_z_values_1 AS (
                SELECT w.sprint_key AS sprint_key, a.planning_error_points, a.sprint_committed_points
                FROM cur_z_sprints w
                CROSS JOIN LATERAL (
                    SELECT count(*) AS n__rows, sum(v.planning_error_points) AS planning_error_points, sum(v.committed_points) AS sprint_committed_points
                    FROM sprint_stats v
                    WHERE v.sprint_key = w.sprint_key
                ) a
                WHERE a.n__rows > 0
            ),
            cur_z_values AS (
                SELECT cur_z_values_1.sprint_key, coalesce(cur_z_values_1.planning_error_points, 0)::numeric / nullif(cur_z_values_1.sprint_committed_points, 0) AS accuracy_abs
                FROM cur_z_values_1
            ),
            cur_z AS (
                SELECT s.sprint_key,
                       x.accuracy_abs,
                       z.accuracy_abs__mean AS accuracy_abs__baseline,
                       z.accuracy_abs__n,
                       CASE WHEN x.accuracy_abs IS NULL OR z.accuracy_abs__mean IS NULL OR z.accuracy_abs__n < 4 THEN NULL ELSE greatest(-3, least(3, (x.accuracy_abs - z.accuracy_abs__mean) / greatest(coalesce(z.accuracy_abs__sd, 0), 0.1 * abs(z.accuracy_abs__mean), 0.05))) END AS accuracy_abs__z
                FROM cur_z_sprints s
                LEFT JOIN cur_z_values x ON x.sprint_key = s.sprint_key
                LEFT JOIN (
                    SELECT b.target_key,
                           avg(y.accuracy_abs) AS accuracy_abs__mean, stddev_samp(y.accuracy_abs) AS accuracy_abs__sd, count(y.accuracy_abs)::int AS accuracy_abs__n
                    FROM cur_z_base b
                    JOIN cur_z_values y ON y.sprint_key = b.base_key
                    GROUP BY b.target_key
                ) z ON z.target_key = s.sprint_key
            ),
            cur_flags AS (
                SELECT v.sprint_key, v.team_name AS team, z.accuracy_abs__z::float8 AS accuracy_abs__z, z.accuracy_abs__baseline::float8 AS accuracy_abs__baseline
                FROM sprint_stats v
                JOIN cur_z z ON z.sprint_key = v.sprint_key
                WHERE NOT v.low_sample
                  AND v.sprint_key IN (SELECT sprint_key FROM cur)
            )
            SELECT r.team, r.sprint, r.sprint_key, r.accuracy_abs, f.accuracy_abs__z, f.accuracy_abs__baseline, coalesce(abs(f.accuracy_abs__z) >= $4, false) AS accuracy_abs__anomaly
            FROM cur_all r
            LEFT JOIN cur_flags f ON f.sprint_key = r.sprint_key
            ORDER BY r.sprint_close_at DESC, r.sprint_key DESC, r.team
            """,
            "2024-06-15T12:00:00.0000000Z | 1 | 5 | 2"),
        (
            "Flow_efficiency_by_week_over_the_last_month",
            """{"metrics":["flow_efficiency"],"group_by":["week"],"time":{"type":"rolling","unit":"month","n":1}}""",
            """
            WITH c1 AS (
                SELECT to_char(date_trunc('week', v.resolved_at, 'UTC') AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS week, sum(v.unblocked_in_progress_hours) AS unblocked_in_progress_hours, sum(v.in_progress_hours) AS in_progress_hours
                FROM issue_flow v
                WHERE v.resolved_at >= $1 AND v.resolved_at < $2
                GROUP BY 1
            ),
            cur AS (
                SELECT c1.week, coalesce(c1.unblocked_in_progress_hours, 0)::numeric / nullif(c1.in_progress_hours, 0) AS flow_efficiency
                FROM c1
            ),
            cur_buckets AS (
                SELECT to_char(b.t, 'YYYY-MM-DD') AS week
                FROM (SELECT date_trunc('week', $1 AT TIME ZONE 'UTC') AS lo, $3 AT TIME ZONE 'UTC' - interval '1 microsecond' AS hi) w
                CROSS JOIN LATERAL generate_series(w.lo, w.hi, interval '7 days') b(t)
                UNION
                SELECT week FROM cur
            ),
            cur_keys AS (
                SELECT week FROM cur_buckets
            ),
            cur_all AS (
                SELECT k.week, c.flow_efficiency
                FROM cur_keys k
                LEFT JOIN cur c ON c.week IS NOT DISTINCT FROM k.week
            )
            SELECT r.week, r.flow_efficiency
            FROM cur_all r
            ORDER BY r.week
            """,
            "2024-05-15T12:00:00.0000000Z | 2024-06-15T12:00:00.0000000Z | 2024-06-15T12:00:00.0000000Z"),
        (
            "Reopen_rate_by_team_at_least_ten_percent",
            """{"metrics":["reopen_rate"],"group_by":["team"],"time":{"type":"period","unit":"quarter"},"having":[{"metric":"reopen_rate","op":"gte","value":0.1}],"sort":[{"by":"reopen_rate","dir":"desc"}]}""",
            """
            WITH c1 AS (
                SELECT v.team_name AS team, coalesce(sum(v.events) FILTER (WHERE v.is_reopen = 1 AND (v.previous_at IS NULL OR v.previous_at < $1)), 0) AS reopened_issues, coalesce(sum(v.events) FILTER (WHERE v.is_done_arrival = 1 AND (v.previous_at IS NULL OR v.previous_at < $1)), 0) AS done_arrival_issues
                FROM issue_events_months v
                WHERE v.at >= $1 AND v.at < $2
                GROUP BY 1
            ),
            cur AS (
                SELECT c1.team, coalesce(c1.reopened_issues, 0)::numeric / nullif(c1.done_arrival_issues, 0) AS reopen_rate
                FROM c1
            )
            SELECT r.team, r.reopen_rate
            FROM cur r
            WHERE r.reopen_rate >= $3
            ORDER BY r.reopen_rate DESC NULLS LAST, r.team
            """,
            "2024-04-01T00:00:00.0000000Z | 2024-07-01T00:00:00.0000000Z | 0.1"),
        (
            "Average_velocity_by_assignee_bottom_ten",
            """{"metrics":["velocity"],"group_by":["assignee"],"sort":[{"by":"velocity","dir":"asc"}],"limit":10}""",
            """
            WITH cur_sprints AS (
                SELECT s.sprint_key, s.team_key, s.sprint_start_at, s.sprint_close_at
                FROM (
                    SELECT sprint_key, team_key, sprint_start_at, sprint_close_at,
                           row_number() OVER (PARTITION BY team_key ORDER BY sprint_close_at DESC, sprint_key DESC) AS recency
                    FROM sprint_stats
                    WHERE sprint_state = 'closed' AND sprint_close_at <= $1
                ) s
                WHERE s.recency BETWEEN $2 AND $3
            ),
            c1 AS (
                SELECT x.assignee, avg(x.completed_points) AS completed_points_per_sprint
                FROM (
                    SELECT v.assignee AS assignee, v.sprint_key AS per_sprint, sum(v.completed_points) AS completed_points
                    FROM sprint_issue_facts v
                    WHERE v.sprint_key IN (SELECT sprint_key FROM cur_sprints)
                    GROUP BY 1, 2
                ) x
                GROUP BY 1
            ),
            cur AS (
                SELECT c1.assignee, c1.completed_points_per_sprint AS velocity
                FROM c1
            )
            SELECT r.assignee, r.velocity
            FROM cur r
            ORDER BY r.velocity NULLS LAST, r.assignee
            LIMIT $4
            """,
            "2024-06-15T12:00:00.0000000Z | 1 | 6 | 10"),
        (
            "Issues_created_and_closed_by_week",
            """{"metrics":["issues_created","issues_closed"],"group_by":["week"],"time":{"type":"rolling","unit":"week","n":8}}""",
            """
            WITH c1 AS (
                SELECT to_char(date_trunc('week', v.created_at, 'UTC') AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS week, sum(v.created_count) AS issues_created
                FROM issue_flow v
                WHERE v.created_at >= $1 AND v.created_at < $2
                GROUP BY 1
            ),
            c2 AS (
                SELECT to_char(date_trunc('week', v.resolved_at, 'UTC') AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS week, sum(v.resolved_count) AS issues_resolved
                FROM issue_flow v
                WHERE v.resolved_at >= $1 AND v.resolved_at < $2
                GROUP BY 1
            ),
            cur AS (
                SELECT k.week, coalesce(c1.issues_created, 0) AS issues_created, coalesce(c2.issues_resolved, 0) AS issues_closed
                FROM (
                    SELECT week FROM c1
                    UNION SELECT week FROM c2
                ) k
                LEFT JOIN c1 ON c1.week IS NOT DISTINCT FROM k.week
                LEFT JOIN c2 ON c2.week IS NOT DISTINCT FROM k.week
            ),
            cur_buckets AS (
                SELECT to_char(b.t, 'YYYY-MM-DD') AS week
                FROM (SELECT date_trunc('week', $1 AT TIME ZONE 'UTC') AS lo, $3 AT TIME ZONE 'UTC' - interval '1 microsecond' AS hi) w
                CROSS JOIN LATERAL generate_series(w.lo, w.hi, interval '7 days') b(t)
                UNION
                SELECT week FROM cur
            ),
            cur_keys AS (
                SELECT week FROM cur_buckets
            ),
            cur_all AS (
                SELECT k.week, c.issues_created, c.issues_closed
                FROM cur_keys k
                LEFT JOIN cur c ON c.week IS NOT DISTINCT FROM k.week
            )
            SELECT r.week, r.issues_created, r.issues_closed
            FROM cur_all r
            ORDER BY r.week
            """,
            "2024-04-20T12:00:00.0000000Z | 2024-06-15T12:00:00.0000000Z | 2024-06-15T12:00:00.0000000Z"),
        (
            "Issues_created_in_the_current_sprint_span",
            """{"metrics":["issues_created"],"group_by":["team"],"time":{"type":"current_sprint"}}""",
            """
            WITH cur_sprints AS (
                SELECT sprint_key, team_key, sprint_start_at, sprint_close_at
                FROM sprint_stats
                WHERE sprint_start_at <= $1 AND (sprint_close_at > $1 OR sprint_state = 'active')
            ),
            cur_spans AS (
                SELECT team_key, min(sprint_start_at) AS span_from, max(sprint_close_at) AS span_to
                FROM cur_sprints
                GROUP BY team_key
            ),
            c1 AS (
                SELECT v.team_name AS team, sum(v.created_count) AS issues_created
                FROM issue_flow v
                JOIN cur_spans w ON w.team_key = v.team_key
                WHERE v.created_at > w.span_from AND v.created_at <= w.span_to
                GROUP BY 1
            ),
            cur AS (
                SELECT c1.team, coalesce(c1.issues_created, 0) AS issues_created
                FROM c1
            )
            SELECT r.team, r.issues_created
            FROM cur r
            ORDER BY r.team
            """,
            "2024-06-15T12:00:00.0000000Z"),
        (
            "Pinned_version_builds_like_the_current_one",
            """{"metrics":["completed_issues@1.0.0"],"time":{"type":"last_sprints","n":1}}""",
            """
            WITH cur_sprints AS (
                SELECT s.sprint_key, s.team_key, s.sprint_start_at, s.sprint_close_at
                FROM (
                    SELECT sprint_key, team_key, sprint_start_at, sprint_close_at,
                           row_number() OVER (PARTITION BY team_key ORDER BY sprint_close_at DESC, sprint_key DESC) AS recency
                    FROM sprint_stats
                    WHERE sprint_state = 'closed' AND sprint_close_at <= $1
                ) s
                WHERE s.recency BETWEEN $2 AND $3
            ),
            c1 AS (
                SELECT sum(v.completed_count) AS completed_issues
                FROM sprint_stats v
                WHERE v.sprint_key IN (SELECT sprint_key FROM cur_sprints)
            ),
            cur AS (
                SELECT coalesce(c1.completed_issues, 0) AS completed_issues
                FROM c1
            )
            SELECT r.completed_issues
            FROM cur r
            """,
            "2024-06-15T12:00:00.0000000Z | 1 | 1"),
        (
            "Diagnose_the_last_sprint_of_one_team",
            """{"analysis":"diagnose","metrics":["sprint_problematic_score"],"filters":[{"dimension":"team","op":"eq","values":["Phoenix"]}],"time":{"type":"last_sprints","n":1}}""",
            """
            WITH cur_sprints AS (
                SELECT s.sprint_key, s.team_key, s.sprint_start_at, s.sprint_close_at
                FROM (
                    SELECT sprint_key, team_key, sprint_start_at, sprint_close_at,
                           row_number() OVER (PARTITION BY team_key ORDER BY sprint_close_at DESC, sprint_key DESC) AS recency
                    FROM sprint_stats
                    WHERE sprint_state = 'closed' AND sprint_close_at <= $1
                ) s
                WHERE s.recency BETWEEN $2 AND $3
            ),
            prev_sprints AS (
                SELECT s.sprint_key, s.team_key, s.sprint_start_at, s.sprint_close_at
                FROM (
                    SELECT sprint_key, team_key, sprint_start_at, sprint_close_at,
                           row_number() OVER (PARTITION BY team_key ORDER BY sprint_close_at DESC, sprint_key DESC) AS recency
                    FROM sprint_stats
                    WHERE sprint_state = 'closed' AND sprint_close_at <= $1
                ) s
                WHERE s.recency BETWEEN $4 AND $5
            ),
            comp(metric, weight, direction, ord) AS (
                VALUES ($6::text, $7::numeric, $8::int, 1),
                       ($9::text, $10::numeric, $11::int, 2),
                       ($12::text, $13::numeric, $14::int, 3),
                       ($15::text, $16::numeric, $17::int, 4),
                       ($18::text, $19::numeric, $20::int, 5),
                       ($21::text, $22::numeric, $23::int, 6)
            ),
            scores_order AS (
                SELECT s.sprint_key, s.team_key, s.sprint_state = 'closed' AND NOT s.low_sample AS eligible,
                       count(*) FILTER (WHERE s.sprint_state = 'closed' AND NOT s.low_sample) OVER (PARTITION BY s.team_key ORDER BY s.sprint_close_at, s.sprint_key
                                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS eligible_before
                FROM sprint_stats s
                WHERE s.sprint_close_at IS NOT NULL
            ),
            scores_base AS (
                SELECT t.sprint_key AS target_key, b.sprint_key AS base_key
                FROM scores_order t
                CROSS JOIN generate_series(1, 6) k(n)
                JOIN scores_order b ON b.team_key = t.team_key AND b.eligible_before = t.eligible_before - k.n AND b.eligible
                WHERE t.sprint_key IN (SELECT l.sprint_key FROM sprint_stats l WHERE l.sprint_key IN (SELECT sprint_key FROM cur_sprints) AND l.team_name = ANY($24))
            ),
            scores_sprints AS (
                SELECT sprint_key, team_key, sprint_start_at, sprint_close_at
                FROM sprint_stats
                WHERE sprint_key IN (SELECT l.sprint_key FROM sprint_stats l WHERE l.sprint_key IN (SELECT sprint_key FROM cur_sprints) AND l.team_name = ANY($24))
                   OR sprint_key IN (SELECT base_key FROM scores_base)
                   OR sprint_key IN (SELECT y.sprint_key FROM sprint_stats t
                       CROSS JOIN LATERAL (
                           SELECT b.sprint_key FROM sprint_stats b
                           WHERE b.team_key = t.team_key AND b.sprint_state = 'closed' AND NOT b.low_sample
                             AND b.sprint_close_at <= t.sprint_close_at AND (b.sprint_close_at, b.sprint_key) < (t.sprint_close_at, t.sprint_key)
                           ORDER BY b.sprint_close_at DESC, b.sprint_key DESC
                           LIMIT 8
                       ) y
                       WHERE t.sprint_key IN (SELECT l.sprint_key FROM sprint_stats l WHERE l.sprint_key IN (SELECT sprint_key FROM cur_sprints) AND l.team_name = ANY($24))
                       UNION
                       SELECT y.sprint_key FROM sprint_stats t
                       CROSS JOIN LATERAL (
                           SELECT DISTINCT ON (o.team_key) o.sprint_key FROM sprint_stats o
                           WHERE o.team_key <> t.team_key AND o.sprint_state = 'closed' AND o.sprint_close_at <= t.sprint_close_at
                           ORDER BY o.team_key, o.sprint_close_at DESC, o.sprint_key DESC
                       ) y
                       WHERE t.sprint_key IN (SELECT l.sprint_key FROM sprint_stats l WHERE l.sprint_key IN (SELECT sprint_key FROM cur_sprints) AND l.team_name = ANY($24)))
            ),
            scores_values_1 AS (
                SELECT w.sprint_key AS sprint_key, a.spilled_points, a.committed_points, a.committed_completed_points, a.added_points, a.removed_points, a.reestimated_points, a.blocked_hours
                FROM scores_sprints w
                CROSS JOIN LATERAL (
                    SELECT count(*) AS n__rows, sum(v.spilled_points) AS spilled_points, sum(v.committed_points) AS committed_points, sum(v.committed_completed_points) AS committed_completed_points, sum(v.added_points) AS added_points, sum(v.removed_points) AS removed_points, sum(v.reestimated_points) AS reestimated_points, sum(v.blocked_hours) AS blocked_hours
                    FROM sprint_stats v
                    WHERE v.sprint_key = w.sprint_key
                ) a
                WHERE a.n__rows > 0
            ),
            scores_values_2 AS (
                SELECT w.sprint_key AS sprint_key, a.reopened_issues, a.done_arrival_issues
                FROM scores_sprints w
                CROSS JOIN LATERAL (
                    SELECT count(*) AS n__rows, sum(v.is_reopen)::bigint AS reopened_issues, sum(v.is_done_arrival)::bigint AS done_arrival_issues
                    FROM issue_events_sprints v
                    WHERE v.sprint_key = w.sprint_key
                ) a
                WHERE a.n__rows > 0
            ),
            scores_values_3 AS (
                SELECT w.sprint_key AS sprint_key, a.cycle_time_days_p50
                FROM scores_sprints w
                CROSS JOIN LATERAL (
                    SELECT count(*) AS n__rows, percentile_cont($25) WITHIN GROUP (ORDER BY u.cycle_time_days) AS cycle_time_days_p50
                    FROM issue_flow_resolved_sprints v
                    LEFT JOIN LATERAL unnest(v.cycle_time_days_values) AS u(cycle_time_days) ON true
                    WHERE v.sprint_key = w.sprint_key
                ) a
                WHERE a.n__rows > 0
            ),
            scores_values AS (
                SELECT k.sprint_key, coalesce(scores_values_1.spilled_points, 0)::numeric / nullif(scores_values_1.committed_points, 0) AS spillover_ratio, coalesce(scores_values_1.committed_completed_points, 0)::numeric / nullif(scores_values_1.committed_points, 0) AS say_do_ratio, (coalesce(scores_values_1.added_points, 0) + coalesce(scores_values_1.removed_points, 0) + coalesce(scores_values_1.reestimated_points, 0))::numeric / nullif(scores_values_1.committed_points, 0) AS scope_churn_ratio, coalesce(scores_values_1.blocked_hours, 0) AS blocked_hours, coalesce(scores_values_2.reopened_issues, 0)::numeric / nullif(scores_values_2.done_arrival_issues, 0) AS reopen_rate, scores_values_3.cycle_time_days_p50 AS cycle_time_p50
                FROM (
                    SELECT sprint_key FROM scores_values_1
                    UNION SELECT sprint_key FROM scores_values_2
                    UNION SELECT sprint_key FROM scores_values_3
                ) k
                LEFT JOIN scores_values_1 ON scores_values_1.sprint_key = k.sprint_key
                LEFT JOIN scores_values_2 ON scores_values_2.sprint_key = k.sprint_key
                LEFT JOIN scores_values_3 ON scores_values_3.sprint_key = k.sprint_key
            ),
            scores AS (
                SELECT s.sprint_key,
                       x.spillover_ratio,
                       z.spillover_ratio__mean AS spillover_ratio__baseline,
                       z.spillover_ratio__n,
                       CASE WHEN x.spillover_ratio IS NULL OR z.spillover_ratio__mean IS NULL OR z.spillover_ratio__n < 4 THEN NULL ELSE greatest(-3, least(3, (x.spillover_ratio - z.spillover_ratio__mean) / greatest(coalesce(z.spillover_ratio__sd, 0), 0.1 * abs(z.spillover_ratio__mean), 0.05))) END AS spillover_ratio__z,
                       x.say_do_ratio,
                       z.say_do_ratio__mean AS say_do_ratio__baseline,
                       z.say_do_ratio__n,
                       CASE WHEN x.say_do_ratio IS NULL OR z.say_do_ratio__mean IS NULL OR z.say_do_ratio__n < 4 THEN NULL ELSE greatest(-3, least(3, (x.say_do_ratio - z.say_do_ratio__mean) / greatest(coalesce(z.say_do_ratio__sd, 0), 0.1 * abs(z.say_do_ratio__mean), 0.05))) END AS say_do_ratio__z,
                       x.scope_churn_ratio,
                       z.scope_churn_ratio__mean AS scope_churn_ratio__baseline,
                       z.scope_churn_ratio__n,
                       CASE WHEN x.scope_churn_ratio IS NULL OR z.scope_churn_ratio__mean IS NULL OR z.scope_churn_ratio__n < 4 THEN NULL ELSE greatest(-3, least(3, (x.scope_churn_ratio - z.scope_churn_ratio__mean) / greatest(coalesce(z.scope_churn_ratio__sd, 0), 0.1 * abs(z.scope_churn_ratio__mean), 0.05))) END AS scope_churn_ratio__z,
                       x.blocked_hours,
                       z.blocked_hours__mean AS blocked_hours__baseline,
                       z.blocked_hours__n,
                       CASE WHEN ln(1 + greatest(x.blocked_hours::float8, 0)) IS NULL OR z.blocked_hours__smean IS NULL OR z.blocked_hours__n < 4 THEN NULL ELSE greatest(-3, least(3, (ln(1 + greatest(x.blocked_hours::float8, 0)) - z.blocked_hours__smean) / greatest(coalesce(z.blocked_hours__sd, 0), 0.1 * abs(z.blocked_hours__smean), 0.1))) END AS blocked_hours__z,
                       x.reopen_rate,
                       z.reopen_rate__mean AS reopen_rate__baseline,
                       z.reopen_rate__n,
                       CASE WHEN x.reopen_rate IS NULL OR z.reopen_rate__mean IS NULL OR z.reopen_rate__n < 4 THEN NULL ELSE greatest(-3, least(3, (x.reopen_rate - z.reopen_rate__mean) / greatest(coalesce(z.reopen_rate__sd, 0), 0.1 * abs(z.reopen_rate__mean), 0.05))) END AS reopen_rate__z,
                       x.cycle_time_p50,
                       z.cycle_time_p50__mean AS cycle_time_p50__baseline,
                       z.cycle_time_p50__n,
                       CASE WHEN ln(1 + greatest(x.cycle_time_p50::float8, 0)) IS NULL OR z.cycle_time_p50__smean IS NULL OR z.cycle_time_p50__n < 4 THEN NULL ELSE greatest(-3, least(3, (ln(1 + greatest(x.cycle_time_p50::float8, 0)) - z.cycle_time_p50__smean) / greatest(coalesce(z.cycle_time_p50__sd, 0), 0.1 * abs(z.cycle_time_p50__smean), 0.1))) END AS cycle_time_p50__z
                FROM scores_sprints s
                LEFT JOIN scores_values x ON x.sprint_key = s.sprint_key
                LEFT JOIN (
                    SELECT b.target_key,
                           avg(y.spillover_ratio) AS spillover_ratio__mean, stddev_samp(y.spillover_ratio) AS spillover_ratio__sd, count(y.spillover_ratio)::int AS spillover_ratio__n,
                           avg(y.say_do_ratio) AS say_do_ratio__mean, stddev_samp(y.say_do_ratio) AS say_do_ratio__sd, count(y.say_do_ratio)::int AS say_do_ratio__n,
                           avg(y.scope_churn_ratio) AS scope_churn_ratio__mean, stddev_samp(y.scope_churn_ratio) AS scope_churn_ratio__sd, count(y.scope_churn_ratio)::int AS scope_churn_ratio__n,
                           avg(y.blocked_hours) AS blocked_hours__mean, avg(ln(1 + greatest(y.blocked_hours::float8, 0)) ORDER BY b.base_key) AS blocked_hours__smean, stddev_samp(ln(1 + greatest(y.blocked_hours::float8, 0)) ORDER BY b.base_key) AS blocked_hours__sd, count(y.blocked_hours)::int AS blocked_hours__n,
                           avg(y.reopen_rate) AS reopen_rate__mean, stddev_samp(y.reopen_rate) AS reopen_rate__sd, count(y.reopen_rate)::int AS reopen_rate__n,
                           avg(y.cycle_time_p50) AS cycle_time_p50__mean, avg(ln(1 + greatest(y.cycle_time_p50::float8, 0)) ORDER BY b.base_key) AS cycle_time_p50__smean, stddev_samp(ln(1 + greatest(y.cycle_time_p50::float8, 0)) ORDER BY b.base_key) AS cycle_time_p50__sd, count(y.cycle_time_p50)::int AS cycle_time_p50__n
                    FROM scores_base b
                    JOIN scores_values y ON y.sprint_key = b.base_key
                    GROUP BY b.target_key
                ) z ON z.target_key = s.sprint_key
            ),
            long AS MATERIALIZED (
                SELECT v.team_key, v.team_name, v.sprint_key, v.sprint_name, v.sprint_state, v.sprint_close_at, v.low_sample,
                       x.metric, x.value, x.z, x.baseline, x.baseline_n
                FROM sprint_stats v
                JOIN scores z ON z.sprint_key = v.sprint_key
                CROSS JOIN LATERAL (VALUES
                    ($6::text, z.spillover_ratio::numeric, z.spillover_ratio__z::numeric, z.spillover_ratio__baseline::numeric, z.spillover_ratio__n::int),
                    ($9::text, z.say_do_ratio::numeric, z.say_do_ratio__z::numeric, z.say_do_ratio__baseline::numeric, z.say_do_ratio__n::int),
                    ($12::text, z.scope_churn_ratio::numeric, z.scope_churn_ratio__z::numeric, z.scope_churn_ratio__baseline::numeric, z.scope_churn_ratio__n::int),
                    ($15::text, z.blocked_hours::numeric, z.blocked_hours__z::numeric, z.blocked_hours__baseline::numeric, z.blocked_hours__n::int),
                    ($18::text, z.reopen_rate::numeric, z.reopen_rate__z::numeric, z.reopen_rate__baseline::numeric, z.reopen_rate__n::int),
                    ($21::text, z.cycle_time_p50::numeric, z.cycle_time_p50__z::numeric, z.cycle_time_p50__baseline::numeric, z.cycle_time_p50__n::int)
                ) x(metric, value, z, baseline, baseline_n)
            ),
            chosen AS (
                SELECT l.*, c.weight, c.direction, c.ord,
                       c.weight * greatest(-3, least(3, c.direction * l.z))
                       / nullif(sum(CASE WHEN l.z IS NULL THEN 0 ELSE c.weight END) OVER (PARTITION BY l.sprint_key), 0) AS contribution
                FROM long l
                JOIN comp c ON c.metric = l.metric
                WHERE l.sprint_key IN (SELECT sprint_key FROM cur_sprints)
                  AND l.team_name = ANY($24)
            ),
            members AS (
                SELECT f.team_key, f.sprint_key, f.issue_key, f.sprint_start_at, f.sprint_close_at, f.committed, f.outcome,
                       f.committed_points, f.carried_over_points, f.completed_points,
                       f.final_scope_points + CASE WHEN f.outcome = 'removed' THEN f.removed_points ELSE 0 END AS exit_points
                FROM sprint_issue_facts f
                WHERE (f.sprint_key IN (SELECT sprint_key FROM cur_sprints) OR f.sprint_key IN (SELECT sprint_key FROM prev_sprints))
                  AND f.outcome IN ('completed', 'not_completed', 'removed')
                  AND f.team_name = ANY($24)
            ),
            reopens AS (
                SELECT DISTINCT m.sprint_key, m.issue_key
                FROM members m
                JOIN issue_events e ON e.issue_key = m.issue_key AND e.is_reopen = 1 AND e.at > m.sprint_start_at AND e.at <= m.sprint_close_at
            ),
            facts AS (
                SELECT m.*, m.sprint_key IN (SELECT sprint_key FROM cur_sprints) AS is_current, r.issue_key IS NOT NULL AS reopened
                FROM members m
                LEFT JOIN reopens r ON r.sprint_key = m.sprint_key AND r.issue_key = m.issue_key
            ),
            change AS (
                SELECT f.team_key,
                       count(DISTINCT f.sprint_key) FILTER (WHERE NOT is_current)::int AS prev_sprints,
                       coalesce(sum(f.completed_points) FILTER (WHERE NOT is_current), 0) AS prev_completed,
                       coalesce(sum(f.committed_points - f.carried_over_points) FILTER (WHERE NOT is_current), 0) AS prev_committed,
                       coalesce(sum(f.carried_over_points) FILTER (WHERE NOT is_current), 0) AS prev_carried_over,
                       coalesce(sum(CASE WHEN f.committed THEN 0 ELSE f.exit_points END) FILTER (WHERE NOT is_current), 0) AS prev_scope_added,
                       coalesce(sum(CASE WHEN f.committed THEN f.exit_points - f.committed_points ELSE 0 END) FILTER (WHERE NOT is_current), 0) AS prev_re_estimated,
                       coalesce(sum(CASE WHEN f.outcome = 'removed' THEN f.exit_points ELSE 0 END) FILTER (WHERE NOT is_current), 0) AS prev_scope_removed,
                       coalesce(sum(CASE WHEN f.outcome = 'not_completed' AND f.reopened THEN f.exit_points ELSE 0 END) FILTER (WHERE NOT is_current), 0) AS prev_reopened,
                       coalesce(sum(CASE WHEN f.outcome = 'not_completed' AND NOT f.reopened THEN f.exit_points ELSE 0 END) FILTER (WHERE NOT is_current), 0) AS prev_unfinished,
                       count(DISTINCT f.sprint_key) FILTER (WHERE is_current)::int AS cur_sprints,
                       coalesce(sum(f.completed_points) FILTER (WHERE is_current), 0) AS cur_completed,
                       coalesce(sum(f.committed_points - f.carried_over_points) FILTER (WHERE is_current), 0) AS cur_committed,
                       coalesce(sum(f.carried_over_points) FILTER (WHERE is_current), 0) AS cur_carried_over,
                       coalesce(sum(CASE WHEN f.committed THEN 0 ELSE f.exit_points END) FILTER (WHERE is_current), 0) AS cur_scope_added,
                       coalesce(sum(CASE WHEN f.committed THEN f.exit_points - f.committed_points ELSE 0 END) FILTER (WHERE is_current), 0) AS cur_re_estimated,
                       coalesce(sum(CASE WHEN f.outcome = 'removed' THEN f.exit_points ELSE 0 END) FILTER (WHERE is_current), 0) AS cur_scope_removed,
                       coalesce(sum(CASE WHEN f.outcome = 'not_completed' AND f.reopened THEN f.exit_points ELSE 0 END) FILTER (WHERE is_current), 0) AS cur_reopened,
                       coalesce(sum(CASE WHEN f.outcome = 'not_completed' AND NOT f.reopened THEN f.exit_points ELSE 0 END) FILTER (WHERE is_current), 0) AS cur_unfinished
                FROM facts f
                GROUP BY f.team_key
            )
            SELECT s.team_key, s.team_name AS team, s.sprint_key, s.sprint_name AS sprint, s.sprint_state, s.sprint_close_at, s.low_sample,
                   (sum(s.contribution) OVER (PARTITION BY s.sprint_key))::float8 AS problem_score,
                   s.metric AS component, s.weight::float8, s.direction, s.value::float8, s.baseline::float8, s.baseline_n, s.z::float8,
                   s.contribution::float8, o.median::float8 AS peer_median, o.n AS peer_n, o.worse AS peers_worse, t.slope::float8 AS trend_slope,
                   t.n AS trend_n, t.mean::float8 AS trend_mean,
                   d.prev_sprints::float8, d.prev_completed::float8, d.prev_committed::float8, d.prev_carried_over::float8, d.prev_scope_added::float8, d.prev_re_estimated::float8, d.prev_scope_removed::float8, d.prev_reopened::float8, d.prev_unfinished::float8, d.cur_sprints::float8, d.cur_completed::float8, d.cur_committed::float8, d.cur_carried_over::float8, d.cur_scope_added::float8, d.cur_re_estimated::float8, d.cur_scope_removed::float8, d.cur_reopened::float8, d.cur_unfinished::float8
            FROM chosen s
            LEFT JOIN LATERAL (
                SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY y.value)::numeric AS median, count(y.value)::int AS n,
                       count(*) FILTER (WHERE y.value * s.direction > s.value * s.direction)::int AS worse
                FROM (
                    SELECT DISTINCT ON (l.team_key) l.value
                    FROM long l
                    WHERE l.metric = s.metric AND l.team_key <> s.team_key AND l.sprint_state = 'closed' AND l.sprint_close_at <= s.sprint_close_at
                    ORDER BY l.team_key, l.sprint_close_at DESC, l.sprint_key DESC
                ) y
            ) o ON true
            LEFT JOIN LATERAL (
                SELECT regr_slope(y.value, y.k) AS slope, count(y.value)::int AS n, avg(y.value) AS mean
                FROM (
                    SELECT r.value, row_number() OVER (ORDER BY r.sprint_close_at, r.sprint_key) AS k
                    FROM (
                        SELECT l.value, l.sprint_close_at, l.sprint_key
                        FROM long l
                        WHERE l.team_key = s.team_key AND l.metric = s.metric
                          AND (l.sprint_key = s.sprint_key OR (l.sprint_state = 'closed' AND NOT l.low_sample AND (l.sprint_close_at, l.sprint_key) < (s.sprint_close_at, s.sprint_key)))
                        ORDER BY l.sprint_close_at DESC, l.sprint_key DESC
                        LIMIT 8
                    ) r
                ) y
            ) t ON true
            LEFT JOIN change d ON d.team_key = s.team_key
            ORDER BY s.team_name, s.sprint_close_at, s.sprint_key, s.ord
            """,
            "2024-06-15T12:00:00.0000000Z | 1 | 1 | 2 | 2 | spillover_ratio | 0.25 | 1 | say_do_ratio | 0.2 | -1 | scope_churn_ratio | 0.2 | 1 | blocked_hours | 0.15 | 1 | reopen_rate | 0.1 | 1 | cycle_time_p50 | 0.1 | 1 | [Phoenix] | 0.5"),
        (
            "Anomalies_of_one_team_this_year",
            """{"analysis":"anomalies","metrics":["sprint_problematic_score"],"filters":[{"dimension":"team","op":"eq","values":["Nova"]}],"time":{"type":"period","unit":"year","offset":0}}""",
            """
            WITH cur_sprints AS (
                SELECT sprint_key, team_key, sprint_start_at, sprint_close_at
                FROM sprint_stats
                WHERE sprint_state = 'closed' AND sprint_close_at <= $3 AND sprint_close_at >= $1 AND sprint_close_at < $2
            ),
            scores_order AS (
                SELECT s.sprint_key, s.team_key, s.sprint_state = 'closed' AND NOT s.low_sample AS eligible,
                       count(*) FILTER (WHERE s.sprint_state = 'closed' AND NOT s.low_sample) OVER (PARTITION BY s.team_key ORDER BY s.sprint_close_at, s.sprint_key
                                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS eligible_before
                FROM sprint_stats s
                WHERE s.sprint_close_at IS NOT NULL
            ),
            scores_base AS (
                SELECT t.sprint_key AS target_key, b.sprint_key AS base_key
                FROM scores_order t
                CROSS JOIN generate_series(1, 6) k(n)
                JOIN scores_order b ON b.team_key = t.team_key AND b.eligible_before = t.eligible_before - k.n AND b.eligible
                WHERE t.sprint_key IN (SELECT l.sprint_key FROM sprint_stats l WHERE l.sprint_key IN (SELECT sprint_key FROM cur_sprints) AND l.team_name = ANY($4))
            ),
            scores_sprints AS (
                SELECT sprint_key, team_key, sprint_start_at, sprint_close_at
                FROM sprint_stats
                WHERE sprint_key IN (SELECT l.sprint_key FROM sprint_stats l WHERE l.sprint_key IN (SELECT sprint_key FROM cur_sprints) AND l.team_name = ANY($4))
                   OR sprint_key IN (SELECT base_key FROM scores_base)
            ),
            scores_values_1 AS (
                SELECT w.sprint_key AS sprint_key, a.spilled_points, a.committed_points, a.committed_completed_points, a.added_points, a.removed_points, a.reestimated_points, a.blocked_hours
                FROM scores_sprints w
                CROSS JOIN LATERAL (
                    SELECT count(*) AS n__rows, sum(v.spilled_points) AS spilled_points, sum(v.committed_points) AS committed_points, sum(v.committed_completed_points) AS committed_completed_points, sum(v.added_points) AS added_points, sum(v.removed_points) AS removed_points, sum(v.reestimated_points) AS reestimated_points, sum(v.blocked_hours) AS blocked_hours
                    FROM sprint_stats v
                    WHERE v.sprint_key = w.sprint_key
                ) a
                WHERE a.n__rows > 0
            ),
            scores_values_2 AS (
                SELECT w.sprint_key AS sprint_key, a.reopened_issues, a.done_arrival_issues
                FROM scores_sprints w
                CROSS JOIN LATERAL (
                    SELECT count(*) AS n__rows, sum(v.is_reopen)::bigint AS reopened_issues, sum(v.is_done_arrival)::bigint AS done_arrival_issues
                    FROM issue_events_sprints v
                    WHERE v.sprint_key = w.sprint_key
                ) a
                WHERE a.n__rows > 0
            ),
            scores_values_3 AS (
                SELECT w.sprint_key AS sprint_key, a.cycle_time_days_p50
                FROM scores_sprints w
                CROSS JOIN LATERAL (
                    SELECT count(*) AS n__rows, percentile_cont($5) WITHIN GROUP (ORDER BY u.cycle_time_days) AS cycle_time_days_p50
                    FROM issue_flow_resolved_sprints v
                    LEFT JOIN LATERAL unnest(v.cycle_time_days_values) AS u(cycle_time_days) ON true
                    WHERE v.sprint_key = w.sprint_key
                ) a
                WHERE a.n__rows > 0
            ),
            scores_values AS (
                SELECT k.sprint_key, coalesce(scores_values_1.spilled_points, 0)::numeric / nullif(scores_values_1.committed_points, 0) AS spillover_ratio, coalesce(scores_values_1.committed_completed_points, 0)::numeric / nullif(scores_values_1.committed_points, 0) AS say_do_ratio, (coalesce(scores_values_1.added_points, 0) + coalesce(scores_values_1.removed_points, 0) + coalesce(scores_values_1.reestimated_points, 0))::numeric / nullif(scores_values_1.committed_points, 0) AS scope_churn_ratio, coalesce(scores_values_1.blocked_hours, 0) AS blocked_hours, coalesce(scores_values_2.reopened_issues, 0)::numeric / nullif(scores_values_2.done_arrival_issues, 0) AS reopen_rate, scores_values_3.cycle_time_days_p50 AS cycle_time_p50
                FROM (
                    SELECT sprint_key FROM scores_values_1
                    UNION SELECT sprint_key FROM scores_values_2
                    UNION SELECT sprint_key FROM scores_values_3
                ) k
                LEFT JOIN scores_values_1 ON scores_values_1.sprint_key = k.sprint_key
                LEFT JOIN scores_values_2 ON scores_values_2.sprint_key = k.sprint_key
                LEFT JOIN scores_values_3 ON scores_values_3.sprint_key = k.sprint_key
            ),
            scores AS (
                SELECT s.sprint_key,
                       x.spillover_ratio,
                       z.spillover_ratio__mean AS spillover_ratio__baseline,
                       z.spillover_ratio__n,
                       CASE WHEN x.spillover_ratio IS NULL OR z.spillover_ratio__mean IS NULL OR z.spillover_ratio__n < 4 THEN NULL ELSE greatest(-3, least(3, (x.spillover_ratio - z.spillover_ratio__mean) / greatest(coalesce(z.spillover_ratio__sd, 0), 0.1 * abs(z.spillover_ratio__mean), 0.05))) END AS spillover_ratio__z,
                       x.say_do_ratio,
                       z.say_do_ratio__mean AS say_do_ratio__baseline,
                       z.say_do_ratio__n,
                       CASE WHEN x.say_do_ratio IS NULL OR z.say_do_ratio__mean IS NULL OR z.say_do_ratio__n < 4 THEN NULL ELSE greatest(-3, least(3, (x.say_do_ratio - z.say_do_ratio__mean) / greatest(coalesce(z.say_do_ratio__sd, 0), 0.1 * abs(z.say_do_ratio__mean), 0.05))) END AS say_do_ratio__z,
                       x.scope_churn_ratio,
                       z.scope_churn_ratio__mean AS scope_churn_ratio__baseline,
                       z.scope_churn_ratio__n,
                       CASE WHEN x.scope_churn_ratio IS NULL OR z.scope_churn_ratio__mean IS NULL OR z.scope_churn_ratio__n < 4 THEN NULL ELSE greatest(-3, least(3, (x.scope_churn_ratio - z.scope_churn_ratio__mean) / greatest(coalesce(z.scope_churn_ratio__sd, 0), 0.1 * abs(z.scope_churn_ratio__mean), 0.05))) END AS scope_churn_ratio__z,
                       x.blocked_hours,
                       z.blocked_hours__mean AS blocked_hours__baseline,
                       z.blocked_hours__n,
                       CASE WHEN ln(1 + greatest(x.blocked_hours::float8, 0)) IS NULL OR z.blocked_hours__smean IS NULL OR z.blocked_hours__n < 4 THEN NULL ELSE greatest(-3, least(3, (ln(1 + greatest(x.blocked_hours::float8, 0)) - z.blocked_hours__smean) / greatest(coalesce(z.blocked_hours__sd, 0), 0.1 * abs(z.blocked_hours__smean), 0.1))) END AS blocked_hours__z,
                       x.reopen_rate,
                       z.reopen_rate__mean AS reopen_rate__baseline,
                       z.reopen_rate__n,
                       CASE WHEN x.reopen_rate IS NULL OR z.reopen_rate__mean IS NULL OR z.reopen_rate__n < 4 THEN NULL ELSE greatest(-3, least(3, (x.reopen_rate - z.reopen_rate__mean) / greatest(coalesce(z.reopen_rate__sd, 0), 0.1 * abs(z.reopen_rate__mean), 0.05))) END AS reopen_rate__z,
                       x.cycle_time_p50,
                       z.cycle_time_p50__mean AS cycle_time_p50__baseline,
                       z.cycle_time_p50__n,
                       CASE WHEN ln(1 + greatest(x.cycle_time_p50::float8, 0)) IS NULL OR z.cycle_time_p50__smean IS NULL OR z.cycle_time_p50__n < 4 THEN NULL ELSE greatest(-3, least(3, (ln(1 + greatest(x.cycle_time_p50::float8, 0)) - z.cycle_time_p50__smean) / greatest(coalesce(z.cycle_time_p50__sd, 0), 0.1 * abs(z.cycle_time_p50__smean), 0.1))) END AS cycle_time_p50__z
                FROM scores_sprints s
                LEFT JOIN scores_values x ON x.sprint_key = s.sprint_key
                LEFT JOIN (
                    SELECT b.target_key,
                           avg(y.spillover_ratio) AS spillover_ratio__mean, stddev_samp(y.spillover_ratio) AS spillover_ratio__sd, count(y.spillover_ratio)::int AS spillover_ratio__n,
                           avg(y.say_do_ratio) AS say_do_ratio__mean, stddev_samp(y.say_do_ratio) AS say_do_ratio__sd, count(y.say_do_ratio)::int AS say_do_ratio__n,
                           avg(y.scope_churn_ratio) AS scope_churn_ratio__mean, stddev_samp(y.scope_churn_ratio) AS scope_churn_ratio__sd, count(y.scope_churn_ratio)::int AS scope_churn_ratio__n,
                           avg(y.blocked_hours) AS blocked_hours__mean, avg(ln(1 + greatest(y.blocked_hours::float8, 0)) ORDER BY b.base_key) AS blocked_hours__smean, stddev_samp(ln(1 + greatest(y.blocked_hours::float8, 0)) ORDER BY b.base_key) AS blocked_hours__sd, count(y.blocked_hours)::int AS blocked_hours__n,
                           avg(y.reopen_rate) AS reopen_rate__mean, stddev_samp(y.reopen_rate) AS reopen_rate__sd, count(y.reopen_rate)::int AS reopen_rate__n,
                           avg(y.cycle_time_p50) AS cycle_time_p50__mean, avg(ln(1 + greatest(y.cycle_time_p50::float8, 0)) ORDER BY b.base_key) AS cycle_time_p50__smean, stddev_samp(ln(1 + greatest(y.cycle_time_p50::float8, 0)) ORDER BY b.base_key) AS cycle_time_p50__sd, count(y.cycle_time_p50)::int AS cycle_time_p50__n
                    FROM scores_base b
                    JOIN scores_values y ON y.sprint_key = b.base_key
                    GROUP BY b.target_key
                ) z ON z.target_key = s.sprint_key
            ),
            picked AS (
                SELECT l.*
                FROM (
                    SELECT v.team_key, v.team_name, v.sprint_key, v.sprint_name, v.sprint_state, v.sprint_close_at, v.low_sample,
                           x.metric, x.value, x.z, x.baseline, x.baseline_n
                    FROM sprint_stats v
                    JOIN scores z ON z.sprint_key = v.sprint_key
                    CROSS JOIN LATERAL (VALUES
                        ($6::text, z.spillover_ratio::numeric, z.spillover_ratio__z::numeric, z.spillover_ratio__baseline::numeric, z.spillover_ratio__n::int),
                        ($7::text, z.say_do_ratio::numeric, z.say_do_ratio__z::numeric, z.say_do_ratio__baseline::numeric, z.say_do_ratio__n::int),
                        ($8::text, z.scope_churn_ratio::numeric, z.scope_churn_ratio__z::numeric, z.scope_churn_ratio__baseline::numeric, z.scope_churn_ratio__n::int),
                        ($9::text, z.blocked_hours::numeric, z.blocked_hours__z::numeric, z.blocked_hours__baseline::numeric, z.blocked_hours__n::int),
                        ($10::text, z.reopen_rate::numeric, z.reopen_rate__z::numeric, z.reopen_rate__baseline::numeric, z.reopen_rate__n::int),
                        ($11::text, z.cycle_time_p50::numeric, z.cycle_time_p50__z::numeric, z.cycle_time_p50__baseline::numeric, z.cycle_time_p50__n::int)
                    ) x(metric, value, z, baseline, baseline_n)
                    WHERE v.sprint_key IN (SELECT l.sprint_key FROM sprint_stats l WHERE l.sprint_key IN (SELECT sprint_key FROM cur_sprints) AND l.team_name = ANY($4))
                ) l
                WHERE NOT l.low_sample AND abs(l.z) >= $12
            )
            SELECT a.team_key, a.team_name AS team, a.sprint_key, a.sprint_name AS sprint, a.sprint_state, a.sprint_close_at, a.metric, a.value::float8,
                   a.baseline::float8, a.baseline_n, a.z::float8
            FROM picked a
            ORDER BY a.sprint_close_at, a.team_name, abs(a.z) DESC, a.metric
            """,
            "2024-01-01T00:00:00.0000000Z | 2025-01-01T00:00:00.0000000Z | 2024-06-15T12:00:00.0000000Z | [Nova] | 0.5 | spillover_ratio | say_do_ratio | scope_churn_ratio | blocked_hours | reopen_rate | cycle_time_p50 | 2"),
    ];
}
