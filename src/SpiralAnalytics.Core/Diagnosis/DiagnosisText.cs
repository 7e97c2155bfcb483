using System.Globalization;

namespace SpiralAnalytics.Core.Diagnosis;

/// <summary>The sentences of an analysis: fixed templates filled with the report's numbers (no free text, no model).</summary>
public static class DiagnosisText
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A value in its unit: 44%, 661 h, 3.5 days, 12 points.</summary>
    public static string Value(double? value, string unit) => value is not { } v
        ? "no value"
        : unit switch
        {
            "ratio" => (v * 100).ToString("0", Inv) + "%",
            "hours" => v.ToString("0", Inv) + " h",
            "days" => v.ToString("0.0", Inv) + " days",
            "sigma" => v.ToString("+0.00;−0.00;0.00", Inv) + "σ",
            _ => v.ToString("0.#", Inv) + " " + unit,
        };

    public static string Z(double z) => z.ToString("+0.0;−0.0;0.0", Inv);

    /// <summary>Two sentences at most for a team: what stood out in its latest chosen sprint, and how completed points moved.</summary>
    public static IReadOnlyList<string> Team(string team, DiagnosedSprint sprint, CompletedPointsChange? change)
    {
        var sentences = new List<string>();
        var score = sprint.ProblemScore is { } s
            ? $"problem score {s.ToString("0.00", Inv)}{(s >= 1 ? ", a problematic sprint" : "")}"
            : "no problem score (too few earlier sprints for a baseline)";
        var name = sprint.Sprint.Contains(team, StringComparison.OrdinalIgnoreCase) ? sprint.Sprint : $"{team}'s {sprint.Sprint}";
        var first = $"{name}{(sprint.State == "closed" ? "" : " (in progress)")}: {score}";
        if (sprint.Components.FirstOrDefault(c => c.Signals.Priority is > 0) is { } top)
        {
            first += $"; {top.DisplayName} stood out first ({Reason(top)}): {Details(top)}";
        }
        else
        {
            first += "; no component was worse than the team's baseline, the other teams or its trend";
        }

        sentences.Add(first + ".");
        if (change is not null && change.PreviousSprints > 0)
        {
            var moves = change.Parts.Where(p => p.Points != 0).OrderByDescending(p => Math.Abs(p.Points)).Take(2)
                .Select(p => $"{p.Name.Replace('_', ' ')} {PointsDecomposition.Signed(p.Points)}").ToList();
            sentences.Add(
                $"Completed points went from {change.PreviousCompleted.ToString("0.#", Inv)} to {change.Completed.ToString("0.#", Inv)} " +
                $"({PointsDecomposition.Signed(change.Change)}) against the previous {(change.PreviousSprints == 1 ? "sprint" : $"{change.PreviousSprints} sprints")}" +
                (moves.Count == 0 ? "." : $"; the largest moves: {string.Join(", ", moves)}."));
        }

        return sentences;
    }

    private static string Reason(ComponentDiagnosis c) => c.Signals.Strongest switch
    {
        "level" => "far from the other teams",
        "trend" => "getting worse sprint after sprint",
        _ => "unusual for this team",
    };

    private static string Details(ComponentDiagnosis c)
    {
        var parts = new List<string> { $"{Value(c.Value, c.Unit)} against a baseline of {Value(c.Baseline, c.Unit)}" + (c.Z is { } z ? $" (z {Z(z)})" : "") };
        if (c.Level.Ratio is { } ratio && c.Level.Rank is { } rank)
        {
            parts.Add($"{ratio.ToString(ratio >= 10 ? "0" : "0.0", Inv)}× the other teams' median ({(rank == 1 ? "worst" : $"rank {rank}")} of {c.Level.Teams})");
        }

        if (c.Signals.Trend is { } trend && c.Trend.Sprints >= 3)
        {
            parts.Add(trend >= 0.5 ? $"worsening over the last {c.Trend.Sprints} sprints"
                : trend <= -0.5 ? $"improving over the last {c.Trend.Sprints} sprints"
                : $"flat over the last {c.Trend.Sprints} sprints");
        }

        return string.Join(", ", parts);
    }

    /// <summary>One sentence for an anomaly list: how many, and the strongest few.</summary>
    public static IReadOnlyList<string> Anomalies(IReadOnlyList<SprintAnomaly> anomalies, string window)
    {
        if (anomalies.Count == 0)
        {
            return [$"No sprint metric was {AnalysisSql.AnomalyZ.ToString("0", Inv)}σ or more from its team's baseline in {window}."];
        }

        var strongest = anomalies.OrderByDescending(a => Math.Abs(a.Z)).Take(3)
            .Select(a => $"{a.Team} {a.Sprint}: {a.DisplayName} {Value(a.Value, a.Unit)} against a baseline of {Value(a.Baseline, a.Unit)} (z {Z(a.Z)}, {a.Judgement})");
        var sprints = anomalies.Select(a => a.SprintKey).Distinct(StringComparer.Ordinal).Count();
        return [$"{anomalies.Count} sprint metric{(anomalies.Count == 1 ? "" : "s")} in {sprints} sprint{(sprints == 1 ? "" : "s")} stood out in {window}; " +
                 $"the strongest: {string.Join("; ", strongest)}" + (anomalies.Count > 3 ? $"; and {anomalies.Count - 3} more." : ".")];
    }
}
