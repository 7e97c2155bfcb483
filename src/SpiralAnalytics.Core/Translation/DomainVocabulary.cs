using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace SpiralAnalytics.Core.Translation;

/// <summary>A casual phrasing (<see cref="Says"/>) and the catalog's words for it (<see cref="Means"/>).</summary>
public sealed record VocabularyPhrase(string Says, string Means);

/// <summary>A pattern over lower-case text and the token it stands for (catalog search's compounds and annotations).</summary>
public sealed record VocabularyPattern(Regex Pattern, string Token);

/// <summary>
/// The one vocabulary of the domain (<c>vocabulary.yaml</c> beside <c>catalog/</c>, embedded in this assembly): abbreviations,
/// casual phrasings, new-topic and intent phrases, casual team words, hostile patterns (read by the offline translator and said
/// to the LLM), and the stop words, compounds, annotations, frequent stems and concepts of catalog search's text analysis.
/// Loaded once per process; <see cref="Parse"/> reads another text (tests).
/// </summary>
public sealed class DomainVocabulary
{
    private static readonly Lazy<DomainVocabulary> Shipped = new(() =>
    {
        using var stream = typeof(DomainVocabulary).Assembly.GetManifestResourceStream("vocabulary.yaml")
                           ?? throw new InvalidOperationException("vocabulary.yaml is not embedded in SpiralAnalytics.Core");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    });

    /// <summary>The vocabulary shipped with the application.</summary>
    public static DomainVocabulary Default => Shipped.Value;

    public required string HashEmbedderVersion { get; init; }

    public required IReadOnlyDictionary<string, string> Abbreviations { get; init; }

    /// <summary>Longest first, so "get over the line" is tried before "over the line".</summary>
    public required IReadOnlyList<VocabularyPhrase> Phrases { get; init; }

    /// <summary>Phrasings with words in between, as patterns over lower-case text, and the catalog's words for them ("time from opened to done": lead time).</summary>
    public IReadOnlyList<VocabularyPattern> Rewrites { get; init; } = [];

    public required IReadOnlyList<string> NewTopic { get; init; }

    public required IReadOnlyDictionary<string, IReadOnlyList<string>> Intents { get; init; }

    public required IReadOnlySet<string> TeamWords { get; init; }

    /// <summary>
    /// A follow-up's words that take a part of the previous spec away ("drop the limit"): each pattern and the part it removes
    /// (<c>compare</c>, <c>limit</c>, <c>having</c>, <c>sort</c>, <c>group_by</c>), built from the vocabulary's verbs and part words.
    /// </summary>
    public IReadOnlyList<VocabularyPattern> Removals { get; init; } = [];

    /// <summary>Phrases of a follow-up that turn the previous order around ("flip the order").</summary>
    public Regex? Reversals { get; init; }

