namespace SpiralAnalytics.Core.Specs;

/// <summary>
/// The one definition of "the sprints of a window" in SQL: a CTE <c>{prefix}_sprints (sprint_key, team_key, sprint_start_at,
/// sprint_close_at)</c> over <c>sprint_stats</c>. Each team's N most recently closed sprints, or the sprint active at as_of; for
/// the analysis forms also the closed sprints whose completion falls in a calendar window (or all closed sprints).
/// </summary>
public static class SprintWindowSql
{
    /// <summary>
    /// The one definition of "a sprint with an outcome": closed, and closed on or before as_of (<paramref name="at"/>, a parameter).
    /// Sprint-grain metrics count only these sprints in every window but <c>current_sprint</c> (ANALYTICS-SPEC.md).
    /// </summary>
    public static string ClosedBy(string alias, string at) => $"{alias}sprint_state = 'closed' AND {alias}sprint_close_at <= {at}";

    /// <summary>
    /// The sprints in progress at the instant a window ends (<c>min(to, as_of)</c>; as_of for all time and current_sprint): started
    /// before it and not closed by it. Columns: team, sprint, sprint_close_at (planned or actual end), sprint_state (now). Only the
    /// team and sprint filters apply (a slice of issues never removes a sprint). Null for a sprint-rank window (made of closed sprints).
    /// </summary>
    public static string? InProgressSql(ResolvedWindow window, DateTimeOffset asOf, IReadOnlyList<SpecFilter> filters, SqlParameters p)
    {
        DateTimeOffset end;
        switch (window)
        {
            case CalendarWindow calendar:
                end = calendar.To < asOf ? calendar.To : asOf;
                break;
            case AllTimeWindow or ActiveSprintWindow:
                end = asOf;
                break;
            default:
                return null;
        }

        var at = p.Add(end, "window_end");
        var where = new List<string> { $"v.sprint_start_at < {at}", $"NOT ({ClosedBy("v.", at)})" };
        for (var i = 0; i < filters.Count; i++)
        {
            var filter = filters[i];
            if (!Analytics.AnalyticsModel.SprintStats.DimensionColumns.TryGetValue(filter.Dimension, out var column))
            {
                continue;
            }

            var values = p.Add(filter.Values.ToArray(), $"filter:{i}");
            where.Add(FilterOps.IsNegative(filter.Op) ? $"(v.{column} IS NULL OR v.{column} <> ALL({values}))" : $"v.{column} = ANY({values})");
        }

        return $"SELECT v.team_name, v.sprint_name, v.sprint_close_at, v.sprint_state\nFROM sprint_stats v\nWHERE {string.Join("\n  AND ", where)}\n" +
               "ORDER BY v.team_name, v.sprint_close_at, v.sprint_key";
    }

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
                            WHERE {ClosedBy("", at)}
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
                WHERE {ClosedBy("", p.Add(asOf, "as_of"))}{where}
            )
            """;
    }
}

/// <summary>A sprint in progress where a window ends: its team, name, (planned or actual) end and state now.</summary>
public sealed record InProgressSprint(string Team, string Sprint, DateTimeOffset? EndsAt, string State);

/// <summary>The warnings of an answer whose window ends inside sprints (<see cref="SprintWindowSql.InProgressSql"/>).</summary>
public static class InProgressWarnings
{
    public static IReadOnlyList<string> For(IReadOnlyList<InProgressSprint> sprints, bool currentSprint, DateTimeOffset asOf)
    {
        if (sprints.Count == 0)
        {
            return [];
        }

        if (currentSprint)
        {
            return [$"in progress: {List(sprints, "ends")} — values so far, not the sprint's outcome"];
        }

        var warnings = new List<string>();
        var open = sprints.Where(s => !ClosedBy(s, asOf)).ToList();
        if (open.Count > 0)
        {
            warnings.Add($"the window ends inside a sprint in progress: {List(open, "ends")} — no outcome yet, not counted (ask about the current sprint for it)");
        }

        var later = sprints.Where(s => ClosedBy(s, asOf)).ToList();
        if (later.Count > 0)
        {
            warnings.Add($"the window ends inside a sprint that closed after it: {List(later, "closed")} — counted in the window that contains its close");
        }

        return warnings;
    }

    private static bool ClosedBy(InProgressSprint s, DateTimeOffset asOf) => s.State == "closed" && s.EndsAt is { } end && end <= asOf;

    private static string List(IEnumerable<InProgressSprint> sprints, string verb) => string.Join(", ", sprints.Select(s =>
        $"{s.Team} {s.Sprint}" + (s.EndsAt is { } end ? $" ({verb} {end.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)})" : "")));
}
