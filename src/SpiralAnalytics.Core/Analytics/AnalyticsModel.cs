namespace SpiralAnalytics.Core.Analytics;

/// <summary>The dimensions a spec may group and filter by (ANALYTICS-SPEC.md).</summary>
public static class Dimensions
{
    public const string Team = "team";
    public const string Sprint = "sprint";
    public const string Assignee = "assignee";
    public const string IssueType = "issue_type";
    public const string Priority = "priority";
    public const string Epic = "epic";
    public const string Week = "week";
    public const string Month = "month";
    public const string Quarter = "quarter";

    public static readonly IReadOnlyList<string> All = [Team, Sprint, Assignee, IssueType, Priority, Epic, Week, Month, Quarter];

    /// <summary>Calendar dimensions: derived from a measure's time column, not stored in a view.</summary>
    public static readonly IReadOnlyList<string> Calendar = [Week, Month, Quarter];
}

/// <summary>How a measure's rows combine inside a group.</summary>
public enum Aggregation
{
    /// <summary>Sum of the column (counts are sums of 0/1 columns).</summary>
    Sum,

    /// <summary>Mean of the column over the rows in the group.</summary>
    Avg,

    /// <summary>Number of distinct issues whose column is true in the group.</summary>
    CountDistinctIssues,

    /// <summary>The column's issue-level values, for percentiles and means over issues.</summary>
    Values,
}

/// <summary>How a measure is placed in time.</summary>
public enum TimeKind
{
    /// <summary>Rows count when their time column falls inside the window.</summary>
    Window,

    /// <summary>Rows describe a state over [from, to); the measure is read at <c>as_of</c>, the window does not apply.</summary>
    Snapshot,
}

/// <summary>A tenant-filtered view the query builder may read, with the columns behind each dimension.</summary>
/// <param name="Name">The view (a security_barrier view over a materialized view).</param>
/// <param name="Grain">What one row is.</param>
/// <param name="DimensionColumns">Dimension → column holding its display value.</param>
public sealed record AnalyticsView(string Name, string Grain, IReadOnlyDictionary<string, string> DimensionColumns)
{
    /// <summary>
    /// Dimensions available on this view: its stored ones plus the calendar ones (from the measure's time column) that its time
    /// column can place a row in (a month-grain view has no weeks).
    /// </summary>
    public IEnumerable<string> Dimensions => DimensionColumns.Keys.Concat(TimeGrain switch
    {
        Month => [Analytics.Dimensions.Month, Analytics.Dimensions.Quarter],
        Sprint => [],
        _ => Analytics.Dimensions.Calendar,
    });

    /// <summary>
    /// Coarser views whose rows are groups of this view's rows — sprint_stats: one row per sprint of sprint_issue_facts; the
    /// issue_flow month views: one row per team and month of creation or of resolution — each holding, for the measures of this
    /// view placed by its <see cref="RollupTimeColumn"/>, the sum of the column of every <see cref="Aggregation.Sum"/> measure
    /// under the same name (<see cref="Measure.InRollup"/>), and that time column. Which queries may read one instead:
    /// <c>QueryBuilder.SourceView</c>.
    /// </summary>
    public IReadOnlyList<AnalyticsView> Rollups { get; init; } = [];

    /// <summary>For a rollup: the time column (of the rolled-up view's measures) whose sums it holds, under the same name.</summary>
    public string? RollupTimeColumn { get; init; }

    /// <summary>
    /// Null: a row's time column is the exact instant of what it sums. <see cref="Month"/>: it is the first instant of the row's
    /// UTC month, so a window selects the same rows as over the rolled-up view only when its bounds are month starts (or there
    /// are none: all time), and calendar buckets finer than a month cannot be told apart.
    /// </summary>
    public string? TimeGrain { get; init; }

    /// <summary>
    /// For a rollup of <see cref="Aggregation.CountDistinctIssues"/> measures (issue_events_months): the column holding, per row,
    /// the month of its issue's previous row of the same kind (null: none). A row counts its <see cref="CountColumn"/> issues in a
    /// window (or a calendar bucket) when that month is before the window's (or the bucket's) first month: each issue is counted
    /// once, at its first row there, so the distinct count is a sum.
    /// </summary>
    public string? PreviousColumn { get; init; }

