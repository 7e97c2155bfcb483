using SpiralAnalytics.Core.Analytics;

namespace SpiralAnalytics.Core.Translation.Offline;

/// <summary>
/// How the question wants rows ordered. <see cref="Direction"/>: desc/asc, or best/worst (depends on the metric's direction).
/// <see cref="Dimension"/>: the rows ranked when the question counts them ("the 3 teams with the most …", "worst 3 sprints").
/// </summary>
public sealed record RankingReading(string Direction, int? Limit, int Position, string? Dimension = null);

/// <summary>
/// "top N", "bottom N", highest/most/lowest/least/best/worst (one row unless N is given), "rank/sort by". A number counting
/// the ranked rows names the limit wherever it stands ("which two teams had the most …", "the worst 3 sprints", "most … top 5");
/// "highest first" is an order, not a limit.
/// </summary>
public static class RankingParser
{
    private static readonly string[] High = ["most", "highest", "biggest", "largest", "greatest", "max", "maximum", "longest", "slowest", "more"];
    private static readonly string[] Low = ["least", "lowest", "fewest", "smallest", "min", "minimum", "shortest", "fastest"];

    public static RankingReading? Parse(QuestionTokens q)
    {
        var free = q.Free;
        (string Direction, int? Limit, int Position, int At)? top = null;
        (string Direction, int Position, int At)? superlative = null;
        (string Direction, int Position)? order = null;
        for (var i = 0; i < free.Count; i++)
        {
            var text = free[i].Text;
            var n = i + 1 < free.Count ? Vocabulary.Number(free[i + 1]) : null;
            if (text is "top" or "bottom" && n is > 0)
            {
                top ??= (text == "top" ? "desc" : "asc", n, free[i].Index, i);
                continue;
            }

            if (text is "rank" or "ranked" or "ranking" or "sort" or "sorted" or "order" or "ordered")
            {
                order ??= ("desc", free[i].Index);
                continue;
            }

            var direction = High.Contains(text) && text != "more" ? "desc" : Low.Contains(text) ? "asc" : text is "best" or "worst" ? text : null;
            // "highest priority" names a priority, not a ranking; "at least once", "at most" bound a number, they rank nothing;
            // "worst-case lead time" is a kind of value (the p90), not a ranking
            if (direction is null || (i + 1 < free.Count && free[i + 1].Stem is "priority" or "prio" or "case") || (i > 0 && free[i - 1].Text == "at"))
            {
                continue;
            }

            superlative ??= (direction, free[i].Index, i);
        }

        if (top is null && superlative is null)
        {
            if (order is { } o)
            {
                q.Use(o.Position);
                return new RankingReading(o.Direction, null, o.Position);
            }

            return null;
        }

        string? dimension = null;
        int? limit;
        string dir;
        int position;
        if (top is { } t)
        {
            q.Use([free[t.At].Index, free[t.At + 1].Index]);
            dimension = CountedRows(q, free, t.At + 2);
            dir = t.Direction;
            limit = t.Limit;
            position = t.Position;
            if (superlative is { } s)
            {
                // "top 5 … with the lowest …": the superlative says which end
                q.Use(s.Position);
                dir = s.Direction;
            }
        }
        else
        {
            var s = superlative!.Value;
            q.Use(s.Position);
            dir = s.Direction;
            position = s.Position;
            limit = 1;
            if (order is { } o)
            {
                // "sorted by lowest …", "sort that highest first": an order, every row
                q.Use(o.Position);
                if (s.At + 1 < free.Count && free[s.At + 1].Text is "first" or "descending" or "ascending")
                {
                    q.Use(free[s.At + 1].Index);
                }

                limit = null;
            }
            else if (s.At > 0 && !q.IsUsed(free[s.At - 1].Index) && Vocabulary.Number(free[s.At - 1]) is > 0 and var before
                     && Vocabulary.Year(free[s.At - 1]) is null && CountedRows(q, free, s.At + 1) is { } ranked)
            {
                // "5 slowest people", "3 biggest teams": the number counts the ranked rows
                q.Use(free[s.At - 1].Index);
                limit = before;
                dimension = ranked;
            }
            else if (s.At + 1 < free.Count && free[s.At + 1].Text is "first" or "descending" or "ascending")
            {
                // "highest first": an order, every row
                q.Use(free[s.At + 1].Index);
                limit = null;
            }
            else if (Enumerable.Range(s.At + 2, 4).FirstOrDefault(k => k < free.Count && free[k].Text == "first"
                         && free[k - 1].Text is not ("the" or "a") && Enumerable.Range(s.At + 1, k - s.At - 1).All(x => Vocabulary.Number(free[x]) is null)) is var first and > 0)
            {
                // "lowest say/do first": the superlative's metric, then "first": an order, every row
                q.Use(free[first].Index);
                limit = null;
            }
            else if (s.At + 1 < free.Count && Vocabulary.Number(free[s.At + 1]) is > 0 and var after && CountedRows(q, free, s.At + 2) is { } rows)
            {
                // "the worst 3 sprints"
                q.Use(free[s.At + 1].Index);
                limit = after;
                dimension = rows;
            }
            else if (CountedBefore(q, free, s.At) is { } counted)
            {
                // "which two teams had the most", "the 3 people with the lowest"
                limit = counted.N;
                dimension = counted.Dimension;
            }
            else if (Counted(q, free, s.At == free.Count - 1 ? s.At - 1 : s.At == free.Count - 2 ? s.At + 1 : -1) is { } beside)
            {
                // "problem score by team last sprint, 3 worst", "… worst 3": a count beside a superlative that ends the question
                limit = beside;
            }
            else if (Requested(q, free) is { } requested)
            {
                // "who closed the most? give me 5": how many rows to show, asked for apart
                limit = requested;
            }
        }

        return new RankingReading(dir, limit, position, dimension);
    }

