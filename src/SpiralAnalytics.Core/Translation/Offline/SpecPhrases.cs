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

    public static string Question(string metricPhrase, AnalyticsSpec? parts) =>
        parts is null
            ? metricPhrase
            : string.Join(" ", new[] { metricPhrase, Groups(parts.GroupBy), Filters(parts.Filters), Time(parts.Time), Compare(parts) }.Where(s => s.Length > 0));

    public static string Label(string display, AnalyticsSpec? parts) =>
        parts?.Time is null ? display : $"{display}, {Time(parts.Time)}" + (parts.Compare is null ? "" : ", " + Compare(parts));

    private static string Compare(AnalyticsSpec parts) => parts.Compare is null ? "" : "compared with the period before";
}