    /// <summary>With <see cref="PreviousColumn"/>: the column holding how many of the rolled-up rows (one issue each) a row stands for.</summary>
    public string? CountColumn { get; init; }

    /// <summary>
    /// For a rollup: it also holds, for each <see cref="Aggregation.Values"/> measure placed by its time column, the sum, the
    /// number and the list of the non-null values (<c>{column}_sum</c>, <c>{column}_count</c>, <c>{column}_values</c>): their mean
    /// is sum / number (as avg computes it), a percentile is taken over the rows' lists unnested (the same values).
    /// </summary>
    public bool HoldsValues { get; init; }

    /// <summary>The <see cref="TimeGrain"/> of a view whose rows are UTC months.</summary>
    public const string Month = "month";

    /// <summary>
    /// The <see cref="TimeGrain"/> of a view with one row per sprint holding the rows of the rolled-up view that a sprint's value
    /// places in it — its team's rows whose time column is in the sprint's (start, close] (migration 0021). Read only for the
    /// values of each sprint (z-scores, the problem score: <c>QueryBuilder.SprintValueCtes</c>), never summed over sprints
    /// (they may overlap, and an issue counted in two sprints is one issue).
    /// </summary>
    public const string Sprint = "sprint";

    /// <summary>
    /// The rollup that holds the sums of this view's measures placed by <paramref name="timeColumn"/> (a per-sprint one only for
    /// <paramref name="perSprint"/>: <see cref="Sprint"/>), or null.
    /// </summary>
    public AnalyticsView? RollupFor(string timeColumn, bool perSprint = false) =>
        Rollups.FirstOrDefault(r => r.RollupTimeColumn == timeColumn && (r.TimeGrain == Sprint) == perSprint);

    /// <summary>
    /// Whether this rollup carries <paramref name="measure"/>: a measure of the view it rolls up placed by its time column — a
    /// Sum (the sum of sums), a distinct-issue count when the rollup knows each issue's previous row (<see cref="PreviousColumn"/>)
    /// or is per sprint (the sprint is the window: a count per row), an issue value when it <see cref="HoldsValues"/>.
    /// </summary>
    public bool Carries(Measure measure) =>
        measure.View.Rollups.Contains(this) && measure.TimeColumn == RollupTimeColumn
        && (measure.Aggregation == Aggregation.Sum
            || (measure.Aggregation == Aggregation.CountDistinctIssues && (PreviousColumn is not null || TimeGrain == Sprint))
            || (measure.Aggregation == Aggregation.Values && HoldsValues));
}

/// <summary>
/// A named quantity that catalog metrics are built from: one column of one view, how it aggregates and which
/// time column places its rows in a window. Catalog definitions name measures; they never carry SQL.
/// </summary>
/// <param name="SnapshotToColumn">For snapshots: the column ending a row's [from, to) span (null = still open).</param>
/// <param name="SnapshotMinAgeDays">For snapshots: a row counts only when its span started at least this many days before <c>as_of</c>.</param>
public sealed record Measure(
    string Name,
    AnalyticsView View,
    string Column,
    Aggregation Aggregation,
    string TimeColumn,
    TimeKind TimeKind = TimeKind.Window,
    string? SnapshotToColumn = null,
    int SnapshotMinAgeDays = 0)
{
    /// <summary>
    /// The one statement of which columns a rollup carries: the sum of every Sum measure of the view it rolls up that is placed
    /// by the rollup's time column, under the measure's column name (migration 0017 for sprint_stats, 0020 for the issue_flow
    /// months; integration tests hold the views to it). A sum over the rollup's rows is then the sum over the view's rows (a sum
    /// of sums). A rollup with a <see cref="AnalyticsView.PreviousColumn"/> (issue_events_months) carries every distinct-issue
    /// count of its view instead: the measure's 0/1 column, as a key of its rows; one that <see cref="AnalyticsView.HoldsValues"/>
    /// carries the mean and the percentiles of each issue value.
    /// </summary>
    public bool InRollup => View.RollupFor(TimeColumn) is { } rollup && rollup.Carries(this);

    /// <summary>The rollup that carries this measure (<see cref="InRollup"/>), or null.</summary>
    public AnalyticsView? Rollup => InRollup ? View.RollupFor(TimeColumn) : null;

    /// <summary>The per-sprint rollup (<see cref="AnalyticsView.Sprint"/>) that carries this measure for each sprint's value, or null.</summary>
    public AnalyticsView? SprintRollup => View.RollupFor(TimeColumn, perSprint: true) is { } rollup && rollup.Carries(this) ? rollup : null;
}

