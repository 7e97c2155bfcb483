using System.Text.Json.Nodes;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Diagnosis;

/// <summary>An analysis answer: the table shown (columns and rows) and the report (<see cref="AnalysisReport"/>).</summary>
public sealed record AnalysisAnswer(IReadOnlyList<QueryColumn> Columns, IReadOnlyList<JsonObject> Rows, AnalysisReport Report);

/// <summary>
/// Turns the raw rows of <see cref="DiagnosisQuery"/> and <see cref="AnomalyQuery"/> into the answer: signals and ranking
/// (<see cref="ComponentRanking"/>), the decomposition (<see cref="PointsDecomposition"/>), sentences (<see cref="DiagnosisText"/>)
/// and one table row per sprint × component (or per anomaly). Pure: the same rows always give the same answer.
/// </summary>
public static class DiagnosisComposer
{
    public static readonly IReadOnlyList<QueryColumn> DiagnosisColumns =
    [
        new("team", QueryColumn.Dimension),
        new("sprint", QueryColumn.Dimension),
        new("sprint_key", QueryColumn.Dimension),
        new("rank", QueryColumn.Metric),
        new("component", QueryColumn.Dimension),
        new("value", QueryColumn.Metric),
        new("baseline", QueryColumn.Metric),
        new("z", QueryColumn.Metric, "sigma"),
        new("contribution", QueryColumn.Metric, "sigma"),
        new("peer_ratio", QueryColumn.Metric, "ratio"),
        new("peer_rank", QueryColumn.Metric),
        new("trend_per_sprint", QueryColumn.Metric),
        new("priority", QueryColumn.Metric, "sigma"),
        new("problem_score", QueryColumn.Metric, "sigma"),
    ];

    public static readonly IReadOnlyList<QueryColumn> AnomalyColumns =
    [
        new("team", QueryColumn.Dimension),
        new("sprint", QueryColumn.Dimension),
        new("sprint_key", QueryColumn.Dimension),
        new("metric", QueryColumn.Dimension),
        new("value", QueryColumn.Metric),
        new("baseline", QueryColumn.Metric),
        new("z", QueryColumn.Metric, "sigma"),
        new("judgement", QueryColumn.Dimension),
    ];

    public static AnalysisAnswer Diagnose(IReadOnlyList<JsonObject> raw, MetricCatalog catalog)
    {
        var teams = new List<TeamDiagnosis>();
        var table = new List<JsonObject>();
        foreach (var team in raw.GroupBy(r => Text(r, "team_key")).OrderBy(g => Text(g.First(), "team"), StringComparer.Ordinal))
        {
            var name = Text(team.First(), "team");
            var sprints = new List<DiagnosedSprint>();
            foreach (var sprint in team.GroupBy(r => Text(r, "sprint_key")))
            {
                var first = sprint.First();
                var components = ComponentRanking.Order(sprint.Select(r => Component(r, catalog)).ToList(), c => c.Signals, c => c.Weight)
                    .Select((c, i) => c with { Rank = i + 1 }).ToList();
                var diagnosis = new DiagnosedSprint(Text(first, "sprint"), sprint.Key, Text(first, "sprint_state"), TextOrNull(first, "sprint_close_at"),
                    first["low_sample"]?.GetValue<bool>() ?? false, Number(first, "problem_score"), components);
                sprints.Add(diagnosis);
                table.AddRange(components.Select(c => new JsonObject
                {
                    ["team"] = name,
                    ["sprint"] = diagnosis.Sprint,
                    ["sprint_key"] = diagnosis.SprintKey,
                    ["rank"] = c.Rank,
                    ["component"] = c.Metric,
                    ["value"] = c.Value,
                    ["baseline"] = c.Baseline,
                    ["z"] = c.Z,
                    ["contribution"] = c.Contribution,
                    ["peer_ratio"] = c.Level.Ratio,
                    ["peer_rank"] = c.Level.Rank,
                    ["trend_per_sprint"] = c.Trend.SlopePerSprint,
                    ["priority"] = c.Signals.Priority,
                    ["problem_score"] = diagnosis.ProblemScore,
                }));
            }

            var change = PointsDecomposition.From(column => Number(team.First(), column));
            teams.Add(new TeamDiagnosis(name, sprints, change, DiagnosisText.Team(name, sprints[^1], change)));
        }

        var report = new AnalysisReport
        {
            Form = AnalysisForms.Diagnose,
            RankingRule = ComponentRanking.Rule,
            Teams = teams,
            Summary = teams.SelectMany(t => t.Summary).ToList(),
        };
        return new AnalysisAnswer(DiagnosisColumns, table, report);
    }

