using System.Globalization;
using System.Text;
using SpiralAnalytics.Core.Catalog;

namespace SpiralAnalytics.Core.Translation.Offline;

/// <summary>One word of a question: as typed, lower-cased, and its stem (plural and possessive endings removed).</summary>
public sealed record Token(int Index, string Raw, string Text, string Stem)
{
    public bool IsNumber => int.TryParse(Text, NumberStyles.None, CultureInfo.InvariantCulture, out _);

    public bool IsDecimal => double.TryParse(Text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _);
}

/// <summary>
/// The words of a question and which of them a parser has already understood. Parsers run in a fixed order and each
/// consumes the words it used, so a later parser never reads "last 3 sprints" as a grouping or "bugs created" as a filter.
/// </summary>
public sealed class QuestionTokens
{
    private readonly bool[] _used;

    public QuestionTokens(IReadOnlyList<Token> all)
    {
        All = all;
        _used = new bool[all.Count];
    }

    public IReadOnlyList<Token> All { get; }

    public bool IsUsed(int index) => _used[index];

    public void Use(int index) => _used[index] = true;

    public void Use(IEnumerable<int> indexes)
    {
        foreach (var i in indexes)
        {
            _used[i] = true;
        }
    }

    /// <summary>The words no parser has used yet, in question order.</summary>
    public IReadOnlyList<Token> Free => All.Where(t => !_used[t.Index]).ToList();

    public bool Has(string text) => All.Any(t => t.Text == text);

    public static QuestionTokens Parse(string question) => new(Tokenizer.Tokenize(question));
}

/// <summary>Splits text into words the same way for questions, catalog phrases and dimension values.</summary>
public static class Tokenizer
{
    public static IReadOnlyList<Token> Tokenize(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();

        void Flush()
        {
            if (current.Length == 0)
            {
                return;
            }

            var word = current.ToString().Trim('-', '.', '\'');
            current.Clear();
            if (word.EndsWith("'s", StringComparison.OrdinalIgnoreCase))
            {
                word = word[..^2];
            }

            word = word.Replace("'", "", StringComparison.Ordinal);
            if (word.Length == 0)
            {
                return;
            }

            // hyphens join dates and keys (2025-10-01, ATL-12) but separate words (mid-sprint)
            if (word.Contains('-', StringComparison.Ordinal) && !word.Any(char.IsDigit))
            {
                words.AddRange(word.Split('-', StringSplitOptions.RemoveEmptyEntries));
            }
            else
            {
                words.Add(word);
            }
        }

        var length = Math.Min(text.Length, 2000);
        for (var i = 0; i < length; i++)
        {
            var c = text[i];
            if (char.IsLetterOrDigit(c) || c == '-' || c == '\'' || c == '’'
                || (c == '.' && current.Length > 0 && char.IsDigit(current[^1]) && i + 1 < length && char.IsDigit(text[i + 1])))
            {
                current.Append(c == '’' ? '\'' : c);
            }
            else if (c == '%')
            {
                Flush();
                words.Add("%");
            }
            else
            {
                Flush();
            }
        }

        Flush();
        return words.Select((w, i) => new Token(i, w, w.ToLowerInvariant(), Stem(w.ToLowerInvariant()))).ToList();
    }

    /// <summary>Stems of a phrase (catalog synonym, dimension value), for matching against question tokens.</summary>
    public static IReadOnlyList<string> Stems(string phrase) => Tokenize(phrase).Select(t => t.Stem).ToList();

    public static string Stem(string word)
    {
        if (word.Length > 4 && word.EndsWith("ies", StringComparison.Ordinal))
        {
            return word[..^3] + "y";
        }

        if (word.Length > 3 && word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal) && !word.EndsWith("us", StringComparison.Ordinal)
            && !word.Any(char.IsDigit))
        {
            return word[..^1];
        }

        return word;
    }

    /// <summary>
    /// The root a verb and its noun share: "committed", "commits", "commitment" → "commit"; "spilled", "spilling" → "spill".
    /// Only the endings -ed, -ing and -ment, with a doubled final consonant undone when the ending followed it.
    /// </summary>
    public static string Root(string stem)
    {
        foreach (var ending in new[] { "ment", "ing", "ed" })
        {
            if (stem.Length >= ending.Length + 4 && stem.EndsWith(ending, StringComparison.Ordinal))
            {
                var root = stem[..^ending.Length];
                return root.Length >= 5 && root[^1] == root[^2] && root[^1] is not ('l' or 's' or 'f' or 'z') ? root[..^1] : root;
            }
        }

        return stem;
    }

    /// <summary>Tolerates a typo: one edit from 4 letters, two from 8; two swapped neighbouring letters ("cylce") are one edit.</summary>
    public static bool Near(string word, string known)
    {
        if (word == known)
        {
            return true;
        }

        var shorter = Math.Min(word.Length, known.Length);
        if (shorter < 4 || word.Any(char.IsDigit) || Math.Abs(word.Length - known.Length) > 2)
        {
            return false;
        }

        var distance = Distance(word, known);
        return distance <= (shorter >= 8 ? 2 : 1);
    }

    /// <summary>Edit distance counting an adjacent transposition as one edit (optimal string alignment).</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
