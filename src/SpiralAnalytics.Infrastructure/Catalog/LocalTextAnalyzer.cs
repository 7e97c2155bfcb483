using System.Text.RegularExpressions;

namespace SpiralAnalytics.Infrastructure.Catalog;

/// <summary>
/// Turns text into the weighted features the local embedder hashes: light stemming, English and domain stop words,
/// a small sprint-metrics lexicon (ticket = issue, defect = bug, punted = removed …), multi-word terms
/// ("carry over", "work in progress", "lead time"), word bigrams and character 3/4-grams. Deterministic and
/// culture-invariant: the same text gives the same features on every machine, which is what makes the embedder id
/// (<see cref="LocalHashEmbeddingGenerator.Id"/>) meaningful. Changing anything here means bumping that id.
/// </summary>
internal static partial class LocalTextAnalyzer
{
    private const double ConceptWeight = 0.8;
    private const double BigramWeight = 0.5;
    private const double CharGramWeight = 0.2;

    /// <summary>Phrases that name one thing, rewritten to one token before splitting.</summary>
    private static readonly (Regex Pattern, string Token)[] Compounds =
    [
        (Word(@"carr(?:y|ies|ied|ying)[\s-]*overs?"), "carryover"),
        (Word(@"roll(?:s|ed|ing)?[\s-]*overs?"), "rollover"),
        (Word(@"spill(?:s|ed|ing)?[\s-]*overs?"), "spillover"),
        (Word(@"say[\s/-]*do"), "saydo"),
        (Word(@"work[\s-]+in[\s-]+progress"), "wip"),
        (Word(@"in[\s-]+progress"), "inprogress"),
        (Word(@"in[\s-]+flight"), "inflight"),
        (Word(@"re[\s-]+open"), "reopen"),
        (Word(@"story[\s-]+points?"), "points"),
        (Word(@"sub[\s-]+tasks?"), "subtask"),
        (Word(@"first[\s-]+time[\s-]+right"), "firsttimeright"),
        (Word(@"mid[\s-]+sprint"), "midsprint"),
        (Word(@"to[\s-]+do"), "todo"),
        (Word(@"(?:being[\s-]+)?work(?:ed|ing)?[\s-]+on"), "inprogress"),
        (Word(@"how[\s-]+many"), "count"),
        (Word(@"how[\s-]+often"), "rate"),
        (Word(@"at[\s-]+(?:the[\s-]+same[\s-]+time|once)"), "concurrent"),
        (Word(@"lead[\s-]+times?"), "leadtime"),
        (Word(@"cycle[\s-]+times?"), "cycletime"),
        (Word(@"com(?:e|es|ing)[\s-]+in"), "incoming"),
        (Word(@"no[\s-]+one|nobody"), "unassigned"),
        (Word(@"back[\s-]+and[\s-]+forth"), "discussion"),
    ];

    /// <summary>Patterns that add a token and keep the words ("from creation to resolution" is a lead time).</summary>
    private static readonly (Regex Pattern, string Token)[] Annotations =
    [
        (new Regex(@"\b(?:creat\w*|open\w*|request\w*)\s+(?:\w+\s+){0,3}?to\s+(?:\w+\s+){0,3}?(?:resol\w*|clos\w*|done)\b", RegexOptions.CultureInvariant), "leadtime"),
        (new Regex(@"\bper[\s-]+sprint\b", RegexOptions.CultureInvariant), "persprint"),
    ];

    private static readonly HashSet<string> StopWords = new(
        """
        a an the of in on at to for by with from into onto about as and or but if then than so
        we our us you your i my me they their them it its he she his her this that these those there here
        what which who whom whose how when where why is are was were be been being am do does did have has had having
        can could should would will shall may might must get got gets getting let lets
        very really just also any some each every all much more most many such
        same other another while during within again still ever
        show tell give list until over not after before once include includes included including whether
        """.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);

    /// <summary>Stems so frequent across sprint metrics that they say little about which metric is meant.</summary>
    private static readonly Dictionary<string, double> Common = new(StringComparer.Ordinal)
    {
        ["issu"] = 0.3, ["sprint"] = 0.4, ["work"] = 0.4, ["window"] = 0.3, ["count"] = 0.5, ["start"] = 0.5, ["point"] = 0.5,
        ["done"] = 0.6, ["ratio"] = 0.5, ["time"] = 0.5, ["day"] = 0.5, ["team"] = 0.4, ["ticket"] = 0.4, ["number"] = 0.4,
        ["calendar"] = 0.4, ["date"] = 0.4, ["statu"] = 0.5, ["metric"] = 0.3,
    };

    private static readonly (string Suffix, string Replacement)[] Suffixes =
    [
        ("ations", "at"), ("ation", "at"), ("utions", "ut"), ("ution", "ut"), ("ions", ""), ("ion", ""), ("ies", "y"), ("ied", "y"),
        ("sses", "ss"), ("ness", ""), ("ments", ""), ("ment", ""), ("ingly", ""), ("edly", ""), ("ing", ""), ("ed", ""), ("ly", ""),
        ("es", ""), ("s", ""),
    ];

