using System.Globalization;
using System.Text;

namespace SpiralAnalytics.Core.Specs;

/// <summary>
/// Every limit on a spec and a question, in one place: the JSON reader (<see cref="SpecJson"/>), the validator
/// (<see cref="SpecValidator"/>), the published JSON Schema (<see cref="SpecSchema"/>), the ask endpoint and the limits
/// table of the README (<see cref="Table"/>, checked by a test) all read them from here. Without caps one request could
/// cost a lot: 70,000 filters, a 10 MB metric name, 200,000 duplicate names answered with 30 MB of errors.
/// </summary>
public static class SpecLimits
{
    public const int MaxMetrics = 5;
    public const int MaxGroupBy = 9;
    public const int MaxFilters = 10;
    public const int MaxFilterValues = 50;
    public const int MaxHaving = 10;
    public const int MaxSort = 10;

    /// <summary>Names: a metric reference (<c>name@1.2.3</c>), a dimension, an op, a time type or unit, a date, a sort key.</summary>
    public const int MaxNameLength = 100;

    /// <summary>A filter value (a team, sprint, person or epic name; Jira allows 255 characters in a summary).</summary>
    public const int MaxValueLength = 255;

    public const int MaxLimit = 1000;
    public const int MaxSprints = 100;
    public const int MaxRolling = 366;
    public const int MaxPeriodsBack = 120;
    public const int DefaultSprints = 6;

    /// <summary>The earliest and latest date of <c>between</c> and of <c>as_of</c>, so no window or comparison leaves the calendar.</summary>
    public static readonly DateOnly MinDate = new(1900, 1, 1);

    public static readonly DateOnly MaxDate = new(2999, 12, 31);

    /// <summary>Spec JSON (the body of <c>POST /api/v1/query</c>, <c>spiral query --spec</c>), in UTF-8 bytes.</summary>
    public const int MaxSpecJsonBytes = 256 * 1024;

    /// <summary>Nesting of spec JSON (the deepest valid spec has 4 levels).</summary>
    public const int MaxJsonDepth = 16;

    /// <summary>A question (<c>POST /api/v1/ask</c>, <c>spiral ask</c>), in characters.</summary>
    public const int MaxQuestionLength = 2000;

    /// <summary>Errors listed for one spec; the rest are counted in one last error.</summary>
    public const int MaxErrors = 25;

    /// <summary>Characters of an offending value quoted back in an error.</summary>
    public const int MaxQuotedLength = 40;

    /// <summary>At most <see cref="MaxQuotedLength"/> characters of <paramref name="value"/>, with "…" and the full length when cut; control characters shown escaped.</summary>
    public static string Quote(string value)
    {
        var cut = value.Length > MaxQuotedLength;
        var text = new StringBuilder();
        foreach (var c in cut ? value.AsSpan(0, MaxQuotedLength) : value.AsSpan())
        {
            if (char.IsControl(c) || char.IsSurrogate(c))
            {
                text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                text.Append(c);
            }
        }

        return cut ? $"{text}… ({value.Length.ToString(CultureInfo.InvariantCulture)} characters)" : text.ToString();
    }

    /// <summary>The limits as the Markdown table of the README (a test keeps the two equal).</summary>
    public static string Table()
    {
        static string N(int n) => n.ToString("N0", CultureInfo.InvariantCulture);
        (string What, string Limit)[] rows =
        [
            ("`metrics`", $"1 to {N(MaxMetrics)} names"),
            ("`group_by`", $"at most {N(MaxGroupBy)} dimensions"),
            ("`filters`", $"at most {N(MaxFilters)} filters of 1 to {N(MaxFilterValues)} values each"),
            ("`having`, `sort`", $"at most {N(MaxHaving)} and {N(MaxSort)} entries"),
            ("a name (metric, dimension, op, time type or unit, date, sort key)", $"at most {N(MaxNameLength)} characters, no control characters"),
            ("a filter value", $"at most {N(MaxValueLength)} characters, no control characters"),
            ("`limit`; `last_sprints` n; `rolling` n; `period` offset", $"1 to {N(MaxLimit)}; 1 to {N(MaxSprints)}; 1 to {N(MaxRolling)}; −{N(MaxPeriodsBack)} to 0"),
            ("`between` dates, `as_of`", $"{MinDate:yyyy-MM-dd} to {MaxDate:yyyy-MM-dd}"),
            ("`having` value", "a finite number"),
            ("spec JSON", $"at most {N(MaxSpecJsonBytes / 1024)} KiB, nesting depth {N(MaxJsonDepth)}, no duplicate keys (also none differing only in case)"),
            ("a question", $"1 to {N(MaxQuestionLength)} characters, no NUL or other control characters except line breaks and tabs"),
            ("errors listed per spec", $"{N(MaxErrors)}, then a count of the rest; a value is quoted up to {N(MaxQuotedLength)} characters"),
        ];
        var table = new StringBuilder("| what | limit |\n|---|---|\n");
        foreach (var (what, limit) in rows)
        {
            table.Append(CultureInfo.InvariantCulture, $"| {what} | {limit} |\n");
        }

        return table.ToString();
    }

    /// <summary>At most <see cref="MaxErrors"/> errors; when there were more, the last one says how many were left out.</summary>
    public static IReadOnlyList<SpecError> Capped(IReadOnlyList<SpecError> errors) =>
        errors.Count <= MaxErrors
            ? errors
            : [.. errors.Take(MaxErrors - 1), new SpecError("spec", null, $"{(errors.Count - MaxErrors + 1).ToString(CultureInfo.InvariantCulture)} more errors not listed") { Rule = "too_many_errors" }];
}

/// <summary>What every string of a spec must be: short enough and free of control characters (a NUL cannot even reach PostgreSQL).</summary>
public static class SpecText
{
    /// <summary>Null when <paramref name="text"/> is acceptable; else the reason, quoting nothing of it.</summary>
    public static string? Problem(string text, int maxLength)
    {
        if (text.Length > maxLength)
        {
            return $"is {text.Length.ToString(CultureInfo.InvariantCulture)} characters long; at most {maxLength.ToString(CultureInfo.InvariantCulture)} are allowed";
        }

        var control = text.AsSpan().IndexOfAnyInRange('\0', '\u001f');
        if (control < 0)
        {
            control = text.AsSpan().IndexOfAnyInRange('\u007f', '\u009f');
        }

        if (control >= 0)
        {
            return $"holds a control character (\\u{((int)text[control]).ToString("x4", CultureInfo.InvariantCulture)}) at position {(control + 1).ToString(CultureInfo.InvariantCulture)}";
        }

        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return $"holds an unpaired surrogate at position {(i + 1).ToString(CultureInfo.InvariantCulture)}";
            }
        }

        return null;
    }
}
