using System.Text.Json.Serialization;

namespace SpiralAnalytics.Core.Catalog;

/// <summary>
/// One catalog metric as its YAML file states it (docs/catalog.md): what it is, what it is computed from (measures of
/// <see cref="Analytics.AnalyticsModel"/>, never SQL), how it may be sliced, and its version and lifecycle.
/// Property order is the canonical order of the YAML and JSON forms.
/// </summary>
public sealed record MetricDefinition
{
    public required string Name { get; init; }

    public required string DisplayName { get; init; }

    /// <summary>One of <see cref="MetricCategories.All"/>.</summary>
    public required string Category { get; init; }

    public required string Description { get; init; }

    /// <summary>One of <see cref="MetricTypes.All"/>; it decides which of the formula fields below are set.</summary>
    public required string Type { get; init; }

    /// <summary>simple, derived, percentile: the one measure the metric reads.</summary>
    public string? Measure { get; init; }

    /// <summary>
    /// simple: <c>mean</c> over a measure of issue-level values (absent otherwise: the measure's own aggregation);
    /// derived: <c>mean_per_sprint</c>.
    /// </summary>
    public string? Statistic { get; init; }

    /// <summary>percentile: the quantile in (0, 1), e.g. 0.5 for the median.</summary>
    [JsonPropertyName("p")]
    public double? P { get; init; }

    /// <summary>ratio: measures summed into the numerator.</summary>
    public IReadOnlyList<string>? Numerator { get; init; }

    /// <summary>ratio: the measure summed into the denominator (zero gives null).</summary>
    public string? Denominator { get; init; }

    /// <summary>composite: z-scored metrics with weights summing to 1.0.</summary>
    public IReadOnlyList<CompositeComponent>? Components { get; init; }

    /// <summary>One of <see cref="MetricUnits.All"/>.</summary>
    public required string Unit { get; init; }

    /// <summary>One of <see cref="MetricDirections.All"/>.</summary>
    public required string Direction { get; init; }

    /// <summary>One of <see cref="MetricGrains.All"/>.</summary>
    public required string Grain { get; init; }

    /// <summary>For information: the time column of its measures (the query builder uses each measure's own).</summary>
    public required string TimeColumn { get; init; }

    /// <summary>Dimensions the metric may be grouped and filtered by.</summary>
    public required IReadOnlyList<string> Dimensions { get; init; }

    /// <summary>Phrases a team lead would use for it; 3 or more, unique across the catalog (case-insensitive).</summary>
    public required IReadOnlyList<string> Synonyms { get; init; }

    /// <summary>Catalog metrics this one is defined in terms of.</summary>
    public IReadOnlyList<string> DependsOn { get; init; } = [];

    /// <summary>Semantic version (MAJOR.MINOR.PATCH); a changed definition needs a higher one.</summary>
    public required string Version { get; init; }

    /// <summary>Lifecycle (not versioned): <c>active</c> or <c>deprecated</c>.</summary>
    public string Status { get; init; } = MetricStatuses.Active;

    /// <summary>Lifecycle: the active metric to use instead (deprecated metrics only).</summary>
    public string? ReplacedBy { get; init; }

    /// <summary>Lifecycle: why it was deprecated.</summary>
    public string? DeprecationReason { get; init; }

    [JsonIgnore]
    public bool IsActive => Status == MetricStatuses.Active;

    /// <summary>Every measure the metric reads (composites read none: their components' z-scores live in sprint_stats).</summary>
    [JsonIgnore]
    public IEnumerable<string> Measures =>
        Type == MetricTypes.Ratio
            ? (Numerator ?? []).Concat(Denominator is null ? [] : [Denominator])
            : Measure is null ? [] : [Measure];
}

/// <summary>A composite's component: a z-scored metric, its weight, and +1 when a higher value is worse (−1 when better).</summary>
public sealed record CompositeComponent(string Metric, double Weight, int Direction);

public static class MetricTypes
{
    public const string Simple = "simple";
    public const string Ratio = "ratio";
    public const string Derived = "derived";
    public const string Percentile = "percentile";
    public const string Composite = "composite";

    public static readonly IReadOnlyList<string> All = [Simple, Ratio, Derived, Percentile, Composite];
}

public static class MetricStatistics
{
    /// <summary>simple over issue-level values: their mean.</summary>
    public const string Mean = "mean";

    /// <summary>derived: the measure per sprint, then the mean of the per-sprint values.</summary>
    public const string MeanPerSprint = "mean_per_sprint";
}

public static class MetricUnits
{
    public static readonly IReadOnlyList<string> All = ["points", "issues", "ratio", "days", "hours", "comments", "sigma"];
}

public static class MetricCategories
{
    public static readonly IReadOnlyList<string> All = ["throughput", "lead_time", "sprint_health", "quality", "capacity", "composite"];
}

public static class MetricDirections
{
    public const string HigherIsBetter = "higher_is_better";
    public const string LowerIsBetter = "lower_is_better";
    public const string Neutral = "neutral";

    public static readonly IReadOnlyList<string> All = [HigherIsBetter, LowerIsBetter, Neutral];
}

public static class MetricStatuses
{
    public const string Active = "active";
    public const string Deprecated = "deprecated";

    public static readonly IReadOnlyList<string> All = [Active, Deprecated];
}

/// <summary>What one value of a metric describes; it follows from the views its measures read.</summary>
public static class MetricGrains
{
    public const string Sprint = "sprint";
    public const string Issue = "issue";
    public const string IssueTransition = "issue_transition";
    public const string Day = "day";
    public const string Snapshot = "snapshot";

    public static readonly IReadOnlyList<string> All = [Sprint, Issue, IssueTransition, Day, Snapshot];

    /// <summary>The grain a view's measures give a metric, or null for a view this catalog does not know yet.</summary>
    public static string? ForView(Analytics.AnalyticsView view) => view.Name switch
    {
        "sprint_issue_facts" or "sprint_stats" => Sprint,
        "issue_flow" => Issue,
        "issue_events" => IssueTransition,
        "team_daily_wip" => Day,
        "issue_idle_segments" => Snapshot,
        _ => null,
    };
}
