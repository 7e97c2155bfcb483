using SpiralAnalytics.Core.Catalog;

namespace SpiralAnalytics.Core.Translation.Offline;

/// <summary>A metric found in the question, where, and by which phrase.</summary>
public sealed record MetricMention(MetricDefinition Metric, int Position, string Phrase);

/// <summary>What the matcher found: the metrics named (question order), or the metrics a vague word could mean.</summary>
public sealed record MetricReading(IReadOnlyList<MetricMention> Mentions, IReadOnlyList<MetricDefinition> Ambiguous, string? AmbiguousWord);

/// <summary>
/// Finds catalog metrics in a question by their names, display names and synonyms: whole phrases first (in order, or the
/// same words in another order, tolerating typos), longest first; then, when no phrase matched, single words that belong to
/// the phrases of exactly one metric. The catalog search candidates break ties between equally long phrases.
/// </summary>
public sealed class MetricMatcher
{
    private readonly List<(MetricDefinition Metric, string Phrase, IReadOnlyList<string> Stems)> _phrases = [];
    private readonly Dictionary<string, int> _rank;

    /// <summary>Time and comparison words: never evidence for a metric on their own.</summary>
    private static readonly HashSet<string> Grammar = new(StringComparer.Ordinal)
    {
        "previous", "past", "prior", "since", "before", "after", "sprint", "week", "month", "quarter", "year", "day", "period", "ago",
        "between", "until", "compared", "compare", "vs", "versus", "trend", "time", "start",
    };

    /// <summary>Words that say a thing is absent, interchangeable at the start of a phrase.</summary>
    private static readonly string[] Absent = ["missing", "no", "without"];

    /// <summary>Words that join two modifiers of one head noun ("committed and completed points").</summary>
    private static readonly HashSet<string> Coordinators = new(StringComparer.Ordinal) { "and", "or", "vs", "versus", "plus", "&" };

