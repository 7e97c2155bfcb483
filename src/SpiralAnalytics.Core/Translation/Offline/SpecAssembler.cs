using SpiralAnalytics.Core.Analytics;
using SpiralAnalytics.Core.Catalog;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Translation.Offline;

/// <summary>
/// Turns a <see cref="QuestionReading"/> (plus the previous spec of a follow-up) into a spec that respects each metric's
/// allowed dimensions: a grouping or filter a metric does not allow is dropped with a note, never emitted.
/// </summary>
public static class SpecAssembler
{
    public static (AnalyticsSpec Spec, List<string> Notes) Assemble(QuestionReading reading, IReadOnlyList<MetricDefinition> metrics, AnalyticsSpec? previous)
    {
        var notes = new List<string>();
        var allowed = Dimensions.All.Where(d => metrics.All(m => m.Dimensions.Contains(d))).ToList();
        var names = metrics.Select(m => m.Name).ToList();

        // grouping
        // "spillover last sprint vs the one before for Phoenix and Atlas": a comparison over several teams compares each team
        var compared = reading.Time.Compare && reading.Grouping.Dimensions.Count == 0
            ? reading.Filters.Where(f => !f.Negated && f.Values.Count > 1 && f.Dimension == Dimensions.Team).Select(f => f.Dimension)
            : [];
        var named = reading.Grouping.Dimensions.Concat(reading.Versus).Concat(compared).Concat(Listed(reading, previous, notes)).Distinct(StringComparer.Ordinal).ToList();
        if (previous is { GroupBy: [_, ..] } && reading.Grouping.Who && reading.Metrics.Count == 0 && named is [Dimensions.Assignee] && !previous.GroupBy.Contains(Dimensions.Assignee)
            && !reading.Filters.Any(f => previous.GroupBy.Contains(f.Dimension)))
        {
            // "who was worst there" after spillover by team: "who" asks which of the rows shown, not for people (unless the question
            // narrows those rows to one: "who on atlas has them")
            named = [];
            notes.Add($"'who': which of the previous rows ({string.Join(", ", previous.GroupBy)})");
        }

        var groups = previous is null ? named : FollowUpMerger.MergeGroups(previous.GroupBy.Where(g => g != reading.Grouping.Instead).ToList(), named, adds: !reading.Grouping.Replace && reading.Grouping.Dimensions.Count > 0 && reading.AddsMetrics);
        if (reading.Grouping.Trend)
        {
            var trend = metrics.All(m => m.Grain == MetricGrains.Sprint) && allowed.Contains(Dimensions.Sprint) ? Dimensions.Sprint
                : allowed.Contains(Dimensions.Month) ? Dimensions.Month : null;
            if (trend is null)
            {
                notes.Add($"no trend: {string.Join(", ", names)} cannot be split by sprint or month");
            }
            else if (!groups.Contains(trend))
            {
                groups = groups.Where(g => g != Dimensions.Sprint && !Dimensions.Calendar.Contains(g)).Append(trend).ToList();
            }
        }

        var ranking = reading.Ranking;
        if (ranking?.Dimension is { } rows && !groups.Contains(rows))
        {
            groups.Add(rows);
            if (reading.Grouping.AllTeams && rows != Dimensions.Team)
            {
                // "top 3 ppl by pts this yr, all teams": the ranked rows are people from every team
                groups.Remove(Dimensions.Team);
            }
        }

        if (ranking is not null && groups.Count == 0 && previous is null && allowed.Contains(Dimensions.Team))
        {
            groups.Add(Dimensions.Team);
            notes.Add("ranked by team");
        }

        foreach (var dropped in groups.Where(g => !allowed.Contains(g)).ToList())
        {
            groups.Remove(dropped);
            notes.Add($"not grouped by {dropped.Replace('_', ' ')}: {Which(metrics, dropped)} cannot be split by it");
        }

        // filters
        var filters = reading.Filters.Select(f => new SpecFilter(f.Dimension,
            f.Negated ? FilterOps.NotIn : f.Values.Count == 1 ? FilterOps.Eq : FilterOps.In, f.Values)).ToList();
        if (previous is not null)
        {
            filters = FollowUpMerger.MergeFilters(previous.Filters, filters, reading.AddsValues);
            foreach (var widened in FollowUpMerger.Widened(previous.Filters, filters).Where(d => allowed.Contains(d) && !groups.Contains(d)))
            {
                // "how does that compare to nova?": Atlas and Nova side by side
                groups.Add(widened);
            }

            foreach (var pinned in FollowUpMerger.Pinned(previous.GroupBy, named, reading.Filters.Select(f => f.Dimension), filters)
                         .Where(d => groups.Contains(d) && reading.Metrics.Count > 0).ToList())
            {
                // "by team" before, "and what was the p90 lead time for nova in jan?" now: a question restated with its own metric that
                // narrows the split to one team is about that team ("and for Atlas?" alone keeps the split, one row)
                groups.Remove(pinned);
                notes.Add($"no split by {pinned.Replace('_', ' ')}: the question narrows it to one");
            }
        }

        foreach (var dropped in filters.Where(f => !allowed.Contains(f.Dimension)).ToList())
        {
            filters.Remove(dropped);
            notes.Add($"filter on {dropped.Dimension.Replace('_', ' ')} ({string.Join(", ", dropped.Values)}) left out: {Which(metrics, dropped.Dimension)} cannot be filtered by it");
        }

        // time and comparison
        var time = reading.Time.Time ?? (reading.Time.Compare ? reading.Time.Implied : null) ?? previous?.Time;
        if (reading.Time.Time is null && !reading.Time.Compare && previous?.Time is not null
            && metrics.All(m => m.Grain == MetricGrains.Snapshot) && !previous.MetricNames.All(names.Contains))
        {
            // "ok and how many tix are stuck on each team rn" after points of the last sprint: a count of what stands at as_of
            // takes no window of the question before it
            time = null;
            notes.Add($"no time window: {string.Join(", ", names)} counts what stands at as_of");
        }

        var compare = reading.Time.Compare || previous?.Compare is not null;
        if (compare && groups.FirstOrDefault(g => g == Dimensions.Sprint || Dimensions.Calendar.Contains(g)) is { } windowed)
        {
            compare = false;
            notes.Add($"no comparison with the previous period: grouping by {windowed} differs between the two windows");
        }

        if (compare && time is AllTime)
        {
            compare = false;
            notes.Add("no comparison: all time has no previous period");
        }

        if (compare && metrics.Any(m => m.Grain == MetricGrains.Snapshot) && time is not (PeriodTime or RollingTime or BetweenTime))
        {
            compare = false;
            notes.Add("no comparison: a point-in-time metric compares over a calendar window only");
        }

        // thresholds
        var having = reading.Thresholds.Select(t =>
        {
            var metric = Nearest(reading.Metrics, metrics, t.Position, after: false);
            var value = metric.Unit == "ratio" && (t.Percent || t.Value > 1) ? t.Value / 100 : t.Value;
            var op = t.Op == ThresholdParser.Keep ? previous?.Having.FirstOrDefault(h => h.Metric == metric.Name)?.Op ?? "gt" : t.Op;
            return new HavingClause(metric.Name, op, Math.Round(value, 6));
        }).ToList();
        // a follow-up that swaps the one metric for another ("same but for scope churn") keeps its ranking on the new one (a bound
        // is not moved: 20% of one metric means nothing for another)
        var swapped = previous is { Metrics.Count: 1 } && names.Count == 1 && previous.MetricNames.First() != names[0]
            ? (From: previous.MetricNames.First(), To: names[0]) : default;
        if (having.Count == 0 && previous is not null)
        {
            having = previous.Having.Where(h => names.Contains(h.Metric)).ToList();
        }

        // ranking
        List<SortClause> sort = [];
        int? limit = null;
        if (ranking is not null)
        {
            var metric = Nearest(reading.Metrics, metrics, ranking.Position, after: true);
            var dir = ranking.Direction switch
            {
                "best" => metric.Direction == MetricDirections.LowerIsBetter ? SortDirections.Asc : SortDirections.Desc,
                "worst" => metric.Direction == MetricDirections.HigherIsBetter ? SortDirections.Asc : SortDirections.Desc,
                _ => ranking.Direction,
            };
            if (ranking.Direction is "best" or "worst" && metric.Direction == MetricDirections.Neutral)
            {
                notes.Add($"{metric.DisplayName} is neither better high nor low: '{ranking.Direction}' read as highest");
            }

            sort = [new SortClause(metric.Name, dir)];
            limit = ranking.Limit;
        }
        else if (previous is not null && !reading.Grouping.Trend)
        {
            sort = previous.Sort.Select(s => s.By == swapped.From && swapped.To is not null ? s with { By = swapped.To } : s)
                .Where(s => names.Contains(s.By) || groups.Contains(s.By)).ToList();
            limit = previous.Limit;
        }

        var spec = new AnalyticsSpec
        {
            Metrics = names,
            GroupBy = groups,
            Filters = filters,
            Time = time,
            Compare = compare ? new CompareSpec(CompareSpec.PreviousPeriod) : null,
            Having = having,
            Sort = sort,
            Limit = limit,
        };
        return (previous is null ? spec : FollowUpMerger.Without(spec, reading.Removed, reading.Reversed, notes), notes);
    }

