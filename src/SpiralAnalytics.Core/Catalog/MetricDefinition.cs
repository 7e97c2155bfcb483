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

    /// <summary>aggregate (tenant layer): <c>count</c>, <c>sum</c>, <c>avg</c>, <c>min</c>, <c>max</c> or <c>percentile</c> of <see cref="Measure"/>.</summary>
    public string? Aggregate { get; init; }

    /// <summary>aggregate (tenant layer): the row filter, dimension → allowed values (see <see cref="RowFilters"/>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Where { get; init; }

    /// <summary>aggregate_ratio (tenant layer): the numerator, one aggregate with its own row filter.</summary>
    public AggregateTerm? NumeratorOf { get; init; }

    /// <summary>aggregate_ratio (tenant layer): the denominator, one aggregate with its own row filter (zero gives null).</summary>
    public AggregateTerm? DenominatorOf { get; init; }

    /// <summary>sql (tenant layer, written by an admin): one SELECT over the tenant analytics views.</summary>
    public string? Sql { get; init; }

    /// <summary>sql: the columns the SELECT returns, in order (<see cref="SqlMetricOutput"/>).</summary>
    public IReadOnlyList<string>? Output { get; init; }

    /// <summary>sql: how the per-row values combine in a group of rows (<c>avg</c>, <c>sum</c>, <c>min</c>, <c>max</c>).</summary>
    public string? Rollup { get; init; }

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

    /// <summary>
    /// A ratio that is the share of an amount metric (spillover of the committed points): the part it counts is described by
    /// its definition; with <see cref="MetricRelation.Where"/>, the part is the amount's rows with those values (bug share of
    /// completed issues: issue_type Bug). Read by the translator ("what % of our completed tickets were bugs"), checked by
    /// <c>catalog validate</c>; it does not change how the metric is computed.
    /// </summary>
    public MetricRelation? ShareOf { get; init; }

    /// <summary>
    /// A metric that is another one narrowed to some rows (bugs created: issues created with issue_type Bug): the
    /// translator answers "issues created, bugs only" with it. Same unit and time column as that metric.
    /// </summary>
    public MetricRelation? Narrows { get; init; }

    /// <summary>Semantic version (MAJOR.MINOR.PATCH); a changed definition needs a higher one.</summary>
    public required string Version { get; init; }

    /// <summary>Lifecycle (not versioned): <c>active</c> or <c>deprecated</c>.</summary>
    public string Status { get; init; } = MetricStatuses.Active;

    /// <summary>Lifecycle: the active metric to use instead (deprecated metrics only).</summary>
    public string? ReplacedBy { get; init; }

    /// <summary>Lifecycle: why it was deprecated.</summary>
    public string? DeprecationReason { get; init; }

    /// <summary>Which catalog layer the definition comes from: <see cref="CatalogLayers.Shipped"/> or <see cref="CatalogLayers.Tenant"/> (not versioned content).</summary>
    [JsonIgnore]
    public string Layer { get; init; } = CatalogLayers.Shipped;

    [JsonIgnore]
    public bool IsActive => Status == MetricStatuses.Active;

    /// <summary>
    /// The same definition with its row filters in one order (dimensions sorted), so the file's order of a mapping —
    /// or PostgreSQL's jsonb order when read back — never makes an unchanged definition look changed.
    /// </summary>
    public MetricDefinition Canonical() => this with
    {
        Where = AggregateTerm.Sorted(Where),
        NumeratorOf = NumeratorOf is null ? null : NumeratorOf with { Where = AggregateTerm.Sorted(NumeratorOf.Where) },
        DenominatorOf = DenominatorOf is null ? null : DenominatorOf with { Where = AggregateTerm.Sorted(DenominatorOf.Where) },
        ShareOf = ShareOf is null ? null : ShareOf with { Where = AggregateTerm.Sorted(ShareOf.Where) },
        Narrows = Narrows is null ? null : Narrows with { Where = AggregateTerm.Sorted(Narrows.Where) },
    };

    /// <summary>Every measure the metric reads (composites and SQL metrics read none).</summary>
    [JsonIgnore]
    public IEnumerable<string> Measures => Type switch
    {
        MetricTypes.Ratio => (Numerator ?? []).Concat(Denominator is null ? [] : [Denominator]),
        MetricTypes.AggregateRatio => new[] { NumeratorOf?.Measure, DenominatorOf?.Measure }.OfType<string>(),
        _ => Measure is null ? [] : [Measure],
    };
}

/// <summary>One aggregate of a tenant ratio: a function over a measure, with its own row filter.</summary>
public sealed record AggregateTerm
{
    /// <summary><c>count</c>, <c>sum</c>, <c>avg</c>, <c>min</c>, <c>max</c> or <c>percentile</c>.</summary>
    public required string Aggregate { get; init; }