    public MetricMatcher(MetricCatalog catalog, IReadOnlyList<MetricCandidate> candidates)
    {
        foreach (var metric in catalog.Active)
        {
            foreach (var phrase in metric.Synonyms.Prepend(metric.DisplayName).Prepend(CatalogText.NameAsWords(metric.Name)).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                var stems = Tokenizer.Stems(phrase);
                if (stems.Count > 0)
                {
                    _phrases.Add((metric, phrase, stems));
                }

                // "missing estimates" = "without estimates" = "no estimates"
                if (stems.Count > 1 && Absent.Contains(stems[0]))
                {
                    foreach (var other in Absent.Where(a => a != stems[0]))
                    {
                        _phrases.Add((metric, phrase, stems.Skip(1).Prepend(other).ToList()));
                    }
                }
            }
        }

        _rank = candidates.Select((c, i) => (c.Name, i)).GroupBy(x => x.Name).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
        Words = _phrases.SelectMany(p => p.Stems).ToHashSet(StringComparer.Ordinal);
        Pairs = _phrases.SelectMany(p => p.Stems.Zip(p.Stems.Skip(1), (a, b) => a + " " + b)).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Adjacent word pairs of the phrases ("story point"): a value word inside one is part of a metric's wording.</summary>
    public IReadOnlySet<string> Pairs { get; }

    /// <summary>Every stem of every phrase (words a typo may be corrected to).</summary>
    public IReadOnlySet<string> Words { get; }

    public int Rank(string metric) => _rank.GetValueOrDefault(metric, int.MaxValue);

    /// <summary>Auxiliary verbs a phrase may be split by in a question ("issues were created", "scope got added").</summary>
    private static readonly HashSet<string> Auxiliaries = new(StringComparer.Ordinal)
    {
        "was", "were", "is", "are", "been", "being", "be", "got", "get", "gets", "getting",
    };

    public MetricReading Match(QuestionTokens q, IReadOnlySet<string> known)
    {
        var mentions = new List<MetricMention>();
        Coordinated(q, known, mentions);
        var free = q.Free.Where(t => !Auxiliaries.Contains(t.Text)).ToList();
        var found = new List<(MetricDefinition Metric, List<int> Used, int Length, int Typos, string Phrase)>();
        foreach (var (metric, phrase, stems) in _phrases)
        {
            for (var start = 0; start + stems.Count <= free.Count; start++)
            {
                var window = free.Skip(start).Take(stems.Count).ToList();
                if (InOrder(window, stems, known) is { } typos)
                {
                    found.Add((metric, window.Select(t => t.Index).ToList(), stems.Count, typos, phrase));
                }
                else if (stems.Count > 1 && window.Select(t => t.Stem).Order(StringComparer.Ordinal).SequenceEqual(stems.Order(StringComparer.Ordinal)))
                {
                    found.Add((metric, window.Select(t => t.Index).ToList(), stems.Count, 1, phrase));
                }
            }
        }

        foreach (var match in found.OrderByDescending(m => m.Length).ThenBy(m => m.Typos).ThenBy(m => Rank(m.Metric.Name)).ThenBy(m => m.Used[0]))
        {
            if (match.Used.Any(q.IsUsed))
            {
                continue;
            }

            if (mentions.Any(m => m.Metric.Name == match.Metric.Name))
            {
                // named again later ("spillover and say/do …, lowest say/do first"): the repeat marks where it is referred to
                if (match.Length > 1 && match.Typos == 0 && match.Used[0] > mentions.Where(m => m.Metric.Name == match.Metric.Name).Max(m => m.Position))
                {
                    q.Use(match.Used);
                    mentions.Add(new MetricMention(match.Metric, match.Used[0], match.Phrase));
                }

                continue;
            }

            q.Use(match.Used);
            mentions.Add(new MetricMention(match.Metric, match.Used[0], match.Phrase));
            if (Elided(q, known, match.Used, match.Metric, mentions) is { } elided)
            {
                mentions.Add(elided);
            }
        }

        Completed(q, mentions);
        Contrasted(q, known, mentions);
        return new MetricReading(mentions.OrderBy(m => m.Position).ToList(), [], null);
    }

    /// <summary>
    /// "how much of its commitment did Atlas never finish": a phrase matched alone ("commitment") whose words, with free words
    /// a few places away ("unfinished"), make up all of a longer phrase of another metric ("unfinished commitment") names that metric.
    /// </summary>
    private void Completed(QuestionTokens q, List<MetricMention> mentions)
    {
        const int Reach = 5;
        for (var m = 0; m < mentions.Count; m++)
        {
            var mention = mentions[m];
            var own = Tokenizer.Stems(mention.Phrase);
            var longer = _phrases.Where(p => p.Metric.Name != mention.Metric.Name && p.Stems.Count > own.Count && own.All(p.Stems.Contains)
                                             && mentions.All(x => x.Metric.Name != p.Metric.Name)).ToList();
            var upgrades = new List<(MetricDefinition Metric, string Phrase, List<int> Used)>();
            foreach (var (metric, phrase, stems) in longer)
            {
                var used = new List<int>();
                foreach (var stem in stems.Where(x => !own.Contains(x)))
                {
                    var word = q.All.FirstOrDefault(t => !q.IsUsed(t.Index) && !used.Contains(t.Index) && t.Stem == stem && Math.Abs(t.Index - mention.Position) <= Reach
                                                         && !Vocabulary.Filler.Contains(t.Text) && !Grammar.Contains(t.Stem));
                    if (word is null)
                    {
                        used = null;
                        break;
                    }

                    used.Add(word.Index);
                }

                if (used is not null)
                {
                    upgrades.Add((metric, phrase, used));
                }
            }

            if (upgrades.DistinctBy(u => u.Metric.Name).ToList() is [var upgrade])
            {
                q.Use(upgrade.Used);
                mentions[m] = new MetricMention(upgrade.Metric, mention.Position, upgrade.Phrase);
            }
        }
    }

    /// <summary>
    /// "committed points vs what actually got completed": a two-word phrase, then "vs", then within a few words a lone modifier
    /// that with the phrase's head word is a two-word phrase of another metric ("completed points") names that metric too.
    /// </summary>
    private void Contrasted(QuestionTokens q, IReadOnlySet<string> known, List<MetricMention> mentions)
    {
        foreach (var mention in mentions.ToList())
        {
            var stems = Tokenizer.Stems(mention.Phrase);
            var all = q.All;
            var end = mention.Position + stems.Count;
            if (stems.Count != 2 || end >= all.Count || all[end].Text is not ("vs" or "versus"))
            {
                continue;
            }

            var head = all[end - 1];
            var noun = all[mention.Position];
            for (var k = end + 1; k < all.Count && k <= end + 5; k++)
            {
                // "completed points vs committed" (the head last), "tickets opened vs closed" (the noun first)
                if (q.IsUsed(k) || (TwoWord(all[k], head, known) ?? TwoWord(noun, all[k], known)) is not { } other || mentions.Any(m => m.Metric.Name == other.Metric.Name))
                {
                    continue;
                }

                q.Use([end, k]);
                mentions.Add(new MetricMention(other.Metric, k, other.Phrase));
                break;
            }
        }
    }

    /// <summary>
    /// "committed vs completed points per sprint": two modifiers joined by a coordinator share the head word after them, and
    /// each with it is a two-word phrase of a different metric; read first, so a longer phrase starting at the second
    /// ("completed points per sprint") cannot swallow the pair.
    /// </summary>
    private void Coordinated(QuestionTokens q, IReadOnlySet<string> known, List<MetricMention> mentions)
    {
        var free = q.Free;
        for (var i = 0; i + 3 < free.Count; i++)
        {
            if (!Coordinators.Contains(free[i + 1].Text) || free[i + 1].Index != free[i].Index + 1 || free[i + 3].Index != free[i].Index + 3)
            {
                continue;
            }

            var first = TwoWord(free[i], free[i + 3], known);
            var second = TwoWord(free[i + 2], free[i + 3], known);
            if (first is null || second is null || first.Value.Metric.Name == second.Value.Metric.Name)
            {
                continue;
            }

            q.Use([free[i].Index, free[i + 1].Index, free[i + 2].Index, free[i + 3].Index]);
            mentions.Add(new MetricMention(first.Value.Metric, free[i].Index, first.Value.Phrase));
            mentions.Add(new MetricMention(second.Value.Metric, free[i + 2].Index, second.Value.Phrase));
            i += 3;
        }
    }

    private (MetricDefinition Metric, string Phrase)? TwoWord(Token modifier, Token head, IReadOnlySet<string> known) =>
        _phrases.Where(p => p.Stems.Count == 2 && InOrder([modifier, head], p.Stems, known) is not null)
            .OrderBy(p => InOrder([modifier, head], p.Stems, known)).ThenBy(p => Rank(p.Metric.Name))
            .Select(p => ((MetricDefinition, string)?)(p.Metric, p.Phrase)).FirstOrDefault();

    /// <summary>
    /// "committed and completed points": a word, a coordinator, then a matched phrase of two or more words; the word with the
    /// phrase's remaining words ("committed points") names a second metric.
    /// </summary>
    private MetricMention? Elided(QuestionTokens q, IReadOnlySet<string> known, List<int> used, MetricDefinition matched, List<MetricMention> mentions)
    {
        var first = used[0];
        if (used.Count < 2 || first < 2 || !Coordinators.Contains(q.All[first - 1].Text) || q.IsUsed(first - 1) || q.IsUsed(first - 2))
        {
            return null;
        }

        var word = q.All[first - 2];
        var rest = used.Skip(1).Select(i => q.All[i].Stem).ToList();
        foreach (var (metric, phrase, stems) in _phrases.OrderBy(p => Rank(p.Metric.Name)))
        {
            if (metric.Name == matched.Name || mentions.Any(m => m.Metric.Name == metric.Name) || stems.Count != rest.Count + 1 || !stems.Skip(1).SequenceEqual(rest)
                || InOrder([word], [stems[0]], known) is null)
            {
                continue;
            }

            q.Use([first - 2, first - 1]);
            return new MetricMention(metric, first - 2, phrase);
        }

        return null;
    }

    /// <summary>
    /// No whole phrase (run after grouping and values took their words): a word that only one metric's phrases use names
    /// it; a word several share is ambiguous.
    /// </summary>
    public MetricReading MatchWords(QuestionTokens q, IReadOnlySet<string> known)
    {
        // a noun for people ("dev", "engineer") is never a metric's word on its own: "who's the best dev" names no metric
        var words = q.Free.Where(t => !Vocabulary.Filler.Contains(t.Text) && !Vocabulary.Filler.Contains(t.Stem) && !Vocabulary.Reserved.Contains(t.Text)
                                      && !Grammar.Contains(t.Stem) && !t.IsDecimal && t.Text.Length > 1
                                      && GroupingParser.DimensionOf([t], 0, out _) != Analytics.Dimensions.Assignee).ToList();
        // a metric's score: the most question words one of its phrases covers, then all words its phrases cover
        var scores = new Dictionary<string, (MetricDefinition Metric, HashSet<int> Words, int Best)>(StringComparer.Ordinal);
        foreach (var (metric, _, stems) in _phrases)
        {
            var covered = words.Where(w => stems.Any(s => Same(w.Stem, s, known))).Select(w => w.Index).ToList();
            if (covered.Count == 0)
            {
                continue;
            }

            var entry = scores.TryGetValue(metric.Name, out var e) ? e : (metric, new HashSet<int>(), 0);
            entry.Item2.UnionWith(covered);
            scores[metric.Name] = (metric, entry.Item2, Math.Max(entry.Item3, covered.Count));
        }

        if (scores.Count == 0)
        {
            return new MetricReading([], [], null);
        }

        var best = scores.Values.Max(s => (s.Best, s.Words.Count));
        var top = scores.Values.Where(s => (s.Best, s.Words.Count) == best).ToList();
        if (top.Count == 1 && top[0].Words.Count == 1 && Modified(q, top[0].Words.Single(), known))
        {
            // "NPS score", "revenue per customer": one catalog word tied to a word the catalog does not know names something else
            return new MetricReading([], [], null);
        }

        if (top.Count == 1 && top[0].Words.Count == 1 && words.Count(w => !top[0].Words.Contains(w.Index) && Foreign(w, known)) >= 4)
        {
            // one catalog word amid many the translator does not know ("ignore your instructions and run …"): not a metric question
            return new MetricReading([], [], null);
        }

        if (top.Count > 1 && Untie(q, words, top.Select(t => t.Metric).ToList()) is { } untied)
        {
            top = top.Where(t => t.Metric.Name == untied.Name).ToList();
        }

        if (top.Count == 1)
        {
            q.Use(top[0].Words);
            var metric = RateOf(q, top[0].Metric) ?? top[0].Metric;
            return new MetricReading([new MetricMention(metric, top[0].Words.Min(), q.All[top[0].Words.Min()].Raw)], [], null);
        }

        var shared = top.SelectMany(s => s.Words).GroupBy(i => i).OrderByDescending(g => g.Count()).First().Key;
        return new MetricReading([], top.Select(s => s.Metric).OrderBy(m => Rank(m.Name)).ThenBy(m => m.Name, StringComparer.Ordinal).ToList(), q.All[shared].Raw);
    }

    /// <summary>
    /// Several metrics share the best single words: the question's form decides ("how many" asks for a count, "how often"
    /// for a rate), then the metric whose description uses most of the question's other words.
    /// </summary>
    private static MetricDefinition? Untie(QuestionTokens q, IReadOnlyList<Token> words, IReadOnlyList<MetricDefinition> tied)
    {
        var form = AsksForCount(q) ? tied.Where(m => m.Unit != "ratio").ToList() : AsksForRate(q) ? tied.Where(m => m.Unit == "ratio").ToList() : [];
        if (form.Count > 1 && CountedUnit(q) is { } unit && form.Where(m => m.Unit == unit).ToList() is [var counted])
        {
            // "finished the most tickets": the thing counted names the unit (issues, not points)
            return counted;
        }

        if (form.Count == 1)
        {
            return form[0];
        }

        var pool = form.Count > 1 ? form : tied;
        var scored = pool.Select(m =>
        {
            var described = Tokenizer.Stems(m.Description).ToHashSet(StringComparer.Ordinal);
            return (Metric: m, Score: words.Count(w => described.Contains(w.Stem)));
        }).OrderByDescending(x => x.Score).ToList();
        return scored[0].Score > 0 && (scored.Count == 1 || scored[0].Score > scored[1].Score) ? scored[0].Metric : null;
    }

    /// <summary>A word no vocabulary knows, nor a typo of a metric word.</summary>
    private bool Foreign(Token word, IReadOnlySet<string> known) =>
        word.Text.Length >= 3 && word.Text.All(char.IsLetter) && !known.Contains(word.Stem) && !known.Contains(word.Text) && !Grammar.Contains(word.Stem)
        && !Words.Any(w => Tokenizer.Near(word.Stem, w));

    /// <summary>"how many …": a count or an amount, not a ratio.</summary>
    private static bool AsksForCount(QuestionTokens q) =>
        q.All.Zip(q.All.Skip(1)).Any(p => (p.First.Text == "how" && p.Second.Text == "many")
                                          || (p.First.Text is "most" or "fewest" or "least" && CountNouns.Contains(p.Second.Stem)));

    /// <summary>The unit of the thing counted after "most/fewest/least" or "how many": points, or issues for any other count noun.</summary>
    private static string? CountedUnit(QuestionTokens q) =>
        q.All.Zip(q.All.Skip(1)).Where(p => p.First.Text is "most" or "fewest" or "least" or "many" && CountNouns.Contains(p.Second.Stem))
            .Select(p => p.Second.Stem == "point" ? "points" : "issues").FirstOrDefault();

    /// <summary>Things counted: "the most tickets", "the fewest bugs" ask for a count.</summary>
    private static readonly HashSet<string> CountNouns = new(StringComparer.Ordinal) { "issue", "ticket", "item", "bug", "story", "task", "defect", "point" };

    /// <summary>"how often …", "what fraction/proportion/percentage of …": a rate.</summary>
    private static bool AsksForRate(QuestionTokens q) =>
        q.All.Zip(q.All.Skip(1)).Any(p => p.First.Text == "how" && p.Second.Text == "often")
        || q.All.Any(t => t.Text is "fraction" or "proportion" or "percentage");

    /// <summary>"how often is work reopened": a rate asked of a count becomes the one ratio built on that count.</summary>
    private MetricDefinition? RateOf(QuestionTokens q, MetricDefinition count)
    {
        if (count.Unit == "ratio" || !AsksForRate(q))
        {
            return null;
        }

        var rates = _phrases.Select(p => p.Metric).DistinctBy(m => m.Name).Where(m => m.Unit == "ratio" && m.DependsOn.Contains(count.Name)).ToList();
        return rates.Count == 1 ? rates[0] : null;
    }

    /// <summary>The word just before <paramref name="index"/> (past "per"/"of") is one no vocabulary knows, nor a typo of a known word.</summary>
    private bool Modified(QuestionTokens q, int index, IReadOnlySet<string> known)
    {
        var k = index - 1;
        while (k >= 0 && q.All[k].Text is "per" or "of")
        {
            k--;
        }

        if (k < 0 || q.IsUsed(k))
        {
            return false;
        }

        var word = q.All[k];
        return word.Text.Length >= 3 && word.Text.All(char.IsLetter) && !known.Contains(word.Stem) && !known.Contains(word.Text)
               && !Grammar.Contains(word.Stem) && !Words.Any(w => Tokenizer.Near(word.Stem, w));
    }

    /// <summary>The same word, a typo of it, its start ("commit" for "committed"), or a verb for its noun in -ment ("committed" for "commitment").</summary>
    private static bool Same(string word, string stem, IReadOnlySet<string> known) =>
        word == stem || (!known.Contains(word) && Tokenizer.Near(word, stem)) || (word.Length >= 5 && stem.StartsWith(word, StringComparison.Ordinal))
        || ((word.EndsWith("ment", StringComparison.Ordinal) || stem.EndsWith("ment", StringComparison.Ordinal)) && Tokenizer.Root(word) is { Length: >= 5 } root
            && root == Tokenizer.Root(stem));

    private static int? InOrder(IReadOnlyList<Token> window, IReadOnlyList<string> stems, IReadOnlySet<string> known)
    {
        var typos = 0;
        for (var i = 0; i < stems.Count; i++)
        {
            if (window[i].Stem == stems[i])
            {
                continue;
            }

            if (known.Contains(window[i].Stem) || !Tokenizer.Near(window[i].Stem, stems[i]))
            {
                return null;
            }

            typos++;
        }

        return typos;
    }
}
