using SpiralAnalytics.Core.Catalog;

namespace SpiralAnalytics.Core.Translation.Offline;

/// <summary>Everything the parsers understood in one question, before it becomes a spec.</summary>
public sealed record QuestionReading(
    IReadOnlyList<MetricMention> Metrics,
    TimeReading Time,
    GroupingReading Grouping,
    IReadOnlyList<FilterMention> Filters,
    IReadOnlyList<string> Versus,
    RankingReading? Ranking,
    IReadOnlyList<ThresholdReading> Thresholds,
    bool AddsMetrics,
    bool AddsValues = false)
{
    /// <summary>The parts of the previous spec a follow-up takes away (<see cref="QuestionText.Removed"/>).</summary>
    public IReadOnlySet<string> Removed { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Whether a follow-up turns the previous order around (<see cref="QuestionText.Reversed"/>).</summary>
    public bool Reversed { get; init; }

    /// <summary>Whether anything besides metrics was understood (a follow-up that understood nothing must clarify).</summary>
    public bool HasModifiers =>
        Time.Time is not null || Time.Compare || Grouping.Dimensions.Count > 0 || Grouping.Trend || Filters.Count > 0 || Ranking is not null || Thresholds.Count > 0
        || Removed.Count > 0 || Reversed;

    /// <summary>The metrics named, once each, in the order first named (a metric named again counts once).</summary>
    public IReadOnlyList<MetricDefinition> MetricDefinitions => Metrics.Select(m => m.Metric).DistinctBy(m => m.Name).ToList();
}
