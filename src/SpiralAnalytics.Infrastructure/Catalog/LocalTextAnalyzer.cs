using System.Text.RegularExpressions;
using SpiralAnalytics.Core.Translation;

namespace SpiralAnalytics.Infrastructure.Catalog;

/// <summary>
/// Turns text into the weighted features the local embedder hashes: light stemming, stop words, concepts (ticket = issue,
/// defect = bug, punted = removed …) and multi-word terms ("carry over", "work in progress", "lead time") — all read from
/// the one domain vocabulary (<see cref="DomainVocabulary"/>, vocabulary.yaml) — plus word bigrams and character 3/4-grams. Deterministic and
/// culture-invariant: the same text gives the same features on every machine, which is what makes the embedder id
/// (<see cref="LocalHashEmbeddingGenerator.Id"/>, which carries the vocabulary's <c>hash_embedder_version</c>) meaningful.
/// </summary>
internal static partial class LocalTextAnalyzer
{
    private const double ConceptWeight = 0.8;
    private const double BigramWeight = 0.5;
    private const double CharGramWeight = 0.2;

    private static DomainVocabulary Vocabulary => DomainVocabulary.Default;

    /// <summary>Stem → concepts: words a team lead uses interchangeably for one idea (vocabulary.yaml's concepts).</summary>
    private static readonly Lazy<Dictionary<string, List<string>>> Lexicon = new(() => BuildLexicon(Vocabulary.Concepts));

    /// <summary>The content stems of a text, in order (stop words dropped, compounds joined).</summary>
    public static List<string> Stems(string text)
    {
        var t = text.ToLowerInvariant().Replace("%", " percent ", StringComparison.Ordinal);
        foreach (var (pattern, token) in Vocabulary.Annotations)
        {
            t = pattern.Replace(t, m => m.Value + " " + token);
        }

        foreach (var (pattern, token) in Vocabulary.Compounds)
        {
            t = pattern.Replace(t, " " + token + " ");
        }

        var stems = new List<string>();
        foreach (var word in Tokens().Split(t))
        {
            if (word.Length > 0 && !Vocabulary.StopWords.Contains(word))
            {
                stems.Add(Stem(word));
            }
        }

        return stems;
    }

    /// <summary>Feature name → weight (before term-frequency damping).</summary>
    public static Dictionary<string, double> Features(string text)
    {
        var features = new Dictionary<string, double>(StringComparer.Ordinal);
        void Add(string key, double weight) => features[key] = features.GetValueOrDefault(key) + weight;

        var stems = Stems(text);
        foreach (var stem in stems)
        {
            var weight = Vocabulary.Common.GetValueOrDefault(stem, 1.0);
            Add("w:" + stem, weight);
            if (Lexicon.Value.TryGetValue(stem, out var concepts))
            {
                foreach (var concept in concepts)
                {
                    Add("c:" + concept, ConceptWeight * weight);
                }
            }

            var bounded = "<" + stem + ">";
            var grams = new List<string>();
            for (var i = 0; i + 3 <= bounded.Length; i++)
            {
                grams.Add(bounded.Substring(i, 3));
            }

            for (var i = 0; i + 4 <= bounded.Length; i++)
            {
                grams.Add(bounded.Substring(i, 4));
            }

            foreach (var gram in grams)
            {
                Add("g:" + gram, CharGramWeight * weight / Math.Sqrt(grams.Count));
            }
        }

        for (var i = 0; i + 1 < stems.Count; i++)
        {
            Add("b:" + stems[i] + "_" + stems[i + 1],
                BigramWeight * Math.Min(Vocabulary.Common.GetValueOrDefault(stems[i], 1.0), Vocabulary.Common.GetValueOrDefault(stems[i + 1], 1.0)));
        }

        return features;
    }

    /// <summary>The vocabulary's light stemmer (one stemmer for search, defined once in <see cref="DomainVocabulary.SearchStem"/>).</summary>
    public static string Stem(string word) => Vocabulary.SearchStem(word);

    private static Dictionary<string, List<string>> BuildLexicon(IReadOnlyDictionary<string, IReadOnlyList<string>> entries)
    {
        var lexicon = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (concept, words) in entries)
        {
            foreach (var word in words)
            {
                var stem = Stem(word);
                if (!lexicon.TryGetValue(stem, out var concepts))
                {
                    lexicon[stem] = concepts = [];
                }

                concepts.Add(concept);
            }
        }

        return lexicon;
    }

    [GeneratedRegex("[^a-z0-9]+", RegexOptions.CultureInvariant)]
    private static partial Regex Tokens();
}