/// <summary>
/// The whole vocabulary shared by the catalog (issue 3), the analytics views (migrations) and the query builder:
/// views, their dimension columns, and every measure. Column names here are a contract with the SQL views.
/// </summary>
public static class AnalyticsModel
{
    private static readonly Dictionary<string, string> IssueDimensions = new()
    {
        [Dimensions.Team] = "team_name",
        [Dimensions.Assignee] = "assignee",
        [Dimensions.IssueType] = "issue_type",
        [Dimensions.Priority] = "priority",
        [Dimensions.Epic] = "epic_key",
    };

    /// <summary>One row per sprint: its team, dates, state, low_sample flag and sprint-level sums. Z-scores are computed by the builder from the catalog (ZScoreSql), not read from the view.</summary>
    public static readonly AnalyticsView SprintStats = new("sprint_stats", "sprint",
        new Dictionary<string, string> { [Dimensions.Team] = "team_name", [Dimensions.Sprint] = "sprint_name" })
    {
        RollupTimeColumn = SprintClose,
    };

    /// <summary>Sprint × issue (the issue's last membership in the sprint). Time: the sprint's close (completed, else end). Rolled up by sprint in <see cref="SprintStats"/>.</summary>
    public static readonly AnalyticsView SprintIssueFacts = new("sprint_issue_facts", "sprint × issue",
        new Dictionary<string, string>(IssueDimensions) { [Dimensions.Sprint] = "sprint_name" })
    {
        Rollups = [SprintStats],
    };

    private static readonly Dictionary<string, string> TeamOnly = new() { [Dimensions.Team] = "team_name" };

    /// <summary>One row per team and UTC month of creation (migration 0020): the sums of the issue_flow measures placed by <c>created_at</c>.</summary>
    public static readonly AnalyticsView IssueFlowCreatedMonths = new("issue_flow_created_months", "team × month of creation", TeamOnly)
    {
        RollupTimeColumn = "created_at",
        TimeGrain = AnalyticsView.Month,
    };

    /// <summary>One row per team and UTC month of resolution (migration 0020): the sums of the issue_flow measures placed by <c>resolved_at</c>.</summary>
    public static readonly AnalyticsView IssueFlowResolvedMonths = new("issue_flow_resolved_months", "team × month of resolution", TeamOnly)
    {
        RollupTimeColumn = "resolved_at",
        TimeGrain = AnalyticsView.Month,
        HoldsValues = true,
    };

    /// <summary>
    /// One row per sprint (migration 0021): the issue_flow rows of its team resolved in its (start, close] — their number, the
    /// sums of the measures placed by <c>resolved_at</c>, and the sum, number and list of each issue value. For each sprint's value only.
    /// </summary>
    public static readonly AnalyticsView IssueFlowResolvedSprints = new("issue_flow_resolved_sprints", "sprint (its team's issues resolved in it)", TeamOnly)
    {
        RollupTimeColumn = "resolved_at",
        TimeGrain = AnalyticsView.Sprint,
        HoldsValues = true,
    };

    /// <summary>One row per issue: lead and cycle time, blocked and in-progress hours, comments, bug flags. Its sums rolled up by team and month, and by sprint.</summary>
    public static readonly AnalyticsView IssueFlow = new("issue_flow", "issue", IssueDimensions)
    {
        Rollups = [IssueFlowCreatedMonths, IssueFlowResolvedMonths, IssueFlowResolvedSprints],
    };

