using System.Text.Json.Nodes;
using SpiralAnalytics.Core.Answers;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Core.Tests.Catalog;
using static SpiralAnalytics.Core.Tests.Answers.AnswerTestData;

namespace SpiralAnalytics.Core.Tests.Answers;

/// <summary>The sentence that leads an answer, per result shape, made from the numbers.</summary>
public sealed class ResultSummarizerTests
{
    private static string? Summarize(string spec, QueryColumn[] columns, params JsonObject[] rows) =>
        ResultSummarizer.Summarize(Spec(spec), columns, rows, ShippedCatalog.Catalog);

    [Fact]
    public void A_ranking_names_the_leader_with_its_number_like_the_issue_example()
    {
        var text = Summarize("""{"metrics":["reopened_count"],"group_by":["team"],"time":{"type":"period","unit":"quarter"},"sort":[{"by":"reopened_count","dir":"desc"}]}""",
            [Dim("team"), Metric("reopened_count", "issues")],
            Row(("team", "Nova"), ("reopened_count", 9)), Row(("team", "Orion"), ("reopened_count", 4)), Row(("team", "Atlas"), ("reopened_count", 2)));
        Assert.Equal("Nova had the most reopened issues: 9; Atlas the fewest: 2 (of 3 teams).", text);
    }

    [Fact]
    public void An_unsorted_grouping_is_ranked_by_value_not_by_row_order()
    {
        var text = Summarize("""{"metrics":["velocity"],"group_by":["team"],"time":{"type":"last_sprints","n":3}}""",
            [Dim("team"), Metric("velocity", "points")],
            Row(("team", "Atlas"), ("velocity", 21.5)), Row(("team", "Phoenix"), ("velocity", 40)), Row(("team", "Vega"), ("velocity", null)));
        Assert.Equal("Phoenix had the highest velocity: 40 points; Atlas the lowest: 21.5 points (of 3 teams).", text);
    }

    [Fact]
    public void An_ascending_top_n_leads_with_the_lowest_and_says_only_the_top_is_shown()
    {
        var text = Summarize("""{"metrics":["spillover_ratio"],"group_by":["team"],"sort":[{"by":"spillover_ratio","dir":"asc"}],"limit":2}""",
            [Dim("team"), Metric("spillover_ratio", "ratio")],
            Row(("team", "Atlas"), ("spillover_ratio", 0.05)), Row(("team", "Vega"), ("spillover_ratio", 0.125)));
        Assert.Equal("Atlas had the lowest spillover ratio: 5% (top 2 shown).", text);
    }

    [Fact]
    public void Ties_at_the_top_are_said()
    {
        var text = Summarize("""{"metrics":["bug_count"],"group_by":["assignee"],"sort":[{"by":"bug_count","dir":"desc"}]}""",
            [Dim("assignee"), Metric("bug_count", "issues")],
            Row(("assignee", "Ann"), ("bug_count", 3)), Row(("assignee", "Bob"), ("bug_count", 3)), Row(("assignee", "Cy"), ("bug_count", 1)));
        Assert.Equal("Ann had the most bugs created: 3 issues (tied with 1 other); Cy the fewest: 1 issue (of 3 assignees).", text);
    }

    [Fact]
    public void A_single_value_states_the_metric_and_its_unit()
    {
        Assert.Equal("Velocity: 42.5 points.",
            Summarize("""{"metrics":["velocity"],"time":{"type":"last_sprints","n":3}}""", [Metric("velocity", "points")], Row(("velocity", 42.5))));
        Assert.Equal("Cycle time (median): 3.25 days; spillover ratio: 18.2%.",
            Summarize("""{"metrics":["cycle_time_p50","spillover_ratio"]}""", [Metric("cycle_time_p50", "days"), Metric("spillover_ratio", "ratio")],
                Row(("cycle_time_p50", 3.25), ("spillover_ratio", 0.1824))));
    }

    [Fact]
    public void A_missing_single_value_says_so_and_is_never_zero()
    {
        Assert.Equal("Spillover ratio: no value.",
            Summarize("""{"metrics":["spillover_ratio"]}""", [Metric("spillover_ratio", "ratio")], Row(("spillover_ratio", null))));
    }

