using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace SpiralAnalytics.Integration.Tests.Fixtures;

/// <summary>
/// Per-sprint metric values, z-scores and problem scores worked out here, independently of the catalog and the query builder,
/// for tests to hold the builder's answers against. Values: plain SQL over the owner's per-sprint sums (<c>mv_sprint_stats</c>),
/// issue events and issue flow (METRICS.md's definitions written out again, on purpose); z-scores in C# (research section 7):
/// the team's previous 6 closed, non-low-sample sprints, at least 4 values, sample sd floored at max(0.1·|mean|, abs floor),
/// hours and days on ln(1 + x), clipped to ±3; the problem score: Σ w·clip(dir·z) / Σ w of the components with a z.
/// </summary>
public sealed partial class SprintOracle
{
    public sealed record Sprint(string Key, string TeamKey, string TeamName, string Name, string State, DateTime? CloseAt, bool LowSample,
        IReadOnlyDictionary<string, double?> Values)
    {
        public bool Eligible => State == "closed" && !LowSample;
    }

    public sealed record Component(string Metric, double Weight, int Direction);

    private static readonly Dictionary<string, string> Formulas = new(StringComparer.Ordinal)
    {
        ["velocity"] = "s.completed_points",
        ["completed_issues"] = "s.completed_count",
        ["planned_sp"] = "s.committed_points",
        ["completed_sp"] = "s.completed_points",
        ["added_sp"] = "s.added_points",
        ["removed_sp"] = "s.removed_points",
        ["say_do_ratio"] = "s.committed_completed_points / nullif(s.committed_points, 0)",
        ["completion_rate"] = "s.completed_points / nullif(s.final_scope_points, 0)",
        ["spillover_ratio"] = "s.spilled_points / nullif(s.committed_points, 0)",
        ["carryover_ratio"] = "s.carried_over_points / nullif(s.committed_points, 0)",
        ["scope_creep_ratio"] = "s.added_points / nullif(s.committed_points, 0)",
        ["scope_churn_ratio"] = "(s.added_points + s.removed_points + s.reestimated_points) / nullif(s.committed_points, 0)",
        ["accuracy_abs"] = "abs(s.committed_points - s.completed_points) / nullif(s.committed_points, 0)",
        ["unplanned_work_share"] = "s.unplanned_completed_points / nullif(s.completed_points, 0)",
        ["bug_share"] = "s.completed_bug_count::numeric / nullif(s.completed_count, 0)",
        ["blocked_hours"] = "s.blocked_hours",
        ["blocked_issue_ratio"] = "s.blocked_count::numeric / nullif(s.scope_count, 0)",
        ["unestimated_ratio"] = "s.committed_unestimated_count::numeric / nullif(s.committed_count, 0)",
        ["reopen_rate"] = "ev.reopened::numeric / nullif(ev.done_arrivals, 0)",
        ["cycle_time_p50"] = "fl.cycle_time_p50",
    };

    private static readonly HashSet<string> PointsAndCounts = ["velocity", "completed_issues", "planned_sp", "completed_sp", "added_sp", "removed_sp"];
    private static readonly HashSet<string> HoursAndDays = ["blocked_hours", "cycle_time_p50"];

    public IReadOnlyDictionary<string, Sprint> Sprints { get; }

    private SprintOracle(IReadOnlyDictionary<string, Sprint> sprints) => Sprints = sprints;

    public static IReadOnlyCollection<string> Metrics => Formulas.Keys;

