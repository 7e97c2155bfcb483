using System.Globalization;

namespace SpiralAnalytics.Core.Translation.Offline;

/// <summary>
/// A threshold: op, the number as written, whether it was a percentage, and where it stood; <see cref="Unit"/> is the catalog
/// unit its unit word names ("40 hours" → hours, "30%" and "a quarter of" → ratio), if any.
/// </summary>
public sealed record ThresholdReading(string Op, double Value, bool Percent, int Position, string? Unit = null);

/// <summary>"above 30%", "more than 5 days", "at least 4", "below 20 points", "at most", "exactly", "15% or more" → having.</summary>
public static class ThresholdParser
{
    private static readonly (string[] Words, string Op)[] Ops =
    [
        (["more", "than"], "gt"), (["greater", "than"], "gt"), (["higher", "than"], "gt"), (["larger", "than"], "gt"), (["bigger", "than"], "gt"),
        (["above"], "gt"), (["over"], "gt"), (["north", "of"], "gt"), (["upwards", "of"], "gt"), (["exceeding"], "gt"), (["exceeds"], "gt"), (["exceed"], "gt"),
        (["at", "least"], "gte"), (["no", "less", "than"], "gte"), (["not", "less", "than"], "gte"),
        (["less", "than"], "lt"), (["fewer", "than"], "lt"), (["lower", "than"], "lt"), (["smaller", "than"], "lt"), (["below"], "lt"), (["under"], "lt"), (["south", "of"], "lt"),
        (["at", "most"], "lte"), (["no", "more", "than"], "lte"), (["not", "more", "than"], "lte"),
        (["exactly"], "eq"), (["equal", "to"], "eq"), (["equals"], "eq"),
        // "bump the cutoff to 30%", "set the threshold at 20%": the bound moves, its direction stays (the previous question's)
        (["cutoff", "to"], Keep), (["cutoff", "at"], Keep), (["cutoff", "of"], Keep), (["threshold", "to"], Keep), (["threshold", "at"], Keep),
        (["threshold", "of"], Keep), (["bar", "to"], Keep), (["bar", "at"], Keep),
    ];

    /// <summary>The first words the parser reads as <paramref name="op"/> ("more than" for gt): how a bound is said back.</summary>
    public static string Phrase(string op) => string.Join(' ', Ops.FirstOrDefault(o => o.Op == op).Words ?? Ops[0].Words);

    /// <summary>The op of a threshold whose direction the question does not say (the previous question's, else above).</summary>
    public const string Keep = "keep";

    private static readonly string[] UnitWords = ["day", "hour", "point", "sp", "issue", "ticket", "bug", "comment", "item", "percent", "pct", "story"];

    /// <summary>Fractions written as words ("more than a quarter of", "under half"): a share, kept as a fraction.</summary>
    private static readonly (string[] Words, double Value)[] Fractions =
    [
        (["a", "quarter"], 0.25), (["one", "quarter"], 0.25), (["a", "third"], 1.0 / 3), (["one", "third"], 1.0 / 3), (["a", "half"], 0.5),
        (["half"], 0.5), (["two", "thirds"], 2.0 / 3), (["three", "quarters"], 0.75), (["a", "fifth"], 0.2), (["a", "tenth"], 0.1),
    ];

    private static string? CatalogUnit(string stem) => stem switch
    {
        "day" => "days",
        "hour" => "hours",
        "point" or "sp" or "story" => "points",
        "issue" or "ticket" or "bug" or "item" => "issues",
        "comment" => "comments",
        "percent" or "pct" or "%" => "ratio",
        _ => null,
    };