    /// <summary>
    /// One row per team, UTC month, kind (reopen or done arrival) and month of the same issue's previous event of that kind
    /// (migration 0020): how many events. The distinct issues of a kind over whole months are a sum of it.
    /// </summary>
    public static readonly AnalyticsView IssueEventsMonths = new("issue_events_months", "team × month × kind × previous month", TeamOnly)
    {
        RollupTimeColumn = "at",
        TimeGrain = AnalyticsView.Month,
        PreviousColumn = "previous_at",
        CountColumn = "events",
    };

    /// <summary>
    /// One row per sprint (migration 0021): the distinct issues of its team reopened and arriving in done in its (start, close],
    /// under the measures' column names. For each sprint's value only.
    /// </summary>
    public static readonly AnalyticsView IssueEventsSprints = new("issue_events_sprints", "sprint (its team's events in it)", TeamOnly)
    {
        RollupTimeColumn = "at",
        TimeGrain = AnalyticsView.Sprint,
    };

    /// <summary>One row per status transition that matters: arrivals in done and reopens (done → not done). Counted per team and month in <see cref="IssueEventsMonths"/>, per sprint in <see cref="IssueEventsSprints"/>.</summary>
    public static readonly AnalyticsView IssueEvents = new("issue_events", "issue transition", IssueDimensions)
    {
        Rollups = [IssueEventsMonths, IssueEventsSprints],
    };

    /// <summary>One row per team and day (days without WIP included, as 0).</summary>
    public static readonly AnalyticsView TeamDailyWip = new("team_daily_wip", "team × day",
        new Dictionary<string, string> { [Dimensions.Team] = "team_name" });

    /// <summary>One row per stretch without activity (transition or comment) while an issue is in progress.</summary>
    public static readonly AnalyticsView IssueIdleSegments = new("issue_idle_segments", "in-progress idle stretch", IssueDimensions);

    public static readonly IReadOnlyList<AnalyticsView> Views =
        [SprintIssueFacts, SprintStats, IssueFlow, IssueFlowCreatedMonths, IssueFlowResolvedMonths, IssueFlowResolvedSprints, IssueEvents,
         IssueEventsMonths, IssueEventsSprints, TeamDailyWip, IssueIdleSegments];

    /// <summary>
    /// The tenant views of the stored per-sprint z-scores of composites' components (migration 0021): <c>sprint_z</c> (rows
    /// <c>definition, sprint_key, metric, value, baseline, n, z</c>) and <c>sprint_z_definitions</c> (the keys the tenant's store
    /// holds). Read by <c>ZScoreSql.StoredCtes</c>.
    /// </summary>
    public const string StoredZ = "sprint_z";

    /// <inheritdoc cref="StoredZ"/>
    public const string StoredZDefinitions = "sprint_z_definitions";

    /// <summary>Every view has <c>team_key</c> and <c>issue_key</c> (distinct counts) except the rollups and team_daily_wip (the rollups have <c>team_key</c>);
    /// sprint-grain views have <c>sprint_key</c> and <c>sprint_close_at</c> (sprint rows are keyed and ordered by them).</summary>
    public const string IssueKeyColumn = "issue_key";

    private const string SprintClose = "sprint_close_at";

