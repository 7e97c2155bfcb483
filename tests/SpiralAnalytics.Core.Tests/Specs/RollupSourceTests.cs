using SpiralAnalytics.Core.Analytics;

namespace SpiralAnalytics.Core.Tests.Specs;

/// <summary>
/// When the builder reads the per-sprint rollup (sprint_stats) instead of sprint_issue_facts: sums only, and no group key or
/// filter the rollup has summed away. That the answers are the same is proved against the database (KnownAnswerViewTests,
/// the Query suites); here, which view each spec reads.
/// </summary>
public sealed class RollupSourceTests
{
    private const string Facts = "sprint_issue_facts";
    private const string Rollup = "FROM sprint_stats v";

    [Fact]
    public void The_rollup_carries_every_sum_measure_of_sprint_issue_facts_and_nothing_of_other_views()
    {
        Assert.Same(AnalyticsModel.SprintStats, AnalyticsModel.SprintIssueFacts.Rollup);
        var facts = AnalyticsModel.Measures.Where(m => m.View == AnalyticsModel.SprintIssueFacts).ToList();
        Assert.NotEmpty(facts);
        Assert.All(facts, m => Assert.Equal(m.Aggregation == Aggregation.Sum, m.InRollup));
        Assert.All(AnalyticsModel.Measures.Where(m => m.View != AnalyticsModel.SprintIssueFacts), m => Assert.False(m.InRollup, m.Name));
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
    public void Only_the_sprint_grain_group_of_a_mixed_answer_moves_to_the_rollup()
    {
        var sql = SpecTestData.Build("""{"metrics":["velocity","cycle_time_p50"],"group_by":["team"],"time":{"type":"all"}}""").Sql;
        Assert.Contains(Rollup, sql, StringComparison.Ordinal);
        Assert.Contains("FROM issue_flow v", sql, StringComparison.Ordinal);
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
}