    /// <summary>Stem → concepts: words a team lead uses interchangeably for one idea.</summary>
    private static readonly Dictionary<string, List<string>> Lexicon = BuildLexicon(
        ("issue", ["ticket", "tickets", "issue", "issues", "item", "items", "story", "stories", "task", "tasks", "card", "cards", "thing", "things"]),
        ("bug", ["bug", "bugs", "defect", "defects"]),
        ("complete", ["complete", "completed", "finish", "finished", "done", "accomplish"]),
        ("deliver", ["ship", "shipped", "shipping", "deliver", "delivered", "delivery", "delivers", "output"]),
        ("spend", ["spend", "spends", "spent", "spending"]),
        ("resolve", ["close", "closed", "closing", "resolve", "resolved", "resolution"]),
        ("create", ["create", "created", "creation", "open", "opened", "new", "raise", "raised", "report", "reported", "file", "filed", "arrive", "incoming"]),
        ("commit", ["commit", "committed", "commitment", "promise", "promised", "plan", "planned", "say", "said"]),
        ("add", ["add", "added", "addition", "creep", "crept", "extra", "intake", "inject", "growth", "grow", "grows", "grew", "grown"]),
        ("remove", ["remove", "removed", "descope", "descoped", "drop", "dropped", "punt", "punted", "pull", "pulled"]),
        ("block", ["block", "blocked", "blocker", "blockers", "impediment", "impeded", "flag", "flagged", "dependency", "dependencies", "waiting", "wait"]),
        ("missing", ["missing", "lack", "lacks", "lacking", "without"]),
        ("versus", ["vs", "versus", "than", "compared"]),
        ("reopen", ["reopen", "reopened", "bounce", "bounced", "back", "regression"]),
        ("p50", ["median", "typical", "p50", "50th", "middle"]),
        ("p90", ["p90", "90th", "tail", "slowest", "percentile", "sla"]),
        ("mean", ["average", "mean", "avg"]),
        ("share", ["share", "percent", "percentage", "fraction", "proportion", "portion", "ratio", "rate"]),
        ("duration", ["long", "longer", "duration", "take", "takes", "took", "taking"]),
        ("estimate", ["estimate", "estimated", "estimation", "pointed", "unpointed", "unestimated", "sized"]),
        ("unassigned", ["unassigned", "unowned", "orphaned", "ownerless"]),
        ("assignee", ["assignee", "owner", "owns", "own", "owned"]),
        ("stale", ["stuck", "stale", "idle", "untouched", "sitting", "zombie", "inactive", "movement", "activity"]),
        ("wip", ["wip", "inprogress", "juggling", "juggle", "concurrent", "inflight", "parallel", "simultaneously", "started"]),
        ("production", ["production", "prod", "customer", "customers", "escaped", "escape", "slipped", "leak", "leakage", "release"]),
        ("comment", ["comment", "comments", "discussion", "conversation", "chatty"]),
        ("scope", ["scope", "scoped"]),
        ("change", ["change", "changing", "changed", "churn", "volatility", "thrash", "unstable", "movement"]),
        ("unplanned", ["unplanned", "interrupt", "interrupts", "interruption", "firefighting", "reactive", "urgent"]),
        ("carryover", ["carryover", "carried", "inherited", "rollover"]),
        ("leftover", ["leftover", "unfinished", "incomplete", "spillover", "spill", "remaining"]),
        ("deviation", ["deviation", "gap", "difference", "error", "off"]),
        ("velocity", ["velocity", "throughput"]),
        ("efficiency", ["efficiency", "efficient", "active", "touch"]));

    /// <summary>The content stems of a text, in order (stop words dropped, compounds joined).</summary>
    public static List<string> Stems(string text)
    {
        var t = text.ToLowerInvariant().Replace("%", " percent ", StringComparison.Ordinal);
        foreach (var (pattern, token) in Annotations)
        {
            t = pattern.Replace(t, m => m.Value + " " + token);
        }

        foreach (var (pattern, token) in Compounds)
        {
            t = pattern.Replace(t, " " + token + " ");
        }

        var stems = new List<string>();
        foreach (var word in Tokens().Split(t))
        {
            if (word.Length > 0 && !StopWords.Contains(word))
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
            var weight = Common.GetValueOrDefault(stem, 1.0);
            Add("w:" + stem, weight);
            if (Lexicon.TryGetValue(stem, out var concepts))
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
                BigramWeight * Math.Min(Common.GetValueOrDefault(stems[i], 1.0), Common.GetValueOrDefault(stems[i + 1], 1.0)));
        }

        return features;
    }

    /// <summary>A light suffix-stripping stemmer (enough that "reopened"/"reopens", "carried"/"carries" meet).</summary>
    public static string Stem(string word)
    {
        if (word.Length <= 3)
        {
            return word;
        }

        foreach (var (suffix, replacement) in Suffixes)
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

    private static Dictionary<string, List<string>> BuildLexicon(params (string Concept, string[] Words)[] entries)
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

    private static Regex Word(string pattern) => new(@"\b(?:" + pattern + @")\b", RegexOptions.CultureInvariant);

    [GeneratedRegex("[^a-z0-9]+", RegexOptions.CultureInvariant)]
    private static partial Regex Tokens();
}
