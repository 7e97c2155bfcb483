namespace SpiralAnalytics.Core.Specs;

/// <summary>
/// The one definition of "the sprints of a window" in SQL: a CTE <c>{prefix}_sprints (sprint_key, team_key, sprint_start_at,
/// sprint_close_at)</c> over <c>sprint_stats</c>. Each team's N most recently closed sprints, or the sprint active at as_of; for
/// the analysis forms also the closed sprints whose completion falls in a calendar window (or all closed sprints).
/// </summary>
public static class SprintWindowSql
{
    /// <summary>The CTE for a sprint window (ranked or active); null for calendar and all-time windows.</summary>
    public static string? SprintCte(string prefix, ResolvedWindow window, DateTimeOffset asOf, SqlParameters p)
    {
        switch (window)
        {
            case SprintRankWindow rank:
            {
                var at = p.Add(rank.AsOf, "as_of");
                return
                    $"""
                    {prefix}_sprints AS (
                        SELECT s.sprint_key, s.team_key, s.sprint_start_at, s.sprint_close_at
                        FROM (
                            SELECT sprint_key, team_key, sprint_start_at, sprint_close_at,
                                   row_number() OVER (PARTITION BY team_key ORDER BY sprint_close_at DESC, sprint_key DESC) AS recency
                            FROM sprint_stats
                            WHERE sprint_state = 'closed' AND sprint_close_at <= {at}
                        ) s
                        WHERE s.recency BETWEEN {p.Add(rank.Skip + 1)} AND {p.Add(rank.Skip + rank.Take)}
                    )
                    """;
            }

            case ActiveSprintWindow:
            {
                var at = p.Add(asOf, "as_of");
                return
                    $"""
                    {prefix}_sprints AS (
                        SELECT sprint_key, team_key, sprint_start_at, sprint_close_at
                        FROM sprint_stats
                        WHERE sprint_start_at <= {at} AND (sprint_close_at > {at} OR sprint_state = 'active')
                    )
                    """;
            }

            default:
                return null;
        }
    }

    /// <summary>The CTE for any window: sprint windows as <see cref="SprintCte"/>; calendar windows (and all time) select the
    /// closed sprints whose completion falls inside (a sprint-grain metric's placement, ANALYTICS-SPEC.md).</summary>
    public static string AnyCte(string prefix, ResolvedWindow window, DateTimeOffset asOf, SqlParameters p)
    {
        if (SprintCte(prefix, window, asOf, p) is { } sprintCte)
        {
            return sprintCte;
        }

        var where = window switch
        {
            CalendarWindow calendar =>
                $" AND sprint_close_at >= {p.Add(calendar.From, $"{prefix}_from")} AND sprint_close_at < {p.Add(calendar.To, $"{prefix}_to")}",
            _ => "",
        };
        return
            $"""
            {prefix}_sprints AS (
                SELECT sprint_key, team_key, sprint_start_at, sprint_close_at
                FROM sprint_stats
                WHERE sprint_state = 'closed' AND sprint_close_at <= {p.Add(asOf, "as_of")}{where}
            )
            """;
    }
}