    /// <summary>The least a list of people must name to be read as a breakdown ("cycle time for Maya, Jonas and Kavya").</summary>
    public const int ListedPeople = 3;

    /// <summary>
    /// "p90 for Maya, Jonas and Kavya": a list of <see cref="ListedPeople"/> or more people in a question that names no grouping
    /// is a comparison of those people, so they are rows; two people, or teams, stay one filtered figure.
    /// </summary>
    private static IEnumerable<string> Listed(QuestionReading reading, AnalyticsSpec? previous, List<string> notes)
    {
        if (reading.Grouping.Each && reading.Grouping.Dimensions.Count == 0
            && reading.Filters.FirstOrDefault(f => !f.Negated && f.Values.Count > 1) is { } listed)
        {
            notes.Add($"{listed.Values.Count} {listed.Dimension.Replace('_', ' ')} values, each asked for: one row each");
            return [listed.Dimension];
        }

        if (previous is not null || reading.Grouping.Dimensions.Count > 0 || reading.Grouping.Trend || reading.Ranking is not null
            || reading.Filters.FirstOrDefault(f => !f.Negated && f.Dimension == Dimensions.Assignee && f.Values.Count >= ListedPeople) is not { } people)
        {
            return [];
        }

        notes.Add($"{people.Values.Count} people named: one row each");
        return [Dimensions.Assignee];
    }

    private static MetricDefinition Nearest(IReadOnlyList<MetricMention> mentions, IReadOnlyList<MetricDefinition> metrics, int position, bool after)
    {
        var ordered = mentions.Where(m => metrics.Contains(m.Metric)).ToList();
        // a ranking after every metric ("spillover and carryover by team, worst first") orders by the first, the main one
        var pick = after
            ? ordered.FirstOrDefault(m => m.Position > position) ?? ordered.FirstOrDefault()
            : ordered.LastOrDefault(m => m.Position < position) ?? ordered.FirstOrDefault(m => m.Position > position);
        return pick?.Metric ?? metrics[0];
    }

    private static string Which(IReadOnlyList<MetricDefinition> metrics, string dimension) =>
        string.Join(", ", metrics.Where(m => !m.Dimensions.Contains(dimension)).Select(m => m.Name));
}
