using SpiralAnalytics.Core.Analytics;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Translation.Offline;

/// <summary>Values named for one dimension, in question order; <see cref="Negated"/> for "excluding/except/other than".</summary>
public sealed record FilterMention(string Dimension, bool Negated, IReadOnlyList<string> Values, int Position);

/// <summary>A word that matches several members (<see cref="Values"/>) or none (<see cref="Values"/> empty) of a dimension.</summary>
public sealed record ValueProblem(string Dimension, string Word, IReadOnlyList<string> Values);

/// <summary>
/// <see cref="Dangling"/>: exclusion words ("except", "skip", "other than") that excluded no value: a qualifier the reading
/// could not attach, so the answer would silently include what the asker wanted out.
/// </summary>
public sealed record FilterReading(IReadOnlyList<FilterMention> Filters, ValueProblem? Problem, IReadOnlyList<string> Versus)
{
    public IReadOnlyList<string> Dangling { get; init; } = [];
}

/// <summary>
/// Resolves the tenant's own values named in a question (team names and keys, people, issue types, priorities, epics):
/// case-insensitive, plural-tolerant, one typo per word, a unique word of a longer team name ("Aurora"). Values that are also
/// grammar words ("highest") count only next to their dimension ("highest priority").
/// </summary>
public sealed class FilterResolver
{
    private static readonly string[] Dims = [Dimensions.Team, Dimensions.IssueType, Dimensions.Priority, Dimensions.Epic, Dimensions.Assignee];
    private static readonly string[] Joiners = ["and", "or", "nor", "&", "the", "plus"];
    private readonly List<Entry> _entries = [];

    private sealed record Entry(string Dimension, string Value, IReadOnlyList<string> Stems, bool Key);

    public FilterResolver(DimensionValues values)
    {
        // a sprint by its full name ("Atlas Sprint 5"): only names of two words or more with a number, never one word
        foreach (var sprint in values.Members(Dimensions.Sprint))
        {
            var stems = Tokenizer.Stems(sprint.Value);
            if (stems.Count >= 2 && stems.Any(x => x.Any(char.IsDigit)))
            {
                _entries.Add(new Entry(Dimensions.Sprint, sprint.Value, stems, false));
            }
        }

        foreach (var dim in Dims)
        {
            foreach (var member in values.Members(dim))
            {
                _entries.Add(new Entry(dim, member.Value, Tokenizer.Stems(member.Value), false));
                foreach (var alias in member.Aliases)
                {
                    _entries.Add(new Entry(dim, member.Value, Tokenizer.Stems(alias), true));
                }
            }
        }

        Words = _entries.SelectMany(e => e.Stems).ToHashSet(StringComparer.Ordinal);
    }

    public IReadOnlySet<string> Words { get; }

    /// <summary>Words that exclude what follows them; all but "not", "but" and "minus" are explicit enough to be missed when nothing follows.</summary>
    private static readonly HashSet<string> ExclusionWords = new(StringComparer.Ordinal)
    {
        "excluding", "exclude", "except", "without", "omit", "omitting", "ignoring", "drop", "dropping", "remove", "removing", "excl", "skip", "skipping",
    };

    /// <summary>
    /// "same but bugs only", "ok but for atlas": a "but" that opens the change of a follow-up, or whose clause restricts
    /// ("only", "just"), contrasts with the previous question; it excludes nothing ("everyone but atlas" does).
    /// </summary>
    private static bool ButContrasts(IReadOnlyList<Token> all, int at)
    {
        var clause = all.Skip(at + 1).TakeWhile(t => t.Text is not ("," or ";")).ToList();
        return (at <= 1 && all[0].Text is "same" or "ok" or "okay" or "and" or "but")
               || clause.Any(t => t.Text is "only" or "just");
    }

