using System.Globalization;
using SpiralAnalytics.Core.Specs;

namespace SpiralAnalytics.Core.Translation.Offline;

/// <summary>What the time words of a question say: the window, and whether to compare with the previous one.</summary>
/// <param name="Implied">The window a comparison implies when no other is named ("compared to last quarter" → this quarter).</param>
public sealed record TimeReading(TimeSpec? Time, bool Compare, TimeSpec? Implied);

/// <summary>
/// Time expressions (ANALYTICS-SPEC.md forms): last/this sprint, last N sprints, this/last week|month|quarter|year,
/// past N days|weeks|months, in March, in 2015, Q1 2016, since DATE, between DATE and DATE, all time; and comparisons
/// ("compared to last quarter", "vs the previous 3 sprints", "quarter over quarter"). Calendar names resolve against as_of.
/// </summary>
/// <param name="previous">The previous question's window: a follow-up's "last 10" keeps its unit (sprints, weeks, …).</param>
/// <param name="known">Words some vocabulary knows ("spring" of a team name): never read as a typo of a unit ("sprnt" is).</param>
public sealed class TimeParser(DateOnly asOf, TimeSpec? previous = null, IReadOnlySet<string>? known = null)
{
    private static readonly string[] Back = ["last", "past", "previous", "prior", "preceding", "recent"];
    private static readonly string[] CompareWords = ["compared", "compare", "comparing", "vs", "versus", "against", "than", "relative"];
    private static readonly string[] Units = ["day", "week", "month", "quarter", "year", "sprint"];

    public TimeReading Parse(QuestionTokens q)
    {
        var (compare, implied) = ParseCompare(q);
        TimeSpec? time = null;
        var free = q.Free;
        for (var i = 0; i < free.Count && time is null; i++)
        {
            time = TryAt(free, i, out var used);
            if (time is not null)
            {
                q.Use(used);
            }
        }

        return new TimeReading(time, compare, implied);
    }

    private (bool Compare, TimeSpec? Implied) ParseCompare(QuestionTokens q)
    {
        var free = q.Free;
        for (var i = 0; i < free.Count; i++)
        {
            // "quarter over quarter", "month on month"
            if (i + 2 < free.Count && free[i].Stem == free[i + 2].Stem && free[i + 1].Text is "over" or "on" && UnitOf(free[i]) is { } unit and not "day")
            {
                q.Use([free[i].Index, free[i + 1].Index, free[i + 2].Index]);
                return (true, unit == "sprint" ? new LastSprintsTime(1) : new PeriodTime(unit, 0));
            }

            if (!CompareWords.Contains(free[i].Text))
            {
                continue;
            }

            var j = i + 1;
            while (j < free.Count && free[j].Text is "to" or "with" or "the" or "a")
            {
                j++;
            }

            if (j < free.Count && free[j].Text == "period")
            {
                q.Use(free.Skip(i).Take(j - i + 1).Select(t => t.Index));
                return (true, null);
            }

            // "vs the 3 before", "compared to the 4 sprints before": the same number of units just before the window
            if (j + 1 < free.Count && Vocabulary.Number(free[j]) is not null
                && (free[j + 1].Text is "before" or "prior" or "earlier"
                    || (j + 2 < free.Count && UnitOf(free[j + 1]) is not null && free[j + 2].Text is "before" or "prior" or "earlier")))
            {
                var end = free[j + 1].Text is "before" or "prior" or "earlier" ? j + 1 : j + 2;
                q.Use(free.Skip(i).Take(end - i + 1).Select(t => t.Index));
                return (true, null);
            }

            // "vs the quarter before", "compared with the sprints before", "against the one before": the window before this one
            if (j + 1 < free.Count && (UnitOf(free[j]) is not null || free[j].Text is "one" or "period") && free[j + 1].Text is "before" or "prior" or "earlier")
            {
                q.Use(free.Skip(i).Take(j - i + 2).Select(t => t.Index));
                return (true, null);
            }

            if (j >= free.Count || !Back.Contains(free[j].Text))
            {
                continue;
            }

            var k = j + 1;
            var n = k < free.Count ? Vocabulary.Number(free[k]) : null;
            if (n is not null)
            {
                k++;
            }

            // "this quarter vs last", "better than previous": the unit is the window's own
            if (n is null && (k >= free.Count || (UnitOf(free[k]) is null && free[k].Text != "period")))
            {
                q.Use(free.Skip(i).Take(j - i + 1).Select(t => t.Index));
                return (true, null);
            }

            if (k < free.Count && (UnitOf(free[k]) is { } u || free[k].Text == "period"))
            {
                var name = UnitOf(free[k]);
                q.Use(free.Skip(i).Take(k - i + 1).Select(t => t.Index));
                TimeSpec? implied = name switch
                {
                    null => null,
                    "sprint" => new LastSprintsTime(n ?? 1),
                    "day" or "week" or "month" when n is not null => new RollingTime(name, n.Value),
                    "day" => new RollingTime("day", 1),
                    _ when n is null => new PeriodTime(name, 0),
                    _ => null,
                };
                return (true, implied);
            }
        }

        return (false, null);
    }

