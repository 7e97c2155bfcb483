namespace SpiralAnalytics.Core.Bundles;

/// <summary>The files and columns of the CSV bundle format, and its enumerations.</summary>
public static class BundleSchema
{
    public const string Teams = "teams.csv";
    public const string Sprints = "sprints.csv";
    public const string Issues = "issues.csv";
    public const string SprintIssues = "sprint_issues.csv";
    public const string Transitions = "transitions.csv";
    public const string Blocks = "blocks.csv";
    public const string Comments = "comments.csv";

    public static readonly IReadOnlyList<string> TeamColumns = ["key", "name"];
    public static readonly IReadOnlyList<string> SprintColumns = ["key", "team_key", "name", "state", "start_at", "end_at", "completed_at", "goal"];
    public static readonly IReadOnlyList<string> IssueColumns =
        ["key", "team_key", "type", "priority", "status", "status_category", "resolution", "story_points", "assignee", "epic_key", "labels", "created_at", "resolved_at"];
    public static readonly IReadOnlyList<string> SprintIssueColumns =
        ["sprint_key", "issue_key", "added_at", "removed_at", "committed", "outcome", "points_at_start", "points_at_end"];
    public static readonly IReadOnlyList<string> TransitionColumns = ["issue_key", "at", "from_status", "to_status", "from_category", "to_category"];
    public static readonly IReadOnlyList<string> BlockColumns = ["issue_key", "blocked_from", "blocked_to"];
    public static readonly IReadOnlyList<string> CommentColumns = ["issue_key", "author", "created_at"];

    /// <summary>
    /// The longest cell: keys, names, statuses, people (keys and several others are indexed, and PostgreSQL refuses an
    /// index entry over ~2.7 kB), and <see cref="MaxTextLength"/> for free text (<c>goal</c>, <c>labels</c>) and ignored columns.
    /// </summary>
    public const int MaxCellLength = 255;

    public const int MaxTextLength = 10_000;

    public static readonly IReadOnlyList<string> TextColumns = ["goal", "labels"];

    public static int MaxLength(string column) => TextColumns.Contains(column) ? MaxTextLength : MaxCellLength;

    public static readonly IReadOnlyList<string> SprintStates = ["future", "active", "closed"];
    public static readonly IReadOnlyList<string> StatusCategories = ["todo", "in_progress", "done"];
    public static readonly IReadOnlyList<string> Outcomes = ["completed", "not_completed", "removed", "completed_elsewhere"];
}