    /// <summary>
    /// Exclusion lists of values spelled like grammar words ("skip the low and lowest ones", "except high priority"), read before
    /// the ranking parser can take "lowest" as an order: after an exclusion word, a list of one dimension's values counts when
    /// the dimension is named somewhere in the question ("per prio") or the list ends with "ones" or the dimension's word.
    /// </summary>
    public IReadOnlyList<FilterMention> Exclusions(QuestionTokens q, IReadOnlySet<string> known)
    {
        var all = q.All;
        var result = new List<FilterMention>();
        for (var i = 0; i < all.Count; i++)
        {
            if (q.IsUsed(i) || !(ExclusionWords.Contains(all[i].Text) || (i + 1 < all.Count && (all[i].Text, all[i + 1].Text) is ("other", "than"))))
            {
                continue;
            }

            var start = all[i].Text == "other" ? i + 2 : i + 1;
            var j = start;
            var values = new List<(Entry Entry, int At, int Length)>();
            while (j < all.Count)
            {
                if (all[j].Text is "the" or "any" or "all" || (values.Count > 0 && Joiners.Contains(all[j].Text)))
                {
                    j++;
                    continue;
                }

                var (matches, length) = MatchAt(q, j, known, reservedAllowed: true);
                var distinct = matches.Select(m => (m.Dimension, m.Value)).Distinct().ToList();
                if (distinct.Count != 1 || (values.Count > 0 && matches[0].Dimension != values[0].Entry.Dimension))
                {
                    break;
                }

                values.Add((matches[0], j, length));
                j += length;
            }

            if (values.Count == 0 || !values.Any(v => v.Entry.Stems.Any(Vocabulary.Reserved.Contains)))
            {
                continue; // plain values: the resolver reads them with their exclusion word
            }

            var dimension = values[0].Entry.Dimension;
            var closing = j < all.Count && !q.IsUsed(j) && (all[j].Stem == "one" || GroupingParser.DimensionOf(all, j, out _) == dimension);
            var named = Enumerable.Range(0, all.Count).Any(k => GroupingParser.DimensionOf(all, k, out _) == dimension);
            if (!closing && !named)
            {
                continue;
            }

            q.Use(Enumerable.Range(i, j - i));
            if (closing)
            {
                GroupingParser.DimensionOf(all, j, out var dimensionLength);
                q.Use(Enumerable.Range(j, Math.Max(1, dimensionLength)));
            }

            result.Add(new FilterMention(dimension, true, values.Select(v => v.Entry.Value).Distinct(StringComparer.Ordinal).ToList(), values[0].At));
            i = j;
        }

        return result;
    }