    [Fact]
    public void A_compared_single_value_gives_the_delta_the_change_and_the_previous_value()
    {
        var columns = new[] { Metric("velocity", "points"), Metric("velocity__previous", "points"), Metric("velocity__delta", "points"), new QueryColumn("velocity__change", QueryColumn.Metric, "ratio") };
        Assert.Equal("Velocity: 42 points, +3.5 points (+9%) on the period before (38.5 points).",
            Summarize("""{"metrics":["velocity"],"compare":{"type":"previous_period"}}""", columns,
                Row(("velocity", 42), ("velocity__previous", 38.5), ("velocity__delta", 3.5), ("velocity__change", 0.0909))));
        Assert.Equal("Velocity: 30 points, −8.5 points (−22%) on the period before (38.5 points).",
            Summarize("""{"metrics":["velocity"],"compare":{"type":"previous_period"}}""", columns,
                Row(("velocity", 30), ("velocity__previous", 38.5), ("velocity__delta", -8.5), ("velocity__change", -0.2208))));
        Assert.Equal("Velocity: 30 points, no value in the period before to compare with.",
            Summarize("""{"metrics":["velocity"],"compare":{"type":"previous_period"}}""", columns,
                Row(("velocity", 30), ("velocity__previous", null), ("velocity__delta", null), ("velocity__change", null))));
    }

    [Fact]
    public void A_ratio_delta_is_in_percentage_points()
    {
        var columns = new[] { Metric("spillover_ratio", "ratio"), Metric("spillover_ratio__previous", "ratio"), Metric("spillover_ratio__delta", "ratio"), Metric("spillover_ratio__change", "ratio") };
        Assert.Equal("Spillover ratio: 30%, +12 percentage points on the period before (18%).",
            Summarize("""{"metrics":["spillover_ratio"],"compare":{"type":"previous_period"}}""", columns,
                Row(("spillover_ratio", 0.3), ("spillover_ratio__previous", 0.18), ("spillover_ratio__delta", 0.12), ("spillover_ratio__change", 0.667))));
    }

    [Fact]
    public void A_grouped_compare_names_the_biggest_change()
    {
        var columns = new[] { Dim("team"), Metric("spillover_ratio", "ratio"), Metric("spillover_ratio__previous", "ratio"), Metric("spillover_ratio__delta", "ratio"), Metric("spillover_ratio__change", "ratio") };
        var text = Summarize("""{"metrics":["spillover_ratio"],"group_by":["team"],"compare":{"type":"previous_period"}}""", columns,
            Row(("team", "Atlas"), ("spillover_ratio", 0.1), ("spillover_ratio__previous", 0.12), ("spillover_ratio__delta", -0.02), ("spillover_ratio__change", -0.17)),
            Row(("team", "Phoenix"), ("spillover_ratio", 0.3), ("spillover_ratio__previous", 0.18), ("spillover_ratio__delta", 0.12), ("spillover_ratio__change", 0.67)));
        Assert.Equal("Phoenix had the highest spillover ratio: 30%; Atlas the lowest: 10% (of 2 teams). " +
                     "Biggest change on the period before: Phoenix, +12 percentage points (18% → 30%).", text);
    }

    [Fact]
    public void A_trend_over_sprints_gives_first_last_and_peak()
    {
        var text = Summarize("""{"metrics":["velocity"],"group_by":["sprint"]}""", [Dim("sprint"), Metric("velocity", "points")],
            Row(("sprint", "S1"), ("velocity", 20)), Row(("sprint", "S2"), ("velocity", 35)), Row(("sprint", "S3"), ("velocity", 28)));
        Assert.Equal("Velocity went from 20 points (S1) to 28 points (S3) over 3 sprints, peaking at 35 points (S2).", text);
        var monthly = Summarize("""{"metrics":["lead_time_p50"],"group_by":["month"]}""", [Dim("month"), Metric("lead_time_p50", "days")],
            Row(("month", "2015-10"), ("lead_time_p50", 6)), Row(("month", "2015-11"), ("lead_time_p50", 4.5)));
        Assert.Equal("Lead time (median) went from 6 days (2015-10) to 4.5 days (2015-11) over 2 months.", monthly);
    }

