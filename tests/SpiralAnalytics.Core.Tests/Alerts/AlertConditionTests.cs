using SpiralAnalytics.Core.Alerts;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Tests.Alerts;

public sealed class AlertConditionTests
{
    private static AlertPoint P(double? value, double? z = null) => new("S", "Sprint", value, z);

    [Fact]
    public void Two_sprints_running_needs_both_latest_sprints_over_the_threshold()
    {
        var condition = new AlertCondition(AlertCondition.Above, 0.2, 2);
        Assert.True(condition.FiresOn([P(0.3), P(0.25), P(0.0)]));
        Assert.False(condition.FiresOn([P(0.3), P(0.1), P(0.5)]));
        Assert.False(condition.FiresOn([P(0.3)]));
        Assert.False(condition.FiresOn([P(0.3), P(null)]));
    }

    [Fact]
    public void Below_and_equal_values_do_not_fire_above_and_vice_versa()
    {
        Assert.False(new AlertCondition(AlertCondition.Above, 0.2).FiresOn([P(0.2)]));
        Assert.True(new AlertCondition(AlertCondition.Below, 20).FiresOn([P(19.5)]));
        Assert.False(new AlertCondition(AlertCondition.Below, 20).FiresOn([P(20)]));
    }

    [Fact]
    public void A_z_bound_fires_on_either_side_and_never_without_a_z_score()
    {
        var condition = new AlertCondition(AlertCondition.AbsZAbove, 2);
        Assert.True(condition.FiresOn([P(1, -2.4)]));
        Assert.True(condition.FiresOn([P(1, 2.01)]));
        Assert.False(condition.FiresOn([P(1, 1.99)]));
        Assert.False(condition.FiresOn([P(1, null)]));
    }

    private static MetricDefinition Metric(string name, params string[] dimensions) => new()
    {
        Name = name, DisplayName = name, Category = "sprint_health", Description = "d", Type = MetricTypes.Ratio, Unit = "ratio",
        Numerator = ["spilled_points"], Denominator = "committed_points",
        Direction = MetricDirections.LowerIsBetter, Grain = "sprint", TimeColumn = "sprint_close_at", Dimensions = dimensions,
        Synonyms = ["a", "b", "c"], Version = "1.0.0",
    };

    /// <summary>A snapshot at as_of: no value per sprint, so no z-score.</summary>
    private static MetricDefinition Snapshot(string name, params string[] dimensions) => Metric(name, dimensions) with
    {
        Type = MetricTypes.Simple, Unit = "issues", Numerator = null, Denominator = null, Measure = "stuck_issues", Grain = "snapshot", TimeColumn = "idle_from",
    };

    [Fact]
    public void A_rule_spec_names_one_metric_and_a_scope_only_and_each_error_names_its_field()
    {
        var catalog = new MetricCatalog([Metric("spillover_ratio", "team", "sprint", "issue_type"), Metric("lead_time_p50", "team", "week")]);
        var spec = new AnalyticsSpec
        {
            Metrics = ["spillover_ratio", "lead_time_p50"], GroupBy = ["team"], Time = new LastSprintsTime(3),
            Having = [new HavingClause("spillover_ratio", "gt", 0.2)],
        };
        var paths = AlertRuleRules.Errors(spec, new AlertCondition("sideways", 1, 0), catalog).Select(e => e.Path).ToList();
        Assert.Equal(["spec.metrics", "spec.group_by", "spec.time", "spec.having", "condition.op", "condition.sprints"], paths);
    }

    [Fact]
    public void A_z_rule_needs_a_z_scored_metric_and_a_whole_team_scope_and_a_run_needs_per_sprint_values()
    {
        var catalog = new MetricCatalog([Metric("spillover_ratio", "team", "sprint", "issue_type"), Snapshot("lead_time_p50", "team", "week")]);
        var narrowed = new AnalyticsSpec { Metrics = ["spillover_ratio"], Filters = [new SpecFilter("issue_type", "eq", ["Bug"])] };
        Assert.Equal(["spec.filters"], AlertRuleRules.Errors(narrowed, new AlertCondition(AlertCondition.AbsZAbove, 2), catalog).Select(e => e.Path));
        var lead = new AnalyticsSpec { Metrics = ["lead_time_p50"] };
        Assert.Equal(["condition.op"], AlertRuleRules.Errors(lead, new AlertCondition(AlertCondition.AbsZAbove, 2), catalog).Select(e => e.Path));
        Assert.Equal(["condition.sprints"], AlertRuleRules.Errors(lead, new AlertCondition(AlertCondition.Above, 5, 2), catalog).Select(e => e.Path));
        Assert.Empty(AlertRuleRules.Errors(lead, new AlertCondition(AlertCondition.Above, 5), catalog));
        Assert.Empty(AlertRuleRules.Errors(new AnalyticsSpec { Metrics = ["spillover_ratio"] }, new AlertCondition(AlertCondition.AbsZAbove, 2, 2), catalog));
    }
}