    public static readonly IReadOnlyList<Measure> Measures =
    [
        // sprint × issue facts: every column is already 0 when the row does not qualify, so sums are ratio-of-sums ready.
        new("committed_points", SprintIssueFacts, "committed_points", Aggregation.Sum, SprintClose),
        new("committed_issues", SprintIssueFacts, "committed_count", Aggregation.Sum, SprintClose),
        new("committed_unestimated_issues", SprintIssueFacts, "committed_unestimated_count", Aggregation.Sum, SprintClose),
        new("completed_points", SprintIssueFacts, "completed_points", Aggregation.Sum, SprintClose),
        new("completed_issues", SprintIssueFacts, "completed_count", Aggregation.Sum, SprintClose),
        new("committed_completed_points", SprintIssueFacts, "committed_completed_points", Aggregation.Sum, SprintClose),
        new("spilled_points", SprintIssueFacts, "spilled_points", Aggregation.Sum, SprintClose),
        new("removed_points", SprintIssueFacts, "removed_points", Aggregation.Sum, SprintClose),
        new("added_points", SprintIssueFacts, "added_points", Aggregation.Sum, SprintClose),
        new("reestimated_points", SprintIssueFacts, "reestimated_points", Aggregation.Sum, SprintClose),
        new("final_scope_points", SprintIssueFacts, "final_scope_points", Aggregation.Sum, SprintClose),
        new("unplanned_completed_points", SprintIssueFacts, "unplanned_completed_points", Aggregation.Sum, SprintClose),
        new("carried_over_points", SprintIssueFacts, "carried_over_points", Aggregation.Sum, SprintClose),
        new("completed_bugs", SprintIssueFacts, "completed_bug_count", Aggregation.Sum, SprintClose),
        new("sprint_scope_issues", SprintIssueFacts, "scope_count", Aggregation.Sum, SprintClose),
        new("blocked_issues", SprintIssueFacts, "blocked_count", Aggregation.Sum, SprintClose),
        new("blocked_hours", SprintIssueFacts, "blocked_hours", Aggregation.Sum, SprintClose),

        // one row per sprint
        new("sprint_committed_points", SprintStats, "committed_points", Aggregation.Sum, SprintClose),
        new("planning_error_points", SprintStats, "planning_error_points", Aggregation.Sum, SprintClose),

        // one row per issue
        new("issues_created", IssueFlow, "created_count", Aggregation.Sum, "created_at"),
        new("bugs_created", IssueFlow, "bug_count", Aggregation.Sum, "created_at"),
        new("escaped_bugs_created", IssueFlow, "escaped_bug_count", Aggregation.Sum, "created_at"),
        new("issues_resolved", IssueFlow, "resolved_count", Aggregation.Sum, "resolved_at"),
        new("resolved_issue_comments", IssueFlow, "resolved_comment_count", Aggregation.Sum, "resolved_at"),
        new("lead_time_days", IssueFlow, "lead_time_days", Aggregation.Values, "resolved_at"),
        new("cycle_time_days", IssueFlow, "cycle_time_days", Aggregation.Values, "resolved_at"),
        new("in_progress_hours", IssueFlow, "in_progress_hours", Aggregation.Sum, "resolved_at"),
        new("unblocked_in_progress_hours", IssueFlow, "unblocked_in_progress_hours", Aggregation.Sum, "resolved_at"),

        // transitions
        new("reopened_issues", IssueEvents, "is_reopen", Aggregation.CountDistinctIssues, "at"),
        new("done_arrival_issues", IssueEvents, "is_done_arrival", Aggregation.CountDistinctIssues, "at"),

        // team × day
        new("daily_wip", TeamDailyWip, "wip_count", Aggregation.Avg, "day"),

        // snapshots at as_of: rows cover [from, to)
        new("stuck_issues", IssueIdleSegments, "is_stuck_candidate", Aggregation.CountDistinctIssues, "idle_from", TimeKind.Snapshot, "idle_to", StuckAfterDays),
        new("unassigned_wip_issues", IssueIdleSegments, "is_unassigned", Aggregation.CountDistinctIssues, "idle_from", TimeKind.Snapshot, "idle_to"),
    ];

    /// <summary>Days without activity after which an in-progress issue is stuck (METRICS.md: 5+ days).</summary>
    public const int StuckAfterDays = 5;

    private static readonly Dictionary<string, Measure> ByName = Measures.ToDictionary(m => m.Name, StringComparer.Ordinal);

    public static Measure? FindMeasure(string name) => ByName.GetValueOrDefault(name);

    public static AnalyticsView? FindView(string name) => Views.FirstOrDefault(v => v.Name == name);
}
