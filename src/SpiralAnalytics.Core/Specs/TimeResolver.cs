using System.Globalization;

namespace SpiralAnalytics.Core.Specs;

/// <summary>A concrete window. Sprint windows are resolved in SQL (the sprints live in the tenant's data); calendar ones here.</summary>
public abstract record ResolvedWindow
{
    public abstract string Describe();
}

/// <summary>
/// Each team's closed sprints (closed on or before <paramref name="AsOf"/>) ranked newest first, ranks
/// <paramref name="Skip"/>+1 … <paramref name="Skip"/>+<paramref name="Take"/> (the previous period of "last 3" is ranks 4-6).
/// </summary>
public sealed record SprintRankWindow(int Skip, int Take, DateTimeOffset AsOf) : ResolvedWindow
{
    public override string Describe() => Skip == 0
        ? $"each team's last {Take} closed sprint{(Take == 1 ? "" : "s")} as of {Iso(AsOf)}"
        : $"each team's closed sprints {Skip + 1}-{Skip + Take} back as of {Iso(AsOf)}";

    internal static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

/// <summary>Each team's sprint active at <paramref name="AsOf"/>: started on or before it and not closed by then (or still active).</summary>
public sealed record ActiveSprintWindow(DateTimeOffset AsOf) : ResolvedWindow
{
    public override string Describe() => $"each team's sprint active at {SprintRankWindow.Iso(AsOf)}";
}

/// <summary>A calendar window [From, To) in UTC.</summary>
public sealed record CalendarWindow(DateTimeOffset From, DateTimeOffset To) : ResolvedWindow
{
    public override string Describe() => $"[{SprintRankWindow.Iso(From)}, {SprintRankWindow.Iso(To)})";
}

/// <summary>No time restriction.</summary>
public sealed record AllTimeWindow : ResolvedWindow
{
    public override string Describe() => "all time";
}

/// <summary>A spec's time resolved against as_of: the window, the one before it (for compare), and the default-window warning.</summary>
public sealed record ResolvedTime(DateTimeOffset AsOf, ResolvedWindow Current, ResolvedWindow? Previous, string? Warning);

/// <summary>
/// Resolves the time forms of ANALYTICS-SPEC.md against as_of (UTC). Weeks start on Monday; calendar windows are half-open
/// [from, to); <c>between</c> dates are inclusive (to + 1 day); <c>rolling</c> N units end at as_of.
/// </summary>
public static class TimeResolver
{
    public const string DefaultWindowWarning = "default time window applied: last 6 closed sprints per team";

    public static ResolvedTime Resolve(TimeSpec? time, DateTimeOffset asOf)
    {
        try
        {
            return ResolveWindows(time, asOf.ToUniversalTime());
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or FormatException or OverflowException )
        {
            // The validator keeps dates and as_of inside SpecLimits' calendar, so this is a spec built past it: still the
            // caller's input, named as such, never a crash.
            throw new SpecValidationException([new SpecError("time", time?.Type,
                $"the window (or the one before it, for compare) reaches outside the calendar from as_of {SprintRankWindow.Iso(asOf)}; use dates from {SpecLimits.MinDate:yyyy-MM-dd} to {SpecLimits.MaxDate:yyyy-MM-dd}") { Rule = "time_range" }]);
        }
    }

    private static ResolvedTime ResolveWindows(TimeSpec? time, DateTimeOffset asOf)
    {
        switch (time)
        {
            case null:
                return new ResolvedTime(asOf, new SprintRankWindow(0, SpecLimits.DefaultSprints, asOf),
                    new SprintRankWindow(SpecLimits.DefaultSprints, SpecLimits.DefaultSprints, asOf), DefaultWindowWarning);
            case LastSprintsTime t:
                return new ResolvedTime(asOf, new SprintRankWindow(0, t.N, asOf), new SprintRankWindow(t.N, t.N, asOf), null);
            case CurrentSprintTime:
                return new ResolvedTime(asOf, new ActiveSprintWindow(asOf), new SprintRankWindow(0, 1, asOf), null);
            case PeriodTime t:
            {
                var start = Shift(StartOf(t.Unit, asOf), t.Unit, t.Offset);
                return new ResolvedTime(asOf, new CalendarWindow(start, Shift(start, t.Unit, 1)),
                    new CalendarWindow(Shift(start, t.Unit, -1), start), null);
            }

            case RollingTime t:
            {
                var from = Shift(asOf, t.Unit, -t.N);
                return new ResolvedTime(asOf, new CalendarWindow(from, asOf), new CalendarWindow(Shift(from, t.Unit, -t.N), from), null);
            }

            case BetweenTime t:
            {
                var from = Midnight(DateOnly.ParseExact(t.From, "yyyy-MM-dd", CultureInfo.InvariantCulture));
                var to = Midnight(DateOnly.ParseExact(t.To, "yyyy-MM-dd", CultureInfo.InvariantCulture).AddDays(1));
                return new ResolvedTime(asOf, new CalendarWindow(from, to), new CalendarWindow(from - (to - from), from), null);
            }

            case AllTime:
                return new ResolvedTime(asOf, new AllTimeWindow(), null, null);
            default:
                throw new ArgumentOutOfRangeException(nameof(time), time, "unknown time form");
        }
    }

    /// <summary>The start (UTC) of the week (Monday), month, quarter or year containing <paramref name="at"/>; a day's midnight for "day".</summary>
    public static DateTimeOffset StartOf(string unit, DateTimeOffset at)
    {
        var d = at.UtcDateTime.Date;
        return unit switch
        {
            "day" => Utc(d),
            "week" => Utc(d.AddDays(-(((int)d.DayOfWeek + 6) % 7))),
            "month" => Utc(new DateTime(d.Year, d.Month, 1, 0, 0, 0, DateTimeKind.Utc)),
            "quarter" => Utc(new DateTime(d.Year, ((d.Month - 1) / 3 * 3) + 1, 1, 0, 0, 0, DateTimeKind.Utc)),
            "year" => Utc(new DateTime(d.Year, 1, 1, 0, 0, 0, DateTimeKind.Utc)),
            _ => throw new ArgumentOutOfRangeException(nameof(unit), unit, "not a calendar unit"),
        };
    }

    public static DateTimeOffset Shift(DateTimeOffset at, string unit, int count) => unit switch
    {
        "day" => at.AddDays(count),
        "week" => at.AddDays(7 * count),
        "month" => at.AddMonths(count),
        "quarter" => at.AddMonths(3 * count),
        "year" => at.AddYears(count),
        _ => throw new ArgumentOutOfRangeException(nameof(unit), unit, "not a calendar unit"),
    };

    private static DateTimeOffset Midnight(DateOnly date) => new(date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc));

    private static DateTimeOffset Utc(DateTime d) => new(DateTime.SpecifyKind(d, DateTimeKind.Utc));
}