    public required string Measure { get; init; }

    /// <summary>percentile only: the quantile in (0, 1).</summary>
    [JsonPropertyName("p")]
    public double? P { get; init; }

    /// <summary>Dimension → allowed values; rows match when every listed dimension has one of its values.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Where { get; init; }

    /// <summary>A row filter with its dimensions in ordinal order (an insertion-ordered dictionary keeps it).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>>? Sorted(IReadOnlyDictionary<string, IReadOnlyList<string>>? where) =>
        where?.OrderBy(w => w.Key, StringComparer.Ordinal).ToDictionary(w => w.Key, w => w.Value, StringComparer.Ordinal);
}

/// <summary>
/// How one metric relates to another (<see cref="MetricDefinition.ShareOf"/>, <see cref="MetricDefinition.Narrows"/>): the
/// other metric, and the rows of it meant (dimension → values), if only some.
/// </summary>
public sealed record MetricRelation
{
    public required string Metric { get; init; }

    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Where { get; init; }

    /// <summary>True when <paramref name="dimension"/> = <paramref name="values"/> (as a set, case-insensitive) is exactly the row filter.</summary>
    public bool IsNarrowedTo(string dimension, IReadOnlyCollection<string> values) =>
        Where is { Count: 1 } where && where.TryGetValue(dimension, out var wanted)
        && wanted.Count == values.Count && wanted.All(w => values.Contains(w, StringComparer.OrdinalIgnoreCase));
}

/// <summary>The two layers of the catalog: shipped (global, operator-only) and tenant (per tenant, under RLS).</summary>
public static class CatalogLayers
{
    public const string Shipped = "shipped";
    public const string Tenant = "tenant";
}

/// <summary>The aggregate functions of tenant metrics.</summary>
public static class AggregateFunctions
{
    public const string Count = "count";
    public const string Sum = "sum";
    public const string Avg = "avg";
    public const string Min = "min";
    public const string Max = "max";
    public const string Percentile = "percentile";

    public static readonly IReadOnlyList<string> All = [Count, Sum, Avg, Min, Max, Percentile];
}

/// <summary>The dimensions a tenant metric's row filter may name (label is a filter only: an issue has several).</summary>
public static class RowFilters
{
    public const string Label = "label";

    public static readonly IReadOnlyList<string> All =
        [Analytics.Dimensions.IssueType, Analytics.Dimensions.Priority, Label, Analytics.Dimensions.Epic, Analytics.Dimensions.Assignee, Analytics.Dimensions.Team];
}

/// <summary>What a SQL metric returns and reads.</summary>
public static class SqlMetricOutput
{
    public const string SprintKey = "sprint_key";
    public const string Value = "value";

    /// <summary>The only output a SQL metric may declare: one value per sprint.</summary>
    public static readonly IReadOnlyList<string> Columns = [SprintKey, Value];

    public static readonly IReadOnlyList<string> Rollups = ["avg", "sum", "min", "max"];

    /// <summary>The tenant views a SQL metric may read (each filters on the tenant setting).</summary>
    public static readonly IReadOnlyList<string> AllowedViews =
    [
        "sprint_issue_facts", "sprint_stats", "issue_flow", "issue_events", "team_daily_wip", "issue_idle_segments",
        "issue_comment_stats", "issue_labels", "sprint_goals",
    ];
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

    /// <summary>Tenant layer: one aggregate function of a measure with a row filter.</summary>
    public const string Aggregate = "aggregate";

    /// <summary>Tenant layer: the ratio of two aggregates, each with its own row filter.</summary>
    public const string AggregateRatio = "aggregate_ratio";

    /// <summary>Tenant layer: an admin's SELECT over the tenant views, checked by PostgreSQL at save.</summary>
    public const string Sql = "sql";

    /// <summary>The types of the shipped catalog.</summary>
    public static readonly IReadOnlyList<string> All = [Simple, Ratio, Derived, Percentile, Composite];

    /// <summary>The types a tenant metric may have: the shipped ones and the tenant-only ones.</summary>
    public static readonly IReadOnlyList<string> Tenant = [Simple, Ratio, Derived, Percentile, Composite, Aggregate, AggregateRatio, Sql];
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
    public const string Ratio = "ratio";

    public static readonly IReadOnlyList<string> All = ["points", "issues", Ratio, "days", "hours", "comments", "sigma"];
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

    /// <summary>Tenant layer: stored, previewable, invisible to the translator and to other users.</summary>
    public const string Draft = "draft";

    /// <summary>Tenant layer: no longer offered; names a replacement when there is one.</summary>
    public const string Archived = "archived";

    public static readonly IReadOnlyList<string> All = [Active, Deprecated];

    public static readonly IReadOnlyList<string> Tenant = [Draft, Active, Archived];
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