    /// <summary>The dimension a plural noun at <paramref name="at"/> names ("teams", "sprints", "people"), consumed.</summary>
    /// <remarks>Up to two name or value words may stand before the noun ("which 2 vega ppl"): they narrow the rows and stay free.</remarks>
    private static string? CountedRows(QuestionTokens q, IReadOnlyList<Token> free, int at)
    {
        if (at < free.Count && !q.IsUsed(free[at].Index) && AgentNoun(free[at]))
        {
            // "top 3 closers", "the 2 biggest slippers": people named by what they do (the word stays free: it also names the metric)
            return Dimensions.Assignee;
        }

        if (at >= free.Count || q.IsUsed(free[at].Index) || GroupingParser.DimensionAfter(free, at, 2, out var start, out var length) is not { } dimension
            || free.Skip(at).Take(start - at + length).Any(t => q.IsUsed(t.Index)))
        {
            return null;
        }

        q.Use(free.Skip(start).Take(length).Select(t => t.Index));
        return dimension;
    }

    /// <summary>Plural nouns ending like agent nouns that name no people.</summary>
    private static readonly HashSet<string> NotAgents = new(StringComparer.Ordinal) { "numbers", "others", "orders", "filters", "quarters", "counters", "errors", "factors", "letters", "matters", "layers", "sectors", "colors", "colours", "vectors", "monitors" };

    /// <summary>"closers", "finishers", "committers": a plural noun of someone who does something (-ers, -ors).</summary>
    private static bool AgentNoun(Token token) =>
        token.Text.Length >= 6 && token.Text.All(char.IsLetter) && (token.Text.EndsWith("ers", StringComparison.Ordinal) || token.Text.EndsWith("ors", StringComparison.Ordinal))
        && !NotAgents.Contains(token.Text) && !Vocabulary.Filler.Contains(token.Text) && GroupingParser.DimensionOf([token], 0, out _) is null;

    /// <summary>The free count at <paramref name="at"/> (not a year), consumed; null if there is none.</summary>
    private static int? Counted(QuestionTokens q, IReadOnlyList<Token> free, int at)
    {
        if (at < 0 || at >= free.Count || q.IsUsed(free[at].Index) || Vocabulary.Number(free[at]) is not (> 0 and var n) || Vocabulary.Year(free[at]) is not null)
        {
            return null;
        }

        q.Use(free[at].Index);
        return n;
    }

    /// <summary>"give me 5", "show 10", "list the 3": a number of rows asked for by a verb of showing, consumed.</summary>
    private static int? Requested(QuestionTokens q, IReadOnlyList<Token> free)
    {
        for (var k = 0; k + 1 < free.Count; k++)
        {
            if (free[k].Text is not ("give" or "show" or "list" or "return"))
            {
                continue;
            }

            var j = k + 1;
            while (j < free.Count && j <= k + 2 && free[j].Text is "me" or "us" or "the" or "just" or "only")
            {
                j++;
            }

            if (j < free.Count && !q.IsUsed(free[j].Index) && Vocabulary.Number(free[j]) is > 0 and var n && Vocabulary.Year(free[j]) is null)
            {
                q.Use(free[j].Index);
                return n;
            }
        }

        return null;
    }

    /// <summary>"N &lt;rows&gt;" a few words before the superlative.</summary>
    private static (int N, string Dimension)? CountedBefore(QuestionTokens q, IReadOnlyList<Token> free, int at)
    {
        for (var k = at - 2; k >= Math.Max(0, at - 6); k--)
        {
            if (q.IsUsed(free[k].Index) || Vocabulary.Number(free[k]) is not (> 0 and var n) || Vocabulary.Year(free[k]) is not null)
            {
                continue;
            }

            // "all four teams", "both teams": how many there are, not how many to show
            if (k > 0 && free[k - 1].Text is "all" or "both" or "every")
            {
                continue;
            }

            if (CountedRows(q, free, k + 1) is { } dimension)
            {
                q.Use(free[k].Index);
                return (n, dimension);
            }
        }

        return null;
    }
}
