using SpiralAnalytics.Core.Analytics;
using SpiralAnalytics.Core.Diagnosis;
using SpiralAnalytics.Core.Specs;
using SpiralAnalytics.Infrastructure.Queries;

namespace SpiralAnalytics.Infrastructure.Diagnosis;

/// <summary>
/// The diagnosis and anomaly analyses as a service, for callers that are not a spec from a user (the health overview, alert
/// evaluation): it writes the analysis spec and runs it through the same validation, planning and execution as
/// <c>/query</c>, <c>/ask</c> and the CLI, so every caller gets the same numbers (<see cref="AnalysisReport"/>).
/// </summary>
public sealed class SprintDiagnosis(QueryExecutor executor)
{
    /// <summary>The composite whose components the analyses explain (the catalog defines its components and weights).</summary>
    public const string ProblemScore = "sprint_problematic_score";

    /// <summary>Diagnoses the chosen sprints (default: each team's last closed sprint) of the named teams (null: every team).</summary>
    public async Task<AnalysisReport> DiagnoseAsync(string tenant, IReadOnlyList<string>? teams, TimeSpec? time, DateTimeOffset? asOf, CancellationToken ct)
    {
        var spec = Spec(AnalysisForms.Diagnose, [ProblemScore], teams, time ?? new LastSprintsTime(1));
        return (await executor.ExecuteAsync(spec, tenant, asOf, null, ct)).Analysis!;
    }

    /// <summary>
    /// The sprint metrics at |z| ≥ 2 in the window (null: each team's last 6 closed sprints) for the named teams (null: all);
    /// <paramref name="metrics"/> null = the problem score's components.
    /// </summary>
    public async Task<AnalysisReport> AnomaliesAsync(string tenant, IReadOnlyList<string>? teams, IReadOnlyList<string>? metrics, TimeSpec? time,
        DateTimeOffset? asOf, CancellationToken ct)
    {
        var spec = Spec(AnalysisForms.Anomalies, metrics is { Count: > 0 } ? metrics : [ProblemScore], teams, time);
        return (await executor.ExecuteAsync(spec, tenant, asOf, null, ct)).Analysis!;
    }

    private static AnalyticsSpec Spec(string form, IReadOnlyList<string> metrics, IReadOnlyList<string>? teams, TimeSpec? time) => new()
    {
        Analysis = form,
        Metrics = metrics,
        Filters = teams is { Count: > 0 } ? [new SpecFilter(Dimensions.Team, FilterOps.In, teams)] : [],
        Time = time,
    };
}
