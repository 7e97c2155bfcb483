using SpiralAnalytics.Core.Bundles;

namespace SpiralAnalytics.Core.Tests.Demo;

/// <summary>
/// Sprint facts computed straight from a bundle's rows, independently of the analytics views, with the same
/// conventions (CSV-BUNDLE.md): committed = added at or before the start; judged on the last membership; removed when
/// removed before the close; completed when done at the close; points = points_at_start, unestimated as 0.
/// </summary>
public sealed class DemoBundleFacts
{
    private readonly Dictionary<string, List<TransitionRow>> _transitions;
    private readonly Dictionary<string, List<BlockRow>> _blocks;
    private readonly Dictionary<string, IssueRow> _issues;

    public DemoBundleFacts(CsvBundle bundle)
    {
        Bundle = bundle;
        _transitions = bundle.Transitions.GroupBy(t => t.IssueKey).ToDictionary(g => g.Key, g => g.OrderBy(t => t.At).ToList());
        _blocks = bundle.Blocks.GroupBy(b => b.IssueKey).ToDictionary(g => g.Key, g => g.OrderBy(b => b.BlockedFrom).ToList());
        _issues = bundle.Issues.ToDictionary(i => i.Key);
        Sprints = bundle.Sprints
            .Select(s => Judge(s, bundle.Memberships.Where(m => m.SprintKey == s.Key).ToList()))
            .ToList();
    }

    public CsvBundle Bundle { get; }

    public IReadOnlyList<SprintFacts> Sprints { get; }

    public IEnumerable<SprintFacts> ClosedSprintsOf(string team) =>
        Sprints.Where(s => s.Sprint.TeamKey == team && s.Sprint.State == "closed").OrderBy(s => s.Sprint.StartAt);

    public string CategoryAt(string issue, DateTimeOffset at) =>
        _transitions.TryGetValue(issue, out var moves) && moves.LastOrDefault(t => t.At <= at) is { } last ? last.ToCategory : "todo";

    private SprintFacts Judge(SprintRow sprint, List<MembershipRow> memberships)
    {
        var start = sprint.StartAt!.Value;
        var close = sprint.CompletedAt ?? sprint.EndAt!.Value;
        var issues = memberships.GroupBy(m => m.IssueKey)
            .Select(g => (Key: g.Key, Last: g.OrderBy(m => m.AddedAt).Last(), Committed: g.Where(m => m.AddedAt <= start).ToList()))
            .Where(x => !string.Equals(_issues[x.Key].Type, "Epic", StringComparison.Ordinal))
            .ToList();
        decimal committed = 0, spilled = 0, blockedHours = 0;
        int completed = 0, notCompleted = 0, removed = 0;
        foreach (var (key, last, committedRows) in issues)
        {
            var outcome = last.RemovedAt is { } r && r <= close ? "removed" : CategoryAt(key, close) == "done" ? "completed" : "not_completed";
            var points = committedRows.Count > 0 ? committedRows.Max(m => m.PointsAtStart ?? 0) : 0;
            committed += points;
            if (outcome == "not_completed" && committedRows.Count > 0)
            {
                spilled += points;
            }

            completed += outcome == "completed" ? 1 : 0;
            notCompleted += outcome == "not_completed" ? 1 : 0;
            removed += outcome == "removed" ? 1 : 0;
            blockedHours += BlockedHours(key, start, close);
        }

        var reopens = 0;
        var doneArrivals = 0;
        foreach (var key in _transitions.Keys.Where(k => _issues[k].TeamKey == sprint.TeamKey))
        {
            var inWindow = _transitions[key].Where(t => t.At > start && t.At <= close).ToList();
            reopens += inWindow.Any(t => t.FromCategory == "done" && t.ToCategory != "done") ? 1 : 0;
            doneArrivals += inWindow.Any(t => t.ToCategory == "done" && t.FromCategory != "done") ? 1 : 0;
        }

        return new SprintFacts(sprint, issues.Count, committed, spilled, completed, notCompleted, removed, blockedHours, reopens, doneArrivals);
    }

    /// <summary>Blocked hours of an issue inside a window, overlapping blocks counted once.</summary>
    private decimal BlockedHours(string issue, DateTimeOffset from, DateTimeOffset to)
    {
        if (!_blocks.TryGetValue(issue, out var blocks))
        {
            return 0;
        }

        var total = TimeSpan.Zero;
        DateTimeOffset? reach = null;
        foreach (var block in blocks)
        {
            var start = block.BlockedFrom > from ? block.BlockedFrom : from;
            if (reach is { } r && r > start)
            {
                start = r;
            }

            var end = block.BlockedTo is { } bt && bt < to ? bt : to;
            if (end > start)
            {
                total += end - start;
                reach = end;
            }
        }

        return (decimal)total.TotalHours;
    }
}

public sealed record SprintFacts(
    SprintRow Sprint, int Issues, decimal CommittedPoints, decimal SpilledPoints, int Completed, int NotCompleted, int Removed,
    decimal BlockedHours, int Reopened, int DoneArrivals)
{
    public decimal? Spillover => CommittedPoints == 0 ? null : SpilledPoints / CommittedPoints;
}
