using System.Text.RegularExpressions;

namespace SpiralAnalytics.Core.Translation.Offline;

/// <summary>What the question asks for as a whole, before any part of it is read.</summary>
public enum QuestionIntent
{
    /// <summary>Metric values (an ordinary spec).</summary>
    Metrics,

    /// <summary>"why did …", "what went wrong …", "how is X doing": <c>analysis: diagnose</c>.</summary>
    Diagnose,

    /// <summary>"anything unusual …", "which sprints were anomalous …": <c>analysis: anomalies</c>.</summary>
    Anomalies,

    /// <summary>"will we finish …", "forecast …": no spec form answers it; the translator asks back.</summary>
    Forecast,
}

/// <summary>The question after the vocabulary rule: the text the parsers read, what was rewritten, and the markers found.</summary>
public sealed record QuestionText(string Text, IReadOnlyList<TranslationEvidence> Rewrites, bool NewTopic)
{
    /// <summary>The parts of the previous spec the question takes away ("drop the limit": <c>limit</c>), vocabulary <c>removals</c>.</summary>
    public IReadOnlySet<string> Removed { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Whether the question turns the previous order around ("flip the order"), vocabulary <c>reversals</c>.</summary>
    public bool Reversed { get; init; }
}

/// <summary>
/// The rules that read a question as a whole, in order, before the parsers (time, thresholds, ranking, metrics, grouping,
/// values) read its parts: <see cref="Hostile"/> (an instruction or code, never answered), <see cref="Rewrite"/> (the
/// vocabulary's abbreviations and casual phrasings, and new-topic markers) and <see cref="Intent"/>. Each reads
/// <see cref="DomainVocabulary"/>; none is keyed to a question.
/// </summary>
public static partial class QuestionRules
{
    /// <summary>The first hostile pattern the text matches (an instruction to the system, SQL, a shell command), or null.</summary>
    public static string? Hostile(string question, DomainVocabulary vocabulary)
    {
        foreach (var pattern in vocabulary.Hostile)
        {
            try
            {
                if (pattern.Match(question) is { Success: true } match)
                {
                    return match.Value;
                }
            }
            catch (RegexMatchTimeoutException)
            {
                return "text too complex to read";
            }
        }

        return null;
    }

    /// <summary>
    /// Rewrites abbreviations ("pts" → points), then casual phrasings ("knock out" → completed, "avg pts per sprint" → velocity:
    /// a phrase sees the spelled-out words) as whole words, leaving words that
    /// are the tenant's own values (<paramref name="values"/>: team keys, names) alone, and drops a new-topic marker
    /// ("diff question -"), saying so.
    /// </summary>
    public static QuestionText Rewrite(string question, DomainVocabulary vocabulary, IReadOnlySet<string> values)
    {
        var rewrites = new List<TranslationEvidence>();
        // "high + highest prio", "spillover & say/do": a plus or ampersand between words lists them
        // "5+ tix", "10%+": a number and a plus is that number or more; a plus between other words lists them
        var text = " " + Plus().Replace(OrMore().Replace(UnitSuffix().Replace(question.Replace('’', '\''), Spelled), "$1 or more "), " and ") + " ";
        // "high/highest prio": a slash between two of the tenant's values lists them ("say/do" stays a word)
        text = Slashed().Replace(text, m => values.Contains(m.Groups[1].Value.ToLowerInvariant()) && values.Contains(m.Groups[2].Value.ToLowerInvariant())
            ? m.Groups[1].Value + " and " + m.Groups[2].Value : m.Value);
        var newTopic = false;
        var removed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var removal in vocabulary.Removals)
        {
            if (removal.Pattern.Match(text) is { Success: true } match)
            {
                // "no need for the comparison": a part taken away, its words read no further
                text = removal.Pattern.Replace(text, " ");
                removed.Add(removal.Token);
                rewrites.Add(new TranslationEvidence(EvidenceParts.FollowUp, match.Value.Trim(), $"without {removal.Token.Replace('_', ' ')}", "vocabulary removals", 1.0));
            }
        }