    [Fact]
    public void A_trend_of_one_period_is_its_value()
    {
        Assert.Equal("Velocity in S9: 12 points.",
            Summarize("""{"metrics":["velocity"],"group_by":["sprint"]}""", [Dim("sprint"), Metric("velocity", "points")], Row(("sprint", "S9"), ("velocity", 12))));
    }

    [Fact]
    public void A_top_one_names_the_winner_like_the_issue_example()
    {
        Assert.Equal("Nova had the most reopened issues: 9.",
            Summarize("""{"metrics":["reopened_count"],"group_by":["team"],"sort":[{"by":"reopened_count","dir":"desc"}],"limit":1}""",
                [Dim("team"), Metric("reopened_count", "issues")], Row(("team", "Nova"), ("reopened_count", 9))));
        Assert.Equal("Vega had the lowest cycle time (median): 1.5 days.",
            Summarize("""{"metrics":["cycle_time_p50"],"group_by":["team"],"sort":[{"by":"cycle_time_p50","dir":"asc"}],"limit":1}""",
                [Dim("team"), Metric("cycle_time_p50", "days")], Row(("team", "Vega"), ("cycle_time_p50", 1.5))));
    }

    [Fact]
    public void A_single_group_is_named_with_its_value()
    {
        Assert.Equal("Completed story points for Orion: 72.",
            Summarize("""{"metrics":["completed_sp"],"group_by":["team"],"filters":[{"dimension":"team","op":"eq","values":["Orion"]}]}""",
                [Dim("team"), Metric("completed_sp", "points")], Row(("team", "Orion"), ("completed_sp", 72))));
        Assert.Equal("Blocked time for Atlas: 12.5 hours.",
            Summarize("""{"metrics":["blocked_hours"],"group_by":["team"]}""", [Dim("team"), Metric("blocked_hours", "hours")], Row(("team", "Atlas"), ("blocked_hours", 12.5))));
    }

    [Fact]
    public void Two_groupings_name_both_values_of_the_leader()
    {
        var text = Summarize("""{"metrics":["completed_sp"],"group_by":["team","assignee"]}""", [Dim("team"), Dim("assignee"), Metric("completed_sp", "points")],
            Row(("team", "Aurora"), ("assignee", "Ann"), ("completed_sp", 13)), Row(("team", "Aurora"), ("assignee", "Bob"), ("completed_sp", 21)));
        Assert.Equal("team Aurora, assignee Bob had the most completed story points: 21; team Aurora, assignee Ann the fewest: 13 (of 2 rows).", text);
    }

    [Theory]
    [InlineData("""{"metrics":["velocity"],"group_by":["team"]}""", "No data for velocity in this window.")]
    [InlineData("""{"metrics":["velocity"],"group_by":["team"],"filters":[{"dimension":"team","op":"eq","values":["Atlas"]}]}""", "No data for velocity with these filters in this window.")]
    [InlineData("""{"metrics":["velocity"],"group_by":["team"],"having":[{"metric":"velocity","op":"gt","value":100}]}""", "No teams passed the threshold, so there is nothing to show.")]
    public void An_empty_result_says_why_it_may_be_empty(string spec, string expected) =>
        Assert.Equal(expected, Summarize(spec, [Dim("team"), Metric("velocity", "points")]));

    [Fact]
    public void Groups_without_any_value_are_not_ranked()
    {
        Assert.Equal("Reopen rate has no value for any of the 2 teams.",
            Summarize("""{"metrics":["reopen_rate"],"group_by":["team"]}""", [Dim("team"), Metric("reopen_rate", "ratio")],
                Row(("team", "Atlas"), ("reopen_rate", null)), Row(("team", "Vega"), ("reopen_rate", null))));
    }

    [Fact]
    public void The_sort_metric_leads_when_several_are_asked()
    {
        var text = Summarize("""{"metrics":["velocity","spillover_ratio"],"group_by":["team"],"sort":[{"by":"spillover_ratio","dir":"desc"}]}""",
            [Dim("team"), Metric("velocity", "points"), Metric("spillover_ratio", "ratio")],
            Row(("team", "Phoenix"), ("velocity", 30), ("spillover_ratio", 0.4)), Row(("team", "Atlas"), ("velocity", 40), ("spillover_ratio", 0.1)));
        Assert.StartsWith("Phoenix had the highest spillover ratio: 40%", text, StringComparison.Ordinal);
    }
}