    private string? UnitOf(Token token) => ExactUnit(token) ?? TypoUnit(token);

    /// <summary>A typo of a unit word of four letters or more ("sprnt", "quater", "monht") that no vocabulary knows as a word of its own.</summary>
    private string? TypoUnit(Token token) =>
        token.Stem.Length >= 4 && token.Stem.All(char.IsLetter) && (known is null || (!known.Contains(token.Stem) && !known.Contains(token.Text)))
            ? LongUnits.FirstOrDefault(u => Tokenizer.Near(token.Stem, u))
            : null;

    private static readonly string[] LongUnits = ["sprint", "month", "quarter"];

    /// <summary>The window unit a word names ("sprint", "qtr", "wks"), or null.</summary>
    internal static string? ExactUnit(Token token) => token.Stem switch
    {
        "day" or "week" or "month" or "quarter" or "year" or "sprint" => token.Stem,
        "iteration" => "sprint",
        // chat abbreviations: "this qtr", "past 3 wks", "last mth"
        "qtr" or "qtrs" or "wk" or "wks" or "mth" or "mths" or "yr" or "yrs" => token.Stem[..2] switch
        {
            "qt" => "quarter", "wk" => "week", "mt" => "month", _ => "year",
        },
        _ => null,
    };

    private TimeSpec? TryAt(IReadOnlyList<Token> t, int i, out List<int> used)
    {
        used = [];
        var text = t[i].Text;
        Token? At(int k) => i + k < t.Count ? t[i + k] : null;

        // last sprint / last N sprints / last week / past N days
        if (Back.Contains(text) || text == "recent")
        {
            var n = At(1) is { } one ? Vocabulary.Number(one) : null;
            var unitToken = n is null ? At(1) : At(2);
            if (n is > 0 && (unitToken is null || UnitOf(unitToken) is null) && previous is LastSprintsTime or RollingTime)
            {
                // a follow-up's "and over the last 10?": the previous window's unit
                used = [t[i].Index, t[i + 1].Index];
                return previous is RollingTime r ? new RollingTime(r.Unit, Math.Min(n.Value, SpecLimits.MaxRolling)) : new LastSprintsTime(Math.Min(n.Value, SpecLimits.MaxSprints));
            }

            if (n is > 1 and <= SpecLimits.MaxSprints && text == "last" && (unitToken is null || unitToken.Text is "pls" or "please" || Vocabulary.Filler.Contains(unitToken.Text))
                && t.Any(x => x.Stem == "sprint"))
            {
                // "committed vs completed, sprint by sprint, last 6", "per sprint over the last 6, only …": a bare count (a grammar
                // word, or nothing, after it) of a question about sprints counts sprints
                used = [t[i].Index, t[i + 1].Index];
                return new LastSprintsTime(n.Value);
            }
            if (unitToken is not null && UnitOf(unitToken) is { } unit)
            {
                used = [t[i].Index, unitToken.Index];
                if (n is not null)
                {
                    used.Add(t[i + 1].Index);
                }

                if (n is < 1)
                {
                    used = [];
                    return null;
                }

                return (unit, n) switch
                {
                    ("sprint", _) => new LastSprintsTime(Math.Min(n ?? 1, SpecLimits.MaxSprints)),
                    // "the past month" is the window reaching back from today, as "the past 2 months" is; "last month" the calendar one
                    ("day" or "week" or "month", null) when text == "past" => new RollingTime(unit, 1),
                    ("quarter", null) when text == "past" => new RollingTime("month", 3),
                    ("year", null) when text == "past" => new RollingTime("month", 12),
                    (_, null) => new PeriodTime(unit, -1),
                    ("quarter", { } q) => new RollingTime("month", Math.Min(q * 3, SpecLimits.MaxRolling)),
                    ("year", { } y) => new RollingTime("month", Math.Min(y * 12, SpecLimits.MaxRolling)),
                    (_, { } k) => new RollingTime(unit, Math.Min(k, SpecLimits.MaxRolling)),
                };
            }
        }

        // this / current / active sprint, this week|month|quarter|year
        if (text is "this" or "current" or "active" or "ongoing" && At(1) is { } next && UnitOf(next) is { } current && next.Text == next.Stem && !next.Text.EndsWith('s'))
        {
            used = [t[i].Index, next.Index];
            return current == "sprint" ? new CurrentSprintTime() : current == "day" ? new RollingTime("day", 1) : new PeriodTime(current, 0);
        }

        // all time / ever
        if ((text == "all" && At(1)?.Text == "time") || text == "ever")
        {
            used = text == "ever" ? [t[i].Index] : [t[i].Index, t[i + 1].Index];
            return new AllTime();
        }

        // "since the start of the year", "since the beginning of the quarter": this calendar unit so far
        if (text == "since" && At(1)?.Text is "the" && At(2)?.Text is "start" or "beginning" && At(3)?.Text == "of" && At(4)?.Text is "the" or "this"
            && At(5) is { } unitWord && ExactUnit(unitWord) is "week" or "month" or "quarter" or "year")
        {
            used = Enumerable.Range(i, 6).Select(k => t[k].Index).ToList();
            return new PeriodTime(ExactUnit(unitWord)!, 0);
        }

        // since DATE
        if (text is "since" or "after" && At(1) is not null && DateAt(t, i + 1, start: true) is { } since)
        {
            used = [t[i].Index, .. since.Used];
            return new BetweenTime(Iso(since.Date), Iso(asOf));
        }

        // between DATE and DATE, from DATE to DATE
        if (text is "between" or "from" && DateAt(t, i + 1, start: true) is { } from)
        {
            var k = i + 1 + from.Used.Count;
            if (k < t.Count && t[k].Text is "and" or "to" or "until" or "through" or "till" && DateAt(t, k + 1, start: false) is { } to)
            {
                // "from March to May 2015": the first date takes the second's year when it has none
                var fromDate = from.Date;
                if (!from.HasYear && to.HasYear)
                {
                    fromDate = new DateOnly(to.Date.Year, fromDate.Month, fromDate.Day);
                }

                if (fromDate <= to.Date)
                {
                    used = [t[i].Index, .. from.Used, t[k].Index, .. to.Used];
                    return new BetweenTime(Iso(fromDate), Iso(to.Date));
                }
            }
        }

        // in March [2015], in 2015, Q1 [2016], in 2015-03
        var skip = text is "in" or "during" or "for" or "of" ? 1 : 0;
        if (At(skip) is { } first && SpanAt(t, i + skip) is { } span)
        {
            used = [.. span.Used];
            if (skip == 1)
            {
                used.Insert(0, t[i].Index);
            }

            return new BetweenTime(Iso(span.From), Iso(span.To));
        }

        return null;
    }

