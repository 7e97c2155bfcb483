using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Translation.Offline;

/// <summary>
/// The follow-up rule. With a previous spec, a question is a follow-up when it names no metric ("and for Atlas?", "top 3",
/// "as a trend") or starts like one ("and …", "what about …", "also …", "now …", "only …"); otherwise it starts over.
/// A follow-up starts from the previous spec and replaces what it names: its metrics ("also …" adds them), the time window,
/// the grouping ("and by X" adds), the filter of each dimension it names, the ranking and the thresholds; a trend clears
/// the ranking. Parts the new metrics do not allow are dropped with a note by the assembler.
/// </summary>
public static class FollowUpMerger
{
    private static readonly string[] Openers =
        ["and", "also", "same", "now", "then", "instead", "ok", "okay", "just", "only", "but", "plus", "so", "break", "split", "add", "include",
         "use", "switch", "swap", "flip", "turn", "change", "make"];

    /// <summary>Words that say "the last question, changed" wherever they stand ("use the p90 instead", "same thing but weekly").</summary>
    private static readonly string[] Anywhere = ["instead", "rather", "alongside", "beside"];

    /// <summary>Words after "next to" that point at the previous answer ("the raw count next to it").</summary>
    private static readonly string[] Pointers = ["it", "that", "this", "them", "those", "these"];

    public static bool IsFollowUp(AnalyticsSpec? previous, QuestionTokens q, bool namesMetric)
    {
        if (previous is null)
        {
            return false;
        }

        if (!namesMetric)
        {
            return true;
        }

        var all = q.All;
        // "check say/do too": an addition said at the end
        return all.Count > 0 && (Openers.Contains(all[0].Text) || all.Any(t => Anywhere.Contains(t.Text)) || all[^1].Text == "too"
                                 || (all.Count > 1 && all[^2].Text == "as" && all[^1].Text == "well")
                                 || Enumerable.Range(0, Math.Max(0, all.Count - 2)).Any(i => all[i].Text == "next" && all[i + 1].Text == "to" && Pointers.Contains(all[i + 2].Text))
                                 || (all.Count > 1 && all[0].Text is "what" or "how" && all[1].Text == "about"));
    }

    /// <summary>
    /// A follow-up's spec without the parts the question took away ("no need for the comparison", "drop the limit"), and with
    /// its order turned around when the question says so (<paramref name="reversed"/>: "flip the order").
    /// </summary>
    public static AnalyticsSpec Without(AnalyticsSpec spec, IReadOnlySet<string> removed, bool reversed, List<string> notes)
    {
        if (reversed && spec.Sort.Count > 0)
        {
            notes.Add("the previous order, reversed");
            spec = spec with { Sort = spec.Sort.Select(o => o with { Dir = o.Dir == SortDirections.Desc ? SortDirections.Asc : SortDirections.Desc }).ToList() };
        }

        foreach (var part in removed)
        {
            notes.Add($"without the previous question's {part.Replace('_', ' ')}");
        }

        return spec with
        {
            Compare = removed.Contains("compare") ? null : spec.Compare,
            Limit = removed.Contains("limit") || removed.Contains("sort") ? null : spec.Limit,
            Having = removed.Contains("having") ? [] : spec.Having,
            Sort = removed.Contains("sort") ? [] : spec.Sort,
            GroupBy = removed.Contains("group_by") ? [] : spec.GroupBy,
        };
    }

    /// <summary>
    /// The previous question's groupings a follow-up pins to one value ("by team" before, "… for nova" now): not named again by
    /// the question, and the question's own filter on that dimension leaves one value (eq).
    /// </summary>
    public static IEnumerable<string> Pinned(IReadOnlyList<string> previous, IReadOnlyList<string> named, IEnumerable<string> filteredNow, IReadOnlyList<SpecFilter> merged)
    {
        var now = filteredNow.ToHashSet(StringComparer.Ordinal);
        return previous.Where(d => !named.Contains(d) && now.Contains(d)
                                   && merged.Any(f => f.Dimension == d && f.Op == FilterOps.Eq && f.Values.Count == 1));
    }

    /// <summary>"also the p90", "and the raw count next to it", "alongside the rate": metrics added beside the previous ones.</summary>
    public static bool AddsMetrics(QuestionTokens q) =>
        q.All.Any(t => t.Text is "also" or "too" or "plus" or "add" or "include" or "alongside" or "beside" or "besides")
        || (q.Has("as") && q.Has("well"))
        || q.All.Zip(q.All.Skip(1)).Any(p => (p.First.Text, p.Second.Text) is ("next", "to") or ("along", "with") or ("together", "with"));

    /// <summary>"for phx and nova too", "how does that compare to nova?": values added beside the previous ones, not instead.</summary>
    public static bool AddsValues(QuestionTokens q) =>
        AddsMetrics(q) || q.All.Any(t => t.Text is "compare" or "compared" or "vs" or "versus" or "against" or "alongside" or "beside");

    /// <summary>
    /// The filters after a follow-up: the previous ones, with each dimension the question names replaced, or, when the question
    /// adds values (<paramref name="adds"/>), the previous values of that dimension and the new ones together.
    /// </summary>
    public static List<SpecFilter> MergeFilters(IReadOnlyList<SpecFilter> previous, IReadOnlyList<SpecFilter> named, bool adds = false)
    {
        var dims = named.Select(f => f.Dimension).ToHashSet(StringComparer.Ordinal);
        var merged = previous.Where(f => !dims.Contains(f.Dimension)).ToList();
        foreach (var filter in named)
        {
            var excluded = previous.FirstOrDefault(f => f.Dimension == filter.Dimension && FilterOps.IsNegative(f.Op));
            if (adds && !FilterOps.IsNegative(filter.Op) && excluded is not null && filter.Values.All(excluded.Values.Contains))
            {
                // "actually include bugs too" after "excluding bugs": the exclusion loses those values, nothing is narrowed
                var left = excluded.Values.Except(filter.Values, StringComparer.Ordinal).ToList();
                if (left.Count > 0)
                {
                    merged.Add(new SpecFilter(filter.Dimension, left.Count == 1 ? FilterOps.Neq : FilterOps.NotIn, left));
                }

                continue;
            }

            var before = previous.FirstOrDefault(f => f.Dimension == filter.Dimension && !FilterOps.IsNegative(f.Op));
            if (adds && before is not null && !FilterOps.IsNegative(filter.Op))
            {
                var values = before.Values.Concat(filter.Values).Distinct(StringComparer.Ordinal).ToList();
                merged.Add(new SpecFilter(filter.Dimension, values.Count == 1 ? FilterOps.Eq : FilterOps.In, values));
                continue;
            }

            merged.Add(filter);
        }

        return merged;
    }

    /// <summary>The dimensions whose values a follow-up added to the previous ones: each of their values becomes a row.</summary>
    public static IEnumerable<string> Widened(IReadOnlyList<SpecFilter> previous, IReadOnlyList<SpecFilter> merged) =>
        merged.Where(f => f.Values.Count > 1 && previous.Any(p => p.Dimension == f.Dimension && p.Values.Count < f.Values.Count && !FilterOps.IsNegative(p.Op)))
            .Select(f => f.Dimension);

    public static List<string> MergeGroups(IReadOnlyList<string> previous, IReadOnlyList<string> named, bool adds) =>
        named.Count == 0 ? previous.ToList() : adds ? previous.Concat(named).Distinct(StringComparer.Ordinal).ToList() : named.ToList();
}
