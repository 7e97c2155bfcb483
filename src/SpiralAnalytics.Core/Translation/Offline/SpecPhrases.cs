using System.Globalization;
using SpiralAnalytics.Core.Analytics;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Translation.Offline;

/// <summary>Spec parts said back as words the offline translator reads again (for clarification options).</summary>
public static class SpecPhrases
{
    public static string Time(TimeSpec? time) => time switch
    {
        LastSprintsTime { N: 1 } => "last sprint",
        LastSprintsTime t => string.Create(CultureInfo.InvariantCulture, $"last {t.N} sprints"),
        CurrentSprintTime => "this sprint",
        PeriodTime { Offset: 0 } p => $"this {p.Unit}",
        PeriodTime { Offset: -1 } p => $"last {p.Unit}",
        RollingTime r => string.Create(CultureInfo.InvariantCulture, $"past {r.N} {r.Unit}s"),
        BetweenTime b => $"between {b.From} and {b.To}",
        AllTime => "all time",
        _ => "",
    };

    public static string Groups(IEnumerable<string> dims) => string.Join(" ", dims.Select(d => "by " + d.Replace('_', ' ')));

    public static string Filters(IEnumerable<SpecFilter> filters) => string.Join(" ", filters.Select(f =>
        (FilterOps.IsNegative(f.Op) ? "excluding " : "for ") + string.Join(" and ", f.Values)
        + f.Dimension switch { Dimensions.Priority => " priority", Dimensions.IssueType => " issues", _ => "" }));

    public static string Question(string metricPhrase, AnalyticsSpec? parts, string qualifiers = "") =>
        parts is null
            ? string.Join(" ", new[] { metricPhrase, qualifiers }.Where(s => s.Length > 0))
            : string.Join(" ", new[] { metricPhrase, Groups(parts.GroupBy), Filters(parts.Filters), Time(parts.Time), Compare(parts), qualifiers }.Where(s => s.Length > 0));

    /// <summary>A bound said back ("above 20%", "at most 5 days"), read again by <see cref="ThresholdParser"/>.</summary>
    public static string Bound(string op, double value, bool percent, string? unit) =>
        ThresholdParser.Phrase(op == ThresholdParser.Keep ? "gt" : op) + " "
        + value.ToString("0.######", CultureInfo.InvariantCulture) + (percent ? "%" : unit is null or "ratio" ? "" : " " + unit);

    /// <summary>A ranking said back ("top 3", "worst 2", "lowest first"), read again by <see cref="RankingParser"/>.</summary>
    public static string Order(string direction, int? limit) => limit is { } n
        ? (direction switch { "desc" => "top", "asc" => "bottom", _ => direction }) + " " + n.ToString(CultureInfo.InvariantCulture)
        : (direction switch { "desc" => "highest", "asc" => "lowest", _ => direction }) + " first";

    /// <summary>The bounds and the ranking a question asked for, said back so each clarification option keeps them.</summary>
    public static string Qualifiers(IEnumerable<ThresholdReading> thresholds, RankingReading? ranking) =>
        string.Join(" ", thresholds.Select(t => Bound(t.Op, t.Value, t.Percent, t.Unit)).Append(ranking is null ? "" : Order(ranking.Direction, ranking.Limit)).Where(s => s.Length > 0));

    public static string Label(string display, AnalyticsSpec? parts) =>
        parts?.Time is null ? display : $"{display}, {Time(parts.Time)}" + (parts.Compare is null ? "" : ", " + Compare(parts));

    private static string Compare(AnalyticsSpec parts) => parts.Compare is null ? "" : "compared with the period before";
}
