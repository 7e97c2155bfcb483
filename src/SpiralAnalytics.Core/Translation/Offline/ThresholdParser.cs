using System.Globalization;

namespace SpiralAnalytics.Core.Translation.Offline;

/// <summary>A threshold: op, the number as written, whether it was a percentage, and where it stood.</summary>
public sealed record ThresholdReading(string Op, double Value, bool Percent, int Position);

/// <summary>"above 30%", "more than 5 days", "at least 4", "below 20 points", "at most", "exactly" → having.</summary>
public static class ThresholdParser
{
    private static readonly (string[] Words, string Op)[] Ops =
    [
        (["more", "than"], "gt"), (["greater", "than"], "gt"), (["higher", "than"], "gt"), (["larger", "than"], "gt"), (["bigger", "than"], "gt"),
        (["above"], "gt"), (["over"], "gt"), (["exceeding"], "gt"), (["exceeds"], "gt"), (["exceed"], "gt"),
        (["at", "least"], "gte"), (["no", "less", "than"], "gte"), (["not", "less", "than"], "gte"),
        (["less", "than"], "lt"), (["fewer", "than"], "lt"), (["lower", "than"], "lt"), (["smaller", "than"], "lt"), (["below"], "lt"), (["under"], "lt"),
        (["at", "most"], "lte"), (["no", "more", "than"], "lte"), (["not", "more", "than"], "lte"),
        (["exactly"], "eq"), (["equal", "to"], "eq"), (["equals"], "eq"),
    ];

    private static readonly string[] UnitWords = ["day", "hour", "point", "sp", "issue", "ticket", "bug", "comment", "item", "percent", "pct", "story"];

    public static IReadOnlyList<ThresholdReading> Parse(QuestionTokens q)
    {
        var found = new List<ThresholdReading>();
        var free = q.Free;
        for (var i = 0; i < free.Count; i++)
        {
            foreach (var (words, op) in Ops.OrderByDescending(o => o.Words.Length))
            {
                var end = i + words.Length;
                if (end >= free.Count || !words.Select((w, k) => free[i + k].Text == w).All(x => x)
                    || !double.TryParse(free[end].Text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
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

                while (k2 < free.Count && UnitWords.Contains(free[k2].Stem))
                {
                    used.Add(free[k2].Index);
                    k2++;
                }

                q.Use(used);
                found.Add(new ThresholdReading(op, value, percent, free[i].Index));
                i = k2 - 1;
                break;
            }
        }

        return found;
    }
}