    public FilterReading Resolve(QuestionTokens q, IReadOnlySet<string> known, IReadOnlySet<string>? phrasePairs = null, IReadOnlyList<FilterMention>? excluded = null)
    {
        var mentions = new List<(string Dim, bool Negated, string Value, int Position, int End)>();
        foreach (var mention in excluded ?? [])
        {
            mentions.AddRange(mention.Values.Select(v => (mention.Dimension, true, v, mention.Position, mention.Position)));
        }

        var negating = false;
        string? exclusion = null;
        var dangling = new List<string>();
        var versus = new List<string>();
        var all = q.All;
        for (var i = 0; i < all.Count; i++)
        {
            var token = all[i];
            if (q.IsUsed(i))
            {
                Stop();
                continue;
            }

            if (ExclusionWords.Contains(token.Text) || token.Text is "not" or "minus"
                || (token.Text == "but" && i + 1 < all.Count && all[i + 1].Text != "not" && !ButContrasts(all, i)))
            {
                Stop();
                negating = true;
                exclusion = ExclusionWords.Contains(token.Text) ? token.Raw : null;
                q.Use(i);
                continue;
            }

            // two-word exclusions: "other than", "apart from", "aside from", "leave out", "leaving out"
            if (i + 1 < all.Count && !q.IsUsed(i + 1) && (token.Text, all[i + 1].Text) is ("other", "than") or ("apart", "from") or ("aside", "from")
                    or ("leave" or "leaving" or "left", "out"))
            {
                Stop();
                negating = true;
                exclusion = token.Raw + " " + all[i + 1].Raw;
                q.Use([i, i + 1]);
                i++;
                continue;
            }

            // an exclusion after its values: "Improvements excluded", "bugs and tasks left aside"
            if (Postfix(all, i) is { } postfix && mentions.Count > 0)
            {
                var k = mentions.Count - 1;
                var edge = i;
                while (k >= 0 && Linked(all, mentions[k].End, edge, listed: edge != i) && (edge == i || mentions[k].Dim == mentions[k + 1].Dim))
                {
                    mentions[k] = mentions[k] with { Negated = true };
                    edge = mentions[k].Position;
                    k--;
                }

                if (edge != i)
                {
                    q.Use(Enumerable.Range(i, postfix));
                    i += postfix - 1;
                    negating = false;
                    continue;
                }
            }

            // "epic PHX-181": a dimension's word right before one of its values names the dimension, even where it is also a
            // value of another dimension (the Epic issue type)
            if (GroupingParser.DimensionOf(all, i, out var named) is { } own && i + named < all.Count && !q.IsUsed(i + named)
                && MatchAt(q, i + named, known) is { Matches: [_, ..] ownMatches } && ownMatches.All(m => m.Dimension == own))
            {
                q.Use(Enumerable.Range(i, named));
                i += named - 1;
                continue;
            }

            var (matches, length) = MatchAt(q, i, known);
            if (length == 1 && i + 1 < all.Count && phrasePairs is not null && phrasePairs.Contains(token.Stem + " " + all[i + 1].Stem))
            {
                matches = []; // "story points" is a unit, not the Story issue type
            }

            if (matches.Count == 0)
            {
                if (!Joiners.Contains(token.Text) && GroupingParser.DimensionOf(all, i, out _) is null && token.Text is not ("vs" or "versus" or "compared" or "compare"))
                {
                    Stop();
                }

                if (token.Text is "vs" or "versus")
                {
                    versus.Add(token.Text);
                }

                continue;
            }

            // "Mark Pollack" and "mark.pollack" read alike: the one spelled as typed wins
            var typed = string.Join(" ", all.Skip(i).Take(length).Select(t => t.Raw));
            if (matches.Any(m => string.Equals(m.Value, typed, StringComparison.OrdinalIgnoreCase)))
            {
                matches = matches.Where(m => string.Equals(m.Value, typed, StringComparison.OrdinalIgnoreCase)).ToList();
            }

            var distinct = matches.Select(m => (m.Dimension, m.Value)).Distinct().ToList();
            if (distinct.Count > 1)
            {
                return new FilterReading([], new ValueProblem(distinct[0].Dimension, token.Raw, distinct.Where(d => d.Dimension == distinct[0].Dimension).Select(d => d.Value).ToList()), []);
            }

            for (var k = 0; k < length; k++)
            {
                q.Use(i + k);
            }

            // the dimension's own word next to the value ("high priority", "team Atlas") belongs to it
            if (i + length < all.Count && !q.IsUsed(i + length) && GroupingParser.DimensionOf(all, i + length, out var after) == distinct[0].Dimension)
            {
                for (var k = 0; k < after; k++)
                {
                    q.Use(i + length + k);
                }
            }
            else if (distinct[0].Dimension == Dimensions.Team && i + length < all.Count && !q.IsUsed(i + length)
                     && GroupingParser.DimensionOf(all, i + length, out _) is null && DomainVocabulary.Default.TeamWords.Contains(all[i + length].Text))
            {
                // "the nova crew", "vega folks": a casual word for a team (vocabulary team_words) belongs to the team's name
                q.Use(i + length);
            }

            mentions.Add((distinct[0].Dimension, negating, distinct[0].Value, i, i + length - 1));
            exclusion = null;
            i += length - 1;
        }

        Stop();

        if (Unknown(q, known) is { } unknown)
        {
            return new FilterReading([], unknown, []);
        }

        var filters = mentions
            .GroupBy(m => (m.Dim, m.Negated))
            .Select(g => new FilterMention(g.Key.Dim, g.Key.Negated, g.Select(m => m.Value).Distinct(StringComparer.Ordinal).ToList(), g.Min(m => m.Position)))
            .OrderBy(f => f.Position)
            .ToList();
        var compared = versus.Count > 0 || q.All.Any(t => !q.IsUsed(t.Index) && t.Text is "compare" or "comparing");
        var versusDims = compared ? filters.Where(f => !f.Negated && f.Values.Count > 1).Select(f => f.Dimension).ToList() : [];
        return new FilterReading(filters, null, versusDims) { Dangling = dangling };

        // an exclusion word that reached the end of its list without a value excluded nothing
        void Stop()
        {
            if (negating && exclusion is not null)
            {
                dangling.Add(exclusion);
            }

            negating = false;
            exclusion = null;
        }
    }

