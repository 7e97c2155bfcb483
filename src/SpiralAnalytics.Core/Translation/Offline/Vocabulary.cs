using System.Globalization;

namespace SpiralAnalytics.Core.Translation.Offline;

/// <summary>The grammar words of questions: numbers, months, and the words the parsers react to.</summary>
public static class Vocabulary
{
    private static readonly string[] NumberWords =
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];

    public static readonly IReadOnlyList<string> Months =
        ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

    /// <summary>Words that carry no meaning of their own for the parsers.</summary>
    public static readonly IReadOnlySet<string> Filler = new HashSet<string>(StringComparer.Ordinal)
    {
        "the", "a", "an", "of", "on", "in", "to", "for", "and", "or", "is", "was", "were", "are", "be", "been", "what", "whats",
        "how", "much", "many", "did", "do", "does", "we", "our", "us", "me", "my", "show", "give", "tell", "list", "it", "its", "have",
        "has", "had", "with", "from", "at", "get", "please", "can", "you", "i", "there", "their", "that", "this", "these", "those",
        "about", "only", "just", "also", "now", "then", "so", "far", "look", "like", "see", "current", "team", "teams", "by", "per",
        "each", "every", "all", "which", "who", "where", "when", "than", "over", "during", "within", "across", "as", "well", "too",
        "same", "but", "instead", "ok", "okay", "them", "they", "any", "some", "ticket", "issue", "item", "work",
        // a follow-up's verbs of editing the last question ("bump the cutoff to 30%", "use the p90 instead", "actually include bugs")
        "bump", "raise", "lower", "set", "move", "make", "use", "switch", "swap", "flip", "turn", "actually", "rather", "widen", "extend",
        "expand", "shrink", "stretch",
    };

    /// <summary>Words a value must not be read from without its dimension named next to it ("highest priority").</summary>
    public static readonly IReadOnlySet<string> Reserved = new HashSet<string>(StringComparer.Ordinal)
    {
        "highest", "lowest", "most", "least", "top", "bottom", "best", "worst", "last", "this", "next", "previous", "all", "other",
        "current", "unknown", "none", "wish", "high", "low",
    };

    public static int? Number(Token token)
    {
        if (int.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && token.Text.Length <= 4)
        {
            return n;
        }

        var index = Array.IndexOf(NumberWords, token.Text);
        return index >= 0 ? index : null;
    }

    /// <summary>1-based month of a month name, or null.</summary>
    public static int? Month(string text)
    {
        for (var i = 0; i < Months.Count; i++)
        {
            if (text == Months[i])
            {
                return i + 1;
            }
        }

        return null;
    }

    /// <summary>1-based month of a month name or its usual abbreviation ("jan", "sept"), or null; read only next to a day number.</summary>
    public static int? MonthOrAbbreviation(string text)
    {
        if (Month(text) is { } full)
        {
            return full;
        }

        if (text == "sept")
        {
            return 9;
        }

        for (var i = 0; i < Months.Count; i++)
        {
            if (text.Length == 3 && Months[i].StartsWith(text, StringComparison.Ordinal))
            {
                return i + 1;
            }
        }

        return null;
    }

    public static int? Year(Token token) =>
        token.Text.Length == 4 && int.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var y) && y is >= 1990 and <= 2100 ? y : null;
}
