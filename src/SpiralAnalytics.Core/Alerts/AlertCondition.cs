using SpiralAnalytics.Core.Analytics;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Alerts;

/// <summary>
/// When an alert rule fires, judged on each in-scope team's latest closed sprint(s): the metric's value is above or below
/// <see cref="Value"/>, or its z-score against the team's own baseline is beyond ±<see cref="Value"/> — in each of the team's
/// last <see cref="Sprints"/> closed sprints (1 = the latest only; 2 = "two sprints running").
/// </summary>
public sealed record AlertCondition(string Op, double Value, int Sprints = 1)
{
    public const string Above = "above";
    public const string Below = "below";
    public const string AbsZAbove = "abs_z_above";

    public static readonly IReadOnlyList<string> Ops = [Above, Below, AbsZAbove];

    public const int MaxSprints = 12;

    /// <summary>Whether one sprint's value (or z-score, for <see cref="AbsZAbove"/>) meets the condition; null never does.</summary>
    public bool HoldsFor(double? value, double? z) => Op switch
    {
        Above => value > Value,
        Below => value < Value,
        AbsZAbove => z is { } score && Math.Abs(score) > Value,
        _ => false,
    };

    /// <summary>
    /// Whether a team's sprints, newest first, fire the rule: the newest <see cref="Sprints"/> all exist and all hold.
    /// </summary>
    public bool FiresOn(IReadOnlyList<AlertPoint> newestFirst) =>
        newestFirst.Count >= Sprints && newestFirst.Take(Sprints).All(p => HoldsFor(p.Value, p.Z));

    public string Describe(string metric) => Op switch
    {
        Above => $"{metric} above {Value:G}",
        Below => $"{metric} below {Value:G}",
        _ => $"{metric} |z| above {Value:G}",
    } + (Sprints > 1 ? $" {Sprints} sprints running" : "");
}

/// <summary>One closed sprint of a team as an alert sees it: its value of the rule's metric and that metric's z-score.</summary>
public sealed record AlertPoint(string SprintKey, string Sprint, double? Value, double? Z);

/// <summary>
/// What a rule may be (one rulebook, used by the API, the CLI and the plain-language path): its spec names exactly one
/// metric and a scope (filters) and nothing else — the evaluator chooses grouping and window; the metric must be sliceable
/// by team; a z-score condition needs a metric whose z-score the views compute and a whole-team scope; a run of sprints
/// needs a metric with per-sprint values. Errors carry paths (<c>spec.metrics</c>, <c>condition.op</c>).
/// </summary>
public static class AlertRuleRules
{
    public static IReadOnlyList<SpecError> Errors(AnalyticsSpec spec, AlertCondition condition, MetricCatalog catalog)
    {
        var errors = new List<SpecError>();
        if (spec.Analysis is not null)
        {
            errors.Add(new SpecError("spec.analysis", spec.Analysis, "an alert watches a metric's values; leave analysis out") { Rule = "alert_spec" });
        }

        if (spec.Metrics.Count != 1)
        {
            errors.Add(new SpecError("spec.metrics", string.Join(",", spec.Metrics), "an alert watches exactly one metric") { Rule = "alert_spec" });
        }

        Reject(errors, "spec.group_by", spec.GroupBy.Count > 0, "the evaluator groups by team (and sprint) itself");
        Reject(errors, "spec.time", spec.Time is not null, "an alert is judged on each team's latest closed sprints; leave time out");
        Reject(errors, "spec.compare", spec.Compare is not null, "compare has no meaning for an alert");
        Reject(errors, "spec.having", spec.Having.Count > 0, "put the threshold in the condition (op above/below, value)");
        Reject(errors, "spec.sort", spec.Sort.Count > 0, "sort has no meaning for an alert");
        Reject(errors, "spec.limit", spec.Limit is not null, "limit has no meaning for an alert");

        if (!AlertCondition.Ops.Contains(condition.Op))
        {
            errors.Add(new SpecError("condition.op", condition.Op, $"'{condition.Op}' is not a condition", AlertCondition.Ops, []) { Rule = "alert_condition" });
        }

        if (!double.IsFinite(condition.Value) || (condition.Op == AlertCondition.AbsZAbove && condition.Value <= 0))
        {
            errors.Add(new SpecError("condition.value", condition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
                condition.Op == AlertCondition.AbsZAbove ? "a z-score bound must be a positive number (2 = two standard deviations)" : "the value must be a finite number")
                { Rule = "alert_condition" });
        }

        if (condition.Sprints is < 1 or > AlertCondition.MaxSprints)
        {
            errors.Add(new SpecError("condition.sprints", condition.Sprints.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"sprints in a row must be between 1 and {AlertCondition.MaxSprints}") { Rule = "alert_condition" });
        }

        if (spec.Metrics.Count == 1 && catalog.Find(AnalyticsSpec.MetricName(spec.Metrics[0])) is { } metric)
        {
            if (!metric.Dimensions.Contains(Dimensions.Team))
            {
                errors.Add(new SpecError("spec.metrics[0]", metric.Name, $"'{metric.Name}' cannot be computed per team, which an alert needs") { Rule = "alert_metric" });
            }

            if (condition.Op == AlertCondition.AbsZAbove)
            {
                if (!ZScoreSql.CanScore(metric))
                {
                    errors.Add(new SpecError("condition.op", condition.Op, $"'{metric.Name}' has no z-score; use above or below",
                        ZScoreSql.Scored(catalog), []) { Rule = "alert_condition" });
                }

                if (spec.Filters.Any(f => f.Dimension != Dimensions.Team))
                {
                    errors.Add(new SpecError("spec.filters", string.Join(",", spec.Filters.Select(f => f.Dimension)),
                        "a z-score compares a whole team with its own past: filter on team only") { Rule = "alert_condition" });
                }
            }

            if (condition.Sprints > 1 && condition.Op != AlertCondition.AbsZAbove && !metric.Dimensions.Contains(Dimensions.Sprint))
            {
                errors.Add(new SpecError("condition.sprints", condition.Sprints.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    $"'{metric.Name}' has no per-sprint values, so a run of sprints cannot be judged; use sprints 1") { Rule = "alert_condition" });
            }
        }

        return errors;
    }

    private static void Reject(List<SpecError> errors, string path, bool present, string message)
    {
        if (present)
        {
            errors.Add(new SpecError(path, null, message) { Rule = "alert_spec" });
        }
    }
}