        var reversed = false;
        if (vocabulary.Reversals?.Match(text) is { Success: true } reversal)
        {
            // "flip the order": the previous sort, the other way; its words read no further
            text = vocabulary.Reversals.Replace(text, " ");
            reversed = true;
            rewrites.Add(new TranslationEvidence(EvidenceParts.FollowUp, reversal.Value.Trim(), "the order reversed", "vocabulary reversals", 1.0));
        }

        foreach (var marker in vocabulary.NewTopic)
        {
            var pattern = Cached(@"(?<![\w'])" + Regex.Escape(marker) + @"(?![\w'])[\s,:;.!?-]*");
            if (pattern.IsMatch(text))
            {
                text = pattern.Replace(text, " ", 1);
                newTopic = true;
                rewrites.Add(new TranslationEvidence(EvidenceParts.FollowUp, marker, "new question", "vocabulary new_topic", 1.0));
            }
        }

        text = Words().Replace(text, m =>
        {
            var word = m.Value.ToLowerInvariant();
            var dot = "";
            if (!vocabulary.Abbreviations.ContainsKey(word) && word.EndsWith('.'))
            {
                (word, dot) = (word[..^1], ".");
            }

            if (!vocabulary.Abbreviations.TryGetValue(word, out var full)
                || (values.Contains(word) && !(Vocabulary.Months.Contains(full) && TimePreposition().IsMatch(text[..m.Index]))))
            {
                // a tenant's value stays itself ("NOV" is Nova's key), except a month after a time word ("since nov")
                return m.Value;
            }

            rewrites.Add(new TranslationEvidence(EvidenceParts.Vocabulary, m.Value, full, "vocabulary abbreviation", 1.0));
            return full + dot;
        });

        foreach (var phrase in vocabulary.Phrases)
        {
            var pattern = Cached(@"(?<![\w'])" + Regex.Escape(phrase.Says).Replace(@"\ ", @"[\s-]+", StringComparison.Ordinal) + @"(?![\w'])");
            if (pattern.Match(text) is { Success: true } match && !values.Contains(match.Value.ToLowerInvariant()))
            {
                text = pattern.Replace(text, " " + phrase.Means + " ");
                rewrites.Add(new TranslationEvidence(EvidenceParts.Vocabulary, match.Value.Trim(), phrase.Means, "vocabulary phrase", 0.9));
            }
        }

        foreach (var rewrite in vocabulary.Rewrites)
        {
            if (rewrite.Pattern.Match(text) is { Success: true } match)
            {
                text = rewrite.Pattern.Replace(text, " " + rewrite.Token + " ");
                rewrites.Add(new TranslationEvidence(EvidenceParts.Vocabulary, match.Value.Trim(), rewrite.Token, "vocabulary rewrite", 0.9));
            }
        }

        return new QuestionText(Spaces().Replace(text, " ").Trim(), rewrites, newTopic) { Removed = removed, Reversed = reversed };
    }

    /// <summary>
    /// The question's own intent from the vocabulary's intent phrases: anomalies, diagnose ("why did …", "what went wrong", or
    /// "how …" with "doing/going/go" when no metric is named), forecast; else metrics.
    /// </summary>
    /// <remarks>
    /// An intent phrase that is part of the wording of a metric the question names (<paramref name="metricWording"/>: "red flag"
    /// in "red flag sprints", the problem score) names that metric, not an intent.
    /// </remarks>
    public static (QuestionIntent Intent, string? Words) Intent(QuestionTokens q, DomainVocabulary vocabulary, bool namesMetric,
        IReadOnlyList<string>? metricWording = null)
    {
        var text = " " + string.Join(" ", q.All.Select(t => t.Text)) + " ";
        var wording = (metricWording ?? []).Select(w => " " + w.ToLowerInvariant() + " ").ToList();
        string? Find(string name) => vocabulary.Intent(name).Select(p => p.ToLowerInvariant().Replace("'", "", StringComparison.Ordinal))
            .FirstOrDefault(p => text.Contains(" " + p + " ", StringComparison.Ordinal) && !wording.Any(w => w.Contains(" " + p + " ", StringComparison.Ordinal)));

        if (Find("forecast") is { } forecast)
        {
            return (QuestionIntent.Forecast, forecast);
        }

        if ((q.All.Count > 2 && q.All[0].Text == "will")
            || q.All.Skip(1).Any(t => t.Text == "will" && !q.IsUsed(t.Index) && q.All.Take(t.Index).Any(w => w.Text is "what" or "how" or "when" or "who" or "which" or "whats")))
        {
            // "will Phoenix finish the sprint", "how many points will atlas finish": a question about what has not happened yet
            return (QuestionIntent.Forecast, "will …");
        }

        if (Find("anomalies") is { } anomalies)
        {
            return (QuestionIntent.Anomalies, anomalies);
        }

        if (Find("diagnose") is { } diagnose)
        {
            return (QuestionIntent.Diagnose, diagnose);
        }

        // "how many hotfixes went out", "how long did it go": a measure asked, not how a team is doing
        if (!namesMetric && q.All.Count > 0 && q.All.Take(3).Any(t => (t.Text is "how" or "hows")
                && !(t.Index + 1 < q.All.Count && q.All[t.Index + 1].Text is "many" or "much" or "long" or "often" or "fast" or "far"))
            && Find("diagnose_how") is { } how)
        {
            return (QuestionIntent.Diagnose, "how … " + how);
        }

        return (QuestionIntent.Metrics, null);
    }

