namespace SpiralAnalytics.Core.Bundles;

public sealed record TeamRow(string Key, string Name);

public sealed record SprintRow(
    string Key,
    string TeamKey,
    string Name,
    string State,
    DateTimeOffset? StartAt,
    DateTimeOffset? EndAt,
    DateTimeOffset? CompletedAt,
    string? Goal);

public sealed record IssueRow(
    string Key,
    string? TeamKey,
    string Type,
    string? Priority,
    string? Status,
    string StatusCategory,
    string? Resolution,
    decimal? StoryPoints,
    string? Assignee,
    string? EpicKey,
    IReadOnlyList<string> Labels,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? ResolvedAt);

public sealed record MembershipRow(
    string SprintKey,
    string IssueKey,
    DateTimeOffset? AddedAt,
    DateTimeOffset? RemovedAt,
    bool? Committed,
    string? Outcome,
    decimal? PointsAtStart,
    decimal? PointsAtEnd);

public sealed record TransitionRow(
    string IssueKey,
    DateTimeOffset At,
    string? FromStatus,
    string ToStatus,
    string? FromCategory,
    string ToCategory);

public sealed record BlockRow(string IssueKey, DateTimeOffset BlockedFrom, DateTimeOffset? BlockedTo);

public sealed record CommentRow(string IssueKey, string? Author, DateTimeOffset CreatedAt);

/// <summary>A whole CSV bundle in memory (CSV-BUNDLE.md). Optional files that were absent are empty.</summary>
public sealed record CsvBundle(
    IReadOnlyList<TeamRow> Teams,
    IReadOnlyList<SprintRow> Sprints,
    IReadOnlyList<IssueRow> Issues,
    IReadOnlyList<MembershipRow> Memberships,
    IReadOnlyList<TransitionRow> Transitions,
    IReadOnlyList<BlockRow> Blocks,
    IReadOnlyList<CommentRow> Comments);

/// <summary>A problem with a bundle, located as precisely as it can be: <c>sprints.csv:14: end_at '2024-13-01' is not a date</c>.</summary>
public sealed record BundleError(string File, int? Line, string? Column, string Message)
{
    public override string ToString() => Line is { } line ? $"{File}:{line}: {Message}" : $"{File}: {Message}";
}
