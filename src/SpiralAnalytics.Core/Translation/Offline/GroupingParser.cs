using SpiralAnalytics.Core.Analytics;

namespace SpiralAnalytics.Core.Translation.Offline;

/// <summary>The groupings a question asks for (question order), and whether it asks for a trend.</summary>
public sealed record GroupingReading(IReadOnlyList<string> Dimensions, bool Trend, bool Replace)
{
    /// <summary>"felix & diego - tix closed this yr, each": a word that asks for one row per value listed, no dimension named.</summary>
    public bool Each { get; init; }

    /// <summary>"who was worst": people are the rows only because the question asks "who", not by a noun.</summary>
    public bool Who { get; init; }

    /// <summary>"…, all teams": every team, read as a split only while nothing else splits the rows.</summary>
    public bool AllTeams { get; init; }

    /// <summary>"per epic instead of per person": the grouping the question replaces.</summary>
    public string? Instead { get; init; }
}

/// <summary>
/// "by/per/for each/across/which X", "X with/where …", "who", "weekly", and "trend"/"over time". Dimension words: team/squad,
/// sprint/iteration, assignee/person/people/developer/who, issue type/type, priority, epic, week, month, quarter.
/// </summary>
public static class GroupingParser
{
    private static readonly (string[] Words, string Dimension)[] Nouns =
    [
        (["issue", "type"], Dimensions.IssueType), (["ticket", "type"], Dimensions.IssueType), (["type"], Dimensions.IssueType),
        (["team"], Dimensions.Team), (["squad"], Dimensions.Team), (["project"], Dimensions.Team),
        (["sprint"], Dimensions.Sprint), (["iteration"], Dimensions.Sprint),
        (["assignee"], Dimensions.Assignee), (["person"], Dimensions.Assignee), (["people"], Dimensions.Assignee),
        (["developer"], Dimensions.Assignee), (["engineer"], Dimensions.Assignee), (["member"], Dimensions.Assignee),
        (["user"], Dimensions.Assignee), (["individual"], Dimensions.Assignee), (["dev"], Dimensions.Assignee), (["folk"], Dimensions.Assignee),
        (["contributor"], Dimensions.Assignee), (["teammate"], Dimensions.Assignee),
        (["priority"], Dimensions.Priority), (["epic"], Dimensions.Epic),
        (["week"], Dimensions.Week), (["month"], Dimensions.Month), (["quarter"], Dimensions.Quarter),
        (["wk"], Dimensions.Week), (["wks"], Dimensions.Week), (["mth"], Dimensions.Month), (["mths"], Dimensions.Month),
        (["qtr"], Dimensions.Quarter), (["qtrs"], Dimensions.Quarter),
    ];

    private static readonly Dictionary<string, string> Adverbs = new(StringComparer.Ordinal)
    {
        ["weekly"] = Dimensions.Week, ["monthly"] = Dimensions.Month, ["quarterly"] = Dimensions.Quarter,
    };

    private static readonly string[] Before = ["by", "per", "each", "every", "which", "across", "all", "between", "among", "what"];
    private static readonly string[] After = ["with", "where", "that", "whose", "having", "of"];

    /// <summary>Verbs that place a sprint in time ("sprints that closed in december").</summary>
    private static readonly string[] WhenVerbs = ["closed", "ended", "finished", "started", "began", "ran", "wrapped", "completed", "happened", "ending", "closing", "starting"];

    /// <summary>
    /// "nova sprints that closed in december": a clause after the noun that only says when (a verb of time, then words the
    /// time parser took) places the rows in a window; it does not ask for them one by one.
    /// </summary>
    private static bool WhenClause(QuestionTokens q, int relative)
    {
        var all = q.All;
        var verb = relative + 1;
        if (all[relative].Text is not ("that" or "which" or "where") || verb >= all.Count || !WhenVerbs.Contains(all[verb].Text))
        {
            return false;
        }

        var rest = Enumerable.Range(verb + 1, all.Count - verb - 1).TakeWhile(k => all[k].Text is not ("," or "and" or "with" or "where" or "by")).ToList();
        return rest.Count > 0 && rest.Where(k => !q.IsUsed(k)).All(k => all[k].Text is "in" or "during" or "on" or "before" or "after" or "since" or "the");
    }

    /// <summary>The dimension a word names, for the filter resolver (e.g. "team" in "for team Atlas").</summary>
    public static string? DimensionOf(IReadOnlyList<Token> t, int i, out int length)
    {
        foreach (var (words, dimension) in Nouns)
        {
            if (i + words.Length <= t.Count && words.Select((w, k) => t[i + k].Stem == w).All(x => x))
            {
                length = words.Length;
                return dimension;
            }
        }

        length = 0;
        return null;
    }