    public static async Task<SprintOracle> ReadAsync(string ownerConnectionString, Guid tenantId, CancellationToken ct)
    {
        var metrics = Formulas.Keys.ToList();
        var sql =
            $"""
             SELECT s.sprint_key, s.team_key, s.team_name, s.sprint_name, s.sprint_state, s.sprint_close_at, s.low_sample,
                    {string.Join(",\n       ", metrics.Select(m => $"({Formulas[m]})::float8"))}
             FROM mv_sprint_stats s
             LEFT JOIN LATERAL (
                 SELECT count(DISTINCT e.issue_id) FILTER (WHERE e.is_reopen = 1) AS reopened,
                        count(DISTINCT e.issue_id) FILTER (WHERE e.is_done_arrival = 1) AS done_arrivals
                 FROM mv_issue_events e
                 WHERE e.tenant_id = s.tenant_id AND e.team_key = s.team_key AND e.at > s.sprint_start_at AND e.at <= s.sprint_close_at
             ) ev ON true
             LEFT JOIN LATERAL (
                 SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY f.cycle_time_days) AS cycle_time_p50
                 FROM mv_issue_flow f
                 WHERE f.tenant_id = s.tenant_id AND f.team_key = s.team_key AND f.resolved_at > s.sprint_start_at AND f.resolved_at <= s.sprint_close_at
             ) fl ON true
             WHERE s.tenant_id = $1
             """;
        await using var connection = new NpgsqlConnection(ownerConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = tenantId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var sprints = new Dictionary<string, Sprint>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            var values = metrics.Select((m, i) => (m, v: reader.IsDBNull(7 + i) ? (double?)null : reader.GetDouble(7 + i)))
                .ToDictionary(x => x.m, x => x.v, StringComparer.Ordinal);
            sprints[reader.GetString(0)] = new Sprint(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetDateTime(5), reader.GetBoolean(6), values);
        }

        return new SprintOracle(sprints);
    }

    /// <summary>The team's previous 6 closed, non-low-sample sprints before <paramref name="key"/> (by close time, then key), newest first.</summary>
    public IReadOnlyList<Sprint> Baseline(string key)
    {
        var target = Sprints[key];
        return [.. Sprints.Values
            .Where(s => s.TeamKey == target.TeamKey && s.Eligible && s.CloseAt <= target.CloseAt
                        && (s.CloseAt < target.CloseAt || string.CompareOrdinal(s.Key, target.Key) < 0))
            .OrderByDescending(s => s.CloseAt).ThenByDescending(s => s.Key, StringComparer.Ordinal).Take(6)];
    }

    /// <summary>The z-score of <paramref name="metric"/> for the sprint; <paramref name="value"/> replaces the oracle's value (another definition).</summary>
    public double? Z(string key, string metric, Func<Sprint, double?>? value = null)
    {
        value ??= s => s.Values[metric];
        var scale = HoursAndDays.Contains(metric) ? (Func<double, double>)(x => Math.Log(1 + x)) : x => x;
        var history = Baseline(key).Select(value).OfType<double>().Select(scale).ToList();
        if (value(Sprints[key]) is not { } x || history.Count < 4)
        {
            return null;
        }

        var mean = history.Average();
        var sd = Math.Sqrt(history.Sum(v => (v - mean) * (v - mean)) / (history.Count - 1));
        var floor = PointsAndCounts.Contains(metric) ? 1 : HoursAndDays.Contains(metric) ? 0.1 : 0.05;
        return Math.Clamp((scale(x) - mean) / Math.Max(Math.Max(sd, 0.1 * Math.Abs(mean)), floor), -3, 3);
    }

    /// <summary>The problem score of the sprint; <paramref name="z"/> replaces the oracle's z-score of a component.</summary>
    public double? Score(string key, IReadOnlyList<Component> components, Func<string, double?>? z = null)
    {
        z ??= metric => Z(key, metric);
        var present = components.Select(c => (c, z: z(c.Metric))).Where(x => x.z is not null).ToList();
        var weights = present.Sum(x => x.c.Weight);
        return weights == 0 ? null : present.Sum(x => x.c.Weight * Math.Clamp(x.c.Direction * x.z!.Value, -3, 3)) / weights;
    }

    /// <summary>The components of a composite as its catalog file writes them: <c>{ metric: m, weight: w, direction: ±1 }</c>.</summary>
    public static IReadOnlyList<Component> Components(string yamlFile) =>
        [.. ComponentLine().Matches(File.ReadAllText(yamlFile)).Select(m => new Component(m.Groups[1].Value,
            double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)))];

    /// <summary>The shipped problem score's components.</summary>
    public static IReadOnlyList<Component> ProblemScoreComponents() =>
        Components(Path.Combine(RepoPaths.Root, "catalog", "sprint_problematic_score.yaml"));

    [GeneratedRegex(@"metric:\s*(\w+),\s*weight:\s*([0-9.]+),\s*direction:\s*([+-]?1)")]
    private static partial Regex ComponentLine();
}
