using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Tests.Specs;

/// <summary>Dumps the SQL of every baseline case (set SPIRAL_DUMP_BASELINES=path) so a conscious builder change can refresh them.</summary>
public sealed class SqlBaselineDump
{
    [Fact]
    public void Dump_baselines_when_asked()
    {
        if (Environment.GetEnvironmentVariable("SPIRAL_DUMP_BASELINES") is not { Length: > 0 } path)
        {
            return;
        }

        var lines = new List<string>();
        foreach (var (name, spec) in Cases)
        {
            var built = SpecTestData.Build(spec);
            lines.Add("=== " + name);
            lines.Add(spec);
            lines.Add(built.Sql);
            lines.Add("--- " + string.Join(" | ", built.Parameters.Select(p => p is string[] a ? "[" + string.Join(",", a) + "]" : p is DateTimeOffset d ? d.UtcDateTime.ToString("o", System.Globalization.CultureInfo.InvariantCulture) : Convert.ToString(p, System.Globalization.CultureInfo.InvariantCulture))));
        }

        File.WriteAllLines(path, lines);
    }

    public static readonly IReadOnlyList<(string Name, string Spec)> Cases =
    [
        ("Velocity_by_team_over_the_last_three_sprints", """{"metrics":["velocity"],"group_by":["team"],"time":{"type":"last_sprints","n":3}}"""),
        ("Spillover_without_time_uses_the_default_window", """{"metrics":["spillover_ratio"]}"""),
        ("Spillover_by_team_compared_with_threshold_and_top_five", """{"metrics":["spillover_ratio"],"group_by":["team"],"filters":[{"dimension":"team","op":"in","values":["Phoenix","Atlas"]}],"time":{"type":"last_sprints","n":3},"compare":{"type":"previous_period"},"having":[{"metric":"spillover_ratio","op":"gt","value":0.3}],"sort":[{"by":"spillover_ratio","dir":"desc"}],"limit":5}"""),
        ("Completed_points_of_the_current_sprint_by_team", """{"metrics":["completed_sp"],"group_by":["team"],"time":{"type":"current_sprint"}}"""),
        ("Issues_created_last_month_by_team", """{"metrics":["issues_created"],"group_by":["team"],"time":{"type":"period","unit":"month","offset":-1}}"""),
        ("Bugs_created_this_week", """{"metrics":["bug_count"],"time":{"type":"period","unit":"week"}}"""),
        ("Issues_closed_this_quarter_by_assignee", """{"metrics":["issues_closed"],"group_by":["assignee"],"time":{"type":"period","unit":"quarter"}}"""),
        ("Median_lead_time_last_year", """{"metrics":["lead_time_p50"],"time":{"type":"period","unit":"year","offset":-1}}"""),
        ("Cycle_time_p90_over_the_last_30_days_by_team", """{"metrics":["cycle_time_p90"],"group_by":["team"],"time":{"type":"rolling","unit":"day","n":30}}"""),
        ("Reopened_issues_over_the_last_4_weeks", """{"metrics":["reopened_count"],"time":{"type":"rolling","unit":"week","n":4}}"""),
        ("Throughput_ratio_over_3_months_by_team_reads_two_time_columns", """{"metrics":["throughput_ratio"],"group_by":["team"],"time":{"type":"rolling","unit":"month","n":3}}"""),
        ("Comments_per_issue_between_two_dates", """{"metrics":["comments_per_issue"],"time":{"type":"between","from":"2024-01-01","to":"2024-03-31"}}"""),
        ("Velocity_and_completed_issues_by_team_and_sprint_over_all_time", """{"metrics":["velocity","completed_issues"],"group_by":["team","sprint"],"time":{"type":"all"}}"""),
        ("Completed_issues_by_sprint_for_one_team", """{"metrics":["completed_issues"],"group_by":["sprint"],"filters":[{"dimension":"team","op":"eq","values":["Atlas"]}],"time":{"type":"last_sprints","n":6}}"""),
        ("Say_do_ratio_sliced_by_assignee_is_a_ratio_of_sums", """{"metrics":["say_do_ratio"],"group_by":["assignee"],"time":{"type":"last_sprints","n":3}}"""),
        ("Sprint_problem_score_top_three_teams", """{"metrics":["sprint_problematic_score"],"group_by":["team"],"time":{"type":"last_sprints","n":6},"sort":[{"by":"sprint_problematic_score","dir":"desc"}],"limit":3}"""),
        ("Sprint_and_issue_grain_metrics_together_over_sprint_spans", """{"metrics":["velocity","say_do_ratio","lead_time_p50","bug_count"],"group_by":["team"],"time":{"type":"last_sprints","n":4}}"""),
        ("Wip_by_team_over_two_weeks", """{"metrics":["wip"],"group_by":["team"],"time":{"type":"rolling","unit":"week","n":2}}"""),
        ("Stuck_issues_by_team_are_read_at_as_of", """{"metrics":["stuck_count"],"group_by":["team"]}"""),
        ("Snapshots_compared_with_last_month", """{"metrics":["wip_no_assignee","stuck_count"],"time":{"type":"period","unit":"month"},"compare":{"type":"previous_period"}}"""),
        ("Committed_points_by_month_between_dates", """{"metrics":["planned_sp"],"group_by":["month"],"time":{"type":"between","from":"2024-01-01","to":"2024-06-30"}}"""),
        ("Completion_rate_by_quarter_over_all_time", """{"metrics":["completion_rate"],"group_by":["quarter"],"time":{"type":"all"}}"""),
        ("Blocked_hours_by_issue_type_excluding_priorities", """{"metrics":["blocked_hours"],"group_by":["issue_type"],"filters":[{"dimension":"priority","op":"not_in","values":["Low","Lowest"]}],"time":{"type":"last_sprints","n":2}}"""),
        ("Scope_churn_for_two_teams_compared", """{"metrics":["scope_churn_ratio"],"group_by":["team"],"filters":[{"dimension":"team","op":"in","values":["Atlas","Phoenix"]}],"time":{"type":"last_sprints","n":2},"compare":{"type":"previous_period"}}"""),
        ("Mean_lead_time_by_priority_except_one_assignee", """{"metrics":["lead_time_avg"],"group_by":["priority"],"filters":[{"dimension":"assignee","op":"neq","values":["Ann"]}],"time":{"type":"period","unit":"month"}}"""),
        ("Escaped_defects_by_epic_last_quarter", """{"metrics":["escaped_defects"],"group_by":["epic"],"time":{"type":"period","unit":"quarter","offset":-1}}"""),
        ("Planning_accuracy_by_team_and_sprint_newest_first", """{"metrics":["accuracy_abs"],"group_by":["team","sprint"],"time":{"type":"last_sprints","n":5},"sort":[{"by":"sprint","dir":"desc"}]}"""),
        ("Flow_efficiency_by_week_over_the_last_month", """{"metrics":["flow_efficiency"],"group_by":["week"],"time":{"type":"rolling","unit":"month","n":1}}"""),
        ("Reopen_rate_by_team_at_least_ten_percent", """{"metrics":["reopen_rate"],"group_by":["team"],"time":{"type":"period","unit":"quarter"},"having":[{"metric":"reopen_rate","op":"gte","value":0.1}],"sort":[{"by":"reopen_rate","dir":"desc"}]}"""),
        ("Average_velocity_by_assignee_bottom_ten", """{"metrics":["velocity"],"group_by":["assignee"],"sort":[{"by":"velocity","dir":"asc"}],"limit":10}"""),
        ("Issues_created_and_closed_by_week", """{"metrics":["issues_created","issues_closed"],"group_by":["week"],"time":{"type":"rolling","unit":"week","n":8}}"""),
        ("Issues_created_in_the_current_sprint_span", """{"metrics":["issues_created"],"group_by":["team"],"time":{"type":"current_sprint"}}"""),
        ("Pinned_version_builds_like_the_current_one", """{"metrics":["completed_issues@1.0.0"],"time":{"type":"last_sprints","n":1}}"""),
    ];
}
