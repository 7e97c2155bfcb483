using System.Globalization;
using SpiralAnalytics.Core.Catalog;

namespace SpiralAnalytics.Core.Answers;

/// <summary>
/// Numbers and names for plain sentences, the same way the chat page shows them: ratios as percentages (their
/// differences in percentage points), points/days/hours with their unit word, a missing value as "no value".
/// </summary>
public static class PlainNumbers
{
    public const string NoValue = "no value";

    /// <summary>A metric's display name as it reads inside a sentence: "Completed story points" → "completed story points", "WIP" stays.</summary>
    public static string Name(MetricDefinition? metric, string fallbackName)
    {
        var display = metric?.DisplayName ?? CatalogText.NameAsWords(fallbackName);
        return display.Length > 1 && char.IsUpper(display[0]) && !char.IsUpper(display[1])
            ? char.ToLowerInvariant(display[0]) + display[1..]
            : display;
    }

    /// <summary>The display name as a sentence starts it: "Velocity", "Reopened issues".</summary>
    public static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    /// <summary>A value with its unit: "18.5%", "42 points", "1 issue", "3.2 days", "1.4σ".</summary>
    public static string Value(double? value, string? unit)
    {
        if (value is not { } v || !double.IsFinite(v))
        {
            return NoValue;
        }

        return unit switch
        {
            "ratio" => Number(v * 100, 1) + "%",
            "sigma" => Number(v, 2) + "σ",
            "points" => Counted(v, "point", "points"),
            "issues" => Counted(v, "issue", "issues"),
            "days" => Counted(v, "day", "days"),
            "hours" => Counted(v, "hour", "hours"),
            "comments" => Counted(v, "comment", "comments"),
            _ => Number(v, 2),
        };
    }

    /// <summary>A signed difference: "+3.5 points", "−12.0 percentage points".</summary>
    public static string Delta(double delta, string? unit)
    {
        var sign = delta > 0 ? "+" : delta < 0 ? "−" : "±";
        var size = Math.Abs(delta);
        return unit == "ratio"
            ? $"{sign}{Number(size * 100, 1)} percentage points"
            : sign + Value(size, unit);
    }

    /// <summary>A relative change (0.25 → "+25%").</summary>
    public static string Change(double change) =>
        (change > 0 ? "+" : change < 0 ? "−" : "±") + Number(Math.Abs(change) * 100, 0) + "%";

    /// <summary>"a", "a and b", "a, b and c".</summary>
    public static string List(IReadOnlyList<string> items, string conjunction = "and") => items.Count switch
    {
        0 => "",
        1 => items[0],
        _ => string.Join(", ", items.Take(items.Count - 1)) + $" {conjunction} " + items[^1],
    };

    public static string Number(double value, int maxDecimals)
    {
        var digits = Math.Abs(value) >= 100 ? 0 : maxDecimals;
        var rounded = Math.Round(value, digits, MidpointRounding.AwayFromZero);
        return rounded.ToString(digits == 0 ? "0" : "0." + new string('#', digits), CultureInfo.InvariantCulture);
    }

    private static string Counted(double value, string one, string many)
    {
        var text = Number(value, Math.Abs(value) >= 10 ? 1 : 2);
        return $"{text} {(text == "1" ? one : many)}";
    }
}