    public static AnalysisAnswer Anomalies(IReadOnlyList<JsonObject> raw, MetricCatalog catalog, string window)
    {
        var anomalies = raw.Select(r =>
        {
            var metric = catalog.Get(Text(r, "metric"));
            var z = Number(r, "z") ?? 0;
            return new SprintAnomaly(Text(r, "team"), Text(r, "sprint"), Text(r, "sprint_key"), Text(r, "sprint_state"), metric.Name,
                metric.DisplayName, metric.Unit, Number(r, "value"), Number(r, "baseline"), (int)(Number(r, "baseline_n") ?? 0), z,
                Judgement(metric.Direction, z));
        }).ToList();
        var table = anomalies.Select(a => new JsonObject
        {
            ["team"] = a.Team,
            ["sprint"] = a.Sprint,
            ["sprint_key"] = a.SprintKey,
            ["metric"] = a.Metric,
            ["value"] = a.Value,
            ["baseline"] = a.Baseline,
            ["z"] = a.Z,
            ["judgement"] = a.Judgement,
        }).ToList();
        var report = new AnalysisReport { Form = AnalysisForms.Anomalies, Anomalies = anomalies, Summary = DiagnosisText.Anomalies(anomalies, window) };
        return new AnalysisAnswer(AnomalyColumns, table, report);
    }

    /// <summary>"worse" or "better" by the metric's direction; "higher"/"lower" for a neutral one.</summary>
    public static string Judgement(string direction, double z) => direction switch
    {
        MetricDirections.LowerIsBetter => z > 0 ? "worse" : "better",
        MetricDirections.HigherIsBetter => z > 0 ? "better" : "worse",
        _ => z > 0 ? "higher" : "lower",
    };

    private static ComponentDiagnosis Component(JsonObject r, MetricCatalog catalog)
    {
        var metric = catalog.Get(Text(r, "component"));
        var direction = (int)(Number(r, "direction") ?? 1);
        var value = Number(r, "value");
        var z = Number(r, "z");
        var median = Number(r, "peer_median");
        var peers = (int)(Number(r, "peer_n") ?? 0);
        var slope = Number(r, "trend_slope");
        var trendSprints = (int)(Number(r, "trend_n") ?? 0);
        var mean = Number(r, "trend_mean");
        var level = new PeerLevel(median, value is { } v && median is > 0 ? v / median.Value : null,
            value is null || peers == 0 ? null : 1 + (int)(Number(r, "peers_worse") ?? 0), peers + (value is null ? 0 : 1));
        var signals = ComponentRanking.Signals(
            ComponentRanking.ZSignal(z, direction),
            ComponentRanking.LevelSignal(value, median, direction, metric.Unit),
            ComponentRanking.TrendSignal(slope, trendSprints, mean, direction, metric.Unit));
        return new ComponentDiagnosis(0, metric.Name, metric.DisplayName, metric.Unit, Number(r, "weight") ?? 0, direction, value,
            Number(r, "baseline"), (int)(Number(r, "baseline_n") ?? 0), z, Number(r, "contribution"), level,
            new ComponentTrend(slope, trendSprints, mean), signals);
    }

    private static string Text(JsonObject row, string column) => TextOrNull(row, column) ?? "";

    private static string? TextOrNull(JsonObject row, string column) => row[column]?.GetValue<string>();

    private static double? Number(JsonObject row, string column) => row[column] is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;
}