    /// <summary>Words that point back at the conversation ("it", "the last one", "there").</summary>
    public IReadOnlySet<string> BackReferences { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>The back references that stand for a team or people: a question that names a team points them at it.</summary>
    public IReadOnlySet<string> PeopleReferences { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    public required IReadOnlyList<Regex> Hostile { get; init; }

    public required IReadOnlyList<VocabularyPattern> Compounds { get; init; }

    public required IReadOnlyList<VocabularyPattern> Annotations { get; init; }

    public required IReadOnlySet<string> StopWords { get; init; }

    public required IReadOnlyDictionary<string, double> Common { get; init; }

    /// <summary>Catalog search's stemmer suffixes, in order (the first that fits is replaced).</summary>
    public required IReadOnlyList<(string Suffix, string Replacement)> SearchSuffixes { get; init; }

    /// <summary>Concept → the words that say it.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<string>> Concepts { get; init; }

    /// <summary>
    /// Catalog search's light stemmer: strips the first of <see cref="SearchSuffixes"/> that leaves 3 letters, undoes a doubled
    /// final consonant and a final e ("reopened"/"reopens", "carried"/"carries" meet).
    /// </summary>
    public string SearchStem(string word)
    {
        if (word.Length <= 3)
        {
            return word;
        }

        foreach (var (suffix, replacement) in SearchSuffixes)
        {
            if (word.EndsWith(suffix, StringComparison.Ordinal) && word.Length - suffix.Length >= 3)
            {
                word = word[..^suffix.Length] + replacement;
                break;
            }
        }

        if (word.Length > 3 && word[^1] == word[^2] && word[^1] is not ('l' or 's' or 'z'))
        {
            word = word[..^1];
        }

        if (word.EndsWith('e') && word.Length > 4)
        {
            word = word[..^1];
        }

        return word;
    }

    public IReadOnlyList<string> Intent(string name) => Intents.TryGetValue(name, out var phrases) ? phrases : [];

    public static DomainVocabulary Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;

        YamlNode Node(string key) => root.Children.TryGetValue(new YamlScalarNode(key), out var node)
            ? node
            : throw new InvalidDataException($"vocabulary.yaml: '{key}' is missing");
        static string Text(YamlNode node) => ((YamlScalarNode)node).Value ?? "";
        static List<string> Strings(YamlNode node) => ((YamlSequenceNode)node).Children.Select(Text).ToList();
        static Regex Pattern(string pattern) => new(pattern, RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, TimeSpan.FromMilliseconds(200));
        static string Alternatives(IEnumerable<string> words) =>
            string.Join("|", words.OrderByDescending(w => w.Length).Select(w => Regex.Escape(w).Replace(@"\ ", @"\s+", StringComparison.Ordinal)));
        List<VocabularyPattern> RemovalPatterns(YamlMappingNode node)
        {
            var verbs = Alternatives(Strings(node[new YamlScalarNode("verbs")]));
            var parts = ((YamlMappingNode)node[new YamlScalarNode("parts")]).Children
                .Select(kv => new VocabularyPattern(Pattern($@"(?<![\w'])(?:{verbs})\s+(?:(?:the|a|that|this)\s+)?(?:{Alternatives(Strings(kv.Value))})(?![\w'])"), Text(kv.Key)));
            return [.. parts, new VocabularyPattern(Pattern($@"(?<![\w'])(?:{Alternatives(Strings(node[new YamlScalarNode("show_all")]))})(?![\w'])"), "limit")];
        }

        List<VocabularyPattern> Patterns(string key) => ((YamlSequenceNode)Node(key)).Children.Cast<YamlMappingNode>()
            .Select(m => new VocabularyPattern(new Regex(@"\b(?:" + Text(m[new YamlScalarNode("pattern")]) + @")\b", RegexOptions.CultureInvariant),
                Text(m[new YamlScalarNode("token")])))
            .ToList();

        var phrases = ((YamlSequenceNode)Node("phrases")).Children.Cast<YamlMappingNode>()
            .SelectMany(m => Strings(m[new YamlScalarNode("says")]).Select(says => new VocabularyPhrase(says.ToLowerInvariant(), Text(m[new YamlScalarNode("means")]))))
            .OrderByDescending(p => p.Says.Length).ToList();
        return new DomainVocabulary
        {
            HashEmbedderVersion = Text(Node("hash_embedder_version")),
            Abbreviations = ((YamlMappingNode)Node("abbreviations")).Children.ToDictionary(kv => Text(kv.Key).ToLowerInvariant(), kv => Text(kv.Value), StringComparer.Ordinal),
            Phrases = phrases,
            Rewrites = root.Children.TryGetValue(new YamlScalarNode("rewrites"), out var rewrites)
                ? ((YamlSequenceNode)rewrites).Children.Cast<YamlMappingNode>()
                    .Select(m => new VocabularyPattern(Pattern(Text(m[new YamlScalarNode("pattern")])), Text(m[new YamlScalarNode("means")]))).ToList()
                : [],
            NewTopic = Strings(Node("new_topic")),
            Intents = ((YamlMappingNode)Node("intents")).Children.ToDictionary(kv => Text(kv.Key), kv => (IReadOnlyList<string>)Strings(kv.Value), StringComparer.Ordinal),
            TeamWords = Strings(Node("team_words")).ToHashSet(StringComparer.Ordinal),
            BackReferences = Strings(Node("back_references")).ToHashSet(StringComparer.Ordinal),
            PeopleReferences = Strings(Node("people_references")).ToHashSet(StringComparer.Ordinal),
            Removals = RemovalPatterns((YamlMappingNode)Node("removals")),
            Reversals = Pattern($@"(?<![\w'])(?:{Alternatives(Strings(Node("reversals")))})(?![\w'])"),
            Hostile = Strings(Node("hostile")).Select(Pattern).ToList(),
            Compounds = Patterns("compounds"),
            Annotations = ((YamlSequenceNode)Node("annotations")).Children.Cast<YamlMappingNode>()
                .Select(m => new VocabularyPattern(new Regex(Text(m[new YamlScalarNode("pattern")]), RegexOptions.CultureInvariant), Text(m[new YamlScalarNode("token")])))
                .ToList(),
            StopWords = Strings(Node("stop_words")).ToHashSet(StringComparer.Ordinal),
            Common = ((YamlMappingNode)Node("common")).Children.ToDictionary(kv => Text(kv.Key),
                kv => double.Parse(Text(kv.Value), CultureInfo.InvariantCulture), StringComparer.Ordinal),
            SearchSuffixes = ((YamlMappingNode)Node("search_suffixes")).Children.Select(kv => (Text(kv.Key), Text(kv.Value))).ToList(),
            Concepts = ((YamlMappingNode)Node("concepts")).Children.ToDictionary(kv => Text(kv.Key), kv => (IReadOnlyList<string>)Strings(kv.Value), StringComparer.Ordinal),
        };
    }

    /// <summary>The vocabulary in a few lines for the LLM prompt: abbreviations and casual phrasings with what they mean.</summary>
    public string PromptText()
    {
        var abbreviations = string.Join(", ", Abbreviations.Select(kv => $"{kv.Key} = {kv.Value}"));
        var phrases = string.Join("; ", Phrases.GroupBy(p => p.Means).Select(g => $"{string.Join(", ", g.Select(p => p.Says).Reverse().Take(8))} = {g.Key}"));
        return $"Abbreviations: {abbreviations}.\nCasual phrasings: {phrases}.";
    }
}
