using SpiralAnalytics.Core.Analytics;

namespace SpiralAnalytics.Core.Tests.Specs;

/// <summary>
/// When the builder reads the per-sprint rollup (sprint_stats) instead of sprint_issue_facts, or a month rollup of issue_flow
/// (issue_flow_created_months, issue_flow_resolved_months) instead of issue_flow: sums only, no group key or filter the rollup
/// has summed away, and for the months a window of whole months. That the answers are the same is proved against the database (KnownAnswerViewTests,
/// the Query suites); here, which view each spec reads.
/// </summary>
public sealed class RollupSourceTests
{
    private const string Facts = "sprint_issue_facts";
    private const string Rollup = "FROM sprint_stats v";

    [Fact]
    public void The_rollups_carry_every_sum_of_sprint_issue_facts_and_issue_flow_every_distinct_issue_count_of_issue_events_and_nothing_else()
    {
        Assert.Same(AnalyticsModel.SprintStats, AnalyticsModel.SprintIssueFacts.RollupFor("sprint_close_at"));
        Assert.Same(AnalyticsModel.IssueFlowCreatedMonths, AnalyticsModel.IssueFlow.RollupFor("created_at"));
        Assert.Same(AnalyticsModel.IssueFlowResolvedMonths, AnalyticsModel.IssueFlow.RollupFor("resolved_at"));
        Assert.Same(AnalyticsModel.IssueEventsMonths, AnalyticsModel.IssueEvents.RollupFor("at"));
        var rolled = new[] { AnalyticsModel.SprintIssueFacts, AnalyticsModel.IssueFlow, AnalyticsModel.IssueEvents };
        var measures = AnalyticsModel.Measures.Where(m => rolled.Contains(m.View)).ToList();
        Assert.Contains(measures, m => m.View == AnalyticsModel.IssueFlow && m.InRollup);
        Assert.Contains(measures, m => m.View == AnalyticsModel.IssueEvents && m.InRollup);
        Assert.All(measures, m => Assert.Equal(
            m.Aggregation == Aggregation.Sum
            || (m.View == AnalyticsModel.IssueEvents && m.Aggregation == Aggregation.CountDistinctIssues)
            || (m.View == AnalyticsModel.IssueFlow && m.Aggregation == Aggregation.Values),
            m.InRollup));
        Assert.All(measures.Where(m => m.InRollup), m => Assert.Equal(m.TimeColumn, m.Rollup!.RollupTimeColumn));
        Assert.All(AnalyticsModel.Measures.Where(m => !rolled.Contains(m.View)), m => Assert.False(m.InRollup, m.Name));
    }