    public static IReadOnlyList<ThresholdReading> Parse(QuestionTokens q)
    {
        var found = new List<ThresholdReading>();
        var free = q.Free;
        for (var i = 0; i < free.Count; i++)
        {
            foreach (var (words, op) in Ops.OrderByDescending(o => o.Words.Length))
            {
                var end = i + words.Length;
                if (end >= free.Count || !words.Select((w, k) => free[i + k].Text == w).All(x => x))
                {
                    continue;
                }

                if (Fraction(free, end) is { } fraction)
                {
                    var span = free.Skip(i).Take(words.Length + fraction.Length).Select(t => t.Index).ToList();
                    if (end + fraction.Length < free.Count && free[end + fraction.Length].Text == "of")
                    {
                        span.Add(free[end + fraction.Length].Index);
                    }

                    q.Use(span);
                    found.Add(new ThresholdReading(op, fraction.Value, false, free[i].Index, "ratio"));
                    i = end + fraction.Length - 1;
                    break;
                }

                if (!double.TryParse(free[end].Text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
                {
                    continue;
                }

                var used = free.Skip(i).Take(words.Length + 1).Select(t => t.Index).ToList();
                var percent = false;
                var k2 = end + 1;
                if (k2 < free.Count && free[k2].Text is "%" or "percent" or "pct")
                {
                    percent = true;
                    used.Add(free[k2].Index);
                    k2++;
                }

                var unit = percent ? "ratio" : null;
                while (k2 < free.Count && UnitWords.Contains(free[k2].Stem))
                {
                    unit ??= CatalogUnit(free[k2].Stem);
                    used.Add(free[k2].Index);
                    k2++;
                }

                q.Use(used);
                found.Add(new ThresholdReading(op, value, percent, free[i].Index, unit));
                i = k2 - 1;
                break;
            }
        }

        Moved(q, found);
        Postfix(q, found);
        return found;
    }

    private static readonly HashSet<string> OrMore = new(StringComparer.Ordinal) { "more", "above", "higher", "greater", "over", "up", "better" };
    private static readonly HashSet<string> OrLess = new(StringComparer.Ordinal) { "less", "fewer", "below", "lower", "under", "worse" };

    /// <summary>"raise the bar to 10 or more": a moved bound that says its direction after the number takes that direction.</summary>
    private static void Moved(QuestionTokens q, List<ThresholdReading> found)
    {
        var all = q.All;
        for (var k = 0; k + 2 < all.Count; k++)
        {
            if (!q.IsUsed(k) || q.IsUsed(k + 1) || q.IsUsed(k + 2) || all[k + 1].Text != "or"
                || !double.TryParse(all[k].Text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _))
            {
                continue;
            }

            var op = OrMore.Contains(all[k + 2].Text) ? "gte" : OrLess.Contains(all[k + 2].Text) ? "lte" : null;
            var at = found.FindIndex(t => t.Op == Keep && t.Position < k);
            if (op is null || at < 0)
            {
                continue;
            }

            found[at] = found[at] with { Op = op };
            q.Use([k + 1, k + 2]);
        }
    }

    /// <summary>"15% or more", "3 bugs or fewer", "10 points and up": the op after the number.</summary>
    private static void Postfix(QuestionTokens q, List<ThresholdReading> found)
    {
        var free = q.Free;
        for (var i = 0; i < free.Count; i++)
        {
            if (!double.TryParse(free[i].Text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            var used = new List<int> { free[i].Index };
            var k = i + 1;
            var percent = k < free.Count && free[k].Text is "%" or "percent" or "pct";
            if (percent)
            {
                used.Add(free[k].Index);
                k++;
            }

            var unit = percent ? "ratio" : null;
            while (k < free.Count && UnitWords.Contains(free[k].Stem))
            {
                unit ??= CatalogUnit(free[k].Stem);
                used.Add(free[k].Index);
                k++;
            }

            if (k + 1 >= free.Count || free[k].Text is not ("or" or "and") || free[k + 1].Index != free[k].Index + 1)
            {
                continue;
            }

            var op = OrMore.Contains(free[k + 1].Text) ? "gte" : OrLess.Contains(free[k + 1].Text) ? "lte" : null;
            if (op is null || (free[k].Text == "and" && free[k + 1].Text != "up"))
            {
                continue;
            }

            used.AddRange([free[k].Index, free[k + 1].Index]);
            q.Use(used);
            found.Add(new ThresholdReading(op, value, percent, free[i].Index, unit));
            i = k + 1;
        }
    }

    private static (double Value, int Length)? Fraction(IReadOnlyList<Token> free, int at)
    {
        foreach (var (words, value) in Fractions.OrderByDescending(f => f.Words.Length))
        {
            if (at + words.Length <= free.Count && words.Select((w, k) => free[at + k].Text == w).All(x => x))
            {
                return (value, words.Length);
            }
        }

        return null;
    }
}