    private sealed record DateReading(DateOnly Date, List<int> Used, bool HasYear);

    private sealed record SpanReading(DateOnly From, DateOnly To, List<int> Used, bool HasYear);

    private DateReading? DateAt(IReadOnlyList<Token> t, int i, bool start)
    {
        if (i >= t.Count)
        {
            return null;
        }

        if (DateOnly.TryParseExact(t[i].Text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return new DateReading(date, [t[i].Index], true);
        }

        if (DayMonthAt(t, i) is { } day)
        {
            return day;
        }

        return SpanAt(t, i) is { } span ? new DateReading(start ? span.From : span.To, span.Used, span.HasYear) : null;
    }

    /// <summary>"5 Jan [2026]", "Jan 5 [2026]", "15th of February": a day; without a year, the most recent one on or before as_of.</summary>
    private DateReading? DayMonthAt(IReadOnlyList<Token> t, int i)
    {
        int? DayOf(Token token)
        {
            var text = token.Text.Length > 2 && token.Text[^2..] is "st" or "nd" or "rd" or "th" ? token.Text[..^2] : token.Text;
            return text.Length <= 2 && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var d) && d is >= 1 and <= 31 ? d : null;
        }

        int? day = null, month = null;
        var used = new List<int>();
        if (t[i].Text == "the" && i + 1 < t.Count && DayOf(t[i + 1]) is not null)
        {
            // "since the 3rd of January"
            used.Add(t[i].Index);
            i++;
        }

        if (DayOf(t[i]) is { } d1)
        {
            var k = i + 1 < t.Count && t[i + 1].Text == "of" ? i + 2 : i + 1;
            if (k < t.Count && Vocabulary.MonthOrAbbreviation(t[k].Text) is { } m1)
            {
                (day, month) = (d1, m1);
                used.AddRange(Enumerable.Range(i, k - i + 1).Select(x => t[x].Index));
            }
        }
        else if (Vocabulary.MonthOrAbbreviation(t[i].Text) is { } m2 && i + 1 < t.Count && DayOf(t[i + 1]) is { } d2)
        {
            (day, month) = (d2, m2);
            used.AddRange([t[i].Index, t[i + 1].Index]);
        }

        if (day is null || month is null || day > DateTime.DaysInMonth(2000, month.Value))
        {
            return null;
        }

        var end = t.ToList().FindIndex(x => x.Index == used[^1]) + 1;
        var year = end < t.Count ? Vocabulary.Year(t[end]) : null;
        if (year is not null)
        {
            used.Add(t[end].Index);
        }

        var y = year ?? asOf.Year;
        if (year is null && (day > DateTime.DaysInMonth(y, month.Value) || new DateOnly(y, month.Value, day.Value) > asOf))
        {
            y--;
        }

        return day <= DateTime.DaysInMonth(y, month.Value) ? new DateReading(new DateOnly(y, month.Value, day.Value), used, year is not null) : null;
    }

