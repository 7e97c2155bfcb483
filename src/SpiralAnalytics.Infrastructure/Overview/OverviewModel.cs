using SpiralAnalytics.Core.Catalog;

namespace SpiralAnalytics.Infrastructure.Overview;

/// <summary>What every provider is asked: the tenant, its catalog, the teams in scope (one, or all) and the reference instant.</summary>
public sealed record OverviewRequest(string Tenant, Guid TenantId, MetricCatalog Catalog, IReadOnlyList<string> Teams, string? Team, DateTimeOffset AsOf);

/// <summary>One card of the overview: a provider's result, or its error (the other cards render regardless).</summary>
/// <param name="Status"><c>ok</c>, <c>error</c> or <c>timeout</c>.</param>
public sealed record OverviewCard(
    string Provider,
    string Title,
    string Status,
    string? Error,
    double ElapsedMs,
    IReadOnlyList<OverviewMetric> Metrics,
    IReadOnlyList<string> Warnings)
{
    public const string Ok = "ok";
    public const string Failed = "error";
    public const string TimedOut = "timeout";
}

/// <summary>A key metric of a card, with one entry per team in scope.</summary>
/// <param name="Sparkline">What one sparkline point is: <c>sprint</c> (the team's last N closed sprints) or <c>week</c> (metrics with no per-sprint value).</param>
public sealed record OverviewMetric(string Name, string DisplayName, string Unit, string Direction, string Version, string Sparkline,
    IReadOnlyList<OverviewTeamValue> Teams);

/// <summary>
/// A team's latest closed sprint for one metric: its value, the previous sprint's, the change, whether that is better or
/// worse by the metric's direction, the sparkline, and the z-score against the team's own baseline with the anomaly flag.
/// </summary>
/// <param name="Trend"><c>up</c>, <c>down</c>, <c>flat</c> or <c>none</c> (no previous value).</param>
/// <param name="Assessment"><c>better</c>, <c>worse</c>, <c>same</c>, or null (neutral metric or no trend).</param>
public sealed record OverviewTeamValue(
    string Team,
    string? Sprint,
    double? Value,
    double? Previous,
    double? Change,
    string Trend,
    string? Assessment,
    IReadOnlyList<SparkPoint> Spark,
    double? Z,
    bool Anomaly);

public sealed record SparkPoint(string Label, double? Value);

/// <summary>The overview: every card in provider order, how long it took, and whether it came from the cache (<c>hit</c>/<c>miss</c>).</summary>
public sealed record OverviewResponse(string AsOf, string? Team, IReadOnlyList<string> Teams, double AnomalyZ, IReadOnlyList<OverviewCard> Cards, double ElapsedMs)
{
    public string Cache { get; init; } = "miss";

    /// <summary>The data version (refresh id) the numbers were computed from.</summary>
    public long DataVersion { get; init; }
}

/// <summary>
/// One independent part of the health overview. Implementations are registered in one place
/// (<see cref="OverviewServiceCollectionExtensions.AddSpiralOverview"/>); <see cref="OverviewService"/> runs them side by side,
/// each under a timeout, and turns a failure into that card's error.
/// </summary>
public interface IOverviewProvider
{
    /// <summary>Stable name: the card's id, and what the logs say when it fails.</summary>
    string Name { get; }

    Task<OverviewCard> ComputeAsync(OverviewRequest request, CancellationToken ct);
}

/// <summary>The section <c>Overview</c>.</summary>
public sealed class OverviewOptions
{
    public const string Section = "Overview";

    /// <summary>The catalog metrics shown, in order; each lands in its catalog category's card. Null: <see cref="DefaultKeyMetrics"/>.</summary>
    public string[]? KeyMetrics { get; set; }

    /// <summary>A category none of whose metrics is listed shows its first metrics (catalog order), this many.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 5)]
    public int MetricsPerCategory { get; set; } = 3;

    /// <summary>Sprints in a sparkline.</summary>
    [System.ComponentModel.DataAnnotations.Range(2, 26)]
    public int SparklineSprints { get; set; } = 8;

    /// <summary>A provider that takes longer yields a timeout card.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 300)]
    public int ProviderTimeoutSeconds { get; set; } = 15;

    /// <summary>
    /// How long a complete overview (every card ok) is reused for the same tenant, team, as_of (now: to the minute) and data
    /// version; a refresh changes the data version, so it is never stale. 0 turns the cache off.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(0, 86_400)]
    public int CacheSeconds { get; set; } = 300;

    /// <summary>|z| at or above which a value is flagged as an anomaly.</summary>
    [System.ComponentModel.DataAnnotations.Range(0.5, 3)]
    public double AnomalyZ { get; set; } = 2;

    public static readonly IReadOnlyList<string> DefaultKeyMetrics =
    [
        "velocity", "completed_issues", "throughput_ratio",
        "say_do_ratio", "spillover_ratio", "scope_creep_ratio",
        "bug_share", "reopen_rate", "escaped_defects",
        "cycle_time_p50", "lead_time_p50", "lead_time_p90",
        "blocked_hours", "blocked_issue_ratio", "wip",
    ];
}