    /// <summary>
    /// The dimension a noun names at <paramref name="at"/>, or after up to <paramref name="skip"/> words that can only be names or
    /// values ("which 2 vega ppl", "each nova person": the words between narrow the rows, they do not name them); where it starts.
    /// </summary>
    public static string? DimensionAfter(IReadOnlyList<Token> t, int at, int skip, out int start, out int length)
    {
        for (var k = at; k < t.Count && k <= at + skip; k++)
        {
            if (DimensionOf(t, k, out length) is { } dimension)
            {
                start = k;
                return dimension;
            }

            if (!ValueLike(t[k]))
            {
                break;
            }
        }

        start = -1;
        length = 0;
        return null;
    }

    /// <summary>A word that can only be a name or a value: letters, not a grammar, ranking or number word.</summary>
    private static bool ValueLike(Token token) =>
        token.Text.Length >= 2 && token.Text.All(char.IsLetter) && !Vocabulary.Filler.Contains(token.Text)
        && !Vocabulary.Reserved.Contains(token.Text) && Vocabulary.Number(token) is null;

    /// <summary>Words that ask for rows a few words ahead: "each nova person", "which 2 vega ppl", "any phoenix sprint".</summary>
    private static readonly string[] Quantifiers = ["each", "every", "which", "what", "any"];

    /// <summary>A quantifier two or three words before the noun at <paramref name="i"/>, only names, values or a count between.</summary>
    private static int QuantifiedFrom(IReadOnlyList<Token> free, int i)
    {
        for (var k = i - 2; k >= Math.Max(0, i - 3); k--)
        {
            if (Quantifiers.Contains(free[k].Text)
                && Enumerable.Range(k + 1, i - k - 1).All(x => ValueLike(free[x]) || (Vocabulary.Number(free[x]) is > 0 && Vocabulary.Year(free[x]) is null)))
            {
                return k;
            }
        }

        return -1;
    }

    public static GroupingReading Parse(QuestionTokens q)
    {
        var dims = new List<string>();
        var free = q.Free;
        var trend = false;
        var replace = false;
        var who = false;
        var lastGrouped = -1;
        var scoped = false;
        for (var i = 0; i < free.Count; i++)
        {
            var text = free[i].Text;
            if (text is "trend" or "trends" or "trending" or "evolution" or "history" || (text == "over" && i + 1 < free.Count && free[i + 1].Text == "time"))
            {
                trend = true;
                q.Use(free[i].Index);
                if (text == "over")
                {
                    q.Use(free[i + 1].Index);
                }

                continue;
            }

            if (text is "break" or "split" or "breakdown" or "slice" or "group" or "grouped")
            {
                replace = true;
            }

            // "who closed the most", "anyone with more than 5 bugs": people are the rows
            // ("teams whose …": the rows are the noun before it, not people)
            if (text is "who" or "whos" or "anyone" or "anybody" or "someone" or "somebody"
                || (text is "whose" or "whom" && (i == 0 || DimensionOf(free, i - 1, out _) is null)))
            {
                Add(dims, Dimensions.Assignee);
                q.Use(free[i].Index);
                who = true;
                continue;
            }

            if (Adverbs.TryGetValue(text, out var adverb))
            {
                Add(dims, adverb);
                q.Use(free[i].Index);
                continue;
            }

            if (DimensionOf(free, i, out var length) is not { } dimension)
            {
                continue;
            }

            var previous = i > 0 ? free[i - 1].Text : null;
            var beforeThat = i > 1 ? free[i - 2].Text : null;
            var next = i + length < free.Count ? free[i + length].Text : null;
            var plural = free[i + length - 1].Text != free[i + length - 1].Stem || free[i].Text == "people";
            var grouped = (previous is not null && Before.Contains(previous))
                          || (previous is not null && Vocabulary.Number(free[i - 1]) is not null && beforeThat is "top" or "bottom" or "the" or "best" or "worst")
                          || (next is not null && After.Contains(next) && (plural || i == 0 || previous is "which" or "each" or "any")
                              && !WhenClause(q, free[i + length].Index))
                          || (i == 0 && plural)
                          || (previous is "and" or "or" && lastGrouped == i - 2)
                          || (previous is "down" or "out" && beforeThat is "it" or "this" or "that" or "down")
                          // "show me people on Atlas with …", "which Phoenix people closed …": people asked for are rows
                          || (dimension == Dimensions.Assignee && plural && (previous is "me" or "list" or "show" || beforeThat is "which" or "what"))
                          // "which aurora sprint had …", "which Atlas sprints …": the sprints asked for are rows
                          || (dimension == Dimensions.Sprint && AskedBefore(q.All, free[i].Index))
                          // "top 3 usergrid devs", "top 5 spring xd folks": the ranked people are rows
                          || (dimension == Dimensions.Assignee && plural && RankedBefore(q.All, free[i].Index))
                          // "comments per ticket for each nova person", "which 2 vega ppl had …": the rows asked for, narrowed
                          || QuantifiedFrom(free, i) >= 0;
            if (!grouped || (previous is null || !Before.Contains(previous)) && Modifier(q.All, free[i].Index, dimension))
            {
                continue;
            }

            // "across all teams": the scope, not a split; "all teams" beside another grouping ("per month … all teams") is the scope too
            if (dimension == Dimensions.Team && previous == "all" && plural)
            {
                q.Use(free.Skip(i - 1).Take(length + 1).Select(t => t.Index));
                if (beforeThat is "across" or "over" or "of")
                {
                    q.Use(free[i - 2].Index);
                    continue;
                }

                scoped = true;
            }

            Add(dims, dimension);
            lastGrouped = i + length - 1;
            q.Use(free.Skip(i).Take(length).Select(t => t.Index));
            if (previous is not null && (Before.Contains(previous) || previous == "any"))
            {
                q.Use(free[i - 1].Index);
            }
            else if (QuantifiedFrom(free, i) is >= 0 and var quantifier)
            {
                q.Use(free[quantifier].Index);
            }
        }

        // "per epic instead of per person": the rows named after "instead of" / "rather than" are the ones replaced
        string? instead = null;
        for (var k = 0; k + 2 < q.All.Count && instead is null; k++)
        {
            if ((q.All[k].Text, q.All[k + 1].Text) is ("instead", "of") or ("rather", "than"))
            {
                var at = k + 2 < q.All.Count && q.All[k + 2].Text is "per" or "by" or "the" or "each" ? k + 3 : k + 2;
                if (at < q.All.Count && DimensionOf(q.All, at, out _) is { } replaced && dims.Count > 1 && dims.Contains(replaced))
                {
                    instead = replaced;
                    dims.Remove(replaced);
                    q.Use([k, k + 1]);
                }
            }
        }

        if (scoped && dims.Count > 1)
        {
            // "bugs per month since november, all teams": every team is the scope of the other grouping
            dims.Remove(Dimensions.Team);
        }

        // "each of the last 4 sprints", "every one of the past 3 months": a row per window unit
        for (var k = 0; k + 2 < q.All.Count; k++)
        {
            if (q.All[k].Text is "each" or "every" && !q.IsUsed(k) && q.All.Skip(k + 1).Take(3).Any(t => t.Text == "of")
                && q.All.Skip(k + 2).Take(5).Select((t, n) => DimensionOf(q.All, k + 2 + n, out _)).FirstOrDefault(d => d is not null) is { } unit
                && (unit == Dimensions.Sprint || Dimensions.Calendar.Contains(unit)))
            {
                Add(dims, unit);
                q.Use(k);
            }
        }

        // "…, each", "… separately", "… apiece", "did jonas and maya each close": one row per listed value (the assembler finds
        // which list); "each" before a noun of rows is that grouping, read above
        var each = free.Where(t => !q.IsUsed(t.Index) && (t.Text is "separately" or "individually" or "apiece" or "respectively"
                                                          || (t.Text == "each" && (t.Index == q.All.Count - 1 || DimensionOf(q.All, t.Index + 1, out _) is null)))).ToList();
        q.Use(each.Select(t => t.Index));
        return new GroupingReading(dims, trend, replace) { Each = each.Count > 0, Who = who && dims is [Dimensions.Assignee], AllTeams = scoped && dims is [Dimensions.Team], Instead = instead };
    }

