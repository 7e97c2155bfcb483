namespace SpiralAnalytics.Core.Translation.Offline;

/// <summary>How the question wants rows ordered. <see cref="Direction"/>: desc/asc, or best/worst (depends on the metric's direction).</summary>
public sealed record RankingReading(string Direction, int? Limit, int Position);

/// <summary>"top N", "bottom N", highest/most/lowest/least/best/worst (one row unless N is given), "rank/sort by".</summary>
public static class RankingParser
{
    private static readonly string[] High = ["most", "highest", "biggest", "largest", "greatest", "max", "maximum", "longest", "slowest", "more"];
    private static readonly string[] Low = ["least", "lowest", "fewest", "smallest", "min", "minimum", "shortest", "fastest"];

    public static RankingReading? Parse(QuestionTokens q)
    {
        var free = q.Free;
        for (var i = 0; i < free.Count; i++)
        {
            var text = free[i].Text;
            var n = i + 1 < free.Count ? Vocabulary.Number(free[i + 1]) : null;
            if (text is "top" or "bottom" && n is > 0)
            {
                q.Use([free[i].Index, free[i + 1].Index]);
                return new RankingReading(text == "top" ? "desc" : "asc", n, free[i].Index);
            }

            if (text is "rank" or "ranked" or "ranking" or "sort" or "sorted" or "order" or "ordered")
            {
                q.Use(free[i].Index);
                return new RankingReading("desc", null, free[i].Index);
            }

            var direction = High.Contains(text) && text != "more" ? "desc" : Low.Contains(text) ? "asc" : text is "best" or "worst" ? text : null;
            // "highest priority" names a priority, not a ranking
            if (direction is null || (i + 1 < free.Count && free[i + 1].Stem is "priority" or "prio"))
            {
                continue;
            }

            // "the 3 teams with the most …": a number just before names the limit
            int? limit = 1;
            q.Use(free[i].Index);
            return new RankingReading(direction, limit, free[i].Index);
        }

        return null;
    }
}
