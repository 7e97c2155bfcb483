using System.Text;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Translation;

/// <summary>A verified question → spec pair of the tenant, as a worked example for a translator (nearest first).</summary>
public sealed record VerifiedExample(string Question, AnalyticsSpec Spec, double Similarity);

/// <summary>
/// The text rules of verified questions: the normal form that the exact shortcut and the uniqueness key use, and the
/// guard an embedding match must pass. Embeddings see "velocity last sprint" and "velocity last 3 sprints" as near
/// twins; a spec answers only one of them. So a similar (not identical) question is accepted only when it names the same
/// numbers and the same scope words (this/last/next…, day/week/month/quarter/year/sprint) as the verified one.
/// </summary>
public static class VerifiedQuestionText
{
    /// <summary>Words that change a question's window or order while leaving its embedding almost where it was.</summary>
    public static readonly IReadOnlySet<string> ScopeWords = new HashSet<string>(StringComparer.Ordinal)
    {
        "this", "last", "previous", "prior", "next", "current", "past", "ago", "since", "before", "after", "until",
        "day", "week", "month", "quarter", "year", "sprint", "today", "yesterday",
        "top", "bottom", "most", "least", "highest", "lowest", "best", "worst", "fewest",
        "not", "no", "without", "except", "excluding", "vs", "versus", "compared",
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    };

    /// <summary>Lower case; every run of characters that are not letters or digits becomes one space; trimmed.</summary>
    public static string Normalize(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        var text = new StringBuilder(question.Length);
        var space = false;
        foreach (var c in question.Normalize(NormalizationForm.FormKC))
        {
            if (char.IsLetterOrDigit(c))
            {
                if (space && text.Length > 0)
                {
                    text.Append(' ');
                }

                text.Append(char.ToLowerInvariant(c));
                space = false;
            }
            else
            {
                space = true;
            }
        }

        return text.ToString();
    }

    /// <summary>True when the two questions name the same numbers and scope words (each as often), whatever else differs.</summary>
    public static bool SameScope(string question, string verified) =>
        Scope(question).SequenceEqual(Scope(verified), StringComparer.Ordinal);

    private static List<string> Scope(string question) =>
        Normalize(question).Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(Singular)
            .Where(w => w.All(char.IsDigit) || ScopeWords.Contains(w))
            .Order(StringComparer.Ordinal)
            .ToList();

    private static string Singular(string word) =>
        word.Length > 3 && word.EndsWith('s') && ScopeWords.Contains(word[..^1]) ? word[..^1] : word;
}

/// <summary>
/// Whether a verified spec still means what the admin verified: each metric it names must still exist, be active, and
/// have the same major version as when it was verified (a major version is a change of meaning, METRICS.md).
/// </summary>
public static class VerifiedDrift
{
    public static IReadOnlyList<string> VersionProblems(IReadOnlyDictionary<string, string> verifiedVersions, Catalog.MetricCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(verifiedVersions);
        ArgumentNullException.ThrowIfNull(catalog);
        var problems = new List<string>();
        foreach (var (name, version) in verifiedVersions.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            if (catalog.Find(name) is not { } current)
            {
                problems.Add($"metric '{name}' is no longer in the catalog");
            }
            else if (!current.IsActive)
            {
                problems.Add($"metric '{name}' is deprecated{(current.ReplacedBy is { } by ? $" (replaced by '{by}')" : "")}");
            }
            else if (Catalog.SemanticVersion.TryParse(version, out var then) && Catalog.SemanticVersion.TryParse(current.Version, out var now)
                     && then.Value.Major != now.Value.Major)
            {
                problems.Add($"metric '{name}' changed from version {version} to {current.Version} (a new major version)");
            }
        }

        return problems;
    }
}