    /// <summary>The number of words of an exclusion that follows its values at <paramref name="i"/> ("excluded", "left aside"), or null.</summary>
    private static int? Postfix(IReadOnlyList<Token> all, int i) =>
        all[i].Text is "excluded" or "omitted" or "removed" or "dropped" ? 1
        : i + 1 < all.Count && (all[i].Text, all[i + 1].Text) is ("left" or "set" or "put", "aside") or ("not", "included") ? 2
        : null;

    /// <summary>
    /// Only list words (and the dimension's word) stand between a value ending at <paramref name="end"/> and <paramref name="next"/>;
    /// between two values of a list (<paramref name="listed"/>) at least one list word ("and", "or").
    /// </summary>
    private static bool Linked(IReadOnlyList<Token> all, int end, int next, bool listed) =>
        end < next && Enumerable.Range(end + 1, next - end - 1).All(k => Joiners.Contains(all[k].Text) || GroupingParser.DimensionOf(all, k, out _) is not null)
        && (!listed || Enumerable.Range(end + 1, next - end - 1).Any(k => Joiners.Contains(all[k].Text)));

    /// <summary>"for team Zeus", "the Apollo team": a name next to a dimension word that is no member of it.</summary>
    private static ValueProblem? Unknown(QuestionTokens q, IReadOnlySet<string> known)
    {
        var all = q.All;
        for (var i = 0; i < all.Count; i++)
        {
            if (q.IsUsed(i) || all[i].Stem != "team")
            {
                continue;
            }

            foreach (var j in new[] { i + 1, i - 1 })
            {
                if (j >= 0 && j < all.Count && !q.IsUsed(j) && all[j].Raw.Length > 1 && char.IsUpper(all[j].Raw[0]) && !Vocabulary.Filler.Contains(all[j].Text)
                    && !Vocabulary.Reserved.Contains(all[j].Text) && !known.Contains(all[j].Stem) && Vocabulary.Number(all[j]) is null)
                {
                    return new ValueProblem(Dimensions.Team, all[j].Raw, []);
                }
            }
        }

        return null;
    }

