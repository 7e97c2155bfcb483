using System.Globalization;

namespace SpiralAnalytics.Core.Diagnosis;

/// <summary>
/// Splits the change in completed points between the previous sprint(s) and the chosen one(s) into parts that add up
/// exactly. Per sprint × issue (its last membership; issues completed elsewhere are not scope): a committed issue enters
/// at its start estimate — <c>carried_over</c> when it was unfinished in the team's previous sprint, else <c>committed</c>
/// — and an added one at its final estimate (<c>scope_added</c>); <c>re_estimated</c> is a committed issue's final minus
/// start estimate; it then leaves as completed, or as <c>scope_removed</c>, <c>reopened</c> (unfinished at close after a
/// reopen inside the sprint) or <c>unfinished</c>. So for each side
/// <c>completed = committed + carried_over + scope_added + re_estimated − scope_removed − reopened − unfinished</c>,
/// and the change is the sum of each part's difference (the subtracted parts with their sign flipped).
/// </summary>
public static class PointsDecomposition
{
    /// <summary>The parts in order, and whether a part adds to completed points (+1) or takes from them (−1).</summary>
    public static readonly IReadOnlyList<(string Name, int Sign)> Parts =
    [
        ("committed", 1), ("carried_over", 1), ("scope_added", 1), ("re_estimated", 1),
        ("scope_removed", -1), ("reopened", -1), ("unfinished", -1),
    ];

    private static readonly string[] Sides = ["prev", "cur"];

    /// <summary>Raw columns: per side, the sprint count, completed points and each part's amount.</summary>
    public static readonly IReadOnlyList<string> Columns =
        Sides.SelectMany(side => new[] { $"{side}_sprints", $"{side}_completed" }.Concat(Parts.Select(x => $"{side}_{x.Name}"))).ToList();

    /// <summary>The amount of each part per sprint × issue row of <c>sprint_issue_facts</c> (alias f, exit points x).</summary>
    private static readonly IReadOnlyDictionary<string, string> Amounts = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["committed"] = "f.committed_points - f.carried_over_points",
        ["carried_over"] = "f.carried_over_points",
        ["scope_added"] = "CASE WHEN f.committed THEN 0 ELSE f.exit_points END",
        ["re_estimated"] = "CASE WHEN f.committed THEN f.exit_points - f.committed_points ELSE 0 END",
        ["scope_removed"] = "CASE WHEN f.outcome = 'removed' THEN f.exit_points ELSE 0 END",
        ["reopened"] = "CASE WHEN f.outcome = 'not_completed' AND f.reopened THEN f.exit_points ELSE 0 END",
        ["unfinished"] = "CASE WHEN f.outcome = 'not_completed' AND NOT f.reopened THEN f.exit_points ELSE 0 END",
    };

    /// <summary>CTEs <c>facts</c> and <c>change</c> (one row per team) over <c>cur_sprints</c> and, when there is one, <c>prev_sprints</c>.</summary>
    public static IEnumerable<string> Ctes(bool hasPrevious, IReadOnlyList<string> teamConditions)
    {
        var inWindow = hasPrevious
            ? "(f.sprint_key IN (SELECT sprint_key FROM cur_sprints) OR f.sprint_key IN (SELECT sprint_key FROM prev_sprints))"
            : "f.sprint_key IN (SELECT sprint_key FROM cur_sprints)";
        var teams = string.Concat(teamConditions.Select(c => $"\n      AND {c}"));
        yield return
            $"""
            members AS (
                SELECT f.team_key, f.sprint_key, f.issue_key, f.sprint_start_at, f.sprint_close_at, f.committed, f.outcome,
                       f.committed_points, f.carried_over_points, f.completed_points,
                       f.final_scope_points + CASE WHEN f.outcome = 'removed' THEN f.removed_points ELSE 0 END AS exit_points
                FROM sprint_issue_facts f
                WHERE {inWindow}
                  AND f.outcome IN ('completed', 'not_completed', 'removed'){teams}
            )
            """;
        yield return
            """
            reopens AS (
                SELECT DISTINCT m.sprint_key, m.issue_key
                FROM members m
                JOIN issue_events e ON e.issue_key = m.issue_key AND e.is_reopen = 1 AND e.at > m.sprint_start_at AND e.at <= m.sprint_close_at
            )
            """;
        yield return
            """
            facts AS (
                SELECT m.*, m.sprint_key IN (SELECT sprint_key FROM cur_sprints) AS is_current, r.issue_key IS NOT NULL AS reopened
                FROM members m
                LEFT JOIN reopens r ON r.sprint_key = m.sprint_key AND r.issue_key = m.issue_key
            )
            """;
        var sums = Sides.SelectMany(side =>
        {
            var filter = side == "cur" ? "is_current" : "NOT is_current";
            return new[]
                {
                    $"count(DISTINCT f.sprint_key) FILTER (WHERE {filter})::int AS {side}_sprints",
                    $"coalesce(sum(f.completed_points) FILTER (WHERE {filter}), 0) AS {side}_completed",
                }
                .Concat(Parts.Select(x => $"coalesce(sum({Amounts[x.Name]}) FILTER (WHERE {filter}), 0) AS {side}_{x.Name}"));
        });
        yield return
            $"""
            change AS (
                SELECT f.team_key,
                       {string.Join(",\n           ", sums)}
                FROM facts f
                GROUP BY f.team_key
            )
            """;
    }

    /// <summary>The change from the raw values of one team (keyed by <see cref="Columns"/>); null when neither side has sprints.</summary>
    public static CompletedPointsChange? From(Func<string, double?> value)
    {
        var previousSprints = (int)(value("prev_sprints") ?? 0);
        var sprints = (int)(value("cur_sprints") ?? 0);
        if (previousSprints == 0 && sprints == 0)
        {
            return null;
        }

        var parts = Parts.Select(x =>
        {
            var previous = value($"prev_{x.Name}") ?? 0;
            var current = value($"cur_{x.Name}") ?? 0;
            return new ChangePart(x.Name, Round(x.Sign * (current - previous)), Round(previous), Round(current));
        }).ToList();
        var previousCompleted = value("prev_completed") ?? 0;
        var completed = value("cur_completed") ?? 0;
        return new CompletedPointsChange(previousSprints, Round(previousCompleted), sprints, Round(completed), Round(completed - previousCompleted), parts);
    }

    /// <summary>Points are estimates with at most a few decimals; rounding keeps sums exact in the JSON.</summary>
    private static double Round(double points) => Math.Round(points, 6, MidpointRounding.AwayFromZero);

    /// <summary>"+3", "−2.5": a signed amount of points for sentences.</summary>
    public static string Signed(double points) =>
        (points > 0 ? "+" : points < 0 ? "−" : "") + Math.Abs(points).ToString("0.#", CultureInfo.InvariantCulture);
}