    [Theory]
    [InlineData("""{"metrics":["bug_count"],"group_by":["team"],"time":{"type":"all"}}""", "issue_flow_created_months")]
    [InlineData("""{"metrics":["issues_closed"],"group_by":["team","quarter"],"time":{"type":"all"}}""", "issue_flow_resolved_months")]
    [InlineData("""{"metrics":["comments_per_issue"],"group_by":["month"],"time":{"type":"period","unit":"year","offset":-1}}""", "issue_flow_resolved_months")]
    [InlineData("""{"metrics":["flow_efficiency"],"group_by":["team"],"time":{"type":"period","unit":"quarter","offset":-1},"compare":{"type":"previous_period"}}""", "issue_flow_resolved_months")]
    [InlineData("""{"metrics":["escaped_defects"],"filters":[{"dimension":"team","op":"eq","values":["Nova"]}],"time":{"type":"between","from":"2025-01-01","to":"2025-03-31"}}""", "issue_flow_created_months")]
    public void An_issue_sum_over_whole_months_by_team_or_calendar_reads_the_month_rollup(string json, string rollup)
    {
        var sql = SpecTestData.Build(json).Sql;
        Assert.Contains($"FROM {rollup} v", sql, StringComparison.Ordinal);
        Assert.DoesNotContain("FROM issue_flow v", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void The_mean_of_an_issue_value_over_whole_months_is_its_sum_over_its_number()
    {
        var sql = SpecTestData.Build("""{"metrics":["cycle_time_avg","lead_time_avg"],"group_by":["team","quarter"],"time":{"type":"all"}}""").Sql;
        Assert.Contains("FROM issue_flow_resolved_months v", sql, StringComparison.Ordinal);
        Assert.Contains("sum(v.cycle_time_days_sum) / nullif(sum(v.cycle_time_days_count), 0)::numeric AS cycle_time_days_mean", sql, StringComparison.Ordinal);
        Assert.Contains("sum(v.lead_time_days_sum) / nullif(sum(v.lead_time_days_count), 0)::numeric AS lead_time_days_mean", sql, StringComparison.Ordinal);
        Assert.DoesNotContain("avg(", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Percentiles_of_issue_values_over_whole_months_unnest_the_months_lists_of_values()
    {
        var sql = SpecTestData.Build("""{"metrics":["cycle_time_p50","lead_time_p90","cycle_time_avg"],"group_by":["team"],"time":{"type":"all"}}""").Sql;
        Assert.Contains("FROM issue_flow_resolved_months v\n    LEFT JOIN LATERAL unnest(v.cycle_time_days_values, v.lead_time_days_values) AS u(cycle_time_days, lead_time_days) ON true", sql, StringComparison.Ordinal);
        Assert.Matches(@"percentile_cont\(\$\d+\) WITHIN GROUP \(ORDER BY u\.cycle_time_days\) AS cycle_time_days_p50", sql);
        Assert.Matches(@"percentile_cont\(\$\d+\) WITHIN GROUP \(ORDER BY u\.lead_time_days\) AS lead_time_days_p90", sql);
        Assert.Contains("avg(u.cycle_time_days) AS cycle_time_days_mean", sql, StringComparison.Ordinal);
        Assert.DoesNotContain("FROM issue_flow v", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Throughput_reads_both_month_rollups_each_by_its_own_time_column()
    {
        var sql = SpecTestData.Build("""{"metrics":["throughput_ratio"],"group_by":["team"],"time":{"type":"period","unit":"quarter","offset":-1}}""").Sql;
        Assert.Contains("FROM issue_flow_resolved_months v\n    WHERE v.resolved_at >= $", sql, StringComparison.Ordinal);
        Assert.Contains("FROM issue_flow_created_months v\n    WHERE v.created_at >= $", sql, StringComparison.Ordinal);
        Assert.DoesNotContain("FROM issue_flow v", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Distinct_reopened_issues_over_whole_months_are_a_sum_of_each_issues_first_event_in_the_window_and_bucket()
    {
        var all = SpecTestData.Build("""{"metrics":["reopen_rate"],"group_by":["team"],"time":{"type":"all"}}""").Sql;
        Assert.Contains("FROM issue_events_months v", all, StringComparison.Ordinal);
        Assert.Contains("coalesce(sum(v.events) FILTER (WHERE v.is_reopen = 1 AND v.previous_at IS NULL), 0) AS reopened_issues", all, StringComparison.Ordinal);
        Assert.Contains("FILTER (WHERE v.is_done_arrival = 1 AND v.previous_at IS NULL)", all, StringComparison.Ordinal);
        Assert.DoesNotContain("count(DISTINCT", all, StringComparison.Ordinal);

        var year = SpecTestData.Build("""{"metrics":["reopened_count"],"group_by":["quarter"],"time":{"type":"period","unit":"year","offset":-1}}""");
        Assert.Contains("FROM issue_events_months v", year.Sql, StringComparison.Ordinal);
        Assert.Matches(@"v\.previous_at < greatest\(\$\d+, date_trunc\('quarter', v\.at, 'UTC'\)\)", year.Sql);

        var month = SpecTestData.Build("""{"metrics":["reopened_count"],"group_by":["team"],"time":{"type":"period","unit":"month","offset":-1}}""");
        Assert.Matches(@"\(v\.previous_at IS NULL OR v\.previous_at < \$\d+\)", month.Sql);
    }

    [Theory]
    [InlineData("""{"metrics":["reopened_count"],"group_by":["team"],"time":{"type":"rolling","unit":"day","n":30}}""")]
    [InlineData("""{"metrics":["reopen_rate"],"group_by":["week"],"time":{"type":"all"}}""")]
    [InlineData("""{"metrics":["reopen_rate"],"group_by":["assignee"],"time":{"type":"all"}}""")]
    [InlineData("""{"metrics":["reopen_rate"],"group_by":["team"],"time":{"type":"last_sprints","n":6}}""")]
    public void Distinct_issue_counts_that_cut_a_month_or_need_an_issue_dimension_read_issue_events(string json)
    {
        var sql = SpecTestData.Build(json).Sql;
        Assert.Contains("count(DISTINCT v.issue_key) FILTER (WHERE v.is_reopen = 1)", sql, StringComparison.Ordinal);
        Assert.Contains("FROM issue_events v", sql, StringComparison.Ordinal);
        Assert.DoesNotContain("_months", sql, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"metrics":["bug_count"],"group_by":["team"],"time":{"type":"rolling","unit":"day","n":30}}""")] // ends at as_of
    [InlineData("""{"metrics":["bug_count"],"group_by":["team"],"time":{"type":"between","from":"2025-01-01","to":"2025-03-30"}}""")]
    [InlineData("""{"metrics":["bug_count"],"group_by":["team"],"time":{"type":"period","unit":"week","offset":-1}}""")]
    [InlineData("""{"metrics":["issues_closed"],"group_by":["week"],"time":{"type":"all"}}""")]
    [InlineData("""{"metrics":["issues_closed"],"group_by":["team"],"time":{"type":"last_sprints","n":6}}""")]
    [InlineData("""{"metrics":["issues_closed"],"group_by":["assignee"],"time":{"type":"all"}}""")]
    [InlineData("""{"metrics":["issues_closed"],"filters":[{"dimension":"issue_type","op":"eq","values":["Bug"]}],"time":{"type":"all"}}""")]
    [InlineData("""{"metrics":["lead_time_p90"],"group_by":["team"],"time":{"type":"rolling","unit":"month","n":3}}""")]
    [InlineData("""{"metrics":["cycle_time_p50","issues_closed"],"group_by":["team"],"time":{"type":"all"}}""")] // one group: unnested values would repeat the sums
    [InlineData("""{"metrics":["cycle_time_avg"],"group_by":["team"],"time":{"type":"last_sprints","n":6}}""")]
    public void Issue_values_windows_that_cut_a_month_weeks_and_issue_dimensions_read_issue_flow(string json)
    {
        var sql = SpecTestData.Build(json).Sql;
        Assert.Contains("FROM issue_flow v", sql, StringComparison.Ordinal);
        Assert.DoesNotContain("_months", sql, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"metrics":["velocity"],"group_by":["team"],"time":{"type":"all"}}""")]
    [InlineData("""{"metrics":["spillover_ratio","completed_sp"],"group_by":["team"],"time":{"type":"last_sprints","n":3}}""")]
    [InlineData("""{"metrics":["say_do_ratio"],"group_by":["team","month"],"time":{"type":"period","unit":"year","offset":-1}}""")]
    [InlineData("""{"metrics":["bug_share"],"group_by":["sprint"],"filters":[{"dimension":"team","op":"eq","values":["Phoenix"]}],"time":{"type":"all"}}""")]
    [InlineData("""{"metrics":["blocked_hours","blocked_issue_ratio"],"group_by":["quarter"],"time":{"type":"all"}}""")]
    [InlineData("""{"metrics":["scope_churn_ratio"],"filters":[{"dimension":"sprint","op":"not_in","values":["Sprint 1"]}],"time":{"type":"current_sprint"}}""")]
    public void A_sum_of_sprint_facts_by_team_sprint_or_calendar_reads_the_rollup(string json)
    {
        var sql = SpecTestData.Build(json).Sql;
        Assert.Contains(Rollup, sql, StringComparison.Ordinal);
        Assert.DoesNotContain(Facts, sql, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"metrics":["velocity"],"group_by":["team","assignee"],"time":{"type":"all"}}""")]
    [InlineData("""{"metrics":["velocity"],"group_by":["team"],"filters":[{"dimension":"assignee","op":"eq","values":["Ana"]}],"time":{"type":"all"}}""")]
    [InlineData("""{"metrics":["spillover_ratio"],"group_by":["issue_type"],"time":{"type":"last_sprints","n":3}}""")]
    [InlineData("""{"metrics":["spillover_ratio"],"group_by":["team"],"filters":[{"dimension":"issue_type","op":"not_in","values":["Bug"]}],"time":{"type":"all"}}""")]
    [InlineData("""{"metrics":["completed_sp"],"group_by":["priority"],"time":{"type":"all"}}""")]
    [InlineData("""{"metrics":["completed_sp"],"filters":[{"dimension":"epic","op":"eq","values":["E-1"]}],"time":{"type":"all"}}""")]
    public void The_same_sums_sliced_or_grouped_by_an_issue_dimension_read_sprint_issue_facts(string json)
    {
        var sql = SpecTestData.Build(json).Sql;
        Assert.Contains($"FROM {Facts} v", sql, StringComparison.Ordinal);
        Assert.DoesNotContain(Rollup, sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_group_of_a_mixed_answer_moves_to_its_own_rollup()
    {
        var sql = SpecTestData.Build("""{"metrics":["velocity","cycle_time_p50"],"group_by":["team"],"time":{"type":"all"}}""").Sql;
        Assert.Contains(Rollup, sql, StringComparison.Ordinal);
        Assert.Contains("FROM issue_flow_resolved_months v", sql, StringComparison.Ordinal);
        Assert.DoesNotContain("FROM issue_flow v", sql, StringComparison.Ordinal);
        Assert.DoesNotContain(Facts, sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Per_sprint_values_behind_z_scores_and_the_problem_score_read_one_rollup_row_per_sprint()
    {
        var score = SpecTestData.Build("""{"metrics":["sprint_problematic_score"],"group_by":["team"],"time":{"type":"all"}}""").Sql;
        Assert.Contains("FROM sprint_stats v\n        WHERE v.sprint_key = w.sprint_key", score, StringComparison.Ordinal);
        Assert.DoesNotContain(Facts, score, StringComparison.Ordinal);

        // anomaly flags of a sprint-grouped answer: the z-scores' per-sprint values too
        var flagged = SpecTestData.Build("""{"metrics":["velocity"],"group_by":["sprint"],"time":{"type":"last_sprints","n":6}}""").Sql;
        Assert.Contains("velocity__z", flagged, StringComparison.Ordinal);
        Assert.DoesNotContain(Facts, flagged, StringComparison.Ordinal);
    }

    [Fact]
    public void The_per_sprint_rollups_carry_the_issue_sums_and_values_placed_by_resolution_and_the_distinct_issues_of_events_and_nothing_else()
    {
        Assert.Same(AnalyticsModel.IssueFlowResolvedSprints, AnalyticsModel.IssueFlow.RollupFor("resolved_at", perSprint: true));
        Assert.Same(AnalyticsModel.IssueEventsSprints, AnalyticsModel.IssueEvents.RollupFor("at", perSprint: true));
        Assert.Null(AnalyticsModel.IssueFlow.RollupFor("created_at", perSprint: true));
        Assert.Null(AnalyticsModel.SprintIssueFacts.RollupFor("sprint_close_at", perSprint: true));
        // the month rollups are still the ones for windows
        Assert.Same(AnalyticsModel.IssueFlowResolvedMonths, AnalyticsModel.IssueFlow.RollupFor("resolved_at"));
        Assert.Same(AnalyticsModel.IssueEventsMonths, AnalyticsModel.IssueEvents.RollupFor("at"));
        Assert.All(AnalyticsModel.Measures, m => Assert.Equal(
            (m.View == AnalyticsModel.IssueFlow && m.TimeColumn == "resolved_at" && m.Aggregation is Aggregation.Sum or Aggregation.Values)
            || (m.View == AnalyticsModel.IssueEvents && m.Aggregation == Aggregation.CountDistinctIssues),
            m.SprintRollup is not null));
    }

    [Fact]
    public void Each_sprints_cycle_time_and_reopen_rate_behind_the_problem_score_read_one_row_of_the_per_sprint_rollups()
    {
        var score = SpecTestData.Build("""{"metrics":["sprint_problematic_score"],"group_by":["team"],"time":{"type":"all"}}""").Sql;
        Assert.Contains("FROM issue_flow_resolved_sprints v\n        LEFT JOIN LATERAL unnest(v.cycle_time_days_values) AS u(cycle_time_days) ON true\n        WHERE v.sprint_key = w.sprint_key", score, StringComparison.Ordinal);
        Assert.Matches(@"percentile_cont\(\$\d+\) WITHIN GROUP \(ORDER BY u\.cycle_time_days\) AS cycle_time_days_p50", score);
        Assert.Contains("sum(v.is_reopen)::bigint AS reopened_issues, sum(v.is_done_arrival)::bigint AS done_arrival_issues\n        FROM issue_events_sprints v\n        WHERE v.sprint_key = w.sprint_key", score, StringComparison.Ordinal);
        Assert.DoesNotContain("FROM issue_flow v", score, StringComparison.Ordinal);
        Assert.DoesNotContain("FROM issue_events v", score, StringComparison.Ordinal);
    }

    [Fact]
    public void An_answers_own_window_over_issue_rows_never_reads_the_per_sprint_rollups()
    {
        // (sprints may overlap, and an issue in two sprints is one issue: a sum over sprints would count it twice)
        var window = SpecTestData.Build("""{"metrics":["reopen_rate","cycle_time_p50"],"group_by":["team"],"time":{"type":"last_sprints","n":6}}""").Sql;
        Assert.Contains("FROM issue_events v", window, StringComparison.Ordinal);
        Assert.Contains("FROM issue_flow v", window, StringComparison.Ordinal);
        Assert.DoesNotContain("_sprints v", window, StringComparison.Ordinal);
        var all = SpecTestData.Build("""{"metrics":["reopen_rate","cycle_time_p50"],"group_by":["team"],"time":{"type":"all"}}""").Sql;
        Assert.DoesNotContain("_sprints v", all, StringComparison.Ordinal);
    }
}
