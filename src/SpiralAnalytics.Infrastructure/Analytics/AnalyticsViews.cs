namespace SpiralAnalytics.Infrastructure.Analytics;

/// <summary>What a view's rows are keyed by for a partial refresh: its rows of one issue, one sprint or one team.</summary>
public enum ViewKey
{
    Issue,
    Sprint,
    Team,

    /// <summary>
    /// By sprint, holding its team's issue rows placed in the sprint's (start, close] (0021): the sprints that changed and every
    /// sprint of the teams whose issues changed (<see cref="RefreshScope.PlacedSprints"/>).
    /// </summary>
    PlacedSprint,
}

/// <summary>
/// One analytics view (a table the owner fills; 0019): the SQL function that holds the definition of its rows (migrations/0019),
/// called with NULL keys for every row or with a tenant and key set for those rows only, and whether it reads the refresh's instant.
/// </summary>
public sealed record AnalyticsView(string Name, string Function, ViewKey Key, bool ReadsAsOf)
{
    public string KeyColumn => Key switch
    {
        ViewKey.Issue => "issue_id",
        ViewKey.Sprint or ViewKey.PlacedSprint => "sprint_id",
        _ => "team_id",
    };

    /// <summary>
    /// Every row: all deleted, then every row inserted as of <c>$1</c> (inside the refresh's transaction: readers keep the old
    /// rows until it commits).
    /// </summary>
    public string DeleteAllSql => $"DELETE FROM {Name}";

    /// <inheritdoc cref="DeleteAllSql"/>
    public string RebuildSql => $"INSERT INTO {Name} SELECT * FROM {Function}(NULL, NULL{(ReadsAsOf ? ", $1" : "")})";

    /// <summary>The rows of the tenants <c>$1</c> × keys <c>$2</c> (ids are unique across tenants), as of <c>$3</c>: deleted, then inserted again.</summary>
    public string DeleteSql => $"DELETE FROM {Name} WHERE tenant_id = ANY ($1) AND {KeyColumn} = ANY ($2)";

    /// <inheritdoc cref="DeleteSql"/>
    public string InsertSql => $"INSERT INTO {Name} SELECT * FROM {Function}($1, $2{(ReadsAsOf ? ", $3" : "")})";
}

/// <summary>The analytics views in dependency order: each reads only base tables and the views before it.</summary>
public static class AnalyticsViews
{
    public static readonly IReadOnlyList<AnalyticsView> All =
    [
        new("mv_merged_blocks", "analytics_merged_blocks_rows", ViewKey.Issue, ReadsAsOf: false),
        new("mv_issue_comment_stats", "analytics_issue_comment_stats_rows", ViewKey.Issue, ReadsAsOf: false),
        new("mv_issue_flow", "analytics_issue_flow_rows", ViewKey.Issue, ReadsAsOf: true),
        // 0020: per team and month, the sums of mv_issue_flow (keyed by team; team 0 = the issues without one)
        new("mv_issue_flow_months", "analytics_issue_flow_months_rows", ViewKey.Team, ReadsAsOf: false),
        new("mv_issue_events", "analytics_issue_events_rows", ViewKey.Issue, ReadsAsOf: false),
        // 0020: per team, month and kind, the events counted once per issue (keyed by team like the issue sums per month)
        new("mv_issue_events_months", "analytics_issue_events_months_rows", ViewKey.Team, ReadsAsOf: false),
        // 0021: per sprint, the sums of mv_issue_flow and the distinct issues of mv_issue_events its team placed in it
        new("mv_sprint_issue_rollups", "analytics_sprint_issue_rollups_rows", ViewKey.PlacedSprint, ReadsAsOf: false),
        new("mv_sprint_issue_facts", "analytics_sprint_issue_facts_rows", ViewKey.Sprint, ReadsAsOf: true),
        new("mv_sprint_stats", "analytics_sprint_stats_rows", ViewKey.Sprint, ReadsAsOf: false),
        new("mv_team_daily_wip", "analytics_team_daily_wip_rows", ViewKey.Team, ReadsAsOf: true),
        new("mv_issue_idle_segments", "analytics_issue_idle_segments_rows", ViewKey.Issue, ReadsAsOf: false),
    ];
}