    /// <summary>"top N" (or "bottom N") ending one to three words before the word at <paramref name="i"/>.</summary>
    private static bool RankedBefore(IReadOnlyList<Token> all, int i)
    {
        for (var k = Math.Max(1, i - 4); k < i; k++)
        {
            if (all[k - 1].Text is "top" or "bottom" && Vocabulary.Number(all[k]) is not null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// "which"/"what" one to three words before the word at <paramref name="i"/> ("which spring xd sprints"), not one asking for a
    /// share ("what % of phx sprint tickets").
    /// </summary>
    private static bool AskedBefore(IReadOnlyList<Token> all, int i) =>
        Enumerable.Range(Math.Max(0, i - 4), Math.Min(i, 4)).Any(k => all[k].Text is "which" or "what"
                                                                       && !(k + 1 < all.Count && all[k + 1].Text is "%" or "share" or "percent" or "percentage" or "fraction" or "proportion" or "part" or "portion"));

    /// <summary>Things a sprint holds: "sprint tickets" is a kind of ticket, not a row per sprint.</summary>
    private static readonly HashSet<string> Held = new(StringComparer.Ordinal) { "ticket", "issue", "item", "story", "task", "bug", "work", "point", "tix" };

    /// <summary>
    /// A sprint word that only places the work: before a noun of what sprints hold ("phx sprint tickets"), or after "into/in/during"
    /// ("tickets that went into atlas sprints with no points"), unless a grouping word stands right before it.
    /// </summary>
    private static bool Modifier(IReadOnlyList<Token> all, int i, string dimension) =>
        dimension == Dimensions.Sprint
        && ((i + 1 < all.Count && Held.Contains(all[i + 1].Stem))
            || Enumerable.Range(Math.Max(0, i - 2), Math.Min(i, 2)).Any(k => all[k].Text is "into" or "in" or "during" or "within"));

    private static void Add(List<string> dims, string dimension)
    {
        if (!dims.Contains(dimension))
        {
            dims.Add(dimension);
        }
    }
}
