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

    public MetricReading Match(QuestionTokens q, IReadOnlySet<string> known)
    {
        var free = q.Free;
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

        var mentions = new List<MetricMention>();
        foreach (var match in found.OrderByDescending(m => m.Length).ThenBy(m => m.Typos).ThenBy(m => Rank(m.Metric.Name)).ThenBy(m => m.Used[0]))
        {
            if (match.Used.Any(q.IsUsed) || mentions.Any(m => m.Metric.Name == match.Metric.Name))
            {
                continue;
            }

            q.Use(match.Used);
            mentions.Add(new MetricMention(match.Metric, match.Used[0], match.Phrase));
        }

        return new MetricReading(mentions.OrderBy(m => m.Position).ToList(), [], null);
    }

    /// <summary>
    /// No whole phrase (run after grouping and values took their words): a word that only one metric's phrases use names
    /// it; a word several share is ambiguous.
    /// </summary>
    public MetricReading MatchWords(QuestionTokens q, IReadOnlySet<string> known)
    {
        var words = q.Free.Where(t => !Vocabulary.Filler.Contains(t.Text) && !Vocabulary.Filler.Contains(t.Stem) && !Vocabulary.Reserved.Contains(t.Text)
                                      && !Grammar.Contains(t.Stem) && !t.IsDecimal && t.Text.Length > 1).ToList();
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
        if (top.Count == 1)
        {
            q.Use(top[0].Words);
            return new MetricReading([new MetricMention(top[0].Metric, top[0].Words.Min(), q.All[top[0].Words.Min()].Raw)], [], null);
        }

        var shared = top.SelectMany(s => s.Words).GroupBy(i => i).OrderByDescending(g => g.Count()).First().Key;
        return new MetricReading([], top.Select(s => s.Metric).OrderBy(m => Rank(m.Name)).ThenBy(m => m.Name, StringComparer.Ordinal).ToList(), q.All[shared].Raw);
    }

    /// <summary>The same word, a typo of it, or its start ("commit" for "committed").</summary>
    private static bool Same(string word, string stem, IReadOnlySet<string> known) =>
        word == stem || (!known.Contains(word) && Tokenizer.Near(word, stem)) || (word.Length >= 5 && stem.StartsWith(word, StringComparison.Ordinal));

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
