namespace SpiralAnalytics.Core.Specs;

/// <summary>
/// AnalyticsSpec v1 (ANALYTICS-SPEC.md): what to compute, never how. The translator fills it in, <see cref="SpecValidator"/>
/// accepts or rejects it, <see cref="QueryBuilder"/> turns it into parameterized SQL. <see cref="SpecJson"/> is its canonical form.
/// </summary>
public sealed record AnalyticsSpec
{
    /// <summary>Null: an ordinary metric answer. Otherwise one of <see cref="AnalysisForms.All"/> (diagnose, anomalies).</summary>
    public string? Analysis { get; init; }

    /// <summary>1 to 5 catalog metric names; <c>name@version</c> pins a version.</summary>
    public required IReadOnlyList<string> Metrics { get; init; }

    public IReadOnlyList<string> GroupBy { get; init; } = [];

    public IReadOnlyList<SpecFilter> Filters { get; init; } = [];

    /// <summary>Null: the default window (each team's last 6 closed sprints), with a warning.</summary>
    public TimeSpec? Time { get; init; }

    public CompareSpec? Compare { get; init; }

    public IReadOnlyList<HavingClause> Having { get; init; } = [];

    public IReadOnlyList<SortClause> Sort { get; init; } = [];

    public int? Limit { get; init; }

    /// <summary>The name part of a metric reference (<c>velocity@1.0.0</c> → <c>velocity</c>).</summary>
    public static string MetricName(string reference) => reference.Split('@', 2)[0];

    /// <summary>The pinned version of a metric reference, or null.</summary>
    public static string? MetricVersion(string reference) => reference.Split('@', 2) is [_, var version] ? version : null;

    public IEnumerable<string> MetricNames => Metrics.Select(MetricName);

    public bool Equals(AnalyticsSpec? other) => other is not null && SpecJson.Write(this) == SpecJson.Write(other);

    public override int GetHashCode() => SpecJson.Write(this).GetHashCode(StringComparison.Ordinal);
}

/// <summary>
/// The analysis forms of a spec (<c>"analysis"</c>): an explanation of sprints rather than a table of metric values.
/// <c>diagnose</c> explains the chosen sprint(s) of each team in scope through the components of the metric it names (the
/// composite problem score); <c>anomalies</c> lists the sprints of the window whose sprint-grain metrics stand out against the
/// team's own baseline. Both take team filters and a sprint window only.
/// </summary>
public static class AnalysisForms
{
    public const string Diagnose = "diagnose";
    public const string Anomalies = "anomalies";

    public static readonly IReadOnlyList<string> All = [Diagnose, Anomalies];

    /// <summary>The dimensions an analysis may filter on.</summary>
    public static readonly IReadOnlyList<string> FilterDimensions = ["team"];
}

/// <summary><c>{dimension, op, values}</c>: op is one of <see cref="FilterOps.All"/>.</summary>
public sealed record SpecFilter(string Dimension, string Op, IReadOnlyList<string> Values)
{
    public bool Equals(SpecFilter? other) =>
        other is not null && Dimension == other.Dimension && Op == other.Op && Values.SequenceEqual(other.Values);

    public override int GetHashCode() => HashCode.Combine(Dimension, Op, Values.Count);
}

/// <summary>A threshold on a metric's value after aggregation: op is one of <see cref="HavingOps.All"/>.</summary>
public sealed record HavingClause(string Metric, string Op, double Value);

/// <summary>Sort on a metric of the spec or a grouped dimension; dir <c>asc</c> or <c>desc</c>.</summary>
public sealed record SortClause(string By, string Dir);

/// <summary><c>{"type": "previous_period"}</c>: the same window shifted back once.</summary>
public sealed record CompareSpec(string Type)
{
    public const string PreviousPeriod = "previous_period";
}

/// <summary>The time forms of ANALYTICS-SPEC.md, resolved against <c>as_of</c> by <see cref="TimeResolver"/>.</summary>
public abstract record TimeSpec
{
    public abstract string Type { get; }

    public static readonly IReadOnlyList<string> Types = ["last_sprints", "current_sprint", "period", "rolling", "between", "all"];
}

/// <summary>Each in-scope team's N most recently closed sprints (closed on or before as_of).</summary>
public sealed record LastSprintsTime(int N) : TimeSpec
{
    public override string Type => "last_sprints";
}

/// <summary>Each in-scope team's sprint active at as_of.</summary>
public sealed record CurrentSprintTime : TimeSpec
{
    public override string Type => "current_sprint";
}

/// <summary>The calendar unit (week, month, quarter, year) containing as_of, shifted by Offset (0 = this, -1 = last).</summary>
public sealed record PeriodTime(string Unit, int Offset) : TimeSpec
{
    public override string Type => "period";

    public static readonly IReadOnlyList<string> Units = ["week", "month", "quarter", "year"];
}

/// <summary>The N units (day, week, month) ending at as_of.</summary>
public sealed record RollingTime(string Unit, int N) : TimeSpec
{
    public override string Type => "rolling";

    public static readonly IReadOnlyList<string> Units = ["day", "week", "month"];
}

/// <summary>Inclusive dates (YYYY-MM-DD).</summary>
public sealed record BetweenTime(string From, string To) : TimeSpec
{
    public override string Type => "between";
}

/// <summary>No time restriction.</summary>
public sealed record AllTime : TimeSpec
{
    public override string Type => "all";
}

public static class FilterOps
{
    public const string Eq = "eq";
    public const string Neq = "neq";
    public const string In = "in";
    public const string NotIn = "not_in";

    public static readonly IReadOnlyList<string> All = [Eq, Neq, In, NotIn];

    public static bool IsNegative(string op) => op is Neq or NotIn;
}

public static class HavingOps
{
    public static readonly IReadOnlyList<string> All = ["gt", "gte", "lt", "lte", "eq"];

    public static string Sql(string op) => op switch
    {
        "gt" => ">",
        "gte" => ">=",
        "lt" => "<",
        "lte" => "<=",
        "eq" => "=",
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "not a having op"),
    };
}

public static class SortDirections
{
    public const string Asc = "asc";
    public const string Desc = "desc";

    public static readonly IReadOnlyList<string> All = [Asc, Desc];
}

/// <summary>The limits of ANALYTICS-SPEC.md and of the time forms.</summary>
public static class SpecLimits
{
    public const int MaxMetrics = 5;
    public const int MaxLimit = 1000;
    public const int MaxSprints = 100;
    public const int MaxRolling = 366;
    public const int MaxPeriodsBack = 120;
    public const int DefaultSprints = 6;
}