    /// <summary>A named calendar span: "March [2015]", "2015", "Q1 [2016]"; without a year, the most recent one starting on or before as_of.</summary>
    private SpanReading? SpanAt(IReadOnlyList<Token> t, int i)
    {
        if (i >= t.Count)
        {
            return null;
        }

        var year = i + 1 < t.Count ? Vocabulary.Year(t[i + 1]) : null;
        // "jan", "sept": a month's abbreviation after a time preposition ("since feb", "for jan") or before a year
        var month = Vocabulary.Month(t[i].Text)
                    ?? ((known is null || !known.Contains(t[i].Text)) && (year is not null || (i > 0 && t[i - 1].Text is "in" or "for" or "since" or "during" or "from" or "until" or "till" or "to" or "of" or "and" or "between" or "through" or "after"))
                        ? Vocabulary.MonthOrAbbreviation(t[i].Text)
                        : null);
        if (month is not null)
        {
            var y = year ?? (new DateOnly(asOf.Year, month.Value, 1) <= asOf ? asOf.Year : asOf.Year - 1);
            var from = new DateOnly(y, month.Value, 1);
            return new SpanReading(from, from.AddMonths(1).AddDays(-1), year is null ? [t[i].Index] : [t[i].Index, t[i + 1].Index], year is not null);
        }

        if (t[i].Text.Length == 2 && t[i].Text[0] == 'q' && t[i].Text[1] is >= '1' and <= '4')
        {
            var quarter = t[i].Text[1] - '0';
            var y = year ?? (new DateOnly(asOf.Year, quarter * 3 - 2, 1) <= asOf ? asOf.Year : asOf.Year - 1);
            var from = new DateOnly(y, quarter * 3 - 2, 1);
            return new SpanReading(from, from.AddMonths(3).AddDays(-1), year is null ? [t[i].Index] : [t[i].Index, t[i + 1].Index], year is not null);
        }

        // "H2 2015", "h1": a half year (without a year, the most recent one starting on or before as_of)
        if (t[i].Text is "h1" or "h2")
        {
            var startMonth = t[i].Text == "h1" ? 1 : 7;
            var y = year ?? (new DateOnly(asOf.Year, startMonth, 1) <= asOf ? asOf.Year : asOf.Year - 1);
            var from = new DateOnly(y, startMonth, 1);
            return new SpanReading(from, from.AddMonths(6).AddDays(-1), year is null ? [t[i].Index] : [t[i].Index, t[i + 1].Index], year is not null);
        }

        if (Vocabulary.Year(t[i]) is { } only && (i == 0 || t[i - 1].Text is not ("than" or "above" or "below" or "over" or "under")))
        {
            return new SpanReading(new DateOnly(only, 1, 1), new DateOnly(only, 12, 31), [t[i].Index], true);
        }

        if (DateOnly.TryParseExact(t[i].Text, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var ym))
        {
            return new SpanReading(ym, ym.AddMonths(1).AddDays(-1), [t[i].Index], true);
        }

        return null;
    }

    private static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