    /// <summary>
    /// Whether the question points back at the conversation (vocabulary <c>back_references</c>: "why did it go badly", "the last
    /// one") without widening its scope ("all", "every", "teams"): a question of its own intent then keeps the previous team.
    /// A reference word right before a window unit ("this sprint", "that quarter") names a window, not the conversation; a
    /// reference to people ("their", vocabulary <c>people_references</c>) in a question that names a team (<paramref name="namesTeam"/>)
    /// is that team's.
    /// </summary>
    public static bool RefersBack(QuestionTokens q, DomainVocabulary vocabulary, bool namesTeam = false) =>
        q.All.Where((t, i) => vocabulary.BackReferences.Contains(t.Text) && !(namesTeam && vocabulary.PeopleReferences.Contains(t.Text))
            && !(i + 1 < q.All.Count && TimeParser.ExactUnit(q.All[i + 1]) is not null)).Any()
        && !WidensScope(q);

    /// <summary>"all the teams", "everyone", "overall": the question asks about every team, not one.</summary>
    public static bool WidensScope(QuestionTokens q) => q.All.Any(t => t.Text is "all" or "every" or "everyone" or "everybody" or "teams" or "overall");

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Regex> Patterns = new(StringComparer.Ordinal);

    /// <summary>A whole-word, case-insensitive pattern of the vocabulary, built once per process.</summary>
    private static Regex Cached(string pattern) =>
        Patterns.GetOrAdd(pattern, p => new Regex(p, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(200)));

    [GeneratedRegex(@"(?<![\w'])[A-Za-z][A-Za-z0-9']*\.?(?!\w|/\w)", RegexOptions.CultureInvariant)]
    private static partial Regex Words();

    [GeneratedRegex(@"\s*(?<=\w\s*)[+&](?=\s*\w)\s*", RegexOptions.CultureInvariant)]
    private static partial Regex Plus();

    [GeneratedRegex(@"\b([A-Za-z][\w-]*)/([A-Za-z][\w-]*)\b", RegexOptions.CultureInvariant)]
    private static partial Regex Slashed();

    /// <summary>A number with its unit typed on ("above 100h", "5d", "20pts"): the number, then the unit's word.</summary>
    [GeneratedRegex(@"\b(\d+(?:\.\d+)?)(h|hrs?|d|pts?|sp|wks?)\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex UnitSuffix();

    private static string Spelled(Match m) => m.Groups[1].Value + " " + m.Groups[2].Value.ToLowerInvariant() switch
    {
        "h" or "hr" or "hrs" => "hours",
        "d" => "days",
        "pt" or "pts" => "points",
        "sp" => "story points",
        _ => "weeks",
    };

    [GeneratedRegex(@"\b(\d+(?:\.\d+)?\s*%?)\+(?!\s*\d)", RegexOptions.CultureInvariant)]
    private static partial Regex OrMore();

    [GeneratedRegex(@"\b(since|from|until|till|through|before|after|in|to|during)\s+$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex TimePreposition();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Spaces();
}
