namespace SpiralAnalytics.Core.Diagnosis;

/// <summary>
/// What an analysis spec answers besides its table (the result object's <c>analysis</c>): for <c>diagnose</c> one
/// <see cref="TeamDiagnosis"/> per team in scope, for <c>anomalies</c> the flagged sprint metrics; both with plain sentences
/// generated from the numbers (<see cref="DiagnosisText"/>).
/// </summary>
public sealed record AnalysisReport
{
    /// <summary><c>diagnose</c> or <c>anomalies</c>.</summary>
    public required string Form { get; init; }

    /// <summary>The rule components are ranked by (<see cref="ComponentRanking.Rule"/>).</summary>
    public string? RankingRule { get; init; }

    public IReadOnlyList<TeamDiagnosis> Teams { get; init; } = [];

    public IReadOnlyList<SprintAnomaly> Anomalies { get; init; } = [];

    /// <summary>One or two sentences per team (diagnose) or for the whole window (anomalies).</summary>
    public IReadOnlyList<string> Summary { get; init; } = [];
}

/// <summary>One team's diagnosis: its chosen sprints (oldest first), the decomposition of the change in completed points, what stood out.</summary>
public sealed record TeamDiagnosis(
    string Team,
    IReadOnlyList<DiagnosedSprint> Sprints,
    CompletedPointsChange? Change,
    IReadOnlyList<string> Summary);

/// <summary>One sprint: the problem score (catalog weights over the component z-scores) and its components, most important first.</summary>
public sealed record DiagnosedSprint(
    string Sprint,
    string SprintKey,
    string State,
    string? ClosedAt,
    bool LowSample,
    double? ProblemScore,
    IReadOnlyList<ComponentDiagnosis> Components);

/// <summary>
/// One component of the composite in one sprint. <see cref="Baseline"/> is the mean of the team's previous 6 closed,
/// non-low-sample sprints (<see cref="BaselineSprints"/> of them had a value); <see cref="Z"/> is its z-score (from the component's catalog definition, <c>ZScoreSql</c>) against
/// them; <see cref="Contribution"/> = weight × clip(direction × z, ±3) / Σ weights of the components with a z (the parts
/// sum to <see cref="DiagnosedSprint.ProblemScore"/>).
/// </summary>
public sealed record ComponentDiagnosis(
    int Rank,
    string Metric,
    string DisplayName,
    string Unit,
    double Weight,
    int Direction,
    double? Value,
    double? Baseline,
    int BaselineSprints,
    double? Z,
    double? Contribution,
    PeerLevel Level,
    ComponentTrend Trend,
    ComponentSignals Signals);

/// <summary>
/// The component against the tenant's other teams: each other team's latest sprint closed by this sprint's close; the
/// ratio of this sprint's value to their median; rank 1 = the worst of <see cref="Teams"/> teams (by the metric's direction).
/// </summary>
public sealed record PeerLevel(double? PeerMedian, double? Ratio, int? Rank, int Teams);

/// <summary>Least-squares slope per sprint over the team's last <see cref="Sprints"/> sprints (up to 8, ending with this one).</summary>
public sealed record ComponentTrend(double? SlopePerSprint, int Sprints, double? Mean);

/// <summary>The three signals on one σ-like scale, oriented so positive is worse, and the priority they give (<see cref="ComponentRanking"/>).</summary>
public sealed record ComponentSignals(double? Z, double? Level, double? Trend, double? Priority, string? Strongest);

/// <summary>
/// The change in completed points from the previous sprint(s) to the chosen one(s), split so the parts add up exactly:
/// <c>change = Σ parts.points</c> (see <see cref="PointsDecomposition"/>).
/// </summary>
public sealed record CompletedPointsChange(
    int PreviousSprints,
    double PreviousCompleted,
    int Sprints,
    double Completed,
    double Change,
    IReadOnlyList<ChangePart> Parts);

/// <summary>One part of the change: its name, the points it moved (signed: + more completed), and both sides' amounts.</summary>
public sealed record ChangePart(string Name, double Points, double Previous, double Current);

/// <summary>A sprint metric at |z| ≥ 2 against the team's own baseline (low-sample sprints excluded).</summary>
public sealed record SprintAnomaly(
    string Team,
    string Sprint,
    string SprintKey,
    string State,
    string Metric,
    string DisplayName,
    string Unit,
    double? Value,
    double? Baseline,
    int BaselineSprints,
    double Z,
    string Judgement);