    private (List<Entry> Matches, int Length) MatchAt(QuestionTokens q, int i, IReadOnlySet<string> known, bool reservedAllowed = false)
    {
        var all = q.All;
        var best = new List<Entry>();
        var bestLength = 0;
        var bestExact = false;
        foreach (var entry in _entries)
        {
            var n = entry.Stems.Count;
            if (n == 0 || i + n > all.Count || Enumerable.Range(i, n).Any(q.IsUsed))
            {
                continue;
            }

            var exact = true;
            var ok = true;
            for (var k = 0; k < n && ok; k++)
            {
                var word = all[i + k].Stem;
                if (word == entry.Stems[k])
                {
                    continue;
                }

                exact = false;
                ok = !entry.Key && !known.Contains(word) && !Vocabulary.Filler.Contains(word) && Tokenizer.Near(word, entry.Stems[k]);
            }

            if (!ok || (!reservedAllowed && !Allowed(q, i, n, entry)))
            {
                continue;
            }

            Consider(entry, n, exact);
        }

        // one distinctive word of a longer team name: "Aurora" for "Apache Aurora"
        if (best.Count == 0 && !Vocabulary.Filler.Contains(all[i].Text) && !Vocabulary.Reserved.Contains(all[i].Text) && all[i].Text.Length >= 3)
        {
            foreach (var entry in _entries.Where(e => e.Dimension == Dimensions.Team && !e.Key && e.Stems.Count > 1))
            {
                if (entry.Stems.Any(s => s == all[i].Stem || (!known.Contains(all[i].Stem) && Tokenizer.Near(all[i].Stem, s))))
                {
                    Consider(entry, 1, false);
                }
            }
        }

        // one part of a person's name: "Kavya" or "kavya" for "Kavya Nair" (several people with it: a clarification)
        if (best.Count == 0 && all[i].Raw.Length >= 3 && all[i].Raw.Skip(1).All(char.IsLower)
            && !Vocabulary.Filler.Contains(all[i].Text) && !Vocabulary.Reserved.Contains(all[i].Text) && !Vocabulary.Months.Contains(all[i].Text)
            && !(known.Contains(all[i].Stem) && !Words.Contains(all[i].Stem)))
        {
            foreach (var entry in _entries.Where(e => e.Dimension == Dimensions.Assignee && !e.Key && e.Stems.Count > 1 && e.Stems.Contains(all[i].Stem)))
            {
                Consider(entry, 1, false);
            }
        }

        // the start of a person's first name, as chat shortens it: "ilaya" for "Ilayaperumal Gopinathan" (a word no vocabulary knows)
        if (best.Count == 0 && all[i].Text.Length >= 4 && all[i].Text.All(char.IsLetter) && !known.Contains(all[i].Stem) && !known.Contains(all[i].Text)
            && !Vocabulary.Filler.Contains(all[i].Text) && !Vocabulary.Months.Contains(all[i].Text))
        {
            foreach (var entry in _entries.Where(e => e.Dimension == Dimensions.Assignee && !e.Key && e.Stems.Count > 1
                                                      && e.Stems[0].Length > all[i].Text.Length && e.Stems[0].StartsWith(all[i].Text, StringComparison.Ordinal)))
            {
                Consider(entry, 1, false);
            }
        }

        return (best, bestLength);

        void Consider(Entry entry, int length, bool exact)
        {
            if (length > bestLength || (length == bestLength && exact && !bestExact))
            {
                best = [entry];
                bestLength = length;
                bestExact = exact;
            }
            else if (length == bestLength && exact == bestExact)
            {
                best.Add(entry);
            }
        }
    }

    /// <summary>A value spelled like a grammar word ("Highest") counts only with its dimension's word beside it.</summary>
    private static bool Allowed(QuestionTokens q, int i, int n, Entry entry)
    {
        if (!entry.Stems.Any(s => Vocabulary.Reserved.Contains(s)))
        {
            return true;
        }

        var all = q.All;
        if ((i + n < all.Count && GroupingParser.DimensionOf(all, i + n, out _) == entry.Dimension)
            || (i > 0 && GroupingParser.DimensionOf(all, i - 1, out _) == entry.Dimension))
        {
            return true;
        }

        // "high and highest priority", "low or lowest priority": a list of values shares the dimension's word after the last
        for (var k = i + n; k + 2 < all.Count && k <= i + n + 4 && Joiners.Contains(all[k].Text); k += 2)
        {
            if (GroupingParser.DimensionOf(all, k + 2, out _) == entry.Dimension)
            {
                return true;
            }
        }

        return false;
    }
}
